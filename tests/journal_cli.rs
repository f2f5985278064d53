//! `mturk-review journal`: the history of decisions and bonuses as a table and as CSV; CSV on a terminal (a
//! pty) passes through the sanitiser, and through a pipe keeps the text exactly.

// Test helpers: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::TempDb;
use common::pty::Console;
use mturk_review::journal::{Journal, Outcome, Scope};
use mturk_review::mturk::domain::{Bonus, Decision, DecisionKind};

/// The test journal at `path`, for one local endpoint and account.
fn open_journal(path: &std::path::Path) -> Journal {
    let scope = Scope {
        endpoint: "http://127.0.0.1:8780".into(),
        account: "acct-test".into(),
    };
    Journal::open(path, scope).unwrap()
}

fn journal_with_history(path: &std::path::Path) {
    let mut journal = open_journal(path);
    let seqs = journal
        .record_intents(&[
            Decision {
                assignment_id: "3APPROVED0000000000000000000A1".into(),
                worker_id: "AWORKERONE".into(),
                kind: DecisionKind::Approve {
                    override_rejection: true,
                },
                feedback: Some("Great, \"thanks\", see you".into()),
            },
            Decision {
                assignment_id: "3REJECTED0000000000000000000R1".into(),
                worker_id: "AWORKERTWO".into(),
                kind: DecisionKind::Reject,
                feedback: Some("Bad\u{202e} answer".into()),
            },
        ])
        .unwrap();
    journal.record_outcome(seqs[0], Outcome::Done, "").unwrap();
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_history_prints_as_a_table_and_as_csv() {
    let db = TempDb::new("journal-cli");
    journal_with_history(&db.0);
    let path = db.0.display().to_string();

    let (ok, table, _) = run(&["journal", "--journal", &path]);
    assert!(ok);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("time"));
    assert!(lines[1].contains("3APPROVED0000000000000000000A1"));
    assert!(lines[1].contains("approve (override)"));
    assert!(lines[1].contains("done"));
    assert!(lines[2].contains("reject"));
    assert!(lines[2].contains("unknown (not yet reconciled)"));
    assert!(!table.contains('\u{202e}'), "made safe for the terminal");

    let (ok, csv, _) = run(&["journal", "--journal", &path, "--csv"]);
    assert!(ok);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "time",
            "endpoint",
            "assignment",
            "worker",
            "decision",
            "feedback",
            "outcome",
            "detail"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        &rows[0][5], "Great, \"thanks\", see you",
        "quoted, not mangled"
    );
    assert_eq!(&rows[1][6], "unknown (not yet reconciled)");
}

#[test]
fn a_missing_journal_is_a_clear_error() {
    let db = TempDb::new("journal-missing");
    let (ok, _, err) = run(&["journal", "--journal", &db.0.display().to_string()]);
    assert!(!ok);
    assert!(err.contains("no journal at"), "{err}");
}

/// Feedback and a worker id that would drive a terminal: a window title, a clipboard write,
/// a C1 CSI and a right-to-left override.
const LIVE: &str = "\x1b]0;pwned\x07 \x1b]52;c;ZWNobyBwd25lZA==\x07 \u{9b}6n \u{202e}";

fn journal_with_live_text(path: &std::path::Path) {
    let mut journal = open_journal(path);
    let seqs = journal
        .record_intents(&[Decision {
            assignment_id: "3LIVE00000000000000000000000A1".into(),
            worker_id: format!("AWORKER{LIVE}"),
            kind: DecisionKind::Reject,
            feedback: Some(format!("{LIVE}THE-END")),
        }])
        .unwrap();
    journal
        .record_outcome(seqs[0], Outcome::Done, LIVE)
        .unwrap();
}

#[test]
fn csv_on_a_terminal_passes_the_sanitiser_and_through_a_pipe_stays_exact() {
    let db = TempDb::new("journal-live");
    journal_with_live_text(&db.0);
    let path = db.0.display().to_string();

    let mut shown = Console::start(&["journal", "--journal", &path, "--csv"]);
    shown.wait_for("THE-END");
    assert!(shown.child.wait().unwrap().success());
    assert!(shown.contents().contains("␛]52;c;"), "{}", shown.contents());
    let bytes = shown.bytes();
    assert!(
        !bytes.contains(&0x1b),
        "no raw ESC: {:?}",
        String::from_utf8_lossy(&bytes)
    );
    let c1 = bytes
        .windows(2)
        .any(|w| w[0] == 0xC2 && (0x80..=0x9F).contains(&w[1]));
    assert!(!c1, "no raw C1 control");
    let rlo = "\u{202e}".as_bytes();
    assert!(
        !bytes.windows(rlo.len()).any(|w| w == rlo),
        "no raw override"
    );

    let (ok, csv, _) = run(&["journal", "--journal", &path, "--csv"]);
    assert!(ok);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][3], format!("AWORKER{LIVE}"));
    assert_eq!(&rows[0][5], format!("{LIVE}THE-END"), "exactly as recorded");
    assert_eq!(&rows[0][7], LIVE);
}

#[test]
fn bonuses_are_in_the_history_with_their_amount_and_reason() {
    let db = TempDb::new("journal-cli-bonus");
    journal_with_history(&db.0);
    let mut journal = open_journal(&db.0);
    journal
        .record_bonus(&Bonus {
            assignment_id: "3APPROVED0000000000000000000A1".into(),
            worker_id: "AWORKERONE".into(),
            amount_cents: 150,
            reason: "Careful work".into(),
        })
        .unwrap();
    drop(journal);
    let path = db.0.display().to_string();

    let (ok, table, _) = run(&["journal", "--journal", &path]);
    assert!(ok);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(lines[3].contains("bonus $1.50"), "{table}");
    assert!(lines[3].contains("Careful work"), "{table}");
    assert!(lines[3].contains("unknown (not yet reconciled)"), "{table}");

    let (ok, csv, _) = run(&["journal", "--journal", &path, "--csv"]);
    assert!(ok);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[2][4], "bonus $1.50");
    assert_eq!(&rows[2][5], "Careful work");
}
