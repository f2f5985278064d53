//! Decisions from a file, for `mturk-review apply`: reading the results CSV as the MTurk
//! website took it back (the columns `export` writes, plus `Approve`, an `x`, and `Reject`,
//! the feedback for the worker) or a plain `AssignmentId,Decision,Feedback` file, and
//! checking every row against the assignment as MTurk reports it now, before anything is
//! sent. Problems carry line numbers as a spreadsheet shows them: the header is line 1, and
//! a quoted field holding newlines spans as many lines as it has.
//!
//! An approval that overrides a rejection is asked for by name: `override` in the Approve
//! column (or as the Decision), never by an `x` on a row that turns out to be rejected, just
//! as the console approves a rejected assignment only after `o`.

use std::collections::HashMap;
use std::io::Read;

use crate::clock::DAY_SECS;
use crate::money::{approval_cost_cents, parse_cents};
use crate::mturk::decisions::took_effect;
use crate::mturk::domain::{Assignment, AssignmentStatus, Decision, DecisionKind, EpochSecs, Hit};
use crate::rules::{OverrideBlock, feedback_problem, override_block};

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error(
        "the header has no {0} column: the file needs AssignmentId with Approve and Reject \
         (the results CSV) or with Decision and Feedback"
    )]
    Header(&'static str),
}

/// What a row asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Approve,
    /// Approve a rejected assignment, overriding the rejection.
    Override,
    Reject,
}

/// One row that asks for a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Where the row starts, as a spreadsheet numbers lines (the header is line 1).
    pub line: u64,
    pub assignment_id: String,
    pub ask: Ask,
    /// RequesterFeedback; None when blank.
    pub feedback: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub text: String,
}

/// A file read and checked on its own, before anything is looked up.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub problems: Vec<Problem>,
    /// Rows with neither column set.
    pub left_alone: usize,
}

/// Which of the two layouts a file has, by the columns of its header.
enum Layout {
    /// The website's results CSV: `Approve` and `Reject` columns.
    Results { approve: usize, reject: usize },
    /// `AssignmentId,Decision,Feedback`.
    Plain {
        decision: usize,
        feedback: Option<usize>,
    },
}

/// Reads every row of `input`, keeping what each asks for and what is wrong with it.
pub fn read(mut input: impl Read) -> Result<Parsed, FileError> {
    let mut data = Vec::new();
    input.read_to_end(&mut data).map_err(csv::Error::from)?;
    let line_of = |position: Option<&csv::Position>| position.map_or(0, |p| line_at(&data, p));
    // Flexible: a spreadsheet may drop the empty cells at the end of a row.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(data.as_slice());
    let header = reader.headers()?.clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let id_column = column("AssignmentId").ok_or(FileError::Header("AssignmentId"))?;
    let layout = match (column("Approve"), column("Reject"), column("Decision")) {
        (Some(approve), Some(reject), _) => Layout::Results { approve, reject },
        (_, _, Some(decision)) => Layout::Plain {
            decision,
            feedback: column("Feedback"),
        },
        (None, _, None) => return Err(FileError::Header("Approve")),
        (Some(_), None, None) => return Err(FileError::Header("Reject")),
    };
    let mut parsed = Parsed::default();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            // A row that is not UTF-8 is that row's problem; reading goes on.
            Err(err) if matches!(err.kind(), csv::ErrorKind::Utf8 { .. }) => {
                let line = line_of(err.position());
                parsed.problems.push(Problem {
                    line,
                    text: "the row is not UTF-8 text".to_string(),
                });
                continue;
            }
            Err(err) => return Err(err.into()),
        };
        let line = line_of(record.position());
        let cell = |i: usize| record.get(i).unwrap_or("");
        let asked = match layout {
            Layout::Results { approve, reject } => results_row(cell(approve), cell(reject)),
            Layout::Plain { decision, feedback } => {
                plain_row(cell(decision), feedback.map_or("", cell))
            }
        };
        let assignment_id = cell(id_column).trim().to_string();
        let problem = |text: String| Problem {
            line,
            text: match assignment_id.as_str() {
                "" => text,
                id => format!("{id}: {text}"),
            },
        };
        let (ask, feedback) = match asked {
            Ok(None) => {
                parsed.left_alone += 1;
                continue;
            }
            Ok(Some(asked)) => asked,
            Err(text) => {
                parsed.problems.push(problem(text));
                continue;
            }
        };
        let text = if assignment_id.is_empty() {
            Some("no AssignmentId".to_string())
        } else if let Some(first) = first_line.get(&assignment_id) {
            Some(format!("also on line {first}"))
        } else {
            feedback_problem(feedback.as_deref().unwrap_or_default())
        };
        if let Some(text) = text {
            parsed.problems.push(problem(text));
            continue;
        }
        first_line.insert(assignment_id.clone(), line);
        parsed.rows.push(Row {
            line,
            assignment_id,
            ask,
            feedback,
        });
    }
    Ok(parsed)
}

/// The line a record at `position` starts on, counted from its byte offset. The csv crate's
/// own line count is one short after a CRLF line end (which spreadsheets write): it places
/// the next record at the `\n`, before counting it.
fn line_at(data: &[u8], position: &csv::Position) -> u64 {
    let start = usize::try_from(position.byte())
        .unwrap_or(usize::MAX)
        .min(data.len());
    let blank = data[start..]
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    let newlines = data[..start + blank]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    1 + newlines as u64
}

type Asked = Result<Option<(Ask, Option<String>)>, String>;

/// The website's columns: `x` in Approve, or the worker's feedback in Reject.
fn results_row(approve: &str, reject: &str) -> Asked {
    let approve = approve.trim();
    let rejected = !reject.trim().is_empty();
    if !approve.is_empty() && rejected {
        return Err("both Approve and Reject are filled: keep one".to_string());
    }
    if rejected {
        return Ok(Some((Ask::Reject, Some(reject.to_string()))));
    }
    match approve.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "x" => Ok(Some((Ask::Approve, None))),
        "override" => Ok(Some((Ask::Override, None))),
        other => Err(format!(
            "Approve holds {other:?}: write x to approve (or override to approve a rejected \
             assignment)"
        )),
    }
}

/// `Decision` (approve, reject or override, in any case) and `Feedback`.
fn plain_row(decision: &str, feedback: &str) -> Asked {
    let ask = match decision.trim().to_ascii_lowercase().as_str() {
        "" => return Ok(None),
        "approve" => Ask::Approve,
        "override" => Ask::Override,
        "reject" => Ask::Reject,
        other => {
            return Err(format!(
                "Decision {other:?} is not approve, reject or override"
            ));
        }
    };
    let feedback = (!feedback.trim().is_empty()).then(|| feedback.to_string());
    if ask == Ask::Reject && feedback.is_none() {
        return Err("a rejection needs feedback for the worker".to_string());
    }
    Ok(Some((ask, feedback)))
}

/// An assignment as looked up just now.
#[derive(Debug, Clone)]
pub enum Current {
    /// The assignment and its HIT.
    Found(Box<Assignment>, Box<Hit>),
    /// MTurk does not know it (its words).
    Unknown(String),
    /// It could not be looked up (the transport's or MTurk's words).
    Unreadable(String),
}

/// A decision ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub line: u64,
    pub decision: Decision,
    /// Reward plus MTurk's fee for an approval, 0 for a rejection; None when the HIT's
    /// reward cannot be read.
    pub cost_cents: Option<i64>,
}

/// What the file comes to against the assignments as they are now.
#[derive(Debug, Default)]
pub struct Plan {
    pub send: Vec<Planned>,
    /// Lines whose decision is already in effect (an earlier run made it): nothing to send.
    pub already: Vec<u64>,
    pub problems: Vec<Problem>,
}

impl Plan {
    /// How many of the decisions to send are of this kind.
    pub fn count(&self, kind: DecisionKind) -> usize {
        self.send.iter().filter(|p| p.decision.kind == kind).count()
    }

    /// What the approvals cost with fees, and how many could not be priced.
    pub fn cost_cents(&self) -> (i64, usize) {
        let priced = self.send.iter().filter_map(|p| p.cost_cents).sum();
        let unpriced = self.send.iter().filter(|p| p.cost_cents.is_none()).count();
        (priced, unpriced)
    }
}

/// Checks each row against its assignment as `current` has it, at `now`.
pub fn check(rows: &[Row], current: &HashMap<String, Current>, now: EpochSecs) -> Plan {
    let mut plan = Plan::default();
    for row in rows {
        let problem = |text: String| Problem {
            line: row.line,
            text: format!("{}: {text}", row.assignment_id),
        };
        let (assignment, hit) = match current.get(&row.assignment_id) {
            Some(Current::Found(assignment, hit)) => (assignment, hit),
            Some(Current::Unknown(why)) => {
                plan.problems
                    .push(problem(format!("unknown assignment id ({why})")));
                continue;
            }
            Some(Current::Unreadable(why)) => {
                plan.problems
                    .push(problem(format!("could not be looked up: {why}")));
                continue;
            }
            None => {
                plan.problems.push(problem("was not looked up".to_string()));
                continue;
            }
        };
        let decision = Decision {
            assignment_id: row.assignment_id.clone(),
            worker_id: assignment.worker_id.clone(),
            kind: match row.ask {
                Ask::Approve => DecisionKind::Approve {
                    override_rejection: false,
                },
                Ask::Override => DecisionKind::Approve {
                    override_rejection: true,
                },
                Ask::Reject => DecisionKind::Reject,
            },
            feedback: row.feedback.clone(),
        };
        if took_effect(&decision, assignment) {
            plan.already.push(row.line);
            continue;
        }
        match refusal(row.ask, assignment, hit, now) {
            Some(text) => plan.problems.push(problem(text)),
            None => plan.send.push(Planned {
                line: row.line,
                cost_cents: match row.ask {
                    Ask::Reject => Some(0),
                    Ask::Approve | Ask::Override => parse_cents(&hit.reward).and_then(|reward| {
                        approval_cost_cents(reward, i64::from(hit.max_assignments))
                    }),
                },
                decision,
            }),
        }
    }
    plan
}

/// Why this assignment cannot take this decision now (one not already in effect).
fn refusal(ask: Ask, assignment: &Assignment, hit: &Hit, now: EpochSecs) -> Option<String> {
    let status = assignment.status;
    match (ask, status) {
        (Ask::Approve | Ask::Reject, AssignmentStatus::Submitted) => None,
        (Ask::Override, AssignmentStatus::Rejected) => {
            override_block(assignment.submit_time, Some(&hit.status), now)
                .map(|block| format!("the rejection cannot be overridden: {}", words(block)))
        }
        (Ask::Approve, AssignmentStatus::Rejected) => Some(
            match override_block(assignment.submit_time, Some(&hit.status), now) {
                Some(block) => format!("rejected, and it cannot be overridden: {}", words(block)),
                None => "rejected: write override instead of x or approve to override the \
                         rejection"
                    .to_string(),
            },
        ),
        (Ask::Override, AssignmentStatus::Submitted) => Some(
            "not rejected (it is submitted): there is no rejection to override; approve it"
                .to_string(),
        ),
        (Ask::Approve | Ask::Override, AssignmentStatus::Approved) => {
            Some("already approved (with other feedback)".to_string())
        }
        (Ask::Reject, AssignmentStatus::Approved) => {
            Some("already approved: an approved assignment cannot be rejected".to_string())
        }
        (Ask::Reject, AssignmentStatus::Rejected) => {
            Some("already rejected (with other feedback)".to_string())
        }
    }
}

fn words(block: OverrideBlock) -> String {
    match block {
        OverrideBlock::SubmitTimeUnknown => "its submit time is unknown".to_string(),
        OverrideBlock::WindowClosed { secs_ago } => format!(
            "the 30 days after submission ended {}d {:02}h ago",
            secs_ago / DAY_SECS,
            secs_ago % DAY_SECS / 3600
        ),
        OverrideBlock::HitDeleted => "its HIT was deleted".to_string(),
        OverrideBlock::HitUnknown => "its HIT is unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: EpochSecs = 1_800_000_000;

    fn read_str(text: &str) -> Parsed {
        read(text.as_bytes()).unwrap()
    }

    fn lines(problems: &[Problem]) -> Vec<(u64, &str)> {
        problems.iter().map(|p| (p.line, p.text.as_str())).collect()
    }

    #[test]
    fn the_results_csv_is_read_with_spreadsheet_line_numbers() {
        let parsed = read_str(concat!(
            "HITId,AssignmentId,Answer.text,Approve,Reject\n",
            "H,A1,\"two\nlines\",x,\n",
            "H,A2,plain,,Not what was asked\n",
            "H,A3,\"three\nmore\nlines\",x,also this\n",
            "H,A4,none,,\n",
            "H,A5,short\n",
            "H,A6,odd,yes,\n",
            "H,A7,o,Override,\n",
            "H,A1,again,x,\n",
        ));
        assert_eq!(
            parsed.rows,
            [
                Row {
                    line: 2,
                    assignment_id: "A1".into(),
                    ask: Ask::Approve,
                    feedback: None
                },
                Row {
                    line: 4,
                    assignment_id: "A2".into(),
                    ask: Ask::Reject,
                    feedback: Some("Not what was asked".into())
                },
                Row {
                    line: 11,
                    assignment_id: "A7".into(),
                    ask: Ask::Override,
                    feedback: None
                },
            ]
        );
        assert_eq!(
            lines(&parsed.problems),
            [
                (5, "A3: both Approve and Reject are filled: keep one"),
                (
                    10,
                    "A6: Approve holds \"yes\": write x to approve (or override to approve a rejected assignment)"
                ),
                (12, "A1: also on line 2"),
            ]
        );
        assert_eq!(parsed.left_alone, 2, "A4, and A5 whose row ends early");
    }

    #[test]
    fn the_plain_file_takes_decisions_in_any_case_and_checks_feedback() {
        let long = "x".repeat(1025);
        let parsed = read_str(&format!(
            "AssignmentId,Decision,Feedback\nA1,APPROVE,\nA2,Reject,\nA3,reject,{long}\n\
             A4,maybe,\nA5,,ignored\nA6,reject,\"Bell \u{7}\"\nA7,override,sorry\n,approve,\n"
        ));
        let asked: Vec<(&str, Ask)> = parsed
            .rows
            .iter()
            .map(|r| (r.assignment_id.as_str(), r.ask))
            .collect();
        assert_eq!(asked, [("A1", Ask::Approve), ("A7", Ask::Override)]);
        assert_eq!(parsed.rows[1].feedback.as_deref(), Some("sorry"));
        assert_eq!(
            lines(&parsed.problems),
            [
                (3, "A2: a rejection needs feedback for the worker"),
                (
                    4,
                    "A3: feedback is 1025 characters; MTurk allows at most 1024"
                ),
                (
                    5,
                    "A4: Decision \"maybe\" is not approve, reject or override"
                ),
                (
                    7,
                    "A6: feedback holds control character U+0007, which MTurk refuses"
                ),
                (9, "no AssignmentId"),
            ]
        );
        assert_eq!(parsed.left_alone, 1);
    }

    #[test]
    fn line_numbers_hold_with_the_crlf_line_ends_spreadsheets_write() {
        let parsed = read_str(
            "AssignmentId,Decision,Feedback\r\nA1,maybe,\r\nA2,reject,\"two\r\nlines\"\r\nA3,nope,\r\n",
        );
        assert_eq!(
            lines(&parsed.problems),
            [
                (
                    2,
                    "A1: Decision \"maybe\" is not approve, reject or override"
                ),
                (
                    5,
                    "A3: Decision \"nope\" is not approve, reject or override"
                ),
            ]
        );
        assert_eq!(parsed.rows[0].line, 3);
    }

    #[test]
    fn a_file_without_the_columns_is_refused() {
        assert!(matches!(
            read("HITId,WorkerId\nH,W\n".as_bytes()),
            Err(FileError::Header("AssignmentId"))
        ));
        assert!(matches!(
            read("AssignmentId,Approve\nA,x\n".as_bytes()),
            Err(FileError::Header("Reject"))
        ));
    }

    fn found(status: AssignmentStatus, submitted_days_ago: i64, feedback: Option<&str>) -> Current {
        let assignment = Assignment {
            id: "A".into(),
            hit_id: "H".into(),
            worker_id: "AWORKER".into(),
            status,
            accept_time: None,
            submit_time: Some(NOW - submitted_days_ago * DAY_SECS),
            auto_approval_time: None,
            approval_time: None,
            rejection_time: None,
            answer: String::new(),
            requester_feedback: feedback.map(str::to_string),
            policy_note: None,
        };
        let hit = Hit {
            id: "H".into(),
            title: "T".into(),
            reward: "0.50".into(),
            max_assignments: 10,
            status: "Reviewable".into(),
        };
        Current::Found(Box::new(assignment), Box::new(hit))
    }

    fn row(line: u64, id: &str, ask: Ask, feedback: Option<&str>) -> Row {
        Row {
            line,
            assignment_id: id.into(),
            ask,
            feedback: feedback.map(str::to_string),
        }
    }

    #[test]
    fn each_row_is_checked_against_the_assignment_as_it_is_now() {
        use AssignmentStatus::*;
        let current = HashMap::from([
            ("S1".to_string(), found(Submitted, 1, None)),
            ("S2".to_string(), found(Submitted, 1, None)),
            ("S3".to_string(), found(Submitted, 1, None)),
            ("R1".to_string(), found(Rejected, 3, Some("no"))),
            ("R2".to_string(), found(Rejected, 40, Some("no"))),
            ("R3".to_string(), found(Rejected, 3, Some("no"))),
            ("P1".to_string(), found(Approved, 1, Some("sorry"))),
            ("P2".to_string(), found(Approved, 1, None)),
            ("P3".to_string(), found(Approved, 1, None)),
            ("X".to_string(), Current::Unknown("does not exist".into())),
            ("Y".to_string(), Current::Unreadable("timed out".into())),
        ]);
        let rows = [
            row(2, "S1", Ask::Approve, None),
            row(3, "S2", Ask::Reject, Some("bad")),
            row(4, "S3", Ask::Override, None),
            row(5, "R1", Ask::Override, Some("sorry")),
            row(6, "R2", Ask::Override, None),
            row(7, "R3", Ask::Approve, None),
            row(8, "P1", Ask::Override, Some("sorry")),
            row(9, "P2", Ask::Approve, None),
            row(10, "P3", Ask::Reject, Some("bad")),
            row(11, "X", Ask::Approve, None),
            row(12, "Y", Ask::Approve, None),
            row(13, "R1", Ask::Reject, Some("no")),
        ];
        let plan = check(&rows, &current, NOW);
        let sent: Vec<(u64, &str)> = plan
            .send
            .iter()
            .map(|p| (p.line, p.decision.kind.label()))
            .collect();
        assert_eq!(
            sent,
            [(2, "approve"), (3, "reject"), (5, "approve (override)")]
        );
        assert_eq!(
            plan.already,
            [8, 9, 13],
            "in effect already: nothing to send"
        );
        assert_eq!(
            lines(&plan.problems),
            [
                (
                    4,
                    "S3: not rejected (it is submitted): there is no rejection to override; approve it"
                ),
                (
                    6,
                    "R2: the rejection cannot be overridden: the 30 days after submission ended 10d 00h ago"
                ),
                (
                    7,
                    "R3: rejected: write override instead of x or approve to override the rejection"
                ),
                (
                    10,
                    "P3: already approved: an approved assignment cannot be rejected"
                ),
                (11, "X: unknown assignment id (does not exist)"),
                (12, "Y: could not be looked up: timed out"),
            ]
        );
        // $0.50 with ten assignments: 40% fee, twice; the rejection costs nothing.
        assert_eq!(plan.cost_cents(), (140, 0));
        assert_eq!(plan.count(DecisionKind::Reject), 1);
    }
}
