//! `mturk-review apply` and `export --payments`, the real binary against a server: every
//! check of a file reported with its spreadsheet line number and nothing sent; a dry run
//! that sends nothing; `--yes` on the CSV `export` wrote, marked as on the MTurk website; a
//! run killed half way on a struggling server, then run again, applying every decision once
//! (statuses, balance and journal); a failed run's exit code; and the payments against the
//! server's own balance.
// As in #[test] functions (clippy.toml): a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_mturk::types::AssignmentStatus;
use common::{DUMMY_AWS_ENV, ServeProcess, TempDb, TestServer, config};
use mturk_review::journal::{Outcome, read_history};
use mturk_review::server::ServerConfig;

const BIN: &str = env!("CARGO_BIN_EXE_mturk-review");

/// Runs the binary to the end.
async fn run(args: Vec<String>) -> Output {
    tokio::process::Command::new(BIN)
        .args(args)
        .envs(DUMMY_AWS_ENV)
        .output()
        .await
        .expect("run mturk-review")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

async fn status(t: &TestServer, id: &str) -> AssignmentStatus {
    t.assignment(id)
        .await
        .assignment_status()
        .cloned()
        .expect("a status")
}

#[tokio::test]
async fn every_problem_is_reported_with_its_line_and_nothing_is_sent() {
    let t = TestServer::start().await;
    let hit = t.hit("0.50", 5).await;
    let s1 = t.submit(&hit, "AWORKERONE").await;
    let s2 = t.submit(&hit, "AWORKERTWO").await;
    let s3 = t.submit(&hit, "AWORKERTHREE").await;
    let approved = t.submit(&hit, "AWORKERFOUR").await;
    t.approve(&approved).await;
    let old = t.rejected_days_ago(&hit, "AWORKERFIVE", 40).await;
    let recent_hit = t.hit("0.50", 1).await;
    let recent = t.rejected_days_ago(&recent_hit, "AWORKERSIX", 3).await;
    let balance = t.balance().await;

    let dir = TempDb::new("apply-problems");
    std::fs::create_dir_all(&dir.0).unwrap();
    let results = dir.0.join("results.csv");
    let long = "x".repeat(1100);
    // Line 2 spans lines 2-3 (a quoted answer with a newline), so the rest start one later.
    std::fs::write(
        &results,
        format!(
            "AssignmentId,WorkerId,Answer.q1,Approve,Reject\n\
             {s1},AWORKERONE,\"two\nlines\",x,Wrong\n\
             3NOSUCHASSIGNMENT000000000000X,AWORKERONE,a,x,\n\
             {approved},AWORKERFOUR,a,,Too late\n\
             {old},AWORKERFIVE,a,override,\n\
             {s2},AWORKERTWO,a,,{long}\n\
             {s3},AWORKERTHREE,a,,\n"
        ),
    )
    .unwrap();
    let url = t.url.clone();
    let out = run(args(&[
        "apply",
        &results.display().to_string(),
        "--endpoint-url",
        &url,
        "--yes",
    ]))
    .await;
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    for (line, words) in [
        (2, "both Approve and Reject are filled"),
        (4, "unknown assignment id"),
        (
            5,
            "already approved: an approved assignment cannot be rejected",
        ),
        (
            6,
            "the rejection cannot be overridden: the 30 days after submission ended 10d",
        ),
        (7, "feedback is 1100 characters; MTurk allows at most 1024"),
    ] {
        let found = stderr
            .lines()
            .find(|l| l.contains(&format!("results.csv: line {line}: ")));
        assert!(
            found.is_some_and(|l| l.contains(words)),
            "line {line}: {words}\n{stderr}"
        );
    }
    assert!(stderr.contains("nothing was sent: 5 problems"), "{stderr}");
    assert!(
        !stderr.contains("line 8:"),
        "a row with neither column set is left alone"
    );

    let plain = dir.0.join("plain.csv");
    std::fs::write(
        &plain,
        format!("AssignmentId,Decision,Feedback\n{s1},Reject,\n{recent},approve,\n{s2},APPROVE,\n"),
    )
    .unwrap();
    let out = run(args(&[
        "apply",
        &plain.display().to_string(),
        "--endpoint-url",
        &url,
        "--yes",
    ]))
    .await;
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "plain.csv: line 2: {s1}: a rejection needs feedback for the worker"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "plain.csv: line 3: {recent}: rejected: write override"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was sent: 2 problems"), "{stderr}");

    for id in [&s1, &s2, &s3] {
        assert_eq!(status(&t, id).await, AssignmentStatus::Submitted);
    }
    assert_eq!(status(&t, &recent).await, AssignmentStatus::Rejected);
    assert_eq!(t.balance().await, balance, "nothing was paid");
    let _ = std::fs::remove_dir_all(&dir.0);
}

/// `export`'s CSV of `url` with Approve and Reject filled in by `mark` (by AssignmentId).
async fn marked_export(url: &str, path: &Path, mark: impl Fn(&str) -> (&'static str, String)) {
    let out = run(args(&[
        "export",
        "--endpoint-url",
        url,
        "--output",
        &path.display().to_string(),
    ]))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut reader = csv::Reader::from_path(path).unwrap();
    let mut header = reader.headers().unwrap().clone();
    let id_column = header.iter().position(|h| h == "AssignmentId").unwrap();
    header.push_field("Approve");
    header.push_field("Reject");
    let mut rows = vec![header];
    for record in reader.records() {
        let mut record = record.unwrap();
        let (approve, reject) = mark(&record[id_column]);
        record.push_field(approve);
        record.push_field(&reject);
        rows.push(record);
    }
    let mut writer = csv::Writer::from_path(path).unwrap();
    for row in rows {
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
}

#[tokio::test]
async fn a_dry_run_sends_nothing_and_yes_applies_the_exported_csv_once() {
    let t = TestServer::start().await;
    // $0.50 on a HIT of ten assignments: $0.70 an approval with MTurk's 40% fee.
    let hit = t.hit("0.50", 10).await;
    let approve_1 = t.submit(&hit, "AWORKERONE").await;
    let approve_2 = t.submit(&hit, "AWORKERTWO").await;
    let reject = t.submit(&hit, "AWORKERTHREE").await;
    let untouched = t.submit(&hit, "AWORKERFOUR").await;
    let overridden = t.rejected_days_ago(&hit, "AWORKERFIVE", 3).await;
    let start = t.balance().await;

    let dir = TempDb::new("apply-yes");
    std::fs::create_dir_all(&dir.0).unwrap();
    let csv_path = dir.0.join("results.csv");
    let journal = dir.0.join("journal.sqlite");
    let marks: HashMap<String, (&'static str, String)> = HashMap::from([
        (approve_1.clone(), ("x", String::new())),
        (approve_2.clone(), ("X", String::new())),
        (reject.clone(), ("", "Not what was asked".to_string())),
        (overridden.clone(), ("override", String::new())),
    ]);
    marked_export(&t.url, &csv_path, |id| {
        marks.get(id).cloned().unwrap_or(("", String::new()))
    })
    .await;
    let apply = |yes: bool| {
        let mut list = args(&[
            "apply",
            &csv_path.display().to_string(),
            "--endpoint-url",
            &t.url,
            "--journal",
            &journal.display().to_string(),
        ]);
        if yes {
            list.push("--yes".into());
        }
        run(list)
    };

    let dry = apply(false).await;
    let stdout = text(&dry.stdout);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(
        stdout.contains(
            "4 decisions to send: 2 approve, 1 approve (override), 1 reject; 0 already in effect; 1 row left alone"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("cost: $2.10"), "three approvals: {stdout}");
    assert!(stdout.contains("dry run: nothing was sent"), "{stdout}");
    for id in [&approve_1, &approve_2, &reject, &untouched] {
        assert_eq!(status(&t, id).await, AssignmentStatus::Submitted);
    }
    assert_eq!(status(&t, &overridden).await, AssignmentStatus::Rejected);
    assert_eq!(t.balance().await, start);
    assert!(!journal.exists(), "a dry run journals nothing");

    let sent = apply(true).await;
    let stdout = text(&sent.stdout);
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    assert!(stdout.contains("applied 4 of 4 decisions"), "{stdout}");
    for (id, wanted) in [
        (&approve_1, AssignmentStatus::Approved),
        (&approve_2, AssignmentStatus::Approved),
        (&reject, AssignmentStatus::Rejected),
        (&overridden, AssignmentStatus::Approved),
        (&untouched, AssignmentStatus::Submitted),
    ] {
        assert_eq!(status(&t, id).await, wanted, "{id}");
    }
    assert_eq!(
        t.assignment(&reject).await.requester_feedback(),
        Some("Not what was asked")
    );
    assert_eq!(start - t.balance().await, 3 * 70);

    let again = apply(true).await;
    let stdout = text(&again.stdout);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        stdout.contains("0 decisions to send") && stdout.contains("4 already in effect"),
        "{stdout}"
    );
    assert_eq!(start - t.balance().await, 3 * 70, "nothing paid twice");
    let history = read_history(&journal).unwrap();
    assert_eq!(history.len(), 4, "{history:?}");
    assert!(history.iter().all(|e| e.outcome == Some(Outcome::Done)));
    let _ = std::fs::remove_dir_all(&dir.0);
}

const HITS: usize = 12;
const PER_HIT: usize = 10;
/// $0.50 reward plus MTurk's 40% fee for HITs with ten or more assignments.
const COST_CENTS: i64 = 70;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_half_way_then_run_again_every_decision_is_applied_once() {
    let db = TempDb::new("apply-kill");
    let dir = TempDb::new("apply-kill-files");
    std::fs::create_dir_all(&dir.0).unwrap();
    let file = dir.0.join("decisions.csv");
    let journal = dir.0.join("journal.sqlite");
    // Of each HIT's ten: seven approved, two rejected, one rejection (three days old)
    // overridden.
    let (wanted, start) = {
        let t = TestServer::start_with(ServerConfig {
            db: db.0.clone(),
            balance_cents: 100_000,
            ..config()
        })
        .await;
        let mut lines = String::from("AssignmentId,Decision,Feedback\n");
        let mut wanted = Vec::new();
        for h in 0..HITS {
            let hit = t.hit("0.50", PER_HIT as i32).await;
            for w in 0..PER_HIT {
                let worker = format!("AWORKER{h}X{w}");
                let (id, line, status) = match w {
                    0..7 => {
                        let id = t.submit(&hit, &worker).await;
                        let line = format!("{id},approve,Thanks\n");
                        (id, line, AssignmentStatus::Approved)
                    }
                    7 | 8 => {
                        let id = t.submit(&hit, &worker).await;
                        let line = format!("{id},reject,\"Off topic,\nsorry\"\n");
                        (id, line, AssignmentStatus::Rejected)
                    }
                    _ => {
                        let id = t.rejected_days_ago(&hit, &worker, 3).await;
                        let line = format!("{id},override,Our mistake\n");
                        (id, line, AssignmentStatus::Approved)
                    }
                };
                lines.push_str(&line);
                wanted.push((id, status));
            }
        }
        std::fs::write(&file, lines).unwrap();
        let start = t.balance().await;
        t.stop().await;
        (wanted, start)
    };

    let db_path = db.0.display().to_string();
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
        "11",
    ]);
    let apply_args = [
        "apply".to_string(),
        file.display().to_string(),
        "--endpoint-url".to_string(),
        serve.url.clone(),
        "--journal".to_string(),
        journal.display().to_string(),
        "--yes".to_string(),
    ];

    let (first_args, first_journal) = (apply_args.clone(), journal.clone());
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(BIN)
            .args(&first_args)
            .envs(DUMMY_AWS_ENV)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let done = read_history(&first_journal)
                .map(|h| h.iter().filter(|e| e.outcome.is_some()).count())
                .unwrap_or(0);
            if done >= 10 {
                break;
            }
            assert!(child.try_wait().unwrap().is_none(), "ended before the kill");
            assert!(Instant::now() < deadline, "no decision settled in time");
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let history = read_history(&first_journal).unwrap();
        assert_eq!(
            history.len(),
            HITS * PER_HIT,
            "all journaled before sending"
        );
        assert!(
            history.iter().any(|e| e.outcome.is_none()),
            "killed with decisions in flight"
        );
    })
    .await
    .unwrap();

    let second = run(apply_args.to_vec()).await;
    let stdout = text(&second.stdout);
    assert!(
        second.status.success(),
        "{}\n{stdout}",
        text(&second.stderr)
    );
    assert!(
        stdout.contains("decisions of an earlier run unsettled"),
        "the killed run's open entries are reconciled first: {stdout}"
    );
    drop(serve);

    let t = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    for (id, wanted) in &wanted {
        assert_eq!(&status(&t, id).await, wanted, "{id}");
    }
    let approvals = wanted
        .iter()
        .filter(|(_, s)| *s == AssignmentStatus::Approved)
        .count() as i64;
    assert_eq!(
        start - t.balance().await,
        approvals * COST_CENTS,
        "each approval paid exactly once"
    );
    // The journal shows each decision done once: none repeated, none left open.
    let history = read_history(&journal).unwrap();
    let mut done: HashMap<&str, usize> = HashMap::new();
    for entry in &history {
        assert!(
            matches!(
                entry.outcome,
                Some(Outcome::Done | Outcome::Superseded | Outcome::Failed)
            ),
            "settled: {entry:?}"
        );
        if entry.outcome == Some(Outcome::Done) {
            *done
                .entry(entry.decision.assignment_id.as_str())
                .or_default() += 1;
        }
    }
    for (id, _) in &wanted {
        assert_eq!(done.get(id.as_str()), Some(&1), "{id} done once");
    }
    let _ = std::fs::remove_dir_all(&dir.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_decisions_fail_exits_non_zero() {
    let db = TempDb::new("apply-fail");
    let dir = TempDb::new("apply-fail-files");
    std::fs::create_dir_all(&dir.0).unwrap();
    let file = dir.0.join("decisions.csv");
    {
        let t = TestServer::start_with(ServerConfig {
            db: db.0.clone(),
            ..config()
        })
        .await;
        let hit = t.hit("0.50", 5).await;
        let mut lines = String::from("AssignmentId,Decision,Feedback\n");
        for w in 0..5 {
            let id = t.submit(&hit, &format!("AWORKER{w}")).await;
            lines.push_str(&format!("{id},approve,\n"));
        }
        std::fs::write(&file, lines).unwrap();
        t.stop().await;
    }
    let db_path = db.0.display().to_string();
    let serve = ServeProcess::spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        &db_path,
        "--latency-ms",
        "300",
    ]);
    let list = [
        "apply".to_string(),
        file.display().to_string(),
        "--endpoint-url".to_string(),
        serve.url.clone(),
        "--journal".to_string(),
        dir.0.join("journal.sqlite").display().to_string(),
        "--yes".to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        let mut serve = serve;
        let mut child = Command::new(BIN)
            .args(&list)
            .envs(DUMMY_AWS_ENV)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The plan is printed once every row is checked; the server goes away right then,
        // before the decisions are answered.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "no plan: {seen}");
            seen.push_str(&line);
            if line.starts_with("cost:") {
                break;
            }
        }
        serve.child.kill().unwrap();
        serve.child.wait().unwrap();
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
        let output = child.wait_with_output().unwrap();
        (output.status, seen + &rest, text(&output.stderr))
    })
    .await
    .unwrap();
    let (status, stdout, stderr) = out;
    assert!(!status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("of 5 decisions"), "{stdout}");
    assert!(stderr.contains("decisions failed"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir.0);
}

#[tokio::test]
async fn payments_add_up_to_what_the_server_charged() {
    let t = TestServer::start().await;
    let big = t.hit("0.50", 10).await;
    let small = t.hit("1.00", 1).await;
    let other = t.hit("0.25", 2).await;
    let one_big = t.submit(&big, "AWORKERONE").await;
    let one_small = t.submit(&small, "AWORKERONE").await;
    let two_big = t.submit(&big, "AWORKERTWO").await;
    let _waiting = t.submit(&big, "AWORKERFOUR").await;
    let three = t.submit(&other, "AWORKERTHREE").await;
    let start = t.balance().await;
    for id in [&one_big, &one_small, &two_big] {
        t.approve(id).await;
    }
    t.reject(&three).await;
    t.bonus("AWORKERONE", &one_big, "1.00", None).await;
    t.bonus("AWORKERTHREE", &three, "0.30", None).await;
    let charged = start - t.balance().await;

    let out = run(args(&["export", "--payments", "--endpoint-url", &t.url])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert_eq!(
        csv,
        "WorkerId,ApprovedAssignments,Rewards,Bonuses,Fees,Total\n\
         AWORKERONE,2,1.50,1.00,0.60,3.10\n\
         AWORKERTHREE,0,0.00,0.30,0.06,0.36\n\
         AWORKERTWO,1,0.50,0.00,0.20,0.70\n"
    );
    let out = run(args(&[
        "export",
        "--payments",
        "--format",
        "jsonl",
        "--endpoint-url",
        &t.url,
    ]))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let total: i64 = text(&out.stdout)
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            mturk_review::money::parse_cents(value["Total"].as_str().unwrap()).unwrap()
        })
        .sum();
    assert_eq!(
        total, charged,
        "the totals are what the balance went down by"
    );
}
