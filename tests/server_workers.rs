//! The workers' side: `MTurkLocal.SubmitAssignment` (the simulated worker, with the HIT's
//! rules), worker blocks, and NotifyWorkers (recorded, not delivered).

mod common;

use aws_sdk_mturk::types::{AssignmentStatus, NotifyWorkersFailureCode};
use common::{ANSWER, START_BALANCE, TempDb, TestServer, config, now_secs, wire_error};
use mturk_review::server::ServerConfig;
use serde_json::json;

#[tokio::test]
async fn submitted_work_carries_its_times_answer_and_an_mturk_id() {
    let t = TestServer::start().await;
    let hit = t.hit_with("0.10", 2, 7200).await;
    let submit = now_secs() - 100;
    let id = t
        .submit_ok(
            &hit,
            "AWORKER1",
            json!({ "AcceptTime": submit - 300, "SubmitTime": submit }),
        )
        .await;
    common::assert_mturk_id(&id);
    let a = t.assignment(&id).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Submitted));
    assert_eq!(a.worker_id(), Some("AWORKER1"));
    assert_eq!(a.answer(), Some(ANSWER));
    assert_eq!(a.accept_time().map(|t| t.secs()), Some(submit - 300));
    assert_eq!(a.submit_time().map(|t| t.secs()), Some(submit));
    assert_eq!(
        a.auto_approval_time().map(|t| t.secs()),
        Some(submit + 7200)
    );
    assert_eq!(
        a.deadline().map(|t| t.secs()),
        Some(submit - 300 + 600),
        "AcceptTime + AssignmentDurationInSeconds"
    );

    // Times default to now.
    let before = now_secs();
    let now_id = t.submit(&hit, "AWORKER2").await;
    let a = t.assignment(&now_id).await;
    let submitted = a.submit_time().expect("SubmitTime").secs();
    assert!((before..=now_secs()).contains(&submitted), "{a:?}");
    assert_eq!(a.accept_time(), a.submit_time());
}

#[tokio::test]
async fn a_hit_takes_at_most_max_assignments_and_one_per_worker() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 2).await;
    t.submit(&hit, "AWORKER1").await;
    let twice = t.submit_with(&hit, "AWORKER1", json!({})).await.error();
    twice.assert_request_error("AWS.MechanicalTurk.DuplicateAssignment");
    assert!(twice.message.contains("AWORKER1"), "{twice:?}");
    t.submit(&hit, "AWORKER2").await;
    let full = t.submit_with(&hit, "AWORKER3", json!({})).await.error();
    full.assert_request_error("AWS.MechanicalTurk.NoMoreAssignments");
    assert_eq!(common::counters(&t.get_hit(&hit).await), (0, 0, 0));
}

#[tokio::test]
async fn an_expired_hit_takes_only_work_accepted_before_it_expired() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 3).await;
    let expired_at = now_secs() - 60;
    t.expire(&hit, expired_at).await;
    let late = t.submit_with(&hit, "AWORKER1", json!({})).await.error();
    late.assert_request_error("AWS.MechanicalTurk.HITExpired");

    // Accepted before the expiry and submitted within the assignment's duration: MTurk takes it.
    t.submit_ok(
        &hit,
        "AWORKER2",
        json!({ "AcceptTime": now_secs() - 120, "SubmitTime": now_secs() - 10 }),
    )
    .await;
}

#[tokio::test]
async fn submission_times_must_make_sense() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 5).await;
    let now = now_secs();
    let cases = [
        (json!({ "SubmitTime": now + 3600 }), "future"),
        (
            json!({ "AcceptTime": now - 10, "SubmitTime": now - 20 }),
            "before AcceptTime",
        ),
        (
            json!({ "AcceptTime": now - 1000, "SubmitTime": now - 10 }),
            "deadline",
        ),
        (json!({ "SubmitTime": "yesterday" }), "SubmitTime"),
    ];
    for (extra, what) in cases {
        let err = t.submit_with(&hit, "AWORKER1", extra).await.error();
        err.assert_invalid(what);
    }
    // Long ago is fine: that is how tests and imports set up old work.
    let id = t
        .submit_ok(
            &hit,
            "AWORKER1",
            json!({ "SubmitTime": now - 40 * 24 * 3600 }),
        )
        .await;
    assert_eq!(
        t.assignment(&id).await.submit_time().map(|t| t.secs()),
        Some(now - 40 * 24 * 3600)
    );
}

#[tokio::test]
async fn submit_assignment_checks_its_input() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 5).await;
    let target = "MTurkLocal.SubmitAssignment";
    let missing = common::post(
        t.addr(),
        target,
        &json!({ "HITId": hit, "WorkerId": "AW1" }),
    )
    .await;
    missing
        .error()
        .assert_request_error("AWS.MissingParameters");
    assert!(missing.body.contains("'Answer'"), "{missing:?}");
    let bad_worker = t.submit_with(&hit, "bob", json!({})).await.error();
    bad_worker.assert_invalid("'WorkerId'");
    let bad_status = t
        .submit_with(&hit, "AWORKER1", json!({ "AssignmentStatus": "Pending" }))
        .await
        .error();
    bad_status.assert_invalid("Pending");
    let not_object = common::post(t.addr(), target, &json!(["x"])).await;
    not_object.error().assert_invalid("JSON object");
}

#[tokio::test]
async fn imported_decisions_move_no_money_and_a_rejection_needs_feedback() {
    let t = TestServer::start().await;
    let hit = t.hit("1.00", 3).await;
    let submit = now_secs() - 3 * 24 * 3600;
    let approved = t
        .submit_ok(
            &hit,
            "AWORKER1",
            json!({
                "SubmitTime": submit,
                "AssignmentStatus": "Approved",
                "ApprovalTime": submit + 60,
                "RequesterFeedback": "Thanks",
            }),
        )
        .await;
    let a = t.assignment(&approved).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(a.approval_time().map(|t| t.secs()), Some(submit + 60));
    assert_eq!(a.requester_feedback(), Some("Thanks"));
    assert_eq!(t.balance().await, START_BALANCE);

    let unexplained = t
        .submit_with(
            &hit,
            "AWORKER2",
            json!({ "SubmitTime": submit, "AssignmentStatus": "Rejected", "RejectionTime": submit + 60 }),
        )
        .await
        .error();
    unexplained.assert_invalid("RequesterFeedback");
    let bad_feedback = t
        .submit_with(
            &hit,
            "AWORKER2",
            json!({
                "SubmitTime": submit,
                "AssignmentStatus": "Rejected",
                "RejectionTime": submit + 60,
                "RequesterFeedback": "no\u{1b}[2J",
            }),
        )
        .await
        .error();
    bad_feedback.assert_invalid("RequesterFeedback");
}

#[tokio::test]
async fn blocks_are_created_listed_updated_and_deleted() {
    let t = TestServer::start().await;
    let block = |worker: &str, reason: &str| {
        t.client
            .create_worker_block()
            .worker_id(worker)
            .reason(reason)
            .send()
    };
    let listed = || async {
        let out = t
            .client
            .list_worker_blocks()
            .send()
            .await
            .expect("ListWorkerBlocks");
        out.worker_blocks()
            .iter()
            .map(|b| {
                (
                    b.worker_id().unwrap_or_default().to_string(),
                    b.reason().unwrap_or_default().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let pair = |w: &str, r: &str| (w.to_string(), r.to_string());

    block("ASPAMMER1", "Copy-pasted answers")
        .await
        .expect("block");
    block("ASPAMMER2", "Bot").await.expect("block");
    assert_eq!(
        listed().await,
        [
            pair("ASPAMMER1", "Copy-pasted answers"),
            pair("ASPAMMER2", "Bot")
        ]
    );
    block("ASPAMMER1", "Still copy-pasting")
        .await
        .expect("block again");
    assert_eq!(
        listed().await,
        [
            pair("ASPAMMER1", "Still copy-pasting"),
            pair("ASPAMMER2", "Bot")
        ],
        "blocking again updates the reason, it adds no second block"
    );

    let no_reason = t.client.create_worker_block().worker_id("AX1").send().await;
    wire_error(no_reason).assert_invalid("'Reason'");
    wire_error(block("AX1", "  ").await).assert_invalid("Reason");
    wire_error(block("not-a-worker", "r").await).assert_invalid("'WorkerId'");

    t.client
        .delete_worker_block()
        .worker_id("ASPAMMER1")
        .reason("Appealed")
        .send()
        .await
        .expect("unblock");
    assert_eq!(listed().await, [pair("ASPAMMER2", "Bot")]);
    t.client
        .delete_worker_block()
        .worker_id("ANEVERBLOCKED")
        .send()
        .await
        .expect("unblocking a worker who is not blocked is no error");
}

#[tokio::test]
async fn a_blocked_worker_cannot_submit_until_unblocked() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 2).await;
    t.client
        .create_worker_block()
        .worker_id("ASPAMMER1")
        .reason("Bot")
        .send()
        .await
        .expect("block");
    let refused = t.submit_with(&hit, "ASPAMMER1", json!({})).await.error();
    refused.assert_request_error("AWS.MechanicalTurk.WorkerBlocked");
    assert!(refused.message.contains("ASPAMMER1"), "{refused:?}");
    t.submit(&hit, "AHONEST1").await;

    t.client
        .delete_worker_block()
        .worker_id("ASPAMMER1")
        .send()
        .await
        .expect("unblock");
    t.submit(&hit, "ASPAMMER1").await;
}

#[tokio::test]
async fn notify_workers_records_messages_for_workers_whose_work_was_reviewed() {
    let db = TempDb::new("notify");
    let t = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    let hit = t.hit("0.10", 3).await;
    let reviewed = t.submit(&hit, "AREVIEWED").await;
    t.approve(&reviewed).await;
    t.submit(&hit, "APENDING").await;

    let out = t
        .client
        .notify_workers()
        .subject("New batch tomorrow")
        .message_text("Hi! More receipts are coming tomorrow.\nThanks.")
        .worker_ids("AREVIEWED")
        .worker_ids("APENDING")
        .worker_ids("ASTRANGER")
        .send()
        .await
        .expect("NotifyWorkers");
    let failed: Vec<_> = out
        .notify_workers_failure_statuses()
        .iter()
        .map(|f| {
            assert_eq!(
                f.notify_workers_failure_code(),
                Some(&NotifyWorkersFailureCode::HardFailure)
            );
            assert!(f.notify_workers_failure_message().is_some());
            f.worker_id().unwrap_or_default().to_string()
        })
        .collect();
    assert_eq!(failed, ["APENDING", "ASTRANGER"]);

    let limits = [
        ("s".repeat(201), "text".to_string(), 1, "Subject"),
        ("subject".to_string(), "m".repeat(4097), 1, "MessageText"),
        (
            "subject".to_string(),
            "text".to_string(),
            101,
            "100 workers",
        ),
    ];
    for (subject, text, workers, what) in limits {
        let ids: Vec<String> = (0..workers).map(|n| format!("AW{n:05}")).collect();
        let out = t
            .client
            .notify_workers()
            .subject(subject)
            .message_text(text)
            .set_worker_ids(Some(ids))
            .send()
            .await;
        wire_error(out).assert_invalid(what);
    }
    let none = t
        .client
        .notify_workers()
        .subject("s")
        .message_text("m")
        .send()
        .await;
    wire_error(none).assert_invalid("'WorkerIds'");
    t.stop().await;

    // Recorded, not delivered: the message is in the database for the one reachable worker.
    let conn = rusqlite::Connection::open(&db.0).expect("open the database");
    let rows: Vec<(String, String, String)> = conn
        .prepare("SELECT worker_id, subject, message_text FROM notifications")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .expect("read notifications");
    assert_eq!(
        rows,
        [(
            "AREVIEWED".to_string(),
            "New batch tomorrow".to_string(),
            "Hi! More receipts are coming tomorrow.\nThanks.".to_string()
        )]
    );
}
