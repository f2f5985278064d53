//! The kinds of work a generated data set holds, each with its HIT (title, reward, question)
//! and a maker of answers in the shapes real HITs return: QuestionForm surveys, crowd-form
//! `taskAnswers` JSON, plain HTML forms and long transcripts. Sizes vary from about 200 bytes
//! to about 20 KB; everything comes from the caller's seeded generator.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::json;

use crate::clock::DAY_SECS;

const NS: &str = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd";

/// One kind of HIT in a generated batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sentiment,
    Receipt,
    Survey,
    BoundingBoxes,
    Transcript,
}

/// How often each kind occurs, out of 100: short answers are the common case, long
/// transcripts the rare heavy one (about 2 KB per answer on average).
const WEIGHTS: [(Kind, u32); 5] = [
    (Kind::Sentiment, 30),
    (Kind::Receipt, 20),
    (Kind::Survey, 20),
    (Kind::BoundingBoxes, 20),
    (Kind::Transcript, 10),
];

/// What a HIT of one kind looks like to CreateHIT.
pub struct HitTemplate {
    pub title: &'static str,
    pub description: &'static str,
    pub keywords: &'static str,
    pub reward: &'static str,
    pub assignment_duration_secs: i64,
    pub auto_approval_delay_secs: i64,
    pub question: &'static str,
}

impl Kind {
    pub fn pick(rng: &mut StdRng) -> Kind {
        let mut roll = rng.random_range(0..100);
        for (kind, weight) in WEIGHTS {
            if roll < weight {
                return kind;
            }
            roll -= weight;
        }
        Kind::Sentiment
    }

    pub fn template(self) -> HitTemplate {
        match self {
            Kind::Sentiment => HitTemplate {
                title: "Is this product review positive or negative?",
                description: "Read a short product review and choose its sentiment.",
                keywords: "sentiment, review, classification",
                reward: "0.05",
                assignment_duration_secs: 600,
                auto_approval_delay_secs: 3 * DAY_SECS,
                question: CROWD_QUESTION,
            },
            Kind::Receipt => HitTemplate {
                title: "Type the store name, date and total from a receipt photo",
                description: "Look at a receipt and copy three fields.",
                keywords: "receipt, data entry, transcription",
                reward: "0.20",
                assignment_duration_secs: 900,
                auto_approval_delay_secs: 7 * DAY_SECS,
                question: FORM_QUESTION,
            },
            Kind::Survey => HitTemplate {
                title: "Grocery shopping survey - 6 questions, about 5 minutes",
                description: "Tell us how you shop for groceries.",
                keywords: "survey, shopping, groceries",
                reward: "0.50",
                assignment_duration_secs: 1800,
                auto_approval_delay_secs: 30 * DAY_SECS,
                question: SURVEY_QUESTION,
            },
            Kind::BoundingBoxes => HitTemplate {
                title: "Draw boxes around people and dogs in a park photo",
                description: "Draw a tight box around every person and every dog.",
                keywords: "image, bounding box, annotation",
                reward: "0.35",
                assignment_duration_secs: 1200,
                auto_approval_delay_secs: 7 * DAY_SECS,
                question: CROWD_QUESTION,
            },
            Kind::Transcript => HitTemplate {
                title: "Transcribe a podcast segment (2 speakers, clear audio)",
                description: "Type what is said, with a timestamp for each turn.",
                keywords: "transcription, audio, podcast",
                reward: "2.50",
                assignment_duration_secs: 7200,
                auto_approval_delay_secs: 30 * DAY_SECS,
                question: FORM_QUESTION,
            },
        }
    }

    /// Writes one answer document into `out` (cleared first).
    pub fn answer(self, rng: &mut StdRng, out: &mut String) {
        out.clear();
        // Some clients send the XML declaration, some do not.
        if rng.random_bool(0.7) {
            out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        }
        out.push_str(r#"<QuestionFormAnswers xmlns=""#);
        out.push_str(NS);
        out.push_str(r#"">"#);
        match self {
            Kind::Sentiment => sentiment(rng, out),
            Kind::Receipt => receipt(rng, out),
            Kind::Survey => survey(rng, out),
            Kind::BoundingBoxes => boxes(rng, out),
            Kind::Transcript => transcript(rng, out),
        }
        out.push_str("</QuestionFormAnswers>");
    }
}

const CROWD_QUESTION: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><script src="https://assets.crowd.aws/crowd-html-elements.js"></script><crowd-form answer-format="flatten-objects"><crowd-classifier name="sentiment" categories="['Positive','Negative','Mixed']"></crowd-classifier></crowd-form>]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"#;

const FORM_QUESTION: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId"/><textarea name="text"></textarea><input type="submit"/></form></body></html>]]></HTMLContent><FrameHeight>600</FrameHeight></HTMLQuestion>"#;

const SURVEY_QUESTION: &str = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>shop_frequency</QuestionIdentifier><IsRequired>true</IsRequired><QuestionContent><Text>How often do you shop for groceries?</Text></QuestionContent><AnswerSpecification><SelectionAnswer><Selections><Selection><SelectionIdentifier>daily</SelectionIdentifier><Text>Daily</Text></Selection><Selection><SelectionIdentifier>weekly</SelectionIdentifier><Text>Weekly</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"#;

const WORDS: &[&str] = &[
    "the",
    "a",
    "and",
    "it",
    "was",
    "really",
    "not",
    "very",
    "good",
    "bad",
    "battery",
    "screen",
    "price",
    "delivery",
    "quality",
    "store",
    "shelf",
    "milk",
    "bread",
    "cereal",
    "coupon",
    "weekend",
    "morning",
    "line",
    "checkout",
    "cashier",
    "fresh",
    "produce",
    "organic",
    "cheap",
    "expensive",
    "brand",
    "size",
    "box",
    "bag",
    "week",
    "family",
    "kids",
    "parking",
    "usually",
    "sometimes",
    "never",
    "always",
    "because",
    "but",
    "so",
    "then",
    "also",
    "with",
    "without",
    "near",
    "far",
    "my",
    "our",
    "their",
    "is",
    "are",
    "had",
    "have",
    "would",
    "could",
    "buy",
    "bought",
    "return",
    "returned",
    "works",
    "broke",
    "after",
    "before",
    "two",
    "three",
    "days",
    "minutes",
    "photo",
    "dog",
    "person",
    "bench",
    "tree",
    "ball",
    "park",
    "café",
    "naïve",
    "crème",
    "brûlée",
    "jalapeño",
    "über",
    "日本語",
    "ひまわり",
    "très",
    "bien",
    "señor",
    "Tom & Jerry",
    "5 < 7",
    "a > b",
    "\"quoted\"",
    "it's",
    "don't",
    "$4.99",
    "50%",
    "#1",
];

const NAMES: &[&str] = &[
    "Dana", "Luis", "Priya", "Mei", "Tomás", "Aisha", "Ben", "Olga",
];

/// Appends `text` escaped for an XML text node.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

/// Appends sentences of plain words until `out` has grown by about `bytes`.
fn prose(rng: &mut StdRng, bytes: usize, out: &mut String) {
    let end = out.len() + bytes;
    while out.len() < end {
        let words = rng.random_range(4..16);
        for i in 0..words {
            let word = WORDS[rng.random_range(0..WORDS.len())];
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(word);
            }
        }
        out.push_str(if rng.random_bool(0.15) { "! " } else { ". " });
    }
    while out.ends_with(' ') {
        out.pop();
    }
}

fn sentence(rng: &mut StdRng, bytes: usize) -> String {
    let mut text = String::new();
    prose(rng, bytes, &mut text);
    text
}

/// Lengths skewed short: most workers write a little, a few write a lot.
fn skewed(rng: &mut StdRng, max: usize) -> usize {
    let x: f64 = rng.random();
    (x * x * x * max as f64) as usize
}

fn open_answer(out: &mut String, question_id: &str) {
    out.push_str("<Answer><QuestionIdentifier>");
    out.push_str(question_id);
    out.push_str("</QuestionIdentifier>");
}

fn free_text(out: &mut String, question_id: &str, text: &str) {
    open_answer(out, question_id);
    out.push_str("<FreeText>");
    push_escaped(out, text);
    out.push_str("</FreeText></Answer>");
}

fn selections(out: &mut String, question_id: &str, chosen: &[&str]) {
    open_answer(out, question_id);
    for choice in chosen {
        out.push_str("<SelectionIdentifier>");
        out.push_str(choice);
        out.push_str("</SelectionIdentifier>");
    }
    out.push_str("</Answer>");
}

fn pick<'a>(rng: &mut StdRng, choices: &[&'a str]) -> &'a str {
    choices[rng.random_range(0..choices.len())]
}

/// Crowd HTML Elements: one `taskAnswers` FreeText holding a JSON array.
fn sentiment(rng: &mut StdRng, out: &mut String) {
    let label = pick(rng, &["Positive", "Negative", "Mixed", "Neutral"]);
    let comment_bytes = skewed(rng, 1200);
    let task = json!([{
        "sentiment": { "label": label },
        "confidence": rng.random_range(1..=5),
        "comment": sentence(rng, comment_bytes),
    }]);
    free_text(out, "taskAnswers", &task.to_string());
}

fn boxes(rng: &mut StdRng, out: &mut String) {
    let count = 1 + skewed(rng, 80);
    let boxes: Vec<_> = (0..count)
        .map(|_| {
            json!({
                "height": rng.random_range(20..900),
                "label": pick(rng, &["person", "dog"]),
                "left": rng.random_range(0..1600),
                "top": rng.random_range(0..1000),
                "width": rng.random_range(20..700),
            })
        })
        .collect();
    let task = json!([{
        "annotatedResult": {
            "boundingBoxes": boxes,
            "inputImageProperties": { "height": 1080, "width": 1920 },
        }
    }]);
    free_text(out, "taskAnswers", &task.to_string());
}

/// A plain HTML form: one FreeText per input.
fn receipt(rng: &mut StdRng, out: &mut String) {
    let store = pick(
        rng,
        &[
            "Corner Grocery",
            "LARKSPUR HARDWARE & SUPPLY CO",
            "ひまわり商店 渋谷店",
            "Café Olé",
            "Save-A-Lot #212",
        ],
    );
    free_text(out, "store_name", store);
    let date = format!(
        "2026-{:02}-{:02}",
        rng.random_range(1..=12),
        rng.random_range(1..=28)
    );
    free_text(out, "date", &date);
    let total = format!(
        "{}.{:02}",
        rng.random_range(1..400),
        rng.random_range(0..100)
    );
    free_text(out, "total", &total);
    let notes_bytes = skewed(rng, 600);
    let notes = sentence(rng, notes_bytes);
    free_text(out, "notes", &notes);
}

/// A QuestionForm survey: selections, an "other" text, numbers, a comment and an upload.
fn survey(rng: &mut StdRng, out: &mut String) {
    let frequency = pick(rng, &["daily", "weekly", "biweekly", "monthly"]);
    selections(out, "shop_frequency", &[frequency]);
    let mut stores = vec![pick(rng, &["supermarket", "discounter"])];
    if rng.random_bool(0.5) {
        stores.push(pick(rng, &["market", "online", "corner_shop"]));
    }
    selections(out, "store_types", &stores);
    if rng.random_bool(0.3) {
        open_answer(out, "store_types_other");
        out.push_str("<OtherSelectionText>");
        let other_bytes = 10 + skewed(rng, 100);
        push_escaped(out, &sentence(rng, other_bytes));
        out.push_str("</OtherSelectionText></Answer>");
    }
    free_text(out, "weekly_budget", &rng.random_range(20..400).to_string());
    free_text(out, "household_size", &rng.random_range(1..8).to_string());
    let comment_bytes = skewed(rng, 3000);
    free_text(out, "comments", &sentence(rng, comment_bytes));
    if rng.random_bool(0.4) {
        open_answer(out, "receipt_photo");
        out.push_str("<UploadedFileSizeInBytes>");
        out.push_str(&rng.random_range(40_000..4_000_000).to_string());
        out.push_str("</UploadedFileSizeInBytes><UploadedFileKey>uploads/");
        out.push_str(&rng.random_range(100_000..999_999).to_string());
        out.push_str("/receipt.jpg</UploadedFileKey></Answer>");
    }
}

/// A long transcript, one timestamped turn per line, and a short note.
fn transcript(rng: &mut StdRng, out: &mut String) {
    let target = rng.random_range(2_000..20_000);
    let speakers = [pick(rng, NAMES), pick(rng, NAMES)];
    let mut text = String::with_capacity(target + 200);
    let mut secs = rng.random_range(0..10);
    while text.len() < target {
        let speaker = speakers[rng.random_range(0..2)];
        text.push_str(&format!(
            "[{:02}:{:02}:{:02}] {speaker}: ",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ));
        let turn = rng.random_range(40..400);
        prose(rng, turn, &mut text);
        text.push('\n');
        secs += rng.random_range(3..40);
    }
    free_text(out, "transcript", &text);
    let note = if rng.random_bool(0.5) {
        String::new()
    } else {
        sentence(rng, 60)
    };
    free_text(out, "notes", &note);
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::answer::{Value, parse};

    #[test]
    fn every_kind_parses_cleanly_and_sizes_vary_within_bounds() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut out = String::new();
        for kind in WEIGHTS.map(|(kind, _)| kind) {
            let mut sizes = Vec::new();
            for _ in 0..200 {
                kind.answer(&mut rng, &mut out);
                let parsed = parse(&out);
                assert_eq!(parsed.problem, None, "{kind:?}: {out}");
                assert!(!parsed.fields.is_empty());
                sizes.push(out.len());
            }
            let (min, max) = (sizes.iter().min(), sizes.iter().max());
            assert!(min.is_some_and(|&m| m >= 150), "{kind:?} {min:?}");
            assert!(max.is_some_and(|&m| m <= 24_000), "{kind:?} {max:?}");
            assert!(min < max, "{kind:?}: sizes vary");
        }
    }

    #[test]
    fn crowd_answers_hold_json() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut out = String::new();
        Kind::Sentiment.answer(&mut rng, &mut out);
        let parsed = parse(&out);
        assert!(matches!(parsed.fields[0].value, Value::Json(_)), "{out}");
    }

    #[test]
    fn the_same_seed_writes_the_same_answers() {
        let make = || {
            let mut rng = StdRng::seed_from_u64(42);
            let mut out = String::new();
            Kind::Survey.answer(&mut rng, &mut out);
            out
        };
        assert_eq!(make(), make());
    }
}
