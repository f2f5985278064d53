//! UpdateNotificationSettings and SendTestEventNotification through aws-sdk-mturk: MTurk's
//! rules and errors, and the events the server writes to its outbox as things happen (in
//! the same transaction, only for an active specification subscribed to them, stamped with
//! the time they happened, in MTurk's message format). Delivery to SQS and SNS is
//! tests/notify_delivery.rs; here nothing delivers, so the outbox keeps every message.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::collections::HashSet;

use aws_sdk_mturk::types::{EventType, NotificationSpecification, NotificationTransport};
use common::{TestServer, client_with_key, now_secs, wire_error};
use mturk_review::server::{accounts, notify, work};
use serde_json::Value;

const VERSION: &str = "2006-05-05";

/// Every event type a specification may subscribe to (Ping is only for tests).
const ALL: [EventType; 11] = [
    EventType::AssignmentAccepted,
    EventType::AssignmentAbandoned,
    EventType::AssignmentReturned,
    EventType::AssignmentSubmitted,
    EventType::AssignmentRejected,
    EventType::AssignmentApproved,
    EventType::HitCreated,
    EventType::HitExpired,
    EventType::HitReviewable,
    EventType::HitExtended,
    EventType::HitDisposed,
];

fn spec(
    transport: NotificationTransport,
    destination: &str,
    types: &[EventType],
) -> NotificationSpecification {
    NotificationSpecification::builder()
        .destination(destination)
        .transport(transport)
        .version(VERSION)
        .set_event_types(Some(types.to_vec()))
        .build()
        .unwrap()
}

fn email(types: &[EventType]) -> NotificationSpecification {
    spec(NotificationTransport::Email, "requester@example.com", types)
}

/// A HIT type: 30 seconds to work, auto-approval after `auto_approval` seconds.
async fn hit_type(t: &TestServer, auto_approval: i64) -> String {
    t.client
        .create_hit_type()
        .title("Label a photo")
        .description("Say what it shows")
        .reward("0.50")
        .assignment_duration_in_seconds(30)
        .auto_approval_delay_in_seconds(auto_approval)
        .send()
        .await
        .unwrap()
        .hit_type_id
        .unwrap()
}

async fn hit_of(t: &TestServer, hit_type: &str, max: i32, lifetime: i64) -> String {
    t.client
        .create_hit_with_hit_type()
        .hit_type_id(hit_type)
        .max_assignments(max)
        .lifetime_in_seconds(lifetime)
        .question(common::QUESTION)
        .send()
        .await
        .unwrap()
        .hit
        .unwrap()
        .hit_id
        .unwrap()
}

async fn subscribe(t: &TestServer, hit_type: &str, spec: NotificationSpecification) {
    t.client
        .update_notification_settings()
        .hit_type_id(hit_type)
        .notification(spec)
        .send()
        .await
        .unwrap();
}

/// The outbox's messages, oldest first, as their destinations will receive them.
fn messages(t: &TestServer) -> Vec<Value> {
    t.server
        .store
        .transaction(notify::undelivered)
        .unwrap()
        .iter()
        .map(|m| serde_json::from_str(&m.body).unwrap())
        .collect()
}

/// Each message's single event: (EventType, HITId, AssignmentId).
fn events(t: &TestServer) -> Vec<(String, Option<String>, Option<String>)> {
    messages(t)
        .iter()
        .map(|m| {
            let events = m["Events"].as_array().unwrap();
            assert_eq!(events.len(), 1, "{m}");
            let e = &events[0];
            let text = |k: &str| e[k].as_str().map(str::to_string);
            (
                text("EventType").unwrap(),
                text("HITId"),
                text("AssignmentId"),
            )
        })
        .collect()
}

fn event_time(message: &Value) -> i64 {
    let stamp = message["Events"][0]["EventTimestamp"].as_str().unwrap();
    let at =
        time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).unwrap();
    at.unix_timestamp()
}

fn now_ms() -> i64 {
    mturk_review::clock::now_ms()
}

/// Runs the worker's side (or the clock) at `at_ms`, after catching up as every call does.
fn at<T>(
    t: &TestServer,
    at_ms: i64,
    f: impl FnOnce(&rusqlite::Transaction) -> mturk_review::server::error::ApiResult<T>,
) -> T {
    t.server
        .store
        .transaction(|tx| {
            work::catch_up(tx, at_ms)?;
            f(tx)
        })
        .unwrap()
}

fn accept(t: &TestServer, worker: &str, hit: &str, at_ms: i64) -> String {
    at(t, at_ms, |tx| {
        work::accept(tx, &mut rand::rng(), worker, hit, at_ms)
    })
    .assignment_id
}

fn named(
    kind: &str,
    hit: &str,
    assignment: Option<&str>,
) -> (String, Option<String>, Option<String>) {
    (
        kind.to_string(),
        Some(hit.to_string()),
        assignment.map(str::to_string),
    )
}

#[tokio::test]
async fn every_change_of_a_hits_life_is_an_event_in_mturks_message_format() {
    let t = TestServer::start().await;
    let ty = hit_type(&t, 3600).await;
    subscribe(&t, &ty, email(&ALL)).await;
    let hit = hit_of(&t, &ty, 2, 3600).await;
    let now = now_ms();
    let returned = accept(&t, "AW1", &hit, now);
    at(&t, now, |tx| {
        work::return_assignment(tx, "AW1", &returned, now)
    });
    let submitted = accept(&t, "AW2", &hit, now);
    at(&t, now, |tx| {
        work::submit(tx, "AW2", &submitted, common::ANSWER, now)
    });
    let imported = t.submit(&hit, "AW3").await;
    t.approve(&submitted).await;
    t.reject(&imported).await;
    t.client
        .create_additional_assignments_for_hit()
        .hit_id(&hit)
        .number_of_additional_assignments(1)
        .send()
        .await
        .unwrap();
    // Accepted now with 30 seconds to work, abandoned when the clock has passed its deadline.
    let abandoned = accept(&t, "AW4", &hit, now);
    at(&t, now + 31_000, |_| Ok(()));
    t.expire(&hit, 0).await;
    t.client.delete_hit().hit_id(&hit).send().await.unwrap();

    assert_eq!(
        events(&t),
        [
            named("HITCreated", &hit, None),
            named("AssignmentAccepted", &hit, Some(&returned)),
            named("AssignmentReturned", &hit, Some(&returned)),
            named("AssignmentAccepted", &hit, Some(&submitted)),
            named("AssignmentSubmitted", &hit, Some(&submitted)),
            named("AssignmentSubmitted", &hit, Some(&imported)),
            // Both slots taken, nothing in progress.
            named("HITReviewable", &hit, None),
            named("AssignmentApproved", &hit, Some(&submitted)),
            named("AssignmentRejected", &hit, Some(&imported)),
            named("HITExtended", &hit, None),
            named("AssignmentAccepted", &hit, Some(&abandoned)),
            named("AssignmentAbandoned", &hit, Some(&abandoned)),
            named("HITExpired", &hit, None),
            // Expired with a slot never taken: Reviewable again.
            named("HITReviewable", &hit, None),
            named("HITDisposed", &hit, None),
        ]
    );

    let account = t
        .server
        .store
        .transaction(accounts::default_account)
        .unwrap();
    let all = messages(&t);
    let mut doc_ids = HashSet::new();
    let utc_seconds = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").unwrap();
    for m in &all {
        let keys: HashSet<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            HashSet::from([
                "Events",
                "EventDocId",
                "SourceAccount",
                "CustomerId",
                "EventDocVersion"
            ]),
            "{m}"
        );
        assert_eq!(m["EventDocVersion"], VERSION);
        assert_eq!(m["CustomerId"], account.as_str());
        assert_eq!(m["SourceAccount"], account.as_str());
        assert!(doc_ids.insert(m["EventDocId"].as_str().unwrap().to_string()));
        let event = &m["Events"][0];
        assert_eq!(event["HITTypeId"], ty.as_str(), "{m}");
        let stamp = event["EventTimestamp"].as_str().unwrap();
        assert!(utc_seconds.is_match(stamp), "{stamp}");
    }
    let abandoned_at = all
        .iter()
        .find(|m| m["Events"][0]["EventType"] == "AssignmentAbandoned")
        .map(event_time)
        .unwrap();
    assert_eq!(
        abandoned_at,
        (now + 30_000).div_euclid(1000),
        "at its deadline"
    );
}

#[tokio::test]
async fn what_the_clock_does_is_reported_at_the_time_it_happened() {
    let t = TestServer::start().await;
    let ty = hit_type(&t, 60).await;
    subscribe(&t, &ty, email(&ALL)).await;
    let hit = hit_of(&t, &ty, 1, 30).await;
    let created = t.get_hit(&hit).await.creation_time.unwrap().secs();
    let id = t.submit(&hit, "AW1").await;
    let submitted = t.assignment(&id).await.submit_time.unwrap().secs();
    // Nobody calls for two minutes: the HIT expires (already Reviewable: its one slot is
    // taken) and the work is approved on its own; the next call notices both.
    at(&t, now_ms() + 120_000, |_| Ok(()));
    let all = messages(&t);
    let kinds: Vec<&str> = all
        .iter()
        .map(|m| m["Events"][0]["EventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "HITCreated",
            "AssignmentSubmitted",
            "HITReviewable",
            "AssignmentApproved",
            "HITExpired"
        ]
    );
    assert_eq!(
        event_time(&all[3]),
        submitted + 60,
        "at its AutoApprovalTime"
    );
    assert_eq!(event_time(&all[4]), created + 30, "at its Expiration");
}

#[tokio::test]
async fn only_an_active_specification_gets_the_events_it_subscribes_to() {
    let t = TestServer::start().await;
    let ty = hit_type(&t, 3600).await;
    let other = hit_type(&t, 7200).await;
    subscribe(&t, &ty, email(&[EventType::AssignmentSubmitted])).await;
    let hit = hit_of(&t, &ty, 5, 3600).await;
    let unwatched = hit_of(&t, &other, 5, 3600).await;
    t.submit(&unwatched, "AW1").await;
    let first = t.submit(&hit, "AW1").await;
    assert_eq!(
        events(&t),
        [named("AssignmentSubmitted", &hit, Some(&first))],
        "no HITCreated, nothing of the other type"
    );

    let set_active = |active: bool| {
        t.client
            .update_notification_settings()
            .hit_type_id(&ty)
            .active(active)
            .send()
    };
    set_active(false).await.unwrap();
    t.submit(&hit, "AW2").await;
    assert_eq!(events(&t).len(), 1, "inactive: nothing");
    set_active(true).await.unwrap();
    let third = t.submit(&hit, "AW3").await;
    assert_eq!(
        events(&t).last(),
        Some(&named("AssignmentSubmitted", &hit, Some(&third)))
    );

    // A call that fails changes nothing, and reports nothing.
    subscribe(&t, &ty, email(&[EventType::HitDisposed])).await;
    let refused = t.client.delete_hit().hit_id(&hit).send().await;
    assert!(refused.is_err());
    assert_eq!(events(&t).len(), 2);
}

#[tokio::test]
async fn a_test_event_goes_to_the_specification_given_and_saves_nothing() {
    let t = TestServer::start().await;
    let ty = hit_type(&t, 3600).await;
    let to = spec(
        NotificationTransport::Email,
        "someone@example.org",
        &[EventType::HitCreated],
    );
    for event in [EventType::Ping, EventType::AssignmentSubmitted] {
        t.client
            .send_test_event_notification()
            .notification(to.clone())
            .test_event_type(event)
            .send()
            .await
            .unwrap();
    }
    let waiting = t.server.store.transaction(notify::undelivered).unwrap();
    assert_eq!(waiting.len(), 2);
    assert_eq!(waiting[0].destination, "someone@example.org");
    assert_eq!(waiting[0].transport, "Email");
    let ping: Value = serde_json::from_str(&waiting[0].body).unwrap();
    let event = &ping["Events"][0];
    assert_eq!(event["EventType"], "Ping");
    assert!((event_time(&ping) - now_secs()).abs() < 60);
    assert_eq!(
        event.as_object().unwrap().len(),
        2,
        "a test event is about no HIT: {ping}"
    );
    let second: Value = serde_json::from_str(&waiting[1].body).unwrap();
    assert_eq!(
        second["Events"][0]["EventType"], "AssignmentSubmitted",
        "the TestEventType, whatever the EventTypes"
    );
    // Nothing was saved: the HIT type still has no specification to activate.
    let err = wire_error(
        t.client
            .update_notification_settings()
            .hit_type_id(&ty)
            .active(true)
            .send()
            .await,
    );
    err.assert_invalid("no notification specification");
}

#[tokio::test]
async fn specifications_are_checked_as_mturk_documents_them() {
    let t = TestServer::start().await;
    let ty = hit_type(&t, 3600).await;
    let update = |spec: NotificationSpecification| {
        t.client
            .update_notification_settings()
            .hit_type_id(&ty)
            .notification(spec)
            .send()
    };
    let types = [EventType::AssignmentSubmitted];
    let version = |v: &str| {
        NotificationSpecification::builder()
            .destination("requester@example.com")
            .transport(NotificationTransport::Email)
            .version(v)
            .event_types(EventType::AssignmentSubmitted)
            .build()
            .unwrap()
    };
    wire_error(update(version("2014-08-15")).await).assert_invalid("Version");
    wire_error(update(email(&[EventType::Ping])).await).assert_invalid("Ping");
    wire_error(update(email(&[EventType::from("HITExploded")])).await)
        .assert_invalid("HITExploded");
    wire_error(update(email(&[])).await).assert_invalid("EventTypes");
    wire_error(
        update(spec(
            NotificationTransport::from("Carrier pigeon"),
            "x",
            &types,
        ))
        .await,
    )
    .assert_invalid("Carrier pigeon");
    for (transport, destination) in [
        (NotificationTransport::Email, "not an address"),
        (
            NotificationTransport::Email,
            "https://sqs.us-east-1.amazonaws.com/123456789012/q",
        ),
        (NotificationTransport::Sqs, "requester@example.com"),
        (
            NotificationTransport::Sqs,
            "arn:aws:sns:us-east-1:123456789012:topic",
        ),
        (
            NotificationTransport::Sqs,
            "https://sqs.us-east-1.amazonaws.com/q",
        ),
        (
            NotificationTransport::Sns,
            "https://sqs.us-east-1.amazonaws.com/123456789012/q",
        ),
        (
            NotificationTransport::Sns,
            "arn:aws:sqs:us-east-1:123456789012:queue",
        ),
        // FIFO queues and topics need a message group id, which MTurk's messages lack.
        (
            NotificationTransport::Sqs,
            "https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo",
        ),
        (
            NotificationTransport::Sns,
            "arn:aws:sns:us-east-1:123456789012:topic.fifo",
        ),
    ] {
        wire_error(update(spec(transport.clone(), destination, &types)).await)
            .assert_invalid("Destination");
    }
    for (transport, destination) in [
        (NotificationTransport::Email, "requester@example.com"),
        (
            NotificationTransport::Sqs,
            "https://sqs.us-east-1.amazonaws.com/123456789012/q",
        ),
        (
            NotificationTransport::Sns,
            "arn:aws:sns:us-east-1:123456789012:topic",
        ),
    ] {
        update(spec(transport, destination, &types)).await.unwrap();
    }
    // The same rules hold for a test event.
    wire_error(
        t.client
            .send_test_event_notification()
            .notification(spec(NotificationTransport::Sqs, "nowhere", &types))
            .test_event_type(EventType::Ping)
            .send()
            .await,
    )
    .assert_invalid("Destination");

    // Neither a Notification nor Active.
    wire_error(
        t.client
            .update_notification_settings()
            .hit_type_id(&ty)
            .send()
            .await,
    )
    .assert_invalid("Notification parameter or the Active parameter");
    // Active alone, on a HIT type that never had a specification.
    let bare = hit_type(&t, 60).await;
    wire_error(
        t.client
            .update_notification_settings()
            .hit_type_id(&bare)
            .active(false)
            .send()
            .await,
    )
    .assert_invalid("no notification specification");
    // A HIT type that does not exist.
    let err = wire_error(
        t.client
            .update_notification_settings()
            .hit_type_id("3XYZNOSUCHHITTYPE0000000000000")
            .notification(email(&types))
            .send()
            .await,
    );
    err.assert_request_error("AWS.MechanicalTurk.HITTypeDoesNotExist");
    assert_eq!(
        err.message,
        "Hit type 3XYZNOSUCHHITTYPE0000000000000 does not exist."
    );
}

#[tokio::test]
async fn another_accounts_hit_type_is_one_that_does_not_exist() {
    let t = TestServer::start().await;
    // Once the database has keys, every call must name one: one for each account.
    let (mine, theirs) = t
        .server
        .store
        .transaction(|tx| {
            let theirs = accounts::add(tx, "other", 1_000, 1)?.1;
            Ok((accounts::add_key(tx, "default", 1)?, theirs))
        })
        .unwrap();
    let owner = client_with_key(&t.url, &mine).await;
    let ty = owner
        .create_hit_type()
        .title("Label a photo")
        .description("Say what it shows")
        .reward("0.50")
        .assignment_duration_in_seconds(30)
        .send()
        .await
        .unwrap()
        .hit_type_id
        .unwrap();
    let other = client_with_key(&t.url, &theirs).await;
    let err = wire_error(
        other
            .update_notification_settings()
            .hit_type_id(&ty)
            .notification(email(&[EventType::HitCreated]))
            .send()
            .await,
    );
    err.assert_request_error("AWS.MechanicalTurk.HITTypeDoesNotExist");
    assert!(err.message.contains(&ty), "{err:?}");
    // And the owner's HIT type stays without a specification.
    owner
        .create_hit_with_hit_type()
        .hit_type_id(&ty)
        .lifetime_in_seconds(3600)
        .question(common::QUESTION)
        .send()
        .await
        .unwrap();
    assert_eq!(messages(&t), Vec::<Value>::new());
}

/// A database the previous release wrote (schema version 4: this one's without the
/// notification tables) opens with everything in it, and its HIT types take specifications.
#[tokio::test]
async fn a_database_of_the_previous_release_migrates_and_notifies() {
    let db = common::TempDb::new("notify-migrate");
    let on_file = || mturk_review::server::ServerConfig {
        db: db.0.clone(),
        ..common::config()
    };
    let t = TestServer::start_with(on_file()).await;
    let ty = hit_type(&t, 3600).await;
    let hit = hit_of(&t, &ty, 2, 3600).await;
    let first = t.submit(&hit, "AW1").await;
    t.stop().await;
    {
        let conn = rusqlite::Connection::open(&db.0).unwrap();
        conn.execute_batch(
            // Back to the previous release's schema (4): without this release's review
            // policies (5) and notifications (6).
            "DROP TABLE notification_outbox; DROP TABLE notification_specs;
             DROP TABLE notification_sweep; DROP INDEX hits_by_type_and_expiration;
             DROP TABLE review_report; DROP INDEX hits_with_hit_policy;
             ALTER TABLE hits DROP COLUMN assignment_review_policy;
             ALTER TABLE hits DROP COLUMN hit_review_policy;
             ALTER TABLE hits DROP COLUMN hit_policy_reviewed;
             ALTER TABLE hits DROP COLUMN hit_policy_reviewed_max;
             PRAGMA user_version = 4;",
        )
        .unwrap();
    }
    let t = TestServer::start_with(on_file()).await;
    assert_eq!(
        t.assignment(&first).await.hit_id.as_deref(),
        Some(hit.as_str())
    );
    subscribe(&t, &ty, email(&[EventType::AssignmentSubmitted])).await;
    let second = t.submit(&hit, "AW2").await;
    assert_eq!(
        events(&t),
        [named("AssignmentSubmitted", &hit, Some(&second))]
    );
    t.stop().await;
}

/// Looking is not writing: with a specification active and no HIT expired, read calls commit
/// nothing (each commit would be synced to disk).
#[tokio::test]
async fn reads_commit_nothing_while_nothing_expires() {
    let db = common::TempDb::new("notify-reads");
    let t = TestServer::start_with(mturk_review::server::ServerConfig {
        db: db.0.clone(),
        ..common::config()
    })
    .await;
    let ty = hit_type(&t, 3600).await;
    subscribe(&t, &ty, email(&ALL)).await;
    hit_of(&t, &ty, 1, 3600).await;
    // SQLite's data_version moves when another connection commits a change.
    let watcher = rusqlite::Connection::open(&db.0).unwrap();
    let version = || {
        watcher
            .query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    let before = version();
    for _ in 0..3 {
        t.client.list_hits().send().await.unwrap();
    }
    assert_eq!(version(), before, "a read committed a change");
    t.stop().await;
}
