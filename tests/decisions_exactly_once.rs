//! The decision runner against a struggling server: every decision journaled before it is
//! sent, retried through throttling, faults and lost replies, and applied exactly once.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_mturk::types::AssignmentStatus;
use common::{TempDb, TestServer, config};
use mturk_review::journal::{Journal, Outcome, Scope};
use mturk_review::mturk::client::local_client;
use mturk_review::mturk::decisions::{DECISION_CONCURRENCY, RunnerEvent, spawn_runner};
use mturk_review::mturk::domain::{Decision, DecisionKind, DecisionState};
use mturk_review::mturk::limiter::Limiter;
use mturk_review::server::{FaultConfig, ServerConfig};
use tokio::sync::mpsc;

const HITS: usize = 50;
const PER_HIT: usize = 10;
/// $0.50 reward plus MTurk's 40% fee for HITs with ten or more assignments.
const COST_CENTS: i64 = 70;

/// A file database with HITS x PER_HIT submitted assignments, made while the server is well.
async fn populated(db: &TempDb) -> (Vec<Decision>, i64) {
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        balance_cents: 100_000,
        ..config()
    })
    .await;
    let mut decisions = Vec::new();
    for h in 0..HITS {
        let hit = server.hit("0.50", PER_HIT as i32).await;
        for w in 0..PER_HIT {
            let worker = format!("AWORKER{h}X{w}");
            let id = server.submit(&hit, &worker).await;
            decisions.push(Decision {
                assignment_id: id,
                worker_id: worker,
                kind: DecisionKind::Approve {
                    override_rejection: false,
                },
                feedback: (w % 2 == 0).then(|| "Thank you!".to_string()),
            });
        }
    }
    let balance = server.balance().await;
    server.stop().await;
    (decisions, balance)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_approvals_under_faults_land_exactly_once() {
    let db = TempDb::new("exactly-once");
    let (decisions, start_balance) = populated(&db).await;
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        faults: FaultConfig {
            throttle_percent: 20,
            fault_percent: 10,
            lost_reply_percent: 10,
            seed: Some(20_261_129),
            ..FaultConfig::default()
        },
        ..config()
    })
    .await;
    let journal_path = TempDb::new("exactly-once-journal");
    let scope = Scope {
        endpoint: server.url.clone(),
        account: "test".into(),
    };
    let journal = Journal::open(&journal_path.0, scope.clone()).unwrap();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let runner = spawn_runner(
        local_client(&server.url).await,
        journal,
        Limiter::new(DECISION_CONCURRENCY),
        events_tx,
    );
    for decision in &decisions {
        runner.send(decision.clone()).unwrap();
    }

    let mut finals: HashMap<String, DecisionState> = HashMap::new();
    let mut retries = 0;
    while finals.len() < decisions.len() {
        let event = tokio::time::timeout(Duration::from_secs(120), events.recv())
            .await
            .expect("the runner kept reporting")
            .expect("the runner is alive");
        // The journal was empty at start: reconciliation has nothing of this session's to
        // report, however soon the decisions follow the start.
        if let RunnerEvent::Reconciled { confirmed, pending } = &event {
            panic!(
                "this session's decisions were reconciled as an earlier session's: \
                 {confirmed} confirmed, {} pending",
                pending.len()
            );
        }
        if let RunnerEvent::Decision {
            assignment_id,
            state,
        } = event
        {
            match state {
                DecisionState::Retrying { .. } => retries += 1,
                DecisionState::Done(_) | DecisionState::Failed(_) => {
                    assert!(
                        finals.insert(assignment_id, state).is_none(),
                        "one final report per decision"
                    );
                }
                _ => {}
            }
        }
    }
    let failed: Vec<_> = finals
        .values()
        .filter(|s| matches!(s, DecisionState::Failed(_)))
        .collect();
    assert!(failed.is_empty(), "failed decisions: {failed:?}");
    assert!(retries > 50, "the faults were felt: {retries} retries");

    // The server, restarted without faults: every one approved, with its feedback, and paid
    // for exactly once.
    server.stop().await;
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    for decision in &decisions {
        let assignment = server.assignment(&decision.assignment_id).await;
        assert_eq!(
            assignment.assignment_status(),
            Some(&AssignmentStatus::Approved)
        );
        assert_eq!(
            assignment.requester_feedback(),
            decision.feedback.as_deref()
        );
    }
    assert_eq!(
        start_balance - server.balance().await,
        decisions.len() as i64 * COST_CENTS,
        "each approval paid exactly once"
    );

    // The journal: one entry per decision, each done; nothing left to reconcile.
    let journal = Journal::open(&journal_path.0, scope).unwrap();
    let history = journal.history().unwrap();
    assert_eq!(history.len(), decisions.len());
    assert!(
        history.iter().all(|e| e.outcome == Some(Outcome::Done)),
        "{history:?}"
    );
    assert!(journal.unresolved().unwrap().is_empty());
}
