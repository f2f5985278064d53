//! The rate limit per account as clients see it: over the limit, ThrottlingException "Rate
//! exceeded" with the wait in `x-amz-retry-after`, the operation not run; the SDK's retries
//! wait what they are told; the random throttle fault sends no hint; `serve`'s flags set it;
//! the console's decision runner keeps within a limit and every decision lands once.
//! (The bucket arithmetic, refill and separate accounts are unit tests in `server::rate`.)
#![allow(clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_sdk_mturk::Client;
use aws_sdk_mturk::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_mturk::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_mturk::error::{BoxError, SdkError};
use aws_sdk_mturk::types::AssignmentStatus;
use common::{Attempts, MTURK, ServeProcess, TempDb, TestServer, config, post, wire_error};
use mturk_review::journal::{Journal, Scope};
use mturk_review::mturk::decisions::{DECISION_CONCURRENCY, RunnerEvent, spawn_runner};
use mturk_review::mturk::domain::{Decision, DecisionKind, DecisionState};
use mturk_review::mturk::limiter::Limiter;
use mturk_review::server::{FaultConfig, RateConfig, ServerConfig};
use serde_json::json;
use tokio::sync::mpsc;

/// So slow that no token comes back during a test: only the burst gets through.
const NO_REFILL: f64 = 0.001;

fn limited(calls_per_second: f64, burst: u32) -> ServerConfig {
    ServerConfig {
        rate: RateConfig {
            calls_per_second,
            burst,
        },
        ..config()
    }
}

/// The test client with the SDK's retries off, so a throttled call comes back as it was sent.
fn without_retries(client: &Client) -> Client {
    Client::from_conf(
        client
            .config()
            .to_builder()
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

/// The `x-amz-retry-after` header of a failed SDK call, in milliseconds.
fn retry_after<T: std::fmt::Debug, E: std::fmt::Debug>(
    result: &Result<T, SdkError<E, aws_sdk_mturk::config::http::HttpResponse>>,
) -> Option<u64> {
    let Err(SdkError::ServiceError(service)) = result else {
        panic!("expected a service error, got {result:?}");
    };
    let header = service.raw().headers().get("x-amz-retry-after")?;
    Some(header.parse().expect("whole milliseconds"))
}

#[tokio::test]
async fn over_the_limit_a_call_is_throttled_with_a_hint_and_not_run() {
    let db = TempDb::new("rate");
    let t = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        // CreateHIT and SubmitAssignment get through; nothing after them.
        ..limited(NO_REFILL, 2)
    })
    .await;
    let hit = t.hit("0.50", 1).await;
    let id = t.submit(&hit, "AWORKER1").await;

    let once = without_retries(&t.client);
    let approve = once.approve_assignment().assignment_id(&id).send().await;
    let hint = retry_after(&approve).expect("a retry-after hint");
    assert!(
        (1..=1_000_000).contains(&hint),
        "the time to the next token, at most 1/rate: {hint} ms"
    );
    let wire = wire_error(approve);
    assert_eq!(
        (wire.status, wire.error_type.as_str(), wire.message.as_str()),
        (400, "ThrottlingException", "Rate exceeded")
    );
    assert_eq!(wire.sdk_code.as_deref(), Some("ThrottlingException"));

    // Raw clients see the same header, the same way.
    let raw = post(t.addr(), &format!("{MTURK}.GetAccountBalance"), &json!({})).await;
    assert_eq!(raw.error().error_type, "ThrottlingException");
    let raw_hint: u64 = raw
        .header("x-amz-retry-after")
        .expect("hint on the wire")
        .parse()
        .expect("whole milliseconds");
    assert!((1..=hint).contains(&raw_hint), "{raw_hint} after {hint}");
    t.stop().await;

    // The same database without a limit: the approval never happened.
    let after = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        rate: RateConfig::OFF,
        ..config()
    })
    .await;
    let assignment = after.assignment(&id).await;
    assert_eq!(
        assignment.assignment_status(),
        Some(&AssignmentStatus::Submitted)
    );
    assert_eq!(assignment.approval_time(), None);
}

#[tokio::test]
async fn the_sdk_waits_the_hint_and_its_retry_gets_through() {
    // One token every 200 ms, and none saved up: calls in a row are throttled, each once.
    let t = TestServer::start_with(limited(5.0, 1)).await;
    let attempts = Attempts::default();
    let client = Client::from_conf(
        t.client
            .config()
            .to_builder()
            .interceptor(attempts.clone())
            .build(),
    );
    const CALLS: usize = 4;
    for _ in 0..CALLS {
        client
            .get_account_balance()
            .send()
            .await
            .expect("retried until it got through");
    }
    // The test client's own backoff starts at 20 ms and doubles: without the hint, its
    // retries would come too early, and a call would take several of them.
    let made = attempts.0.load(Ordering::SeqCst);
    assert!(
        made < 2 * CALLS,
        "{made} attempts for {CALLS} calls: one retry each at most (and none for the first)"
    );
}

#[tokio::test]
async fn random_throttling_stands_for_what_cannot_be_predicted_and_sends_no_hint() {
    let t = TestServer::start_with(ServerConfig {
        faults: FaultConfig {
            throttle_percent: 100,
            ..FaultConfig::default()
        },
        rate: RateConfig::OFF,
        ..config()
    })
    .await;
    let once = without_retries(&t.client);
    let result = once.get_account_balance().send().await;
    assert_eq!(retry_after(&result), None);
    assert_eq!(wire_error(result).error_type, "ThrottlingException");
}

#[test]
fn serve_takes_the_limit_from_its_flags() {
    let server = ServeProcess::spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        ":memory:",
        "--rate-limit",
        "0.001",
        "--rate-burst",
        "2",
    ]);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let answers: Vec<_> = runtime.block_on(async {
        let mut answers = Vec::new();
        for _ in 0..3 {
            answers.push(
                post(
                    server.addr,
                    &format!("{MTURK}.GetAccountBalance"),
                    &json!({}),
                )
                .await,
            );
        }
        answers
    });
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [200, 200, 400], "a burst of two");
    assert_eq!(answers[2].error().error_type, "ThrottlingException");
    assert!(answers[2].header("x-amz-retry-after").is_some());
}

/// Counts the GetAccountBalance requests a client sends.
#[derive(Debug, Clone, Default)]
struct BalanceReads(Arc<AtomicUsize>);

impl Intercept for BalanceReads {
    fn name(&self) -> &'static str {
        "BalanceReads"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context.request().headers().get("x-amz-target");
        if target.is_some_and(|t| t.ends_with(".GetAccountBalance")) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// A file database with one HIT of `n` submitted assignments, and an approval for each.
async fn submitted_work(db: &TempDb, n: usize) -> (Vec<Decision>, i64) {
    let setup = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        balance_cents: 1_000_000,
        ..config()
    })
    .await;
    let hit = setup.hit("0.50", n as i32).await;
    let mut decisions = Vec::new();
    for w in 0..n {
        let worker = format!("AWORKER{w}");
        decisions.push(Decision {
            assignment_id: setup.submit(&hit, &worker).await,
            worker_id: worker,
            kind: DecisionKind::Approve {
                override_rejection: false,
            },
            feedback: None,
        });
    }
    let balance = setup.balance().await;
    setup.stop().await;
    (decisions, balance)
}

/// What the decision runner did with `decisions` against `t`.
struct RunnerRun {
    failed: Vec<String>,
    retries: usize,
    balance_reads: usize,
    elapsed: Duration,
}

async fn run_decisions(t: &TestServer, decisions: &[Decision]) -> RunnerRun {
    let balance_reads = BalanceReads::default();
    let client = Client::from_conf(
        mturk_review::mturk::client::local_client(&t.url)
            .await
            .config()
            .to_builder()
            .interceptor(balance_reads.clone())
            .build(),
    );
    let journal_file = TempDb::new("rate-runner-journal");
    let scope = Scope {
        endpoint: t.url.clone(),
        account: "test".into(),
    };
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let started = Instant::now();
    let runner = spawn_runner(
        client,
        Journal::open(&journal_file.0, scope).expect("journal"),
        Limiter::new(DECISION_CONCURRENCY),
        events_tx,
    );
    for decision in decisions {
        runner.send(decision.clone()).expect("runner");
    }
    let (mut done, mut failed, mut retries) = (0, Vec::new(), 0);
    while done + failed.len() < decisions.len() {
        let event = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .expect("the runner kept reporting")
            .expect("the runner is alive");
        if let RunnerEvent::Decision { state, .. } = event {
            match state {
                DecisionState::Done(_) => done += 1,
                DecisionState::Failed(why) => failed.push(why),
                DecisionState::Retrying { .. } => retries += 1,
                _ => {}
            }
        }
    }
    RunnerRun {
        failed,
        retries,
        balance_reads: balance_reads.0.load(Ordering::SeqCst),
        elapsed: started.elapsed(),
    }
}

#[tokio::test]
async fn the_decision_runner_waits_out_the_limit_and_every_decision_lands_once() {
    const DECISIONS: usize = 30;
    let db = TempDb::new("rate-runner");
    let (decisions, start_balance) = submitted_work(&db, DECISIONS).await;
    // Each decision is an approval and a confirming read: at 20 calls/s, about 3 s of work.
    let t = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..limited(20.0, 5)
    })
    .await;
    let run = run_decisions(&t, &decisions).await;
    assert!(run.failed.is_empty(), "{:?}", run.failed);
    assert!(run.retries > 0, "the limit was felt");
    t.stop().await;

    let after = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    for decision in &decisions {
        let assignment = after.assignment(&decision.assignment_id).await;
        assert_eq!(
            assignment.assignment_status(),
            Some(&AssignmentStatus::Approved)
        );
    }
    assert_eq!(
        start_balance - after.balance().await,
        DECISIONS as i64 * 70,
        "each approval paid once: $0.50 and MTurk's 40% fee for ten assignments or more"
    );
}

#[tokio::test]
async fn the_runner_reads_the_balance_at_most_once_a_second() {
    let db = TempDb::new("rate-balance");
    let (decisions, _) = submitted_work(&db, 200).await;
    let t = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        rate: RateConfig::OFF,
        ..config()
    })
    .await;
    let run = run_decisions(&t, &decisions).await;
    assert!(run.failed.is_empty(), "{:?}", run.failed);
    // At the start, then at most once a second (each read may take a retry), not once per
    // decision: on a limited account those reads would take the decisions' calls.
    let bound = 2 * (2 + run.elapsed.as_secs() as usize);
    assert!(
        run.balance_reads <= bound,
        "{} balance reads in {:?}",
        run.balance_reads,
        run.elapsed
    );
}
