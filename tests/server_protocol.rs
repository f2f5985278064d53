//! The awsJson1_1 wire as MTurk speaks it: JSON errors for every malformed request, naming the
//! problem, with MTurk's millis suffix; the target header; operations of the model the server
//! does not implement; the body limit; request ids; and the shape of successful answers.

mod common;

use aws_sdk_mturk::operation::RequestId;
use common::{MTURK, Raw, TestServer, config, post, request, wire_error};
use mturk_review::server::ServerConfig;
use serde_json::{Value, json};

const JSON_TYPE: &str = "application/x-amz-json-1.1";

/// POST / with these headers and body bytes.
async fn raw(t: &TestServer, target: Option<&str>, body: &[u8]) -> Raw {
    let mut headers = vec![("Content-Type", JSON_TYPE)];
    if let Some(target) = target {
        headers.push(("X-Amz-Target", target));
    }
    request(t.addr(), "POST", "/", &headers, body).await
}

/// A 400 RequestError with a JSON body whose Message names `what`.
fn assert_refused(raw: &Raw, what: &str) {
    assert_eq!(raw.header("content-type"), Some(JSON_TYPE), "{raw:?}");
    let err = raw.error();
    assert_eq!(
        (err.status, err.error_type.as_str()),
        (400, "RequestError"),
        "{raw:?}"
    );
    assert!(err.turk_code.is_some(), "{raw:?}");
    assert!(err.message.contains(what), "{what:?} not named: {err:?}");
}

/// The server still does its job.
async fn still_serving(t: &TestServer) {
    let answer = t.client.list_hits().send().await;
    assert!(answer.is_ok(), "ListHITs no longer answers: {answer:?}");
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused_by_name() {
    let t = TestServer::start().await;
    let target = format!("{MTURK}.ListHITs");
    for body in [
        &b"{not json"[..],
        b"<xml/>",
        b"\xff\xfe\x00",
        b"{\"MaxResults\": 5",
    ] {
        assert_refused(&raw(&t, Some(&target), body).await, "not valid JSON");
    }
    for body in [&b"[1, 2]"[..], b"\"text\"", b"42", b"null"] {
        assert_refused(&raw(&t, Some(&target), body).await, "JSON object");
    }
    // An empty body is an empty input, as clients send for operations without members.
    let empty = raw(&t, Some(&target), b"").await;
    assert_eq!(empty.status, 200, "{empty:?}");
    assert_eq!(empty.json()["NumResults"], 0);
    still_serving(&t).await;
}

#[tokio::test]
async fn a_missing_or_unknown_target_is_refused_by_name() {
    let t = TestServer::start().await;
    assert_refused(&raw(&t, None, b"{}").await, "X-Amz-Target");
    assert_refused(
        &raw(&t, Some(&format!("{MTURK}.LaunchMissiles")), b"{}").await,
        "LaunchMissiles",
    );
    assert_refused(
        &raw(&t, Some("Elsewhere.ListHITs"), b"{}").await,
        "Elsewhere.ListHITs",
    );
    assert_refused(&raw(&t, Some("ListHITs"), b"{}").await, "ListHITs");
    assert_refused(
        &raw(&t, Some("MTurkLocal.ApproveAll"), b"{}").await,
        "ApproveAll",
    );
    still_serving(&t).await;
}

#[tokio::test]
async fn the_target_header_name_is_matched_in_any_case() {
    let t = TestServer::start().await;
    let target = format!("{MTURK}.GetAccountBalance");
    for name in [
        "X-Amz-Target",
        "x-amz-target",
        "X-AMZ-TARGET",
        "x-AMZ-tArGeT",
    ] {
        let answer = request(
            t.addr(),
            "POST",
            "/",
            &[("content-type", JSON_TYPE), (name, &target)],
            b"{}",
        )
        .await;
        assert_eq!(answer.status, 200, "{name}: {answer:?}");
        assert_eq!(answer.json()["AvailableBalance"], "100.00", "{name}");
    }
}

/// The 39 operations of MTurk's service model (botocore's mturk 2017-01-17).
const MODEL_OPERATIONS: [&str; 39] = [
    "AcceptQualificationRequest",
    "ApproveAssignment",
    "AssociateQualificationWithWorker",
    "CreateAdditionalAssignmentsForHIT",
    "CreateHIT",
    "CreateHITType",
    "CreateHITWithHITType",
    "CreateQualificationType",
    "CreateWorkerBlock",
    "DeleteHIT",
    "DeleteQualificationType",
    "DeleteWorkerBlock",
    "DisassociateQualificationFromWorker",
    "GetAccountBalance",
    "GetAssignment",
    "GetFileUploadURL",
    "GetHIT",
    "GetQualificationScore",
    "GetQualificationType",
    "ListAssignmentsForHIT",
    "ListBonusPayments",
    "ListHITs",
    "ListHITsForQualificationType",
    "ListQualificationRequests",
    "ListQualificationTypes",
    "ListReviewPolicyResultsForHIT",
    "ListReviewableHITs",
    "ListWorkerBlocks",
    "ListWorkersWithQualificationType",
    "NotifyWorkers",
    "RejectAssignment",
    "RejectQualificationRequest",
    "SendBonus",
    "SendTestEventNotification",
    "UpdateExpirationForHIT",
    "UpdateHITReviewStatus",
    "UpdateHITTypeOfHIT",
    "UpdateNotificationSettings",
    "UpdateQualificationType",
];

#[tokio::test]
async fn every_operation_of_mturks_model_answers() {
    let t = TestServer::start().await;
    for operation in MODEL_OPERATIONS {
        let answer = raw(&t, Some(&format!("{MTURK}.{operation}")), b"{}").await;
        // An empty request is refused by most operations, for what it lacks, never for the
        // operation itself.
        if answer.status != 200 {
            let err = answer.error();
            assert_ne!(
                err.turk_code.as_deref(),
                Some("AWS.MechanicalTurk.UnknownOperation"),
                "{operation}: {answer:?}"
            );
            assert!(err.status < 500, "{operation}: {answer:?}");
        }
    }
    still_serving(&t).await;
}

#[tokio::test]
async fn missing_required_members_are_named() {
    let t = TestServer::start().await;
    let err = wire_error(t.client.get_hit().send().await);
    err.assert_invalid("'HITId'");
    assert!(err.message.contains("must not be null"), "{err:?}");
    let err = wire_error(t.client.send_bonus().worker_id("AWORKER1").send().await);
    err.assert_invalid("3 validation errors detected");
    for member in ["'BonusAmount'", "'AssignmentId'", "'Reason'"] {
        assert!(err.message.contains(member), "{member}: {err:?}");
    }
    let err = wire_error(t.client.create_hit().send().await);
    for member in [
        "'Title'",
        "'Description'",
        "'Reward'",
        "'LifetimeInSeconds'",
    ] {
        assert!(err.message.contains(member), "{member}: {err:?}");
    }
}

#[tokio::test]
async fn values_out_of_their_documented_range_are_named() {
    let t = TestServer::start().await;
    for (max, constraint) in [
        (0, "greater than or equal to 1"),
        (101, "less than or equal to 100"),
        (-5, "greater than or equal to 1"),
    ] {
        let err = wire_error(t.client.list_hits().max_results(max).send().await);
        err.assert_invalid("'MaxResults'");
        assert!(err.message.contains(constraint), "{err:?}");
    }
    for bad_id in ["abc", "3ABC-DEF", "ÄÖ", ""] {
        let err = wire_error(t.client.get_hit().hit_id(bad_id).send().await);
        err.assert_invalid("'HITId'");
    }
    let err = wire_error(t.client.get_hit().hit_id("A".repeat(65)).send().await);
    err.assert_invalid("less than or equal to 64");
    let err = wire_error(
        t.client
            .create_worker_block()
            .worker_id("BWORKER")
            .reason("r")
            .send()
            .await,
    );
    err.assert_invalid("'WorkerId'");
    for money in ["1.234", "1,00", "$1", "one", ".5", "-1"] {
        let err = wire_error(t.create_hit().reward(money).send().await);
        err.assert_invalid("'Reward'");
        assert!(err.message.contains("pattern"), "{money}: {err:?}");
    }
    let token = "x".repeat(256);
    let err = wire_error(t.client.list_hits().next_token(token).send().await);
    err.assert_invalid("'NextToken'");
    let err = wire_error(t.client.list_hits().next_token("not-a-token").send().await);
    err.assert_invalid("not-a-token");
    let long = "x".repeat(1025);
    let err = wire_error(
        t.client
            .reject_assignment()
            .assignment_id("3ABC")
            .requester_feedback(long)
            .send()
            .await,
    );
    err.assert_invalid("RequesterFeedback");
}

#[tokio::test]
async fn members_of_the_wrong_type_are_named() {
    let t = TestServer::start().await;
    let cases = [
        (
            "ListHITs",
            json!({ "MaxResults": "5" }),
            "'MaxResults'",
            "integer",
        ),
        (
            "ListHITs",
            json!({ "MaxResults": 2.5 }),
            "'MaxResults'",
            "integer",
        ),
        ("GetHIT", json!({ "HITId": 123 }), "'HITId'", "string"),
        (
            "ApproveAssignment",
            json!({ "AssignmentId": "3ABC", "OverrideRejection": "yes" }),
            "'OverrideRejection'",
            "boolean",
        ),
        (
            "UpdateExpirationForHIT",
            json!({ "HITId": "3ABC", "ExpireAt": "2030-01-01T00:00:00Z" }),
            "'ExpireAt'",
            "timestamp",
        ),
        (
            "ListAssignmentsForHIT",
            json!({ "HITId": "3ABC", "AssignmentStatuses": "Submitted" }),
            "'AssignmentStatuses'",
            "list",
        ),
        (
            "ListAssignmentsForHIT",
            json!({ "HITId": "3ABC", "AssignmentStatuses": ["Submitted", "Pending"] }),
            "AssignmentStatuses.2",
            "enum",
        ),
        ("NotifyWorkers", json!([]), "JSON object", ""),
    ];
    for (operation, body, member, kind) in cases {
        let answer = post(t.addr(), &format!("{MTURK}.{operation}"), &body).await;
        assert_refused(&answer, member);
        assert!(answer.body.contains(kind), "{operation} {kind}: {answer:?}");
    }
    // Members the model does not know are ignored, as for a newer client.
    let answer = post(
        t.addr(),
        &format!("{MTURK}.ListHITs"),
        &json!({ "Shiny": 1 }),
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    still_serving(&t).await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_cleanly_and_the_server_keeps_serving() {
    let t = TestServer::start_with(ServerConfig {
        max_body_bytes: 64 * 1024,
        ..config()
    })
    .await;
    let big = json!({ "Title": "x".repeat(256 * 1024) }).to_string();
    let answer = raw(&t, Some(&format!("{MTURK}.CreateHITType")), big.as_bytes()).await;
    assert!(matches!(answer.status, 400 | 413), "{answer:?}");
    let err = answer.error();
    assert_eq!(err.error_type, "RequestError");
    assert!(err.message.contains("65536 bytes"), "{err:?}");

    // The same through the SDK: a clean service error, not a dropped connection.
    let out = t
        .create_hit()
        .requester_annotation("y".repeat(256 * 1024))
        .send()
        .await;
    let err = wire_error(out);
    assert!(matches!(err.status, 400 | 413), "{err:?}");
    assert_eq!(err.sdk_code.as_deref(), Some("RequestError"));

    still_serving(&t).await;
    assert!(t.listed_hits().await.is_empty(), "nothing was created");
}

#[tokio::test]
async fn the_default_limit_is_two_mebibytes() {
    let t = TestServer::start().await;
    let target = format!("{MTURK}.ListHITs");
    let padding = |n: usize| json!({ "Padding": "p".repeat(n) }).to_string();
    let under = raw(&t, Some(&target), padding(2 * 1024 * 1024 - 100).as_bytes()).await;
    assert_eq!(under.status, 200, "just under 2 MiB is served");
    let over = raw(&t, Some(&target), padding(2 * 1024 * 1024).as_bytes()).await;
    assert!(matches!(over.status, 400 | 413), "{over:?}");
    over.error();
    still_serving(&t).await;
}

#[tokio::test]
async fn other_methods_and_paths_get_json_errors() {
    let t = TestServer::start().await;
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/index.html"),
        ("PUT", "/"),
        ("POST", "/api"),
    ] {
        let answer = request(t.addr(), method, path, &[], b"").await;
        assert!(
            (400..500).contains(&answer.status),
            "{method} {path}: {answer:?}"
        );
        assert_eq!(answer.header("content-type"), Some(JSON_TYPE));
        let err = answer.error();
        assert_eq!(err.error_type, "RequestError");
        assert!(err.message.contains("POST /"), "{err:?}");
        assert!(answer.header("x-amzn-RequestId").is_some());
    }
}

#[tokio::test]
async fn every_answer_carries_a_fresh_request_id() {
    let t = TestServer::start().await;
    let ok = post(t.addr(), &format!("{MTURK}.ListHITs"), &json!({})).await;
    let failed = post(t.addr(), &format!("{MTURK}.GetHIT"), &json!({})).await;
    let mut ids = Vec::new();
    for answer in [&ok, &failed] {
        let id = answer.header("x-amzn-RequestId").expect("x-amzn-RequestId");
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        ids.push(id.to_string());
    }
    assert_ne!(ids[0], ids[1]);

    // The SDK finds it too.
    let out = t
        .client
        .get_account_balance()
        .send()
        .await
        .expect("balance");
    assert!(
        out.request_id()
            .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok())
    );
}

/// Every value in `value`, recursively, with its path.
fn walk<'a>(path: String, value: &'a Value, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| walk(format!("{path}.{k}"), v, out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| walk(format!("{path}[{i}]"), v, out)),
        _ => {}
    }
    out.push((path, value));
}

#[tokio::test]
async fn answers_use_integers_epoch_seconds_and_leave_absent_fields_out() {
    let t = TestServer::start().await;
    let hit = t.hit("0.50", 3).await;
    let id = t.submit(&hit, "AWORKER1").await;
    let hit_body = post(
        t.addr(),
        &format!("{MTURK}.GetHIT"),
        &json!({ "HITId": hit }),
    )
    .await;
    let assignment_body = post(
        t.addr(),
        &format!("{MTURK}.GetAssignment"),
        &json!({ "AssignmentId": id }),
    )
    .await;
    let list_body = post(
        t.addr(),
        &format!("{MTURK}.ListAssignmentsForHIT"),
        &json!({ "HITId": hit }),
    )
    .await;

    for answer in [&hit_body, &assignment_body, &list_body] {
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.header("content-type"), Some(JSON_TYPE));
        let body = answer.json();
        let mut values = Vec::new();
        walk(String::new(), &body, &mut values);
        for (path, value) in values {
            assert!(
                !value.is_null(),
                "{path} is null: absent fields are left out"
            );
            let name = path.rsplit('.').next().unwrap_or_default();
            if name.starts_with("NumberOf")
                || name.ends_with("InSeconds")
                || name == "MaxAssignments"
                || name == "NumResults"
            {
                assert!(value.is_i64(), "{path} is not an integer: {value}");
            }
            if name.ends_with("Time") || name == "Expiration" || name == "Deadline" {
                assert!(value.is_number(), "{path} is not epoch seconds: {value}");
            }
        }
    }
    let hit_json = hit_body.json();
    assert_eq!(hit_json["HIT"]["MaxAssignments"].to_string(), "3");
    let a = &assignment_body.json()["Assignment"];
    for absent in ["ApprovalTime", "RejectionTime", "RequesterFeedback"] {
        assert!(a.get(absent).is_none(), "{absent} should be left out: {a}");
    }
    // A page with results carries a NextToken (MTurk's shape); absent fields stay absent.
    assert!(list_body.json()["NextToken"].is_string());
}

#[tokio::test]
async fn many_malformed_requests_in_a_row_leave_the_server_serving() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 1).await;
    let target = format!("{MTURK}.GetHIT");
    for i in 0..50u8 {
        let body: Vec<u8> = (0..i).map(|b| b.wrapping_mul(37)).collect();
        let answer = raw(&t, Some(&target), &body).await;
        assert!(answer.status == 400, "{answer:?}");
        answer.error();
    }
    let got = t.get_hit(&hit).await;
    assert_eq!(got.hit_id(), Some(hit.as_str()));
}

#[tokio::test]
async fn timestamps_outside_1970_to_9999_are_refused_and_break_nothing() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 2).await;
    for time in [
        json!(-1),
        json!(-1e300),
        json!(1e300),
        json!(253_402_300_800_i64),
    ] {
        let expire = post(
            t.addr(),
            &format!("{MTURK}.UpdateExpirationForHIT"),
            &json!({ "HITId": hit, "ExpireAt": time }),
        )
        .await;
        assert_refused(&expire, "'ExpireAt'");
        let submit = t
            .submit_with(
                &hit,
                "AWORKER1",
                json!({ "SubmitTime": time, "AcceptTime": time }),
            )
            .await;
        assert_refused(&submit, "AcceptTime");
    }
    // Far-off but valid times are fine, and so is the arithmetic on them.
    let old = t
        .submit_ok(
            &hit,
            "AWORKER1",
            json!({ "SubmitTime": 1, "AcceptTime": 0 }),
        )
        .await;
    let a = t.assignment(&old).await;
    assert_eq!(
        a.approval_time().map(|t| t.secs()),
        Some(1 + 3600),
        "auto-approved"
    );
    let rejected = t
        .submit_ok(
            &hit,
            "AWORKER2",
            json!({
                "SubmitTime": 1,
                "AssignmentStatus": "Rejected",
                "RejectionTime": 2,
                "RequesterFeedback": "Long ago",
            }),
        )
        .await;
    let late = t
        .client
        .approve_assignment()
        .assignment_id(&rejected)
        .override_rejection(true)
        .send()
        .await;
    wire_error(late).assert_invalid_state();
    still_serving(&t).await;
}
