//! Random requests against the server: any target, any body. Each gets a JSON answer that
//! is never a 500, and afterwards the server still works correctly.

// Test helpers: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::{MTURK, TestServer, request};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// Every operation of MTurk's model, so that random bodies reach real handlers.
fn operations() -> Vec<String> {
    let model: Value = serde_json::from_str(include_str!("../assets/mturk-model.json")).unwrap();
    model["operations"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// Member names MTurk uses, so that random objects often look almost right.
const MEMBERS: [&str; 16] = [
    "HITId",
    "AssignmentId",
    "WorkerId",
    "MaxResults",
    "NextToken",
    "Reward",
    "RequesterFeedback",
    "OverrideRejection",
    "Title",
    "LifetimeInSeconds",
    "AssignmentDurationInSeconds",
    "Question",
    "BonusAmount",
    "UniqueRequestToken",
    "AssignmentStatuses",
    "ExpireAt",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::from),
        "[A-Z0-9]{30}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::vec((prop::sample::select(&MEMBERS[..]), inner), 0..6).prop_map(
                |pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            ),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        json_value().prop_map(|v| v.to_string().into_bytes()),
    ]
}

fn target(operations: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(operations).prop_map(|op| format!("{MTURK}.{op}")),
        Just("MTurkLocal.SubmitAssignment".to_string()),
        "[ -~]{0,60}",
    ]
}

#[test]
fn random_requests_get_json_answers_and_the_server_keeps_working() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(TestServer::start());
    let addr = server.addr();
    let mut runner = TestRunner::new(Config {
        cases: 1500,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(target(operations()), body()), |(target, body)| {
            let raw = runtime.block_on(request(
                addr,
                "POST",
                "/",
                &[
                    ("X-Amz-Target", target.as_str()),
                    ("Content-Type", "application/x-amz-json-1.1"),
                ],
                &body,
            ));
            prop_assert!(raw.status != 500, "a 500 for {target}: {}", raw.body);
            let answer: Value = serde_json::from_str(&raw.body)
                .map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {}", raw.body)))?;
            if raw.status != 200 {
                prop_assert!(answer["__type"].is_string(), "{}", raw.body);
                prop_assert!(answer["Message"].is_string(), "{}", raw.body);
            }
            Ok(())
        })
        .unwrap();

    // Still serving, and still right.
    runtime.block_on(async {
        let before = server.balance().await;
        let hit = server.hit("0.50", 1).await;
        let id = server.submit(&hit, "AFUZZWORKER").await;
        server.approve(&id).await;
        assert_eq!(before - server.balance().await, 60);
    });
}
