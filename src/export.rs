//! Loaded assignments as files for other tools: CSV with the columns of the MTurk website's
//! "Download CSV" (one `Answer.<QuestionIdentifier>` column per identifier seen), or JSON
//! lines with the same fields and an `Answer` object. Values are written as the worker sent
//! them (no terminal sanitising: the formats quote what needs quoting). Times are ISO 8601 UTC.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use serde::Serialize;
use serde::ser::Serializer;

use crate::answer::{Value, compact_json, parse};
use crate::clock::iso8601;
use crate::mturk::domain::{Assignment, EpochSecs, Hit};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

/// The fixed columns, in the website's order.
pub const COLUMNS: [&str; 12] = [
    "HITId",
    "HITTitle",
    "AssignmentId",
    "WorkerId",
    "AssignmentStatus",
    "AcceptTime",
    "SubmitTime",
    "AutoApprovalTime",
    "ApprovalTime",
    "RejectionTime",
    "RequesterFeedback",
    "WorkTimeInSeconds",
];

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write a JSON line: {0}")]
    Json(#[from] serde_json::Error),
}

/// One assignment ready to write.
#[derive(Serialize)]
struct Record<'a> {
    #[serde(rename = "HITId")]
    hit_id: &'a str,
    #[serde(rename = "HITTitle")]
    hit_title: &'a str,
    #[serde(rename = "AssignmentId")]
    assignment_id: &'a str,
    #[serde(rename = "WorkerId")]
    worker_id: &'a str,
    #[serde(rename = "AssignmentStatus")]
    status: &'a str,
    #[serde(rename = "AcceptTime")]
    accept_time: Option<String>,
    #[serde(rename = "SubmitTime")]
    submit_time: Option<String>,
    #[serde(rename = "AutoApprovalTime")]
    auto_approval_time: Option<String>,
    #[serde(rename = "ApprovalTime")]
    approval_time: Option<String>,
    #[serde(rename = "RejectionTime")]
    rejection_time: Option<String>,
    #[serde(rename = "RequesterFeedback")]
    feedback: Option<&'a str>,
    #[serde(rename = "WorkTimeInSeconds")]
    work_secs: Option<i64>,
    #[serde(rename = "Answer", serialize_with = "in_order")]
    answer: Vec<(String, String)>,
}

/// Answer fields as a JSON object in the document's order.
fn in_order<S: Serializer>(fields: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(fields.iter().map(|(k, v)| (k, v)))
}

impl Record<'_> {
    fn fixed_cells(&self) -> [String; 12] {
        let or_empty = |t: &Option<String>| t.clone().unwrap_or_default();
        [
            self.hit_id.to_string(),
            self.hit_title.to_string(),
            self.assignment_id.to_string(),
            self.worker_id.to_string(),
            self.status.to_string(),
            or_empty(&self.accept_time),
            or_empty(&self.submit_time),
            or_empty(&self.auto_approval_time),
            or_empty(&self.approval_time),
            or_empty(&self.rejection_time),
            self.feedback.unwrap_or_default().to_string(),
            self.work_secs.map(|s| s.to_string()).unwrap_or_default(),
        ]
    }
}

fn time(t: Option<EpochSecs>) -> Option<String> {
    t.map(iso8601)
}

fn record<'a>(hits: &'a HashMap<String, Hit>, a: &'a Assignment) -> Record<'a> {
    Record {
        hit_id: &a.hit_id,
        hit_title: hits.get(&a.hit_id).map(|h| h.title.as_str()).unwrap_or(""),
        assignment_id: &a.id,
        worker_id: &a.worker_id,
        status: a.status.as_str(),
        accept_time: time(a.accept_time),
        submit_time: time(a.submit_time),
        auto_approval_time: time(a.auto_approval_time),
        approval_time: time(a.approval_time),
        rejection_time: time(a.rejection_time),
        feedback: a.requester_feedback.as_deref(),
        work_secs: a.accept_time.zip(a.submit_time).map(|(a, s)| s - a),
        answer: answer_fields(&a.answer),
    }
}

/// Writes `assignments` (in the order given) with their HITs' titles.
pub fn write(
    format: Format,
    hits: &HashMap<String, Hit>,
    assignments: &[Assignment],
    out: impl Write,
) -> Result<(), ExportError> {
    let records = assignments.iter().map(|a| record(hits, a));
    match format {
        Format::Csv => write_csv(records.collect(), out),
        Format::Jsonl => write_jsonl(records, out),
    }
}

fn write_csv(records: Vec<Record>, out: impl Write) -> Result<(), ExportError> {
    // The union of question identifiers, in order of first appearance.
    let mut seen = HashSet::new();
    let mut identifiers: Vec<&str> = Vec::new();
    for record in &records {
        for (id, _) in &record.answer {
            if seen.insert(id.as_str()) {
                identifiers.push(id);
            }
        }
    }
    let column: HashMap<&str, usize> = identifiers
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let mut csv = csv::Writer::from_writer(out);
    let header = COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(identifiers.iter().map(|id| format!("Answer.{id}")));
    csv.write_record(header)?;
    let mut answers = vec![String::new(); identifiers.len()];
    for record in &records {
        answers.iter_mut().for_each(String::clear);
        for (id, value) in &record.answer {
            if let Some(&i) = column.get(id.as_str()) {
                answers[i].push_str(value);
            }
        }
        csv.write_record(record.fixed_cells().iter().chain(answers.iter()))?;
    }
    csv.flush()?;
    Ok(())
}

fn write_jsonl<'a>(
    records: impl Iterator<Item = Record<'a>>,
    mut out: impl Write,
) -> Result<(), ExportError> {
    // Each line is made in memory first, so a failed write is an io::Error, not a JSON one.
    let mut line = Vec::new();
    for record in records {
        line.clear();
        serde_json::to_writer(&mut line, &record)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()?;
    Ok(())
}

/// The answer as (QuestionIdentifier, value) pairs, as the website's CSV shows them:
/// selections joined by `|` (an "other" text last), the uploaded file's key, JSON compact.
/// An identifier that occurs twice gets its values joined by `|`.
pub fn answer_fields(raw: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for field in parse(raw).fields {
        let value = match field.value {
            Value::Text(text) => text,
            Value::Json(pretty) => compact_json(&pretty),
            Value::Selection { selected, other } => selected
                .into_iter()
                .chain(other)
                .collect::<Vec<_>>()
                .join("|"),
            Value::Upload { key, .. } => key,
            Value::Empty => String::new(),
        };
        match fields.iter_mut().find(|(id, _)| *id == field.question_id) {
            Some((_, existing)) => {
                existing.push('|');
                existing.push_str(&value);
            }
            None => fields.push((field.question_id, value)),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mturk::domain::AssignmentStatus;

    const NS: &str = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd";

    fn doc(inner: &str) -> String {
        format!(r#"<QuestionFormAnswers xmlns="{NS}">{inner}</QuestionFormAnswers>"#)
    }

    #[test]
    fn answers_flatten_as_the_website_shows_them() {
        let raw = doc(concat!(
            "<Answer><QuestionIdentifier>mode</QuestionIdentifier>",
            "<SelectionIdentifier>bike</SelectionIdentifier><SelectionIdentifier>train</SelectionIdentifier>",
            "<OtherSelectionText>scooter</OtherSelectionText></Answer>",
            "<Answer><QuestionIdentifier>taskAnswers</QuestionIdentifier>",
            r#"<FreeText>[{"b": 1.50, "a": "x y"}]</FreeText></Answer>"#,
            "<Answer><QuestionIdentifier>photo</QuestionIdentifier>",
            "<UploadedFileSizeInBytes>10</UploadedFileSizeInBytes><UploadedFileKey>up/k.jpg</UploadedFileKey></Answer>",
            "<Answer><QuestionIdentifier>blank</QuestionIdentifier></Answer>",
            "<Answer><QuestionIdentifier>mode</QuestionIdentifier><FreeText>again</FreeText></Answer>",
        ));
        let fields = answer_fields(&raw);
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("mode", "bike|train|scooter|again"),
                ("taskAnswers", r#"[{"b":1.50,"a":"x y"}]"#),
                ("photo", "up/k.jpg"),
                ("blank", ""),
            ]
        );
    }

    #[test]
    fn json_lines_keep_field_and_answer_order() {
        let assignment = Assignment {
            id: "A1".into(),
            hit_id: "H1".into(),
            worker_id: "W1".into(),
            status: AssignmentStatus::Approved,
            accept_time: Some(1_717_243_200),
            submit_time: Some(1_717_243_260),
            auto_approval_time: None,
            approval_time: Some(1_717_243_300),
            rejection_time: None,
            answer: doc(concat!(
                "<Answer><QuestionIdentifier>z</QuestionIdentifier><FreeText>1</FreeText></Answer>",
                "<Answer><QuestionIdentifier>a</QuestionIdentifier><FreeText>2</FreeText></Answer>",
            )),
            requester_feedback: None,
        };
        let mut out = Vec::new();
        write(Format::Jsonl, &HashMap::new(), &[assignment], &mut out).unwrap();
        let line = String::from_utf8(out).unwrap();
        assert_eq!(
            line,
            concat!(
                r#"{"HITId":"H1","HITTitle":"","AssignmentId":"A1","WorkerId":"W1","#,
                r#""AssignmentStatus":"Approved","AcceptTime":"2024-06-01T12:00:00Z","#,
                r#""SubmitTime":"2024-06-01T12:01:00Z","AutoApprovalTime":null,"#,
                r#""ApprovalTime":"2024-06-01T12:01:40Z","RejectionTime":null,"#,
                r#""RequesterFeedback":null,"WorkTimeInSeconds":60,"Answer":{"z":"1","a":"2"}}"#,
                "\n"
            )
        );
    }
}
