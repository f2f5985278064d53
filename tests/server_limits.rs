//! What a request the size of the body limit costs the server: a validation error names the
//! first few problems and stays a few KB, however many bad items the body holds, and a list
//! longer than its documented limit is refused without walking its items.
// As in #[test] functions (clippy.toml): a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used)]

mod common;

use common::{MTURK, Raw, TestServer, post};
use mturk_review::server::DEFAULT_MAX_BODY_BYTES;
use serde_json::{Value, json};

/// "A few KB at most, whatever the input."
const MAX_ERROR_BODY: usize = 4096;

/// A list of `item` as long as fits in the default body limit next to `rest` of the request.
fn filling_list(item: &Value) -> Vec<Value> {
    let per_item = item.to_string().len() + 1;
    vec![item.clone(); (DEFAULT_MAX_BODY_BYTES - 1024) / per_item]
}

fn assert_small_invalid(raw: &Raw, names: &str) {
    assert_eq!(raw.status, 400, "{:.300}", raw.body);
    assert!(
        raw.body.len() <= MAX_ERROR_BODY,
        "the error body is {} bytes: {:.300}",
        raw.body.len(),
        raw.body
    );
    raw.error().assert_invalid(names);
}

fn create_hit_with_quals(quals: Vec<Value>) -> Value {
    json!({
        "Title": "t",
        "Description": "d",
        "Reward": "0.10",
        "LifetimeInSeconds": 3600,
        "AssignmentDurationInSeconds": 600,
        "QualificationRequirements": quals,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_full_of_empty_qualification_requirements_gets_a_small_error() {
    let t = TestServer::start().await;
    let quals = filling_list(&json!({}));
    assert!(quals.len() > 690_000, "{}", quals.len());
    let body = create_hit_with_quals(quals);
    assert!(body.to_string().len() <= DEFAULT_MAX_BODY_BYTES);
    let raw = post(t.addr(), &format!("{MTURK}.CreateHIT"), &body).await;
    assert_small_invalid(&raw, "'QualificationRequirements'");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn half_a_million_bad_assignment_statuses_get_a_small_error() {
    let t = TestServer::start().await;
    let statuses = filling_list(&json!("x"));
    assert!(statuses.len() > 500_000, "{}", statuses.len());
    let body = json!({ "HITId": "3HIT0000000000000000000000000A", "AssignmentStatuses": statuses });
    let raw = post(t.addr(), &format!("{MTURK}.ListAssignmentsForHIT"), &body).await;
    assert_small_invalid(&raw, "'AssignmentStatuses.1'");
    let message = raw.error().message;
    assert!(message.contains("enum value set"), "{message}");
    assert!(
        message.starts_with("More than 5 validation errors detected"),
        "says there are more than it names: {message}"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_longer_than_its_documented_limit_is_refused_before_its_items_are_read() {
    let t = TestServer::start().await;
    let eleven = create_hit_with_quals(vec![json!({}); 11]);
    let raw = post(t.addr(), &format!("{MTURK}.CreateHIT"), &eleven).await;
    assert_small_invalid(&raw, "'QualificationRequirements'");
    let message = raw.error().message;
    assert!(
        message.starts_with("1 validation error detected")
            && message.contains("length less than or equal to 10"),
        "{message}"
    );
    assert!(
        !message.contains("QualificationRequirements.1"),
        "the items were not walked: {message}"
    );

    // Ten is still fine as far as the list's length goes: then the items are checked.
    let ten = create_hit_with_quals(vec![json!({}); 10]);
    let message = post(t.addr(), &format!("{MTURK}.CreateHIT"), &ten)
        .await
        .error()
        .message;
    assert!(
        message.contains("'QualificationRequirements.1.QualificationTypeId'"),
        "{message}"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_value_is_echoed_cut_short() {
    let t = TestServer::start().await;
    let id = "a".repeat(DEFAULT_MAX_BODY_BYTES - 1024);
    let raw = post(
        t.addr(),
        &format!("{MTURK}.GetHIT"),
        &json!({ "HITId": id }),
    )
    .await;
    assert_small_invalid(&raw, "'HITId'");
    let message = raw.error().message;
    assert!(
        message.contains(&format!("'{}...'", "a".repeat(64))),
        "{message}"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_error_echoes_a_long_header_whole() {
    let t = TestServer::start().await;
    // Long, but under the 64 KiB the HTTP edge reads of a head (beyond it the answer is a 431).
    let target = format!("{MTURK}.{}", "X".repeat(30_000));
    let raw = common::request(
        t.addr(),
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", &target),
        ],
        b"{}",
    )
    .await;
    assert_eq!(raw.status, 400, "{:.300}", raw.body);
    assert!(
        raw.body.len() <= MAX_ERROR_BODY,
        "the error body is {} bytes",
        raw.body.len()
    );
    raw.error()
        .assert_request_error("AWS.MechanicalTurk.UnknownOperation");
    t.stop().await;
}
