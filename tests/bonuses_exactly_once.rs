//! Bonuses through the decision runner: journaled with a UniqueRequestToken before they are
//! sent, retried through throttling, faults and lost replies, reconciled after a restart, and
//! paid exactly once (checked through ListBonusPayments and the balance).

// Test helpers: a failed expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{TempDb, TestServer, config};
use mturk_review::journal::{Journal, Outcome, Scope};
use mturk_review::money::format_cents;
use mturk_review::mturk::client::local_client;
use mturk_review::mturk::decisions::{DECISION_CONCURRENCY, RunnerEvent, start_runner};
use mturk_review::mturk::domain::Bonus;
use mturk_review::mturk::limiter::Limiter;
use mturk_review::mturk::worker_actions::{ActionState, WorkerAction};
use mturk_review::server::{FaultConfig, ServerConfig};
use tokio::sync::mpsc;

const BONUSES: usize = 60;
/// A $1.00 bonus plus MTurk's 20% fee.
const COST_CENTS: i64 = 120;

/// A file database with one submitted assignment per bonus, made while the server is well.
async fn populated(db: &TempDb) -> (Vec<Bonus>, i64) {
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        balance_cents: 100_000,
        ..config()
    })
    .await;
    let mut bonuses = Vec::new();
    for i in 0..BONUSES {
        let hit = server.hit("0.10", 1).await;
        let worker = format!("AWORKER{i}");
        let id = server.submit(&hit, &worker).await;
        bonuses.push(Bonus {
            assignment_id: id,
            worker_id: worker,
            amount_cents: 100,
            reason: "Extra care".into(),
        });
    }
    let balance = server.balance().await;
    server.stop().await;
    (bonuses, balance)
}

/// How many bonuses the assignment has been paid.
async fn payments(server: &TestServer, assignment_id: &str) -> usize {
    server
        .client
        .list_bonus_payments()
        .assignment_id(assignment_id)
        .send()
        .await
        .expect("ListBonusPayments")
        .bonus_payments()
        .len()
}

/// Waits for the runner's final word on `count` actions, failing on any failure.
async fn settled(events: &mut mpsc::UnboundedReceiver<RunnerEvent>, count: usize) -> usize {
    let (mut done, mut retries) = (0, 0);
    while done < count {
        let event = tokio::time::timeout(Duration::from_secs(120), events.recv())
            .await
            .expect("the runner kept reporting")
            .expect("the runner is alive");
        if let RunnerEvent::Worker { state, action } = event {
            match state {
                ActionState::Done => done += 1,
                ActionState::Failed(why) => panic!("{action:?} failed: {why}"),
                ActionState::Retrying { .. } => retries += 1,
                ActionState::Sending => {}
            }
        }
    }
    retries
}

fn scope(url: &str) -> Scope {
    Scope {
        endpoint: url.to_string(),
        account: "test".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bonuses_under_faults_and_lost_replies_are_paid_exactly_once() {
    let db = TempDb::new("bonuses-once");
    let (bonuses, start_balance) = populated(&db).await;
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        faults: FaultConfig {
            throttle_percent: 20,
            fault_percent: 10,
            lost_reply_percent: 10,
            seed: Some(20_261_202),
            ..FaultConfig::default()
        },
        ..config()
    })
    .await;
    let journal_path = TempDb::new("bonuses-once-journal");
    let journal = Journal::open(&journal_path.0, scope(&server.url)).unwrap();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let runner = start_runner(
        local_client(&server.url).await,
        journal,
        Limiter::new(DECISION_CONCURRENCY),
        events_tx,
    );
    for bonus in &bonuses {
        runner
            .worker_actions
            .send(WorkerAction::Bonus(bonus.clone()))
            .unwrap();
    }
    let retries = settled(&mut events, bonuses.len()).await;
    assert!(retries > 10, "the faults were felt: {retries} retries");

    server.stop().await;
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    for bonus in &bonuses {
        assert_eq!(payments(&server, &bonus.assignment_id).await, 1);
    }
    assert_eq!(
        start_balance - server.balance().await,
        bonuses.len() as i64 * COST_CENTS,
        "each bonus paid exactly once"
    );
    let journal = Journal::open(&journal_path.0, scope(&server.url)).unwrap();
    assert!(journal.unresolved_bonuses().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_a_paid_bonus_is_confirmed_and_an_unpaid_one_is_paid_once() {
    let db = TempDb::new("bonuses-restart");
    let (bonuses, start_balance) = populated(&db).await;
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    let journal_path = TempDb::new("bonuses-restart-journal");
    // What an earlier session left: three bonuses journaled, the first sent and paid (its
    // reply lost as the program died), the second sent but never arrived, the third killed
    // before anything was sent.
    let (paid, lost, unsent) = {
        let mut journal = Journal::open(&journal_path.0, scope(&server.url)).unwrap();
        let paid = journal.record_bonus(&bonuses[0]).unwrap();
        journal.record_bonus_prior(paid.seq, 0).unwrap();
        server
            .client
            .send_bonus()
            .worker_id(&bonuses[0].worker_id)
            .assignment_id(&bonuses[0].assignment_id)
            .bonus_amount(format_cents(bonuses[0].amount_cents))
            .reason(&bonuses[0].reason)
            .unique_request_token(&paid.token)
            .send()
            .await
            .unwrap();
        let lost = journal.record_bonus(&bonuses[1]).unwrap();
        journal.record_bonus_prior(lost.seq, 0).unwrap();
        let unsent = journal.record_bonus(&bonuses[2]).unwrap();
        (paid, lost, unsent)
    };

    let journal = Journal::open(&journal_path.0, scope(&server.url)).unwrap();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let runner = start_runner(
        local_client(&server.url).await,
        journal,
        Limiter::new(DECISION_CONCURRENCY),
        events_tx,
    );
    let pending = loop {
        let event = tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .expect("reconciled in time")
            .expect("the runner is alive");
        if let RunnerEvent::BonusesReconciled { confirmed, pending } = event {
            assert_eq!(confirmed, 1, "the paid one");
            break pending;
        }
    };
    let seqs: Vec<i64> = pending.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [lost.seq, unsent.seq]);
    assert_eq!(payments(&server, &bonuses[0].assignment_id).await, 1);

    // Sent again, under their own entries: each paid once.
    for entry in pending {
        runner
            .worker_actions
            .send(WorkerAction::ResendBonus(entry))
            .unwrap();
    }
    settled(&mut events, 2).await;
    for bonus in &bonuses[..3] {
        assert_eq!(payments(&server, &bonus.assignment_id).await, 1);
    }
    assert_eq!(start_balance - server.balance().await, 3 * COST_CENTS);

    drop(runner);
    let journal = Journal::open(&journal_path.0, scope(&server.url)).unwrap();
    assert!(journal.unresolved_bonuses().unwrap().is_empty());
    for seq in [paid.seq, lost.seq, unsent.seq] {
        assert_eq!(
            journal.bonus(seq).unwrap().unwrap().outcome,
            Some(Outcome::Done)
        );
    }
}
