//! Test data: realistic HITs and assignments (surveys, crowd-form JSON, forms, a
//! malformed answer) at a fixed `now`. Only domain types, so any module's tests can use it.
use crate::mturk::domain::{Assignment, AssignmentStatus, EpochSecs, Hit};

/// Where a test's demo would be (nothing listens there).
pub const DEMO_URL: &str = "http://127.0.0.1:9";

/// 2024-06-01 12:00:00 UTC.
pub const NOW: EpochSecs = 1_717_243_200;
pub const HOUR: i64 = 3600;
pub use crate::clock::DAY_SECS as DAY;

pub const SURVEY_HIT: &str = "3SURVEYHIT00000000000000000SV1";
pub const SENTIMENT_HIT: &str = "3SENTIMENTHIT0000000000000SN2";
pub const RECEIPT_HIT: &str = "3RECEIPTHIT0000000000000000RC3";

pub const OLD_REJECTED: &str = "3OLDREJECTED00000000000000A4X9";
pub const RECENT_REJECTED: &str = "3RECEIPTFORM0000000000000B3K7";
pub const CROWD: &str = "3CROWDSENTIMENT000000000C2Q5T";
pub const SURVEY: &str = "3SURVEYANSWER0000000000D1M8R";
pub const MALFORMED: &str = "3MALFORMEDANSWER0000000E5Z2W";

const NS: &str = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd";

fn answers(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="{NS}">{inner}</QuestionFormAnswers>"#
    )
}

/// A QuestionForm survey: selections, other text, free text and an upload.
pub fn survey_answer() -> String {
    answers(concat!(
        "<Answer><QuestionIdentifier>commute_mode</QuestionIdentifier>",
        "<SelectionIdentifier>bicycle</SelectionIdentifier><SelectionIdentifier>train</SelectionIdentifier></Answer>",
        "<Answer><QuestionIdentifier>commute_other</QuestionIdentifier>",
        "<OtherSelectionText>folding scooter on rainy days</OtherSelectionText></Answer>",
        "<Answer><QuestionIdentifier>commute_minutes</QuestionIdentifier><FreeText>35</FreeText></Answer>",
        "<Answer><QuestionIdentifier>comments</QuestionIdentifier><FreeText>The train is often late in winter,\n",
        "so I leave 15 minutes early &amp; take the bike when it is dry.</FreeText></Answer>",
        "<Answer><QuestionIdentifier>ticket_photo</QuestionIdentifier>",
        "<UploadedFileKey>uploads/A1B2C3/ticket.jpg</UploadedFileKey>",
        "<UploadedFileSizeInBytes>248310</UploadedFileSizeInBytes></Answer>",
    ))
}

/// Crowd HTML Elements output: one FreeText holding `taskAnswers` JSON.
pub fn crowd_answer() -> String {
    answers(concat!(
        "<Answer><QuestionIdentifier>taskAnswers</QuestionIdentifier><FreeText>",
        r#"[{"sentiment":{"label":"Positive"},"confidence":4,"comment":"Loves the battery life, dislikes the case"}]"#,
        "</FreeText></Answer>",
    ))
}

/// A plain HTML form: one FreeText per input name.
pub fn html_form_answer() -> String {
    answers(concat!(
        "<Answer><QuestionIdentifier>store_name</QuestionIdentifier><FreeText>Corner Grocery</FreeText></Answer>",
        "<Answer><QuestionIdentifier>total</QuestionIdentifier><FreeText>12.40</FreeText></Answer>",
        "<Answer><QuestionIdentifier>notes</QuestionIdentifier><FreeText></FreeText></Answer>",
    ))
}

pub fn hit(id: &str, title: &str) -> Hit {
    Hit {
        id: id.to_string(),
        title: title.to_string(),
        reward: "0.50".to_string(),
        max_assignments: 3,
        status: "Reviewable".to_string(),
    }
}

/// A submitted assignment: accepted 4m12s before `submit`, auto-approved 3 days after.
pub fn assignment(id: &str, hit_id: &str, worker: &str, submit: EpochSecs) -> Assignment {
    Assignment {
        id: id.to_string(),
        hit_id: hit_id.to_string(),
        worker_id: worker.to_string(),
        status: AssignmentStatus::Submitted,
        accept_time: Some(submit - 252),
        submit_time: Some(submit),
        auto_approval_time: Some(submit + 3 * DAY),
        approval_time: None,
        rejection_time: None,
        answer: String::new(),
        requester_feedback: None,
        policy_note: None,
    }
}

pub fn sample_hits() -> Vec<Hit> {
    vec![
        Hit {
            reward: "1.20".to_string(),
            max_assignments: 12,
            status: "Assignable".to_string(),
            ..hit(SURVEY_HIT, "Commuting habits survey (5 questions)")
        },
        hit(SENTIMENT_HIT, "Rate the sentiment of product reviews"),
        Hit {
            reward: "0.25".to_string(),
            max_assignments: 1,
            ..hit(RECEIPT_HIT, "Transcribe the total from a receipt photo")
        },
    ]
}

pub fn sample_assignments() -> Vec<Assignment> {
    let rejected = |mut a: Assignment, feedback: &str| {
        a.status = AssignmentStatus::Rejected;
        a.rejection_time = a.submit_time.map(|t| t + HOUR);
        a.requester_feedback = Some(feedback.to_string());
        a
    };
    let mut old = assignment(OLD_REJECTED, RECEIPT_HIT, "A3OLDWORKER9Z", NOW - 40 * DAY);
    old.answer = html_form_answer();
    let mut recent = assignment(RECENT_REJECTED, RECEIPT_HIT, "A2RECEIPTS7Q", NOW - 3 * DAY);
    recent.answer = html_form_answer();
    let mut crowd = assignment(
        CROWD,
        SENTIMENT_HIT,
        "A1CROWDWORKER",
        NOW - 2 * DAY - 5 * HOUR,
    );
    crowd.answer = crowd_answer();
    let mut survey = assignment(
        SURVEY,
        SURVEY_HIT,
        "A9SURVEYTAKER",
        NOW - 2 * DAY - 10 * HOUR,
    );
    survey.auto_approval_time = Some(NOW + 14 * HOUR);
    survey.submit_time = Some(NOW - 2 * DAY - 10 * HOUR);
    survey.answer = survey_answer();
    let mut malformed = assignment(MALFORMED, SURVEY_HIT, "A7HASTYWORKER", NOW - HOUR);
    malformed.answer = "<QuestionFormAnswers><Answer><QuestionIdentifier>comments</QuestionIdentifier><FreeText>half an ans".to_string();
    vec![
        rejected(old, "The total was left empty."),
        rejected(recent, "Total does not match the receipt."),
        crowd,
        survey,
        malformed,
    ]
}
