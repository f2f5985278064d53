//! The test knobs as a client sees them: throttling and service faults absorbed by the SDK's
//! retries (and never applied twice), repeatable with a seed, failing for good when every call
//! fails, and latency on every answer.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_mturk::Client;
use aws_sdk_mturk::config::Credentials;
use aws_sdk_mturk::types::AssignmentStatus;
use common::{Attempts, MTURK, TestServer, config, post, wire_error};
use mturk_review::server::{FaultConfig, ServerConfig};
use serde_json::json;

/// A client with `max_attempts` and a short backoff, counting its attempts.
async fn counting_client(url: &str, max_attempts: u32) -> (Client, Attempts) {
    let shared = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "static"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(max_attempts)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(50)),
        )
        .endpoint_url(url)
        .load()
        .await;
    let attempts = Attempts::default();
    let config = aws_sdk_mturk::config::Builder::from(&shared)
        .interceptor(attempts.clone())
        .build();
    (Client::from_conf(config), attempts)
}

fn faulty(throttle_percent: u8, fault_percent: u8, seed: u64) -> ServerConfig {
    ServerConfig {
        demo: true,
        balance_cents: 1_000_000,
        faults: FaultConfig {
            throttle_percent,
            fault_percent,
            seed: Some(seed),
            ..FaultConfig::default()
        },
        ..config()
    }
}

#[tokio::test]
async fn retries_absorb_throttling_and_faults_and_every_approval_happens_once() {
    let t = TestServer::start_with(faulty(30, 20, 7)).await;
    let (client, attempts) = counting_client(&t.url, 10).await;

    // Find Submitted demo work, paying for each approval exactly once despite the failures.
    let hits = client
        .list_hits()
        .max_results(100)
        .send()
        .await
        .expect("ListHITs through the faults");
    let mut approved = Vec::new();
    let mut expected_cost = 0;
    for hit in hits.hits() {
        let hit_id = hit.hit_id().expect("HITId");
        let reward =
            mturk_review::money::parse_cents(hit.reward().expect("Reward")).expect("money");
        let max = i64::from(hit.max_assignments().expect("MaxAssignments"));
        let submitted = client
            .list_assignments_for_hit()
            .hit_id(hit_id)
            .assignment_statuses(AssignmentStatus::Submitted)
            .max_results(3)
            .send()
            .await
            .expect("ListAssignmentsForHIT through the faults");
        for a in submitted.assignments() {
            let id = a.assignment_id().expect("AssignmentId");
            client
                .approve_assignment()
                .assignment_id(id)
                .send()
                .await
                .expect("ApproveAssignment through the faults");
            approved.push(id.to_string());
            expected_cost += mturk_review::money::approval_cost_cents(reward, max).expect("cost");
        }
    }
    assert!(approved.len() >= 15, "{} approvals", approved.len());
    let calls = 1 + hits.hits().len() + approved.len();
    let made = attempts.0.load(Ordering::SeqCst);
    assert!(
        made > calls,
        "{made} attempts for {calls} calls: the knobs did nothing"
    );

    // Every approval landed, and was paid exactly once.
    for id in &approved {
        let a = client
            .get_assignment()
            .assignment_id(id)
            .send()
            .await
            .expect("GetAssignment");
        assert_eq!(
            a.assignment().and_then(|a| a.assignment_status()),
            Some(&AssignmentStatus::Approved)
        );
    }
    // Approvals are paid from what publishing held: the funds are available plus on hold.
    let balance = client.get_account_balance().send().await.expect("balance");
    let money = |text: Option<&str>| mturk_review::money::parse_cents(text.expect("amount"));
    let left = money(balance.available_balance()).expect("money")
        + money(balance.on_hold_balance()).expect("money");
    assert_eq!(
        1_000_000 - left,
        expected_cost,
        "each approval paid exactly once"
    );
}

#[tokio::test]
async fn a_seed_makes_the_failures_repeatable() {
    let outcomes = |seed: u64| async move {
        let t = TestServer::start_with(faulty(30, 20, seed)).await;
        let mut seen = Vec::new();
        for _ in 0..40 {
            let answer = post(t.addr(), &format!("{MTURK}.GetAccountBalance"), &json!({})).await;
            let kind = match answer.status {
                200 => "ok".to_string(),
                _ => {
                    let err = answer.error();
                    format!("{} {}", err.status, err.error_type)
                }
            };
            seen.push(kind);
        }
        seen
    };
    let first = outcomes(42).await;
    assert_eq!(first, outcomes(42).await, "same seed, same answers");
    assert_ne!(first, outcomes(43).await, "another seed, other answers");
    for kind in ["ok", "400 ThrottlingException", "500 ServiceFault"] {
        assert!(first.iter().any(|k| k == kind), "no {kind} in {first:?}");
    }
}

#[tokio::test]
async fn with_every_call_faulting_the_sdk_gives_up_with_service_fault_after_its_retries() {
    let t = TestServer::start_with(faulty(0, 100, 1)).await;
    let (client, attempts) = counting_client(&t.url, 4).await;
    let err = wire_error(client.get_account_balance().send().await);
    assert_eq!(
        (err.status, err.error_type.as_str()),
        (500, "ServiceFault"),
        "{err:?}"
    );
    assert_eq!(err.sdk_code.as_deref(), Some("ServiceFault"));
    assert_eq!(
        attempts.0.load(Ordering::SeqCst),
        4,
        "retried up to max attempts"
    );

    let t = TestServer::start_with(faulty(100, 0, 1)).await;
    let (client, attempts) = counting_client(&t.url, 3).await;
    let err = wire_error(client.list_hits().send().await);
    assert_eq!(
        (err.status, err.error_type.as_str(), err.message.as_str()),
        (400, "ThrottlingException", "Rate exceeded"),
        "{err:?}"
    );
    assert_eq!(
        attempts.0.load(Ordering::SeqCst),
        3,
        "throttling is retried"
    );

    // A RequestError, by contrast, is final: one attempt.
    let t = TestServer::start().await;
    let (client, attempts) = counting_client(&t.url, 5).await;
    wire_error(client.get_hit().hit_id("3NOSUCHHIT").send().await)
        .assert_request_error("AWS.MechanicalTurk.HITDoesNotExist");
    assert_eq!(attempts.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let latency = Duration::from_millis(150);
    let t = TestServer::start_with(ServerConfig {
        faults: FaultConfig {
            latency,
            ..FaultConfig::default()
        },
        ..config()
    })
    .await;
    let started = Instant::now();
    t.client
        .get_account_balance()
        .send()
        .await
        .expect("balance");
    assert!(started.elapsed() >= latency, "{:?}", started.elapsed());

    let started = Instant::now();
    let refused = post(t.addr(), &format!("{MTURK}.GetHIT"), &json!({})).await;
    assert_eq!(refused.status, 400);
    assert!(started.elapsed() >= latency, "errors are delayed too");
}
