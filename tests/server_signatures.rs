//! Signatures on the wire: once the database holds an access key, every request must carry a
//! valid AWS Signature Version 4. Through aws-sdk-mturk and raw HTTP, a wrong secret, an
//! unknown key, a tampered body, a stale or future date and missing headers each fail with
//! AWS's error and change nothing; keys added or removed while the server runs take effect
//! at the next request.
// As in #[test] functions: a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::{Duration, SystemTime};

use aws_sdk_mturk::error::ProvideErrorMetadata;
use common::{
    ANSWER, Key, MTURK, QUESTION, Raw, TempDb, TestServer, client_with_key, config, post, request,
    signed_headers, signed_post, signed_post_at,
};
use mturk_review::server::ServerConfig;
use mturk_review::server::accounts;
use mturk_review::server::store::Store;
use serde_json::{Value, json};

fn add_key(db: &TempDb, account: &str) -> Key {
    let store = Store::open(&db.0, 0).unwrap();
    store
        .transaction(|tx| match accounts::add(tx, account, 10_000, 1) {
            Ok((_, key)) => Ok(key),
            Err(_) => accounts::add_key(tx, account, 1),
        })
        .unwrap()
}

fn remove_key(db: &TempDb, key: &Key) {
    let store = Store::open(&db.0, 0).unwrap();
    store
        .transaction(|tx| accounts::remove_key(tx, &key.id))
        .unwrap();
}

async fn on_file(db: &TempDb, require_signatures: bool) -> TestServer {
    TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        require_signatures,
        ..config()
    })
    .await
}

fn refusal(raw: &Raw) -> (u16, String, String) {
    let json = raw.json();
    (
        raw.status,
        json["__type"].as_str().unwrap_or_default().to_string(),
        json["Message"].as_str().unwrap_or_default().to_string(),
    )
}

/// A HIT with one Submitted assignment, made with `key`.
async fn work(server: &TestServer, key: &Key) -> (String, String) {
    let client = client_with_key(&server.url, key).await;
    let hit = client
        .create_hit()
        .title("Signed work")
        .description("d")
        .reward("1.00")
        .max_assignments(2)
        .assignment_duration_in_seconds(600)
        .lifetime_in_seconds(3600)
        .question(QUESTION)
        .send()
        .await
        .expect("CreateHIT signed by aws-sdk-mturk")
        .hit()
        .unwrap()
        .hit_id()
        .unwrap()
        .to_string();
    let body = json!({ "HITId": hit, "WorkerId": "AWORKERSIG", "Answer": ANSWER });
    let raw = signed_post(server.addr(), key, "MTurkLocal.SubmitAssignment", &body).await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    (
        hit,
        raw.json()["AssignmentId"].as_str().unwrap().to_string(),
    )
}

/// What a refused call could have changed: the assignment's status and feedback, the
/// balance, and the number of HITs.
async fn state(server: &TestServer, key: &Key, assignment: &str) -> Value {
    let client = client_with_key(&server.url, key).await;
    let a = client
        .get_assignment()
        .assignment_id(assignment)
        .send()
        .await
        .unwrap();
    let a = a.assignment().unwrap();
    let balance = client.get_account_balance().send().await.unwrap();
    let hits = client.list_hits().send().await.unwrap();
    json!({
        "status": a.assignment_status().unwrap().as_str(),
        "feedback": a.requester_feedback(),
        "available": balance.available_balance(),
        "held": balance.on_hold_balance(),
        "hits": hits.num_results(),
    })
}

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

#[tokio::test]
async fn bad_signatures_are_refused_as_aws_refuses_them_and_change_nothing() {
    let db = TempDb::new("signatures");
    let key = add_key(&db, "lab");
    let server = on_file(&db, false).await;
    let (hit, assignment) = work(&server, &key).await;
    let before = state(&server, &key, &assignment).await;
    let approve = json!({ "AssignmentId": assignment, "RequesterFeedback": "Thanks" });
    let target = format!("{MTURK}.ApproveAssignment");

    // aws-sdk-mturk with a wrong secret, and with a key nobody holds.
    let wrong = Key {
        secret: "x".repeat(40),
        ..key.clone()
    };
    let err = client_with_key(&server.url, &wrong)
        .await
        .approve_assignment()
        .assignment_id(&assignment)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert_eq!(err.message(), Some(MISMATCH));
    let unknown = Key {
        id: "AKIAAAAAAAAAAAAAAAAA".into(),
        ..key.clone()
    };
    let err = client_with_key(&server.url, &unknown)
        .await
        .delete_hit()
        .hit_id(&hit)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("UnrecognizedClientException"));
    assert_eq!(
        err.message(),
        Some("The security token included in the request is invalid.")
    );

    // Raw HTTP: a body changed after signing, dates 6 minutes off either way, no signature.
    let signed_for = approve.to_string();
    let headers = signed_headers(
        server.addr(),
        &key,
        &target,
        signed_for.as_bytes(),
        SystemTime::now(),
    );
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let tampered = signed_for.replace("Thanks", "Thanx");
    let raw = request(server.addr(), "POST", "/", &headers, tampered.as_bytes()).await;
    assert_eq!(
        refusal(&raw),
        (400, "InvalidSignatureException".into(), MISMATCH.into())
    );

    let six_minutes = Duration::from_secs(6 * 60);
    let stale = signed_post_at(
        server.addr(),
        &key,
        &target,
        &approve,
        SystemTime::now() - six_minutes,
    )
    .await;
    let (status, kind, message) = refusal(&stale);
    assert_eq!((status, kind.as_str()), (400, "InvalidSignatureException"));
    assert!(message.starts_with("Signature expired: "), "{message}");
    let future = signed_post_at(
        server.addr(),
        &key,
        &target,
        &approve,
        SystemTime::now() + six_minutes,
    )
    .await;
    let (status, kind, message) = refusal(&future);
    assert_eq!((status, kind.as_str()), (400, "InvalidSignatureException"));
    assert!(
        message.starts_with("Signature not yet current: "),
        "{message}"
    );

    let unsigned = post(server.addr(), &target, &approve).await;
    assert_eq!(
        refusal(&unsigned),
        (
            400,
            "MissingAuthenticationTokenException".into(),
            "Request is missing Authentication Token".into()
        )
    );
    // Signed, but without its X-Amz-Date.
    let text = approve.to_string();
    let headers = signed_headers(
        server.addr(),
        &key,
        &target,
        text.as_bytes(),
        SystemTime::now(),
    );
    let without_date: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("x-amz-date"))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let raw = request(server.addr(), "POST", "/", &without_date, text.as_bytes()).await;
    let (status, kind, _) = refusal(&raw);
    assert_eq!(
        (status, kind.as_str()),
        (400, "IncompleteSignatureException")
    );

    assert_eq!(
        state(&server, &key, &assignment).await,
        before,
        "nothing changed"
    );
    let raw = signed_post(server.addr(), &key, &target, &approve).await;
    assert_eq!(raw.status, 200, "{}", raw.body);
}

#[tokio::test]
async fn keys_added_and_removed_while_running_count_from_the_next_request() {
    let db = TempDb::new("live-keys");
    drop(Store::open(&db.0, 5_000).unwrap());
    let server = on_file(&db, false).await;
    let balance = format!("{MTURK}.GetAccountBalance");
    // No keys: any signature, or none, acts for `default`.
    let open = post(server.addr(), &balance, &json!({})).await;
    assert_eq!(open.json()["AvailableBalance"], "50.00", "{}", open.body);

    let key = add_key(&db, "default");
    let refused = post(server.addr(), &balance, &json!({})).await;
    assert_eq!(
        refusal(&refused).1,
        "MissingAuthenticationTokenException",
        "from the first key on, every request must be signed"
    );
    let signed = signed_post(server.addr(), &key, &balance, &json!({})).await;
    assert_eq!(
        signed.json()["AvailableBalance"],
        "50.00",
        "`accounts add-key default` keeps the data where it is"
    );

    remove_key(&db, &key);
    let gone = signed_post(server.addr(), &key, &balance, &json!({})).await;
    assert_eq!(
        gone.json()["AvailableBalance"],
        "50.00",
        "no keys left: open again"
    );
    server.stop().await;

    // With signatures required (--allow-remote), a database that loses its last key while the
    // server runs refuses everything rather than opening up.
    let key = add_key(&db, "default");
    let server = on_file(&db, true).await;
    let signed = signed_post(server.addr(), &key, &balance, &json!({})).await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    remove_key(&db, &key);
    let refused = signed_post(server.addr(), &key, &balance, &json!({})).await;
    assert_eq!(refusal(&refused).1, "UnrecognizedClientException");
    let unsigned = post(server.addr(), &balance, &json!({})).await;
    assert_eq!(refusal(&unsigned).1, "UnrecognizedClientException");
}
