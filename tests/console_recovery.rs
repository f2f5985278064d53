//! Killed mid-batch: the console is killed while a bulk approval is being sent to a
//! struggling server; the next start reconciles from the journal, the reviewer re-sends what
//! is pending with one key, and the server ends with every assignment approved exactly once.

// Test helpers: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use aws_sdk_mturk::types::AssignmentStatus;
use common::pty::Console;
use common::{ServeProcess, TempDb, TestServer, config};
use mturk_review::journal::{Outcome, read_history};
use mturk_review::server::ServerConfig;

const HITS: usize = 20;
const PER_HIT: usize = 10;
const TOTAL: usize = HITS * PER_HIT;
/// $0.50 reward plus MTurk's 40% fee for HITs with ten or more assignments.
const COST_CENTS: i64 = 70;

/// Waits until `check` holds on the screen's text; fails with the screen when it never does.
fn wait_until(console: &Console, what: &str, check: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if check(&console.contents()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("never saw {what}:\n{}", console.contents());
}

/// "N decided this session" from the header.
fn decided(screen: &str) -> usize {
    screen
        .split(" decided this session")
        .next()
        .and_then(|before| before.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_console_reconciles_to_every_assignment_approved_once() {
    let db = TempDb::new("recovery");
    let journal = TempDb::new("recovery-journal");
    let (ids, start_balance) = {
        let server = TestServer::start_with(ServerConfig {
            db: db.0.clone(),
            balance_cents: 100_000,
            ..config()
        })
        .await;
        let mut ids = Vec::new();
        for h in 0..HITS {
            let hit = server.hit("0.50", PER_HIT as i32).await;
            for w in 0..PER_HIT {
                ids.push(server.submit(&hit, &format!("AWORKER{h}X{w}")).await);
            }
        }
        let balance = server.balance().await;
        server.stop().await;
        (ids, balance)
    };

    let db_path = db.0.display().to_string();
    let journal_path = journal.0.display().to_string();
    let serve = ServeProcess::spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        &db_path,
        "--latency-ms",
        "100",
        "--throttle-percent",
        "20",
        "--fault-percent",
        "10",
        "--lost-reply-percent",
        "10",
        "--seed",
        "7",
    ]);
    let url = serve.url.clone();
    let args = ["--endpoint-url", &url, "--journal", &journal_path];

    let (args_1, journal_1) = (args.map(str::to_string), journal.0.clone());
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args_1.iter().map(String::as_str).collect();
        let mut console = Console::start(&args);
        console.wait_for("✓ all loaded");
        console.keys("*");
        console.keys("A");
        console.wait_for("Approve marked?");
        console.keys("y");
        wait_until(&console, "some approvals land", |s| decided(s) >= 10);
        console.child.kill().unwrap();
        console.child.wait().unwrap();
        let history = read_history(&journal_1).unwrap();
        assert_eq!(
            history.len(),
            TOTAL,
            "every decision journaled before sending"
        );
        let open = history.iter().filter(|e| e.outcome.is_none()).count();
        assert!(open > 0, "killed with decisions in flight");
    })
    .await
    .unwrap();

    let args_2 = args.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args_2.iter().map(String::as_str).collect();
        let mut console = Console::start(&args);
        console.wait_for("✓ all loaded");
        // Either some decisions are pending (sent again with P), or all of them took effect.
        wait_until(&console, "the reconciliation", |s| {
            s.contains("pending from the last session") || s.contains(" 0 to review · 0 submitted")
        });
        if console.contents().contains("pending from the last session") {
            console.keys("P");
        }
        wait_until(&console, "nothing left to review", |s| {
            s.contains(" 0 to review · 0 submitted")
        });
        console.keys("q");
        assert!(console.child.wait().unwrap().success());
    })
    .await
    .unwrap();
    drop(serve);

    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    for id in &ids {
        assert_eq!(
            server.assignment(id).await.assignment_status(),
            Some(&AssignmentStatus::Approved)
        );
    }
    assert_eq!(
        start_balance - server.balance().await,
        TOTAL as i64 * COST_CENTS,
        "each approval paid exactly once"
    );
    let history = read_history(&journal.0).unwrap();
    assert!(
        history
            .iter()
            .all(|e| matches!(e.outcome, Some(Outcome::Done | Outcome::Superseded))),
        "every journal entry settled: {history:?}"
    );
}
