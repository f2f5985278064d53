//! Loaded assignments as files for other tools: CSV with the columns of the MTurk website's
//! "Download CSV" (one `Answer.<QuestionIdentifier>` column per identifier seen), or JSON
//! lines with the same fields and an `Answer` object. Into a file or a pipe, values are
//! written exactly as the worker sent them (the formats quote what needs quoting); CSV for a
//! terminal goes through the sanitiser. JSON lines escape every character a terminal could
//! act on (`\u001b`, `\u009b`, `\u202e`), so they are the same data and safe anywhere.
//! Times are ISO 8601 UTC.
//!
//! `--payments` writes one row per worker instead: approved assignments, their rewards, the
//! bonuses paid, MTurk's fees on both (as `money` computes them, the server's rule) and the
//! total, in the same two formats.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};

use serde::Serialize;
use serde::ser::Serializer;

use crate::answer::{Value, compact_json, parse};
use crate::clock::iso8601;
use crate::money::{bonus_cost_cents, fee_cents, format_cents, parse_cents};
use crate::mturk::domain::{Assignment, AssignmentStatus, EpochSecs, Hit};
use crate::sanitize::{Output, is_dangerous};

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
    #[error("the reward of HIT {0} is not an amount of money, or was not loaded")]
    Unpriced(String),
    #[error("a bonus is too large to add up")]
    TooLarge,
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

/// Writes `assignments` (in the order given) with their HITs' titles to `out`, which is
/// `output` (a terminal or not).
pub fn write(
    format: Format,
    hits: &HashMap<String, Hit>,
    assignments: &[Assignment],
    out: impl Write,
    output: Output,
) -> Result<(), ExportError> {
    let records = assignments.iter().map(|a| record(hits, a));
    match format {
        Format::Csv => write_csv(records.collect(), out, output),
        Format::Jsonl => write_jsonl(records, out),
    }
}

fn write_csv(records: Vec<Record>, out: impl Write, output: Output) -> Result<(), ExportError> {
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
    csv.write_record(header.map(|cell| output.text(&cell).into_owned()))?;
    let mut answers = vec![String::new(); identifiers.len()];
    for record in &records {
        answers.iter_mut().for_each(String::clear);
        for (id, value) in &record.answer {
            if let Some(&i) = column.get(id.as_str()) {
                answers[i].push_str(value);
            }
        }
        for cell in record.fixed_cells().iter().chain(answers.iter()) {
            csv.write_field(output.text(cell).as_bytes())?;
        }
        // An empty record ends the one the fields above began.
        csv.write_record(None::<&[u8]>)?;
    }
    csv.flush()?;
    Ok(())
}

fn write_jsonl<T: Serialize>(
    records: impl Iterator<Item = T>,
    mut out: impl Write,
) -> Result<(), ExportError> {
    // Each line is made in memory first, so a failed write is an io::Error, not a JSON one.
    let mut line = Vec::new();
    for record in records {
        line.clear();
        let mut json = serde_json::Serializer::with_formatter(&mut line, EscapeDangerous);
        record.serialize(&mut json)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()?;
    Ok(())
}

/// A bonus as ListBonusPayments reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bonus {
    pub worker_id: String,
    pub amount_cents: i64,
}

/// What one worker earned and what it cost, in cents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Payment {
    pub worker_id: String,
    pub approved: usize,
    pub rewards_cents: i64,
    pub bonuses_cents: i64,
    /// MTurk's commission on the rewards (20%, 40% on HITs of 10 or more assignments) and
    /// on the bonuses (20%).
    pub fees_cents: i64,
}

impl Payment {
    /// Rewards, bonuses and fees: what this worker's work cost on MTurk.
    pub fn total_cents(&self) -> i64 {
        self.rewards_cents + self.bonuses_cents + self.fees_cents
    }
}

/// The payment columns, in order.
pub const PAYMENT_COLUMNS: [&str; 6] = [
    "WorkerId",
    "ApprovedAssignments",
    "Rewards",
    "Bonuses",
    "Fees",
    "Total",
];

#[derive(Serialize)]
struct PaymentRecord<'a> {
    #[serde(rename = "WorkerId")]
    worker_id: &'a str,
    #[serde(rename = "ApprovedAssignments")]
    approved: usize,
    #[serde(rename = "Rewards")]
    rewards: String,
    #[serde(rename = "Bonuses")]
    bonuses: String,
    #[serde(rename = "Fees")]
    fees: String,
    #[serde(rename = "Total")]
    total: String,
}

/// One payment per worker, by worker id, from the approved assignments (the others are
/// ignored) and the bonuses. Each approval's fee is worked out on its own, as MTurk charges it.
pub fn payments(
    hits: &HashMap<String, Hit>,
    assignments: &[Assignment],
    bonuses: &[Bonus],
) -> Result<Vec<Payment>, ExportError> {
    let mut by_worker: BTreeMap<String, Payment> = BTreeMap::new();
    for a in assignments
        .iter()
        .filter(|a| a.status == AssignmentStatus::Approved)
    {
        let unpriced = || ExportError::Unpriced(a.hit_id.clone());
        let hit = hits.get(&a.hit_id).ok_or_else(unpriced)?;
        let reward = parse_cents(&hit.reward).ok_or_else(unpriced)?;
        let fee = fee_cents(reward, i64::from(hit.max_assignments)).ok_or_else(unpriced)?;
        let p = payment(&mut by_worker, &a.worker_id);
        p.approved += 1;
        p.rewards_cents += reward;
        p.fees_cents += fee;
    }
    for bonus in bonuses {
        let cost = bonus_cost_cents(bonus.amount_cents).ok_or(ExportError::TooLarge)?;
        let p = payment(&mut by_worker, &bonus.worker_id);
        p.bonuses_cents += bonus.amount_cents;
        p.fees_cents += cost - bonus.amount_cents;
    }
    Ok(by_worker.into_values().collect())
}

/// The worker's payment, started when it is their first.
fn payment<'m>(by_worker: &'m mut BTreeMap<String, Payment>, worker: &str) -> &'m mut Payment {
    by_worker
        .entry(worker.to_string())
        .or_insert_with(|| Payment {
            worker_id: worker.to_string(),
            ..Payment::default()
        })
}

/// Writes the payments as CSV (`PAYMENT_COLUMNS`) or JSON lines, amounts as MTurk writes them.
pub fn write_payments(
    format: Format,
    payments: &[Payment],
    out: impl Write,
    output: Output,
) -> Result<(), ExportError> {
    let records = payments.iter().map(|p| PaymentRecord {
        worker_id: &p.worker_id,
        approved: p.approved,
        rewards: format_cents(p.rewards_cents),
        bonuses: format_cents(p.bonuses_cents),
        fees: format_cents(p.fees_cents),
        total: format_cents(p.total_cents()),
    });
    match format {
        Format::Jsonl => write_jsonl(records, out),
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(PAYMENT_COLUMNS)?;
            for r in records {
                let approved = r.approved.to_string();
                let cells = [
                    r.worker_id,
                    &approved,
                    &r.rewards,
                    &r.bonuses,
                    &r.fees,
                    &r.total,
                ];
                csv.write_record(cells.map(|cell| output.text(cell).into_owned()))?;
            }
            csv.flush()?;
            Ok(())
        }
    }
}

/// serde_json's compact output, except that every character the terminal sanitiser replaces
/// is written as a `\uXXXX` escape, as JSON already writes C0 controls: C1 controls, DEL,
/// bidirectional and invisible characters. Decoded, the data is exactly the worker's.
struct EscapeDangerous;

impl serde_json::ser::Formatter for EscapeDangerous {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut plain = 0;
        for (i, c) in fragment.char_indices() {
            if is_dangerous(c) {
                writer.write_all(&fragment.as_bytes()[plain..i])?;
                for unit in c.encode_utf16(&mut [0; 2]) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                plain = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[plain..])
    }
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

    /// Worker text a terminal would act on: an OSC 52 clipboard write, a C1 CSI, DEL, a
    /// right-to-left override, a tag character (outside the BMP).
    const HOSTILE: &str = "a\u{1b}]52;c;eA==\u{7} \u{9b}6n \u{7f} \u{202e}txt \u{E0041}\n";

    fn hostile_assignment() -> Assignment {
        Assignment {
            id: "A1".into(),
            hit_id: "H1".into(),
            worker_id: "W1".into(),
            status: AssignmentStatus::Submitted,
            accept_time: None,
            submit_time: None,
            auto_approval_time: None,
            approval_time: None,
            rejection_time: None,
            answer: doc(&format!(
                "<Answer><QuestionIdentifier>q\u{9b}</QuestionIdentifier><FreeText>{HOSTILE}</FreeText></Answer>"
            )),
            requester_feedback: None,
            policy_note: None,
        }
    }

    fn written(format: Format, output: Output) -> String {
        let hits = HashMap::from([(
            "H1".to_string(),
            Hit {
                id: "H1".into(),
                title: format!("title {HOSTILE}"),
                reward: "0.10".into(),
                max_assignments: 1,
                status: "Assignable".into(),
            },
        )]);
        let mut out = Vec::new();
        write(format, &hits, &[hostile_assignment()], &mut out, output).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_lines_escape_what_a_terminal_acts_on_and_keep_the_data() {
        for output in [Output::Exact, Output::Terminal] {
            let line = written(Format::Jsonl, output);
            assert!(
                !line.trim_end().chars().any(crate::sanitize::is_dangerous),
                "{line:?}"
            );
            assert!(!line.trim_end().chars().any(char::is_control), "{line:?}");
            for escape in [
                r"\u001b",
                r"\u009b",
                r"\u007f",
                r"\u202e",
                r"\udb40\udc41",
                r"\n",
            ] {
                assert!(line.contains(escape), "{escape} in {line}");
            }
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(value["HITTitle"], format!("title {HOSTILE}"));
            assert_eq!(
                value["Answer"]["q\u{9b}"], HOSTILE,
                "the same data, exactly"
            );
        }
    }

    #[test]
    fn csv_is_exact_for_a_file_and_sanitised_for_a_terminal() {
        let exact = written(Format::Csv, Output::Exact);
        let mut reader = csv::Reader::from_reader(exact.as_bytes());
        let header = reader.headers().unwrap().clone();
        assert_eq!(&header[COLUMNS.len()], "Answer.q\u{9b}");
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[1], format!("title {HOSTILE}"));
        assert_eq!(
            &row[COLUMNS.len()],
            HOSTILE,
            "exactly as the worker sent it"
        );

        let shown = written(Format::Csv, Output::Terminal);
        assert!(
            !shown.chars().any(crate::sanitize::is_dangerous),
            "{shown:?}"
        );
        let mut reader = csv::Reader::from_reader(shown.as_bytes());
        assert_eq!(
            &reader.headers().unwrap()[COLUMNS.len()],
            "Answer.q<U+009B>"
        );
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[COLUMNS.len()], crate::sanitize::sanitize(HOSTILE));
        assert!(
            row[COLUMNS.len()].contains("␛]52;c;eA==␇"),
            "{:?}",
            &row[COLUMNS.len()]
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
            policy_note: None,
        };
        let mut out = Vec::new();
        write(
            Format::Jsonl,
            &HashMap::new(),
            &[assignment],
            &mut out,
            Output::Exact,
        )
        .unwrap();
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

    #[test]
    fn payments_add_up_per_worker_with_each_fee_as_mturk_charges_it() {
        let hit = |id: &str, reward: &str, max_assignments| {
            let hit = Hit {
                id: id.into(),
                title: String::new(),
                reward: reward.into(),
                max_assignments,
                status: "Reviewable".into(),
            };
            (id.to_string(), hit)
        };
        let hits = HashMap::from([hit("H1", "0.50", 10), hit("H2", "1.00", 1)]);
        let work = |hit: &str, worker: &str, status| Assignment {
            hit_id: hit.into(),
            worker_id: worker.into(),
            status,
            ..hostile_assignment()
        };
        let assignments = [
            work("H1", "AW1", AssignmentStatus::Approved),
            work("H2", "AW1", AssignmentStatus::Approved),
            work("H1", "AW2", AssignmentStatus::Approved),
            work("H1", "AW2", AssignmentStatus::Submitted),
        ];
        let bonus = |worker: &str, amount_cents| Bonus {
            worker_id: worker.into(),
            amount_cents,
        };
        let paid = payments(&hits, &assignments, &[bonus("AW1", 100), bonus("AW3", 30)]).unwrap();
        let rows: Vec<(&str, usize, i64, i64, i64, i64)> = paid
            .iter()
            .map(|p| {
                let (r, b, f) = (p.rewards_cents, p.bonuses_cents, p.fees_cents);
                (p.worker_id.as_str(), p.approved, r, b, f, p.total_cents())
            })
            .collect();
        // 40% on the 10-assignment HIT's $0.50, 20% on the $1.00 one and on every bonus.
        assert_eq!(
            rows,
            [
                ("AW1", 2, 150, 100, 20 + 20 + 20, 310),
                ("AW2", 1, 50, 0, 20, 70),
                ("AW3", 0, 0, 30, 6, 36),
            ]
        );
        let mut out = Vec::new();
        write_payments(Format::Csv, &paid, &mut out, Output::Exact).unwrap();
        let csv = String::from_utf8(out).unwrap();
        assert_eq!(
            csv.lines().take(2).collect::<Vec<_>>(),
            [
                "WorkerId,ApprovedAssignments,Rewards,Bonuses,Fees,Total",
                "AW1,2,1.50,1.00,0.60,3.10"
            ]
        );
        let unknown = [work("H9", "AW1", AssignmentStatus::Approved)];
        assert!(matches!(
            payments(&hits, &unknown, &[]),
            Err(ExportError::Unpriced(id)) if id == "H9"
        ));
    }
}
