#!/usr/bin/env python3
"""Generate the demo data set for `mturk-review serve --demo`.

    python3 assets/make_demo.py > assets/demo.json

Standard library only and deterministic (fixed seed, no clock, no set iteration in the output).
All times are relative to the moment the server loads the file ("*_ago_secs").

The answer shapes follow the MTurk "Answer payloads" notes (QuestionFormAnswers documents, one
Answer per field for HTML/External forms, a single `taskAnswers` JSON array for Crowd HTML
Elements). Some answers are deliberately hostile or broken, to exercise the console:

  kind "ok"         well-formed XML 1.0, identifiers match the HIT's form
  kind "ctrl"       raw C0 control characters (ANSI/OSC escapes) inside the text; XML 1.0 forbids
                    them, so a strict parser rejects the document, but it is well-formed once they
                    are removed (a lenient parser such as quick-xml reads it)
  kind "empty"      answer "" (no answer document at all)
  kind "malformed"  truncated document

The validation at the bottom asserts the rules the Rust loader and the server rely on; it runs
before anything is printed, so a bad edit produces no output and a non-zero exit.
"""

import json
import random
import re
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

SEED = 20240611
rng = random.Random(SEED)

MIN, HOUR, DAY = 60, 3600, 86400

NS_ANSWERS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"
NS_QF_2017 = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
# FileUploadAnswer was dropped from the 2017-11-06 QuestionForm schema; the 2005-10-01 one has it.
NS_QF_2005 = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd"
NS_HTML = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
NS_EXT = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"

ESC, BEL = "\x1b", "\x07"
RLO, PDF = "\u202e", "\u202c"
ZWSP, ZWNJ, ZWJ, WJ, BOM = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"

# --------------------------------------------------------------------------------------------
# Workers. Realistic ids: "A" + 11-13 chars of [A-Z0-9], generated from the seed.
# --------------------------------------------------------------------------------------------
PERSONAS = ["pro1", "pro2", "steady", "lazy", "spam", "jp", "ar", "hi",
            "ansi", "emoji", "bidi", "zw", "newbie", "vet"]
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
W = {}
for p in PERSONAS:
    while True:
        wid = "A" + rng.choice("123") + "".join(rng.choice(_ALNUM) for _ in range(rng.randint(10, 12)))
        if wid not in W.values():
            break
    W[p] = wid

# --------------------------------------------------------------------------------------------
# Question documents
# --------------------------------------------------------------------------------------------

def qf_free(qid, display, text, required=True, lines=1, constraints=""):
    return (f"<Question><QuestionIdentifier>{qid}</QuestionIdentifier><DisplayName>{escape(display)}</DisplayName>"
            f"<IsRequired>{'true' if required else 'false'}</IsRequired>"
            f"<QuestionContent><Text>{escape(text)}</Text></QuestionContent>"
            f"<AnswerSpecification><FreeTextAnswer>"
            f"{'<Constraints>' + constraints + '</Constraints>' if constraints else ''}"
            f"<NumberOfLinesSuggestion>{lines}</NumberOfLinesSuggestion>"
            f"</FreeTextAnswer></AnswerSpecification></Question>")


def qf_select(qid, display, text, options, style, min_sel=1, max_sel=1, other=False, required=True):
    sels = "".join(f"<Selection><SelectionIdentifier>{sid}</SelectionIdentifier><Text>{escape(label)}</Text></Selection>"
                   for sid, label in options)
    if other:
        sels += '<OtherSelection><Constraints><Length minLength="2" maxLength="100"/></Constraints></OtherSelection>'
    counts = "" if style == "radiobutton" else f"<MinSelectionCount>{min_sel}</MinSelectionCount><MaxSelectionCount>{max_sel}</MaxSelectionCount>"
    return (f"<Question><QuestionIdentifier>{qid}</QuestionIdentifier><DisplayName>{escape(display)}</DisplayName>"
            f"<IsRequired>{'true' if required else 'false'}</IsRequired>"
            f"<QuestionContent><Text>{escape(text)}</Text></QuestionContent>"
            f"<AnswerSpecification><SelectionAnswer>{counts}<StyleSuggestion>{style}</StyleSuggestion>"
            f"<Selections>{sels}</Selections></SelectionAnswer></AnswerSpecification></Question>")


def qf_upload(qid, display, text, max_bytes, min_bytes):
    return (f"<Question><QuestionIdentifier>{qid}</QuestionIdentifier><DisplayName>{escape(display)}</DisplayName>"
            f"<IsRequired>true</IsRequired><QuestionContent><Text>{escape(text)}</Text></QuestionContent>"
            f"<AnswerSpecification><FileUploadAnswer><MaxFileSizeInBytes>{max_bytes}</MaxFileSizeInBytes>"
            f"<MinFileSizeInBytes>{min_bytes}</MinFileSizeInBytes></FileUploadAnswer></AnswerSpecification></Question>")


def qf_overview(title, *paras):
    return ("<Overview>" + f"<Title>{escape(title)}</Title>" +
            "".join(f"<Text>{escape(p)}</Text>" for p in paras) + "</Overview>")


def question_form(ns, *parts):
    return f'<QuestionForm xmlns="{ns}">' + "".join(parts) + "</QuestionForm>"


def html_question(html, frame_height=0):
    assert "]]>" not in html
    return (f'<HTMLQuestion xmlns="{NS_HTML}"><HTMLContent><![CDATA[\n{html.strip()}\n]]></HTMLContent>'
            f"<FrameHeight>{frame_height}</FrameHeight></HTMLQuestion>")


def external_question(url, frame_height):
    return f'<ExternalQuestion xmlns="{NS_EXT}"><ExternalURL>{escape(url)}</ExternalURL><FrameHeight>{frame_height}</FrameHeight></ExternalQuestion>'


CROWD_JS = '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>'

SURVEY_Q = question_form(
    NS_QF_2017,
    qf_overview("Grocery shopping survey (about 5 minutes)",
                "We are a university research group studying how households buy groceries online. "
                "There are no right or wrong answers, but please read every question: the survey "
                "contains an attention check, and answers that fail it are rejected.",
                "Your answers are anonymous. Please take this survey only once."),
    qf_select("shop_frequency", "Frequency", "How often do you order groceries online?",
              [("never", "Never"), ("monthly", "About once a month or less"),
               ("weekly", "About once a week"), ("several_weekly", "Several times a week")], "radiobutton"),
    qf_select("services", "Services", "Which of these services have you used in the last 3 months? (select all that apply)",
              [("instacart", "Instacart"), ("amazon_fresh", "Amazon Fresh / Whole Foods delivery"),
               ("walmart", "Walmart+ delivery"), ("store_pickup", "Curbside pickup from a store"),
               ("local_delivery", "A local store's own delivery"), ("none", "None of these")],
              "checkbox", min_sel=1, max_sel=6, other=True),
    qf_select("primary_store", "Main store", "Where do you buy most of your groceries?",
              [("costco", "Costco"), ("kroger", "Kroger (incl. Ralphs, Fred Meyer, ...)"),
               ("walmart", "Walmart"), ("target", "Target"), ("aldi", "Aldi")],
              "dropdown", min_sel=1, max_sel=1, other=True),
    qf_select("attention_check", "Attention check",
              "This question checks that you are reading. Please select \"Rarely\" regardless of your opinion.",
              [("always", "Always"), ("often", "Often"), ("rarely", "Rarely"), ("never", "Never")], "radiobutton"),
    qf_free("frustration", "Biggest frustration",
            "What is the most frustrating part of ordering groceries online? Please answer in at least one full sentence.",
            lines=4, constraints='<Length minLength="15" maxLength="2000"/>'),
    qf_free("household_size", "Household size", "How many people live in your household (including you)?",
            constraints='<IsNumeric minValue="1" maxValue="20"/>'),
    qf_free("comments", "Comments", "Anything else you would like to tell us? (optional)", required=False, lines=3),
)
SURVEY_SEL = {
    "shop_frequency": ["never", "monthly", "weekly", "several_weekly"],
    "services": ["instacart", "amazon_fresh", "walmart", "store_pickup", "local_delivery", "none"],
    "primary_store": ["costco", "kroger", "walmart", "target", "aldi"],
    "attention_check": ["always", "often", "rarely", "never"],
}

ADDRESS_Q = html_question("""
<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"/>
<script type="text/javascript" src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"></script>
<style>label{display:block;margin-top:8px} input[type=text]{width:360px}</style>
</head>
<body>
<form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" value="" name="assignmentId" id="assignmentId"/>
<h2>Find the contact details of this business</h2>
<p>Business: <b>Larkspur Hardware &amp; Supply</b>, Dayton, Ohio (USA)</p>
<p>Use a search engine or map service. Copy the details exactly as the business publishes them.
If you cannot find the business, write that in the notes field instead of guessing.</p>
<label>Business name <input type="text" name="business_name" required/></label>
<label>Street address <input type="text" name="street_address" required/></label>
<label>City <input type="text" name="city" required/></label>
<label>State <input type="text" name="state" maxlength="20" required/></label>
<label>ZIP code <input type="text" name="zip" maxlength="10" required/></label>
<label>Phone <input type="text" name="phone" required/></label>
<label>Website (if any) <input type="text" name="website"/></label>
<label>Notes <textarea name="notes" rows="3" cols="60"></textarea></label>
<p><input type="submit" id="submitButton" value="Submit"/></p>
</form>
<script language="Javascript">turkSetAssignmentID();</script>
</body>
</html>
""")
ADDRESS_FIELDS = ["business_name", "street_address", "city", "state", "zip", "phone", "website", "notes"]

REVIEWS = {
    "sentiment_a": ("Went in expecting another slow period drama and came out wiping my eyes. The last twenty "
                    "minutes of The Keeper's Daughter are as good as anything I've seen this year, and the "
                    "score does half the work. Bring tissues."),
    "sentiment_b": ("Gorgeous to look at \u2014 every frame could hang in a gallery \u2014 but the story falls "
                    "apart in the second half, and the lead seems to be acting in a different movie than "
                    "everyone else. I wanted to love it."),
    "sentiment_c": ("Oh great, another sequel nobody asked for. Two hours and eleven minutes of explosions, a "
                    "plot you could fit on a napkin, and a \"twist\" you'll see coming from the parking lot. "
                    "At least the popcorn was fresh."),
}


def sentiment_q(review):
    return html_question(f"""
{CROWD_JS}
<crowd-form>
  <crowd-classifier name="sentiment" categories="['Positive', 'Negative', 'Neutral', 'Mixed']"
                    header="What is the overall sentiment of this movie review?">
    <classification-target>
      <p>{escape(review)}</p>
    </classification-target>
    <full-instructions header="Sentiment guidelines">
      <p><strong>Positive</strong>: the reviewer recommends the movie overall.</p>
      <p><strong>Negative</strong>: the reviewer does not recommend it. Watch out for sarcasm.</p>
      <p><strong>Mixed</strong>: clear praise <em>and</em> clear criticism, no overall verdict.</p>
      <p><strong>Neutral</strong>: no opinion is expressed.</p>
    </full-instructions>
    <short-instructions>Pick the label that best describes the whole review, not one sentence.</short-instructions>
  </crowd-classifier>
  <crowd-input name="comment" label="Which words made you decide? (short quote or note)"></crowd-input>
  <p>How confident are you?</p>
  <crowd-slider name="confidence" min="1" max="5" step="1" pin="true" required></crowd-slider>
</crowd-form>
""")


def bbox_q(img_url, labels, what):
    return html_question(f"""
{CROWD_JS}
<crowd-form>
  <crowd-bounding-box name="annotatedResult" src="{img_url}"
                      header="Draw a box around every {what} in the image"
                      labels="{labels}">
    <full-instructions header="Bounding box instructions">
      <ol>
        <li>Draw one tight box per object; include partly hidden objects.</li>
        <li>Boxes must touch the outermost visible pixels of the object.</li>
        <li>Do not draw a single box around a group.</li>
      </ol>
    </full-instructions>
    <short-instructions>One tight box per {what}. Partly visible ones count.</short-instructions>
  </crowd-bounding-box>
</crowd-form>
""")


TRANSCRIBE_URL = "https://tasks.neighborhoodroots-audio.example/transcribe?clip=ep041-seg07&lang=en-US&v=3"
TRANSCRIBE_Q = external_question(TRANSCRIBE_URL, 900)
TRANSCRIBE_FIELDS = ["transcript", "speaker_count", "audio_quality", "unclear_segments"]

UPLOAD_Q = question_form(
    NS_QF_2005,
    qf_overview("Photograph a breakfast cereal shelf",
                "Go to a grocery store near you and take ONE photo of the breakfast cereal shelf, showing "
                "at least 3 shelves from the front. The price labels must be readable. Photos from the "
                "internet, screenshots and photos of a screen will be rejected.",
                "Do not include people's faces in the photo."),
    qf_free("store_name", "Store", "Name of the store (e.g. \"Kroger\")"),
    qf_free("store_city", "City", "City and state / country of the store"),
    qf_upload("shelf_photo", "Photo", "Upload your photo (JPEG, PNG or HEIC, 50 KB to 15 MB)", 15000000, 51200),
    qf_select("taken_today", "Taken today", "Did you take this photo yourself within the last 24 hours?",
              [("yes", "Yes"), ("no", "No")], "radiobutton"),
)
UPLOAD_SEL = {"taken_today": ["yes", "no"]}

RECEIPT_Q = html_question(f"""
{CROWD_JS}
<crowd-form>
  <h3>Type in the key details of this receipt</h3>
  <img src="https://receipts-batch7.s3.amazonaws.com/img/rcpt-00418.jpg" style="max-width:100%" alt="receipt"/>
  <p>Copy the store name exactly as printed (any language). Use the date printed on the receipt
  (YYYY-MM-DD). The total is the amount paid, without currency symbols.</p>
  <crowd-input name="merchant" label="Store name" required></crowd-input>
  <crowd-input name="purchase_date" label="Date (YYYY-MM-DD)" required></crowd-input>
  <crowd-input name="total" label="Total paid" required></crowd-input>
  <crowd-input name="currency" label="Currency (3-letter code, e.g. USD)" max-length="3" required></crowd-input>
  <p>How was it paid?</p>
  <crowd-radio-group>
    <crowd-radio-button name="pay_cash" value="cash">Cash</crowd-radio-button>
    <crowd-radio-button name="pay_card" value="card">Card</crowd-radio-button>
    <crowd-radio-button name="pay_unknown" value="unknown">Can't tell</crowd-radio-button>
  </crowd-radio-group>
</crowd-form>
""")

CATEGORY_Q = question_form(
    NS_QF_2017,
    qf_overview("Categorize a product listing",
                "Product title: \"Stainless steel insulated water bottle, 32 oz (946 ml), leak-proof chug "
                "lid, keeps drinks cold 24 hrs / hot 12 hrs\"",
                "Choose the ONE department where a shopper would most likely look for this product."),
    qf_select("category", "Department", "Department",
              [("kitchen_dining", "Kitchen & Dining"), ("sports_outdoors", "Sports & Outdoors"),
               ("home_improvement", "Home Improvement"), ("toys_games", "Toys & Games"),
               ("health_beauty", "Health & Beauty")], "radiobutton", other=True),
    qf_free("subcategory", "Sub-category", "Suggest a more specific sub-category (e.g. \"Drinkware\")"),
    qf_select("confidence", "Confidence", "How sure are you?",
              [("low", "Not sure"), ("medium", "Fairly sure"), ("high", "Very sure")], "radiobutton"),
)
CATEGORY_SEL = {"category": ["kitchen_dining", "sports_outdoors", "home_improvement", "toys_games", "health_beauty"],
                "confidence": ["low", "medium", "high"]}

# --------------------------------------------------------------------------------------------
# HITs
# --------------------------------------------------------------------------------------------
HITS = [
    dict(key="survey", kind="questionform-survey",
         title="Grocery shopping survey - 7 questions, about 5 minutes",
         description="Answer 7 short questions about how you buy groceries online. Contains an attention check. One response per worker.",
         keywords="survey, shopping, groceries, questionnaire, quick, research",
         reward="0.50", max_assignments=12, assignment_duration_secs=1800, auto_approval_delay_secs=3 * DAY,
         created_ago_secs=4 * DAY + 2 * HOUR + 17 * MIN, lifetime_secs=7 * DAY, question=SURVEY_Q),
    dict(key="address", kind="htmlquestion-form",
         title="Find the address and phone number of a hardware store",
         description="Search the web for one small business and copy its street address, phone number and website into the form.",
         keywords="data collection, web research, address, phone number, business listing",
         reward="0.15", max_assignments=9, assignment_duration_secs=900, auto_approval_delay_secs=3 * DAY,
         created_ago_secs=2 * DAY + 5 * HOUR + 41 * MIN, lifetime_secs=5 * DAY, question=ADDRESS_Q),
    dict(key="sentiment_a", kind="crowd-sentiment",
         title="Is this movie review positive or negative? (batch 12, review 1)",
         description="Read a short movie review and choose its overall sentiment. Takes under a minute.",
         keywords="sentiment, classification, movie, review, text, easy",
         reward="0.05", max_assignments=7, assignment_duration_secs=600, auto_approval_delay_secs=2 * DAY,
         created_ago_secs=3 * DAY + 1 * HOUR + 3 * MIN, lifetime_secs=4 * DAY, question=sentiment_q(REVIEWS["sentiment_a"])),
    dict(key="sentiment_b", kind="crowd-sentiment",
         title="Is this movie review positive or negative? (batch 12, review 2)",
         description="Read a short movie review and choose its overall sentiment. Takes under a minute.",
         keywords="sentiment, classification, movie, review, text, easy",
         reward="0.05", max_assignments=7, assignment_duration_secs=600, auto_approval_delay_secs=2 * DAY,
         created_ago_secs=3 * DAY + 1 * HOUR + 2 * MIN, lifetime_secs=4 * DAY, question=sentiment_q(REVIEWS["sentiment_b"])),
    dict(key="sentiment_c", kind="crowd-sentiment",
         title="Is this movie review positive or negative? (batch 12, review 3)",
         description="Read a short movie review and choose its overall sentiment. Takes under a minute.",
         keywords="sentiment, classification, movie, review, text, easy",
         reward="0.05", max_assignments=7, assignment_duration_secs=600, auto_approval_delay_secs=2 * DAY,
         created_ago_secs=1 * DAY + 20 * HOUR + 30 * MIN, lifetime_secs=4 * DAY, question=sentiment_q(REVIEWS["sentiment_c"])),
    dict(key="bbox_park", kind="crowd-bounding-box",
         title="Draw boxes around people and dogs in a park photo",
         description="Draw a tight bounding box around every person and every dog in one photo.",
         keywords="image, bounding box, annotation, labeling, computer vision, dogs",
         reward="0.35", max_assignments=5, assignment_duration_secs=1200, auto_approval_delay_secs=7 * DAY,
         created_ago_secs=6 * DAY + 3 * HOUR, lifetime_secs=14 * DAY,
         question=bbox_q("https://cv-datasets-demo.s3.amazonaws.com/park/IMG_0417.jpg", "['human', 'dog']", "person and dog")),
    dict(key="bbox_street", kind="crowd-bounding-box",
         title="Draw boxes around pedestrians and bicycles in a street photo",
         description="Draw a tight bounding box around every pedestrian and every bicycle in one photo.",
         keywords="image, bounding box, annotation, labeling, computer vision, street",
         reward="0.35", max_assignments=5, assignment_duration_secs=1200, auto_approval_delay_secs=7 * DAY,
         created_ago_secs=7 * DAY + 2 * HOUR, lifetime_secs=14 * DAY,
         question=bbox_q("https://cv-datasets-demo.s3.amazonaws.com/street/IMG_2291.jpg", "['person', 'bicycle']", "pedestrian and bicycle")),
    dict(key="transcribe", kind="externalquestion-transcription",
         title="Transcribe a 4-minute podcast segment (2 speakers, clear audio)",
         description="Listen to a short interview and type a complete, verbatim transcript with speaker labels. Automatic captions are not accepted.",
         keywords="transcription, audio, podcast, english, typing, verbatim",
         reward="2.50", max_assignments=5, assignment_duration_secs=2 * HOUR, auto_approval_delay_secs=5 * DAY,
         created_ago_secs=5 * DAY + 4 * HOUR, lifetime_secs=10 * DAY, question=TRANSCRIBE_Q),
    dict(key="upload", kind="questionform-file-upload",
         title="Take a photo of the cereal shelf in a grocery store near you",
         description="Visit any grocery store, photograph the breakfast cereal shelf so price labels are readable, and upload the photo.",
         keywords="photo, upload, grocery, store, in-person, retail audit",
         reward="1.00", max_assignments=6, assignment_duration_secs=2 * HOUR, auto_approval_delay_secs=10 * DAY,
         created_ago_secs=10 * DAY + 7 * HOUR, lifetime_secs=14 * DAY, question=UPLOAD_Q),
    dict(key="receipt", kind="crowd-receipt-extraction",
         title="Type the store name, date and total from a receipt photo",
         description="Look at one photo of a shop receipt and copy four fields into the form. Receipts may be in any language.",
         keywords="receipt, data entry, transcription, extraction, image, quick",
         reward="0.20", max_assignments=9, assignment_duration_secs=900, auto_approval_delay_secs=30 * DAY,
         created_ago_secs=50 * DAY + 3 * HOUR, lifetime_secs=90 * DAY, question=RECEIPT_Q),
    dict(key="categorize", kind="questionform-categorisation",
         title="Pick the right store department for a product",
         description="Read one product title and choose the store department it belongs to.",
         keywords="categorization, product, e-commerce, classification, taxonomy",
         reward="0.08", max_assignments=8, assignment_duration_secs=600, auto_approval_delay_secs=21 * DAY,
         created_ago_secs=40 * DAY + 9 * HOUR, lifetime_secs=60 * DAY, question=CATEGORY_Q),
]
HIT_BY_KEY = {h["key"]: h for h in HITS}

# Typical working times (seconds) per HIT, used when an assignment does not fix its own.
DURATION = {"survey": (170, 900), "address": (120, 700), "sentiment_a": (40, 180), "sentiment_b": (40, 180),
            "sentiment_c": (40, 180), "bbox_park": (90, 600), "bbox_street": (120, 900),
            "transcribe": (1500, 3000), "upload": (420, 2400), "receipt": (60, 360), "categorize": (40, 160)}

# --------------------------------------------------------------------------------------------
# Answer documents
# --------------------------------------------------------------------------------------------

def F(qid, text):
    return ("free", qid, text)


def S(qid, *ids, other=None):
    return ("sel", qid, list(ids), other)


def U(qid, size, key):
    return ("file", qid, size, key)


def answer_xml(items, ascii_doc=False):
    """A QuestionFormAnswers document. ascii_doc: declare encoding="ASCII" and write non-ASCII
    characters as character references, as MTurk does for HTMLQuestion/ExternalQuestion forms."""
    out = []
    for it in items:
        if it[0] == "free":
            body = f"<FreeText>{escape(it[2])}</FreeText>"
        elif it[0] == "sel":
            body = "".join(f"<SelectionIdentifier>{escape(s)}</SelectionIdentifier>" for s in it[2])
            if it[3] is not None:
                body += f"<OtherSelectionText>{escape(it[3])}</OtherSelectionText>"
        else:
            body = f"<UploadedFileSizeInBytes>{it[2]}</UploadedFileSizeInBytes><UploadedFileKey>{escape(it[3])}</UploadedFileKey>"
        out.append(f"  <Answer><QuestionIdentifier>{it[1]}</QuestionIdentifier>{body}</Answer>\n")
    doc = (f'<?xml version="1.0" encoding="{"ASCII" if ascii_doc else "UTF-8"}"?>\n'
           f'<QuestionFormAnswers xmlns="{NS_ANSWERS}">\n' + "".join(out) + "</QuestionFormAnswers>")
    if ascii_doc:
        doc = doc.encode("ascii", "xmlcharrefreplace").decode("ascii")
    return doc


def form_answers(fields, values, ascii_doc=True):
    """HTMLQuestion / ExternalQuestion: one Answer per form field, in form order, FreeText values."""
    return answer_xml([F(f, values[f]) for f in fields if f in values], ascii_doc=ascii_doc)


def crowd_answers(obj, sort_keys=False):
    # JSON.stringify style: compact, non-ASCII kept, control characters escaped (\u001b).
    return answer_xml([F("taskAnswers", json.dumps([obj], ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys))])


def sentiment(label, comment, confidence):
    return crowd_answers({"sentiment": {"label": label}, "comment": comment, "confidence": confidence})


def boxes(img_w, img_h, bxs):
    return crowd_answers({"annotatedResult": {
        "boundingBoxes": [{"height": h, "label": lab, "left": l, "top": t, "width": w} for lab, l, t, w, h in bxs],
        "inputImageProperties": {"height": img_h, "width": img_w}}}, sort_keys=True)


def jitter(bxs, amount, img_w, img_h):
    out = []
    for lab, l, t, w, h in bxs:
        l2 = max(0, l + rng.randint(-amount, amount))
        t2 = max(0, t + rng.randint(-amount, amount))
        w2 = min(img_w - l2, w + rng.randint(-amount, amount))
        h2 = min(img_h - t2, h + rng.randint(-amount, amount))
        out.append((lab, l2, t2, w2, h2))
    return out


def receipt(merchant, date, total, currency, pay):
    obj = {"currency": currency, "merchant": merchant,
           "pay_card": {"on": pay == "card"}, "pay_cash": {"on": pay == "cash"}, "pay_unknown": {"on": pay == "unknown"},
           "purchase_date": date, "total": total}
    return crowd_answers(obj)


# ---- transcription texts ------------------------------------------------------------------
TRANSCRIPT_TURNS = [
    ("DANA", "Welcome back to Neighborhood Roots. I'm Dana Whitfield, and today we're at the Maple Street "
             "community garden with Luis Ortega, who has been running the seed library here for, what, six years now?"),
    ("LUIS", "Seven this spring. It started as a shoebox of envelopes on a folding table, honestly. People would "
             "bring back whatever they'd saved from their tomatoes and beans, and we'd write the variety on the "
             "envelope in Sharpie. Half the time the Sharpie ran in the rain."),
    ("DANA", "And now it's, I'm looking at it, it's a whole cabinet."),
    ("LUIS", "It's a whole cabinet. Two cabinets, actually, there's another one in the tool shed for the things "
             "that need to stay cool. We have something like four hundred varieties. Most of them are tomatoes, "
             "because everybody saves tomatoes, but we've got a really good collection of peppers from the "
             "families on Orchard Avenue, and there's a cowpea that Mrs. Bell's grandmother brought up from "
             "Georgia in the nineteen-fifties. That one we guard pretty carefully."),
    ("DANA", "What happens if somebody takes seeds and the crop fails?"),
    ("LUIS", "Nothing happens. That's the point. There's no late fee. We ask people to try to bring back twice what "
             "they took, but if your squash got powdery mildew and died, you come tell us about it, and that's "
             "useful too, because then we know that variety doesn't do well on the north beds. We keep a notebook. "
             "The notebook is honestly more valuable than the seeds at this point."),
    ("DANA", "Can you give me an example of something you learned from the notebook?"),
    ("LUIS", "Sure. So, for years we had people planting Cherokee Purple tomatoes in the beds closest to the fence, "
             "and they'd always crack. Every August, cracked fruit. And it took three different people writing it "
             "down before somebody noticed that the sprinkler on the other side of the fence, the one that belongs "
             "to the apartment building, comes on at four in the morning and soaks that whole strip. So it wasn't "
             "the variety at all, it was the watering. We moved the tomatoes and put squash there instead, and the "
             "squash loves it."),
    ("DANA", "That's a great detective story."),
    ("LUIS", "[laughs] It's a very slow detective story. Seven years."),
    ("DANA", "Last question. If someone listening wants to start a seed library in their own neighborhood, where "
             "should they begin?"),
    ("LUIS", "Start with a box and a notebook. Don't buy anything fancy. Put it somewhere people already go, like "
             "the library or a laundromat, and just ask people to write down what they learned. The seeds will "
             "come. The stories are the hard part."),
]
_STAMPS = [4, 15, 31, 36, 70, 75, 103, 109, 148, 151, 158, 166]


def transcript_careful():
    lines = []
    for (spk, text), s in zip(TRANSCRIPT_TURNS, _STAMPS):
        lines.append(f"[00:{s // 60:02d}:{s % 60:02d}] {spk.title()}: {text}")
    return "\n\n".join(lines)


def transcript_second():
    labels = {"DANA": "Speaker 1 (host)", "LUIS": "Speaker 2"}
    out = []
    for spk, text in TRANSCRIPT_TURNS:
        text = (text.replace("Sharpie", "sharpie").replace("I'm looking at it, ", "")
                .replace("nineteen-fifties", "1950s").replace("Mrs. Bell's grandmother", "Mrs. Bell's [inaudible] grandmother")
                .replace("Cherokee Purple tomatoes", "Cherokee Purples"))
        out.append(f"{labels[spk]}: {text}")
    return "\n".join(out)


def transcript_autocaption():
    words = re.sub(r"[^\w' ]", "", " ".join(t for _, t in TRANSCRIPT_TURNS[:6]).lower()).split()
    text = " ".join(words)
    text = (text.replace("neighborhood roots", "neighborhood routes").replace("luis ortega", "lewis or tega")
            .replace("sharpie", "sharpy").replace("cowpea", "cow pee"))
    return text[:1150]


def transcript_spam():
    # > 5,000 characters on one line, no spaces at all.
    unit = "asdfghjkl;asdfjkl;lkjhgfdsa" + "transcription" + "0123456789"
    return ("[00:00:00]" + unit * 110)[:6100]


# ---- hostile snippets -----------------------------------------------------------------------
ANSI_RED = f"{ESC}[31mRED{ESC}[0m"
OSC52 = f"{ESC}]52;c;ZWNobyBoYWNrZWQ={BEL}"        # base64 of "echo hacked"
OSC_TITLE = f"{ESC}]0;pwned{BEL}"

# --------------------------------------------------------------------------------------------
# Assignments. Each: (hit, persona, status, answer, options)
# options: kind (ok/ctrl/empty/malformed), dur (secs), sub (submitted_ago), near_auto_h (Submitted,
# hours left before auto-approval), old (rejected > 30 days ago), feedback, decided_after (secs after submit)
# --------------------------------------------------------------------------------------------
A = []


def add(hit, persona, status, answer, **opt):
    A.append(dict(hit=hit, persona=persona, status=status, answer=answer, **opt))


# ---- survey (QuestionForm, 12 of 12) ----
add("survey", "pro1", "Approved", answer_xml([
    S("shop_frequency", "weekly"), S("services", "instacart", "store_pickup"), S("primary_store", "kroger"),
    S("attention_check", "rarely"),
    F("frustration", "Substitutions. When something is out of stock the shopper picks a replacement that makes no "
                     "sense (I asked for unsalted butter and got margarine), and the app only tells me after the "
                     "order has already been paid for."),
    F("household_size", "4"),
    F("comments", "Clear questions, thanks. It would help to have a 'both' option for pickup vs delivery."),
]), dur=512, feedback="Thank you for the thoughtful answers!")
add("survey", "pro2", "Approved", answer_xml([
    S("shop_frequency", "several_weekly"), S("services", "store_pickup", "local_delivery", other="Shipt"),
    S("primary_store", other="H-E-B"), S("attention_check", "rarely"),
    F("frustration", "Delivery windows. The evening slots are always gone by Tuesday, so I end up picking 7-9am "
                     "and then someone has to stay home. Also produce quality is hit or miss."),
    F("household_size", "2"),
]), dur=388)
add("survey", "steady", "Submitted", answer_xml([
    S("shop_frequency", "monthly"), S("services", "walmart"), S("primary_store", "walmart"),
    S("attention_check", "rarely"),
    F("frustration", "Fees add up. Delivery fee + service fee + tip and suddenly a $60 order is $80."),
    F("household_size", "3"), F("comments", ""),
]), near_auto_h=5)
add("survey", "lazy", "Rejected", answer_xml([
    S("shop_frequency", "weekly"), S("services", "instacart"), S("primary_store", "walmart"),
    S("attention_check", "often"), F("frustration", "good"), F("household_size", "3"),
]), dur=74, feedback=("You did not pass the attention check: question 4 asked everyone to select \"Rarely\". "
                      "Your answer to the open question (\"good\") also does not answer it. As stated in the "
                      "instructions, submissions that fail the attention check are rejected."))
add("survey", "spam", "Submitted", answer_xml([
    S("shop_frequency", "never"), S("services", "instacart", "amazon_fresh", "walmart", "store_pickup", "local_delivery", "none"),
    S("primary_store", "costco"), S("attention_check", "always"),
    F("frustration", "What is the most frustrating part of ordering groceries online? Please answer in at least one full sentence."),
    F("household_size", "1"),
]), dur=7)
add("survey", "jp", "Submitted", answer_xml([
    S("shop_frequency", "weekly"), S("services", other="楽天西友ネットスーパー"), S("primary_store", other="イオン"),
    S("attention_check", "rarely"),
    F("frustration", "配達時間の枠がすぐに埋まってしまうことです。特に週末の夕方の枠はほとんど取れません。"
                     "また、野菜の鮮度を自分で確認できないのも不安です。"),
    F("household_size", "3"),
    F("comments", "日本在住なので、アメリカの店舗の選択肢は「その他」にしました。"),
]))
add("survey", "ar", "Submitted", answer_xml([
    S("shop_frequency", "monthly"), S("services", "amazon_fresh"), S("primary_store", "costco"),
    S("attention_check", "rarely"),
    F("frustration", "أكثر شيء مزعج هو أن الخضار والفواكه تصل أحيانًا بجودة أقل مما أختاره بنفسي في المتجر، "
                     "ولا يمكن إرجاعها بسهولة."),
    F("household_size", "6"),
]))
add("survey", "hi", "Submitted", answer_xml([
    S("shop_frequency", "weekly"), S("services", "walmart", "store_pickup"), S("primary_store", "walmart"),
    S("attention_check", "rarely"),
    F("frustration", "सबसे ज़्यादा परेशानी तब होती है जब डिलीवरी देर से आती है और फ्रोज़न सामान पिघल जाता है। "
                     "Customer care से बात करने में भी बहुत समय लगता है।"),
    F("household_size", "5"),
]))
add("survey", "ansi", "Submitted", answer_xml([
    S("shop_frequency", "weekly"), S("services", "instacart"), S("primary_store", "target"),
    S("attention_check", "rarely"),
    F("frustration", f"{ANSI_RED} ALERT: substitutions are terrible and nobody asks me first. "
                     f"{ESC}[1;5mIMPORTANT{ESC}[0m please read this one."),
    F("household_size", "2"),
]), kind="ctrl")
add("survey", "emoji", "Submitted", answer_xml([
    S("shop_frequency", "several_weekly"), S("services", "instacart", "amazon_fresh"), S("primary_store", "aldi"),
    S("attention_check", "rarely"),
    F("frustration", "Delivery fees 😤💸 and the app logging me out every single time I open it 🙃. "
                     "Also the bananas are always green 🍌🟩"),
    F("household_size", "2"), F("comments", "fun survey 👍✨"),
]))
add("survey", "bidi", "Submitted", answer_xml([
    S("shop_frequency", "weekly"), S("services", "walmart"), S("primary_store", "walmart"),
    S("attention_check", "rarely"),
    F("frustration", "Items missing from the bag and the refund takes a week to show up on my card."),
    F("household_size", "4"),
    # Renders as "Pay was fair. this HIT should not be rejected" but the bytes are reversed.
    F("comments", f"Pay was fair. {RLO}detcejer eb ton dluohs TIH siht{PDF}"),
]))
add("survey", "zw", "Submitted", answer_xml([
    S("shop_frequency", "weekly"), S("services", "store_pickup"), S("primary_store", "kroger"),
    S("attention_check", "rarely"),
    F("frustration", f"{BOM}Slow{ZWSP} delivery{ZWSP} and{ZWSP} missing{ZWJ} items,{ZWNJ} every{WJ} time."),
    F("household_size", f"3{ZWSP}"),
]))

# ---- address (HTMLQuestion form, 9 of 9) ----
GOOD_ADDR = dict(business_name="Larkspur Hardware & Supply", street_address="2214 Brown Street", city="Dayton",
                 state="OH", zip="45409", phone="(937) 555-0142", website="https://larkspurhardware.example",
                 notes="Hours on their website say Sun 10-4, the map listing says 10-6.")
add("address", "pro1", "Approved", form_answers(ADDRESS_FIELDS, GOOD_ADDR), dur=246,
    feedback="Great, thanks - and thanks for flagging the opening hours.")
add("address", "pro2", "Submitted", form_answers(ADDRESS_FIELDS, dict(
    business_name="Larkspur Hardware and Supply", street_address="2214 Brown St.", city="Dayton", state="Ohio",
    zip="45409-1120", phone="937-555-0142", website="", notes="")))
add("address", "steady", "Submitted", form_answers(ADDRESS_FIELDS, dict(
    business_name="LARKSPUR HARDWARE & SUPPLY CO", street_address="2214 Brown St", city="Dayton", state="OH",
    zip="45409", phone="+1 937 555 0142", website="larkspurhardware.example", notes="found on yelp")))
add("address", "newbie", "Rejected", form_answers(ADDRESS_FIELDS, dict(
    business_name="Larkspur Home Center", street_address="88 Larkspur Landing Cir", city="Larkspur", state="CA",
    zip="94939", phone="(415) 555-0199", website="", notes="")), dur=131,
    feedback=("The business you entered is in Larkspur, California. The HIT asked for Larkspur Hardware & Supply "
              "in Dayton, Ohio (shown in bold at the top of the task). Please read the task carefully before "
              "submitting."))
add("address", "lazy", "Submitted", form_answers(ADDRESS_FIELDS, dict(
    business_name="n/a", street_address="n/a", city="dayton", state="oh", zip="n/a", phone="n/a",
    website="", notes="asdf")), dur=48)
add("address", "ansi", "Submitted", form_answers(ADDRESS_FIELDS, dict(
    GOOD_ADDR, phone="(937) 555-0142", website="",
    notes=f"ok{OSC52} verified by phone")), kind="ctrl")
add("address", "bidi", "Submitted", form_answers(ADDRESS_FIELDS, dict(
    GOOD_ADDR, business_name=f"{RLO}{'Larkspur Hardware & Supply'[::-1]}{PDF}", website="", notes="")))
add("address", "hi", "Submitted", form_answers(ADDRESS_FIELDS, dict(
    GOOD_ADDR, street_address="2214 Brown St, Suite B", website="",
    notes="दुकान रविवार को सुबह 10 बजे खुलती है। Google Maps पर फ़ोन नंबर वही है।")))
add("address", "vet", "Submitted", form_answers(ADDRESS_FIELDS, dict(
    GOOD_ADDR, notes="Phone verified by calling 📞 - they answered \"Larkspur Hardware, this is Pete\".")))

# ---- sentiment (Crowd HTML, taskAnswers JSON) ----
add("sentiment_a", "pro1", "Approved", sentiment("Positive", "\"as good as anything I've seen this year\"", 5))
add("sentiment_a", "pro2", "Approved", sentiment("Positive", "came out wiping my eyes / bring tissues", 4))
add("sentiment_a", "spam", "Rejected", sentiment("Positive", "good", 5), dur=5,
    feedback=("Submitted in 5 seconds with the comment \"good\", which is the same comment you left on every "
              "review in this batch. The review could not have been read in that time."))
add("sentiment_a", "emoji", "Submitted", sentiment("Positive", "loved it 😭😭 bring tissues lol 🍿", 5))
add("sentiment_a", "jp", "Submitted", sentiment("Positive", "「今年見た中で最高」という表現が決め手です。", 4))
add("sentiment_a", "vet", "Submitted", sentiment(
    "Positive", "Clear praise for the ending & the score; \"slow period drama\" is the expectation, not a criticism.", 5))
add("sentiment_a", "newbie", "Submitted", sentiment("Neutral", "", 2), near_auto_h=3)

add("sentiment_b", "pro1", "Submitted", sentiment("Mixed", "Praises the visuals, criticises plot & lead <performance>", 4))
add("sentiment_b", "steady", "Submitted", sentiment("Negative", "\"the story falls apart\"", 3))
add("sentiment_b", "lazy", "Rejected", sentiment("Positive", "came out wiping my eyes / bring tissues", 5), dur=11,
    feedback=("Your comment is copied from a different review (\"bring tissues\" is not in this one), and the "
              "label does not match the text. Please read each review before answering."))
add("sentiment_b", "ansi", "Submitted", sentiment("Mixed", f"nice{OSC_TITLE}", 3))
add("sentiment_b", "ar", "Submitted", sentiment("Mixed", "الصورة جميلة جدًا لكن القصة تنهار في النصف الثاني.", 4))
add("sentiment_b", "zw", "Submitted", sentiment("Mixed", f"gor{ZWSP}geous visuals,{ZWNJ} weak{ZWJ} plot{WJ}", 4))

add("sentiment_c", "pro2", "Submitted", sentiment(
    "Negative", "Sarcastic: \"Oh great\", \"nobody asked for\" - only the popcorn gets praise", 5))
add("sentiment_c", "spam", "Submitted", sentiment("Positive", "good", 5), dur=9)
add("sentiment_c", "hi", "Submitted", sentiment(
    "Negative", "समीक्षक फ़िल्म से बिल्कुल खुश नहीं है, सिर्फ़ पॉपकॉर्न की तारीफ़ की है।", 4))
add("sentiment_c", "emoji", "Submitted", sentiment("Negative", "💀💀 \"a plot you could fit on a napkin\" 🤣", 5))
add("sentiment_c", "vet", "Submitted", sentiment(
    "Negative", "Sarcasm throughout; \"At least the popcorn was fresh\" is a backhanded compliment.", 5))

# ---- bounding boxes ----
PARK = (1920, 1080, [("human", 53, 174, 619, 902), ("dog", 1020, 640, 402, 311), ("human", 1412, 206, 248, 688)])
STREET = (4032, 3024, [("person", 402, 880, 515, 1905), ("person", 1580, 960, 430, 1710), ("bicycle", 1390, 1850, 980, 1050),
                       ("person", 3120, 1010, 300, 1202), ("bicycle", 2890, 1700, 620, 640)])
add("bbox_park", "pro1", "Approved", boxes(PARK[0], PARK[1], jitter(PARK[2], 6, PARK[0], PARK[1])))
add("bbox_park", "steady", "Submitted", boxes(PARK[0], PARK[1], jitter(PARK[2][:2], 25, PARK[0], PARK[1])))
add("bbox_park", "lazy", "Rejected", boxes(PARK[0], PARK[1], [("human", 0, 0, 1920, 1080)]), dur=14,
    feedback=("One box around the whole image is not an annotation. The instructions ask for one tight box per "
              "person and per dog; this image has 2 people and 1 dog."))
add("bbox_park", "vet", "Submitted", boxes(PARK[0], PARK[1], jitter(PARK[2], 10, PARK[0], PARK[1])))
add("bbox_park", "newbie", "Submitted", boxes(PARK[0], PARK[1], [("human", 60, 180, 1600, 880), ("dog", 1010, 630, 420, 330)]))
add("bbox_street", "pro2", "Submitted", boxes(STREET[0], STREET[1], jitter(STREET[2], 20, STREET[0], STREET[1])))
add("bbox_street", "spam", "Submitted", crowd_answers(
    {"annotatedResult": {"boundingBoxes": [], "inputImageProperties": {"height": 3024, "width": 4032}}}, sort_keys=True), dur=6)
add("bbox_street", "jp", "Submitted", boxes(STREET[0], STREET[1], jitter(STREET[2][:3] + STREET[2][4:], 30, STREET[0], STREET[1])))
add("bbox_street", "emoji", "Submitted", boxes(STREET[0], STREET[1], jitter(STREET[2], 45, STREET[0], STREET[1])))

# ---- transcription (ExternalQuestion) ----
_careful = form_answers(TRANSCRIBE_FIELDS, dict(
    transcript=transcript_careful(), speaker_count="2", audio_quality="good",
    unclear_segments="none - at 01:48 \"four in the morning\" overlaps with a truck but is audible"))
add("transcribe", "pro1", "Approved", _careful, dur=2710,
    feedback="Excellent, complete transcript with timestamps. Thank you!")
add("transcribe", "vet", "Submitted", form_answers(TRANSCRIBE_FIELDS, dict(
    transcript=transcript_second(), speaker_count="2", audio_quality="good",
    unclear_segments="00:01:05 one word unclear (marked [inaudible])")), dur=2280)
add("transcribe", "newbie", "Rejected", form_answers(TRANSCRIBE_FIELDS, dict(
    transcript=transcript_autocaption(), speaker_count="1", audio_quality="ok", unclear_segments="")), dur=312,
    feedback=("This is unedited automatic captioning: no punctuation, no speaker labels, names are wrong "
              "(\"lewis or tega\") and it stops after about a minute of a 3-minute clip. The HIT title and "
              "instructions say automatic captions are not accepted."))
add("transcribe", "spam", "Submitted", form_answers(TRANSCRIBE_FIELDS, dict(
    transcript=transcript_spam(), speaker_count="2", audio_quality="good", unclear_segments="no")), dur=95)
# A good worker's answer, truncated in the middle of the transcript: not well-formed XML.
_pro2_full = form_answers(TRANSCRIBE_FIELDS, dict(
    transcript=transcript_careful().replace("[laughs]", "(laughs)"), speaker_count="2", audio_quality="good",
    unclear_segments=""))
add("transcribe", "pro2", "Submitted", _pro2_full[:1900], kind="malformed", near_auto_h=15, dur=2950)

# ---- file upload (QuestionForm 2005-10-01) ----
add("upload", "pro1", "Approved", answer_xml([
    F("store_name", "Kroger"), F("store_city", "Columbus, OH"),
    U("shelf_photo", 3482114, f"uploads/{W['pro1']}/shelf_photo-IMG_20240608_174412.jpg"), S("taken_today", "yes")]),
    dur=1860)
add("upload", "steady", "Submitted", answer_xml([
    F("store_name", "Aldi"), F("store_city", "Naperville IL"),
    U("shelf_photo", 2210876, f"uploads/{W['steady']}/shelf_photo-IMG_4471.HEIC"), S("taken_today", "yes")]))
add("upload", "lazy", "Submitted", "", kind="empty", dur=62)
add("upload", "spam", "Rejected", answer_xml([
    F("store_name", "walmart"), F("store_city", "usa"),
    U("shelf_photo", 58233, f"uploads/{W['spam']}/shelf_photo-Screenshot_2024-06-09-22-14-03.png"), S("taken_today", "yes")]),
    dur=41, feedback=("The uploaded image is a screenshot of a stock photo found online (it still carries the "
                      "watermark). The task requires a photo you took yourself in a store, as stated in bold in "
                      "the instructions."))
add("upload", "ar", "Submitted", answer_xml([
    F("store_name", "كارفور - Carrefour"), F("store_city", "دبي، الإمارات"),
    U("shelf_photo", 4105521, f"uploads/{W['ar']}/shelf_photo-20240610_191530.jpg"), S("taken_today", "yes")]))

# ---- receipt extraction (Crowd HTML, old HIT) ----
add("receipt", "lazy", "Rejected", receipt("1.00", "1.00", "1.00", "1.00", "card"), old=True, dur=19,
    feedback="All four fields contain \"1.00\". Please copy the store name, date and total from the receipt image.")
add("receipt", "spam", "Rejected", receipt("Enter the store name exactly as printed", "", "0", "USD", "unknown"),
    old=True, dur=8, feedback="Store name field contains our instructions instead of the store name; date missing; total is 0.")
add("receipt", "newbie", "Rejected", receipt("", "", "", "", "unknown"), old=True, dur=35,
    feedback=("All fields were left empty. If the receipt is unreadable please select \"Can't tell\" and describe "
              "the problem; blank submissions can't be accepted."))
add("receipt", "vet", "Approved", receipt("ひまわり商店 渋谷店", "2023-11-18", "1284", "JPY", "cash"), old=True, dur=174,
    feedback="Thanks for copying the Japanese store name exactly.")
add("receipt", "pro1", "Submitted", receipt("Himawari Shoten Shibuya", "2023-11-18", "1,284", "JPY", "cash"))
add("receipt", "jp", "Submitted", receipt("ひまわり商店　渋谷店", "2023/11/18", "¥1,284", "JPY", "cash"))
add("receipt", "emoji", "Submitted", receipt("ひまわり商店 🌻 渋谷店", "2023-11-18", "1284", "JPY", "cash"))
add("receipt", "hi", "Submitted", receipt("Himawari store", "18-11-2023", "12.84", "USD", "card"))
add("receipt", "pro2", "Submitted", receipt("ひまわり商店 渋谷店", "2023-11-18", "1284", "JPY", "cash"), near_auto_h=6)

# ---- categorisation (QuestionForm 2017-11-06, old HIT) ----
add("categorize", "bidi", "Rejected", answer_xml([
    S("category", "toys_games"), F("subcategory", "toys"), S("confidence", "high")]), old=True, dur=6,
    feedback=("You selected \"Toys & Games\" with high confidence for all 40 products in this batch, including "
              "this water bottle. Answers that ignore the product are rejected."))
add("categorize", "pro1", "Approved", answer_xml([
    S("category", "sports_outdoors"), F("subcategory", "Water Bottles & Hydration"), S("confidence", "high")]))
add("categorize", "pro2", "Submitted", answer_xml([
    S("category", "kitchen_dining"), F("subcategory", "Drinkware > Insulated bottles"), S("confidence", "medium")]))
add("categorize", "steady", "Submitted", answer_xml([
    S("category", "sports_outdoors"), F("subcategory", "Hydration"), S("confidence", "medium")]))
add("categorize", "ansi", "Submitted", answer_xml([
    S("category", "kitchen_dining"), F("subcategory", f"Drinkware{ESC}[2K\rAPPROVED by requester"),
    S("confidence", "high")]), kind="ctrl")
add("categorize", "ar", "Submitted", answer_xml([
    S("category", other="أدوات المطبخ / Drinkware"), F("subcategory", "زجاجات مياه معزولة"), S("confidence", "medium")]))
add("categorize", "spam", "Rejected", answer_xml([
    S("category", "toys_games"), F("subcategory", "good"), S("confidence", "high")]), dur=5,
    feedback="Toys & Games is not a plausible department for an insulated water bottle, and this was answered in 5 seconds.")
add("categorize", "zw", "Submitted", answer_xml([
    S("category", "sports_outdoors"), F("subcategory", f"Water{ZWSP}bottles"), S("confidence", "low")]), near_auto_h=19)

# --------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------
THIRTY_DAYS = 30 * DAY


def place(a):
    h = HIT_BY_KEY[a["hit"]]
    lo_d, hi_d = DURATION[a["hit"]]
    dur = a.get("dur") or rng.randint(lo_d, hi_d)
    latest_accept = h["created_ago_secs"] - rng.randint(5 * MIN, 40 * MIN)   # HIT exists before work starts
    latest_sub = latest_accept - dur
    delay = h["auto_approval_delay_secs"]
    if a.get("near_auto_h"):
        sub = delay - a["near_auto_h"] * HOUR + rng.randint(-20 * MIN, 20 * MIN)
    elif a.get("old"):
        sub = rng.randint(THIRTY_DAYS + 1 * DAY, min(latest_sub, THIRTY_DAYS + 20 * DAY))
    elif a["status"] == "Submitted":
        sub = rng.randint(25 * MIN, min(latest_sub, delay - 22 * HOUR))
    else:
        sub = rng.randint(3 * HOUR, min(latest_sub, THIRTY_DAYS - DAY))
    a["submitted_ago_secs"] = sub
    a["accepted_ago_secs"] = sub + dur
    if a["status"] != "Submitted":
        # Decided a few hours to two days after submission, before auto-approval and before now.
        after = rng.randint(40 * MIN, min(2 * DAY, delay - HOUR, sub - 10 * MIN))
        a["decided_ago_secs"] = sub - after


for a in A:
    place(a)

# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------
HIT_OUT_KEYS = ["key", "title", "description", "keywords", "reward", "max_assignments", "assignment_duration_secs",
                "auto_approval_delay_secs", "created_ago_secs", "lifetime_secs", "question"]
ASG_OUT_KEYS = ["hit", "worker", "accepted_ago_secs", "submitted_ago_secs", "status", "decided_ago_secs",
                "feedback", "answer"]

hit_order = {h["key"]: i for i, h in enumerate(HITS)}
A.sort(key=lambda a: (hit_order[a["hit"]], -a["accepted_ago_secs"]))
for a in A:
    a["worker"] = W[a["persona"]]

data = {
    "hits": [{k: h[k] for k in HIT_OUT_KEYS} for h in HITS],
    "assignments": [{k: a[k] for k in ASG_OUT_KEYS if k in a} for a in A],
}

# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------
CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MONEY_RE = re.compile(r"^[0-9]+(\.)?[0-9]{0,2}$")
WORKER_RE = re.compile(r"^A[A-Z0-9]+$")
Q = "{%s}" % NS_ANSWERS


def form_spec(h):
    """Field ids of a HIT's form: {id: (answer kind, selection ids or None, other allowed)}; crowd forms
    also return the element names allowed as keys of the taskAnswers JSON object."""
    root = ET.fromstring(h["question"])
    ns = root.tag[1:].split("}")[0]
    local = root.tag.split("}")[1]
    if local == "QuestionForm":
        assert ns in (NS_QF_2017, NS_QF_2005), ns
        spec = {}
        for q in root.iter("{%s}Question" % ns):
            qid = q.find("{%s}QuestionIdentifier" % ns).text
            aspec = q.find("{%s}AnswerSpecification" % ns)[0]
            kind = aspec.tag.split("}")[1]
            if kind == "FileUploadAnswer":
                assert ns == NS_QF_2005, "FileUploadAnswer needs the 2005-10-01 QuestionForm schema"
            sels = [s.text for s in aspec.iter("{%s}SelectionIdentifier" % ns)] if kind == "SelectionAnswer" else None
            other = aspec.find(".//{%s}OtherSelection" % ns) is not None
            spec[qid] = (kind, sels, other)
        return spec, None
    if local == "HTMLQuestion":
        assert ns == NS_HTML
        html = root.find("{%s}HTMLContent" % ns).text
        int(root.find("{%s}FrameHeight" % ns).text)
        if "<crowd-form>" in html:
            names = re.findall(r'<crowd-[a-z-]+\s[^>]*?name="([^"]+)"', html)
            return {"taskAnswers": ("FreeTextAnswer", None, False)}, names
        names = [n for n in re.findall(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"', html) if n != "assignmentId"]
        return {n: ("FreeTextAnswer", None, False) for n in names}, None
    if local == "ExternalQuestion":
        assert ns == NS_EXT
        assert root.find("{%s}ExternalURL" % ns).text.startswith("https://")
        return {n: ("FreeTextAnswer", None, False) for n in TRANSCRIBE_FIELDS}, None
    raise AssertionError(local)


def check_answer(a, spec, crowd_names):
    root = ET.fromstring(a["answer"].encode("utf-8"))
    assert root.tag == Q + "QuestionFormAnswers", root.tag
    seen = []
    for ans in root:
        assert ans.tag == Q + "Answer"
        qid = ans.find(Q + "QuestionIdentifier").text
        assert qid in spec, (a["hit"], qid)
        assert qid not in seen, (a["hit"], qid)
        seen.append(qid)
        kind, sels, other = spec[qid]
        children = [c.tag[len(Q):] for c in ans][1:]
        if kind == "FreeTextAnswer":
            assert children == ["FreeText"], children
            if crowd_names is not None:
                arr = json.loads(ans.find(Q + "FreeText").text)
                assert isinstance(arr, list) and len(arr) == 1 and isinstance(arr[0], dict)
                assert set(arr[0]) <= set(crowd_names), (a["hit"], sorted(arr[0]), crowd_names)
        elif kind == "SelectionAnswer":
            assert set(children) <= {"SelectionIdentifier", "OtherSelectionText"} and children, children
            for s in ans.findall(Q + "SelectionIdentifier"):
                assert s.text in sels, (a["hit"], qid, s.text)
            if "OtherSelectionText" in children:
                assert other and children[-1] == "OtherSelectionText", (a["hit"], qid)
        elif kind == "FileUploadAnswer":
            assert children == ["UploadedFileSizeInBytes", "UploadedFileKey"], children
            assert int(ans.find(Q + "UploadedFileSizeInBytes").text) > 0
        else:
            raise AssertionError(kind)


def validate(data):
    hits = {h["key"]: h for h in data["hits"]}
    assert len(hits) == len(data["hits"]) >= 7
    specs = {}
    for h in data["hits"]:
        assert list(h) == HIT_OUT_KEYS, h["key"]
        assert MONEY_RE.match(h["reward"]) and 0.05 <= float(h["reward"]) <= 2.50, h["reward"]
        for k in HIT_OUT_KEYS[5:10]:
            assert isinstance(h[k], int) and h[k] > 0, (h["key"], k)
        assert 60 <= h["auto_approval_delay_secs"] <= 2592000
        assert 30 <= h["assignment_duration_secs"] <= 604800
        assert h["title"] and h["description"] and h["keywords"]
        specs[h["key"]] = form_spec(h)
    rewards = [float(h["reward"]) for h in data["hits"]]
    assert min(rewards) == 0.05 and max(rewards) == 2.50
    assert any(h["max_assignments"] >= 10 for h in data["hits"])
    assert any(h["max_assignments"] < 10 for h in data["hits"])

    per_hit, pairs, workers = {}, set(), {}
    counts = {"Submitted": 0, "Approved": 0, "Rejected": 0}
    recent_rej = old_rej = near_auto = fast = long_text = 0
    for a, src in zip(data["assignments"], A):
        h = hits[a["hit"]]
        assert list(a) == [k for k in ASG_OUT_KEYS if k in a]
        w = a["worker"]
        assert WORKER_RE.match(w) and 12 <= len(w) <= 14, w
        assert (a["hit"], w) not in pairs, ("worker twice on a HIT", a["hit"], w)
        pairs.add((a["hit"], w))
        workers[w] = workers.get(w, 0) + 1
        per_hit[a["hit"]] = per_hit.get(a["hit"], 0) + 1
        st = a["status"]
        counts[st] += 1
        acc, sub = a["accepted_ago_secs"], a["submitted_ago_secs"]
        assert all(isinstance(x, int) for x in (acc, sub))
        dur = acc - sub
        assert 5 <= dur <= 3000 and dur <= h["assignment_duration_secs"], (a["hit"], w, dur)
        if dur <= 10:
            fast += 1
        assert sub > 0
        assert acc < h["created_ago_secs"], "accepted before the HIT existed"
        assert acc > h["created_ago_secs"] - h["lifetime_secs"], "accepted after the HIT expired"
        delay = h["auto_approval_delay_secs"]
        if st == "Submitted":
            assert sub < delay, "would already be auto-approved"
            assert "decided_ago_secs" not in a and "feedback" not in a
            if delay - 20 * HOUR <= sub <= delay - HOUR:
                near_auto += 1
        else:
            d = a["decided_ago_secs"]
            assert isinstance(d, int) and 0 < d < sub, (a["hit"], w)
            assert sub - d <= delay, "decided after auto-approval"
        if st == "Rejected":
            assert a.get("feedback"), "rejection needs feedback"
            if sub < THIRTY_DAYS:
                recent_rej += 1
            else:
                old_rej += 1
        if "feedback" in a:
            fb = a["feedback"]
            assert 0 < len(fb) <= 1024 and not CTRL_RE.search(fb), fb
        # answers
        kind = src.get("kind", "ok")
        ans = a["answer"]
        if kind == "empty":
            assert ans == ""
            continue
        if kind == "malformed":
            try:
                ET.fromstring(ans.encode("utf-8"))
            except ET.ParseError:
                continue
            raise AssertionError("malformed answer parses")
        if kind == "ctrl":
            assert CTRL_RE.search(ans)
            try:
                ET.fromstring(ans.encode("utf-8"))
                raise AssertionError("control characters should make a strict parser fail")
            except ET.ParseError:
                pass
            ans = CTRL_RE.sub("", ans)
        else:
            assert kind == "ok" and not CTRL_RE.search(ans), (a["hit"], w)
        check_answer(dict(a, answer=ans), *specs[a["hit"]])
        for ft in ET.fromstring(ans.encode("utf-8")).iter(Q + "FreeText"):
            if ft.text and len(ft.text) > 2000:
                long_text += 1
    for k, n in per_hit.items():
        assert n <= hits[k]["max_assignments"], (k, n)
    assert set(per_hit) == set(hits), "every HIT has work"
    assert 70 <= len(data["assignments"]) <= 90, len(data["assignments"])
    assert 12 <= len(workers) <= 15, len(workers)
    assert max(workers.values()) >= 7
    assert 8 <= counts["Approved"] <= 12, counts
    assert 6 <= recent_rej <= 10 and 3 <= old_rej <= 5, (recent_rej, old_rej)
    assert counts["Submitted"] > counts["Approved"] + counts["Rejected"], counts
    assert near_auto >= 3 and fast >= 2 and long_text >= 2, (near_auto, fast, long_text)
    # hostile content present where the console must cope with it
    answers = "".join(a["answer"] for a in data["assignments"])
    for needle in (ANSI_RED, OSC52, OSC_TITLE, RLO, ZWSP):
        # raw in XML text, or JSON-escaped (\u001b) inside a taskAnswers FreeText
        assert needle in answers or json.dumps(needle, ensure_ascii=False)[1:-1] in answers, repr(needle)
    assert any(re.search(r"[^\s]{5000,}", a["answer"]) for a in data["assignments"])
    for script_re in (r"[\u3040-\u30ff]", r"[\u0600-\u06ff]", r"[\u0900-\u097f]", r"[\U0001F300-\U0001FAFF]"):
        assert re.search(script_re, "".join(a["answer"] for a in data["assignments"])), script_re
    return counts, recent_rej, old_rej, per_hit, workers


counts, recent_rej, old_rej, per_hit, workers = validate(data)
out = json.dumps(data, ensure_ascii=True, indent=1) + "\n"
assert len(out.encode()) < 300 * 1024, len(out)
json.loads(out)
sys.stdout.write(out)
print(f"demo.json: {len(data['hits'])} HITs, {len(data['assignments'])} assignments, {len(workers)} workers; "
      f"{counts}; rejected recent={recent_rej} old={old_rej}; {len(out)} bytes", file=sys.stderr)
