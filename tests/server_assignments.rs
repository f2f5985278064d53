//! Approving and rejecting, as MTurk documents them: which states allow which decision, the
//! 30-day override window, RequesterFeedback's rules, and auto-approval.

mod common;

use aws_sdk_mturk::types::AssignmentStatus;
use common::{START_BALANCE, TestServer, now_f64, now_secs, wire_error};
use serde_json::json;

#[tokio::test]
async fn approving_a_submitted_assignment_records_status_time_and_feedback() {
    let t = TestServer::start().await;
    let hit = t.hit("0.50", 1).await;
    let id = t.submit(&hit, "AWORKER1").await;
    assert_eq!(
        t.assignment(&id).await.assignment_status(),
        Some(&AssignmentStatus::Submitted)
    );

    let before = now_secs();
    t.client
        .approve_assignment()
        .assignment_id(&id)
        .requester_feedback("Great work, thanks!")
        .send()
        .await
        .expect("approve");

    let a = t.assignment(&id).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(a.requester_feedback(), Some("Great work, thanks!"));
    let approved = a.approval_time().expect("ApprovalTime").secs();
    assert!((before - 1..=now_secs() + 1).contains(&approved), "{a:?}");
    assert!(a.rejection_time().is_none(), "{a:?}");
}

#[tokio::test]
async fn an_approved_assignment_cannot_be_approved_again_or_rejected() {
    let t = TestServer::start().await;
    let hit = t.hit("0.50", 1).await;
    let id = t.submit(&hit, "AWORKER1").await;
    t.client
        .approve_assignment()
        .assignment_id(&id)
        .send()
        .await
        .expect("approve");
    let balance = t.balance().await;

    let again = t
        .client
        .approve_assignment()
        .assignment_id(&id)
        .send()
        .await;
    wire_error(again).assert_invalid_state();
    let with_override = t
        .client
        .approve_assignment()
        .assignment_id(&id)
        .override_rejection(true)
        .send()
        .await;
    wire_error(with_override).assert_invalid_state();
    let reject = t
        .client
        .reject_assignment()
        .assignment_id(&id)
        .requester_feedback("Changed my mind")
        .send()
        .await;
    wire_error(reject).assert_invalid_state();

    assert_eq!(t.balance().await, balance, "nothing paid twice");
    let a = t.assignment(&id).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
    assert!(a.requester_feedback().is_none(), "{a:?}");
}

#[tokio::test]
async fn rejecting_needs_a_submitted_assignment_and_feedback() {
    let t = TestServer::start().await;
    let hit = t.hit("0.50", 2).await;
    let id = t.submit(&hit, "AWORKER1").await;

    let no_feedback = t.client.reject_assignment().assignment_id(&id).send().await;
    let err = wire_error(no_feedback);
    err.assert_invalid("RequesterFeedback");
    assert!(err.message.contains("must not be null"), "{err:?}");
    assert_eq!(
        t.assignment(&id).await.assignment_status(),
        Some(&AssignmentStatus::Submitted)
    );

    let before = now_secs();
    t.client
        .reject_assignment()
        .assignment_id(&id)
        .requester_feedback("The answers do not match the image.")
        .send()
        .await
        .expect("reject");
    let a = t.assignment(&id).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Rejected));
    assert_eq!(
        a.requester_feedback(),
        Some("The answers do not match the image.")
    );
    let rejected = a.rejection_time().expect("RejectionTime").secs();
    assert!((before - 1..=now_secs() + 1).contains(&rejected), "{a:?}");
    assert!(a.approval_time().is_none(), "{a:?}");

    let twice = t
        .client
        .reject_assignment()
        .assignment_id(&id)
        .requester_feedback("Again")
        .send()
        .await;
    wire_error(twice).assert_invalid_state();
    assert_eq!(
        t.assignment(&id).await.requester_feedback(),
        Some("The answers do not match the image."),
        "a refused call changes nothing"
    );
}

#[tokio::test]
async fn a_rejected_assignment_is_approved_only_with_override_rejection() {
    let t = TestServer::start().await;
    let hit = t.hit("0.50", 1).await;
    let id = t.submit(&hit, "AWORKER1").await;
    t.client
        .reject_assignment()
        .assignment_id(&id)
        .requester_feedback("Incomplete")
        .send()
        .await
        .expect("reject");
    let balance = t.balance().await;

    let plain = t
        .client
        .approve_assignment()
        .assignment_id(&id)
        .send()
        .await;
    let err = wire_error(plain);
    err.assert_invalid_state();
    assert_eq!(err.sdk_code.as_deref(), Some("RequestError"));
    assert!(
        err.sdk_message.as_deref().is_some_and(
            |m| m.starts_with("This operation can be called with a status of: Submitted (")
        ),
        "{err:?}"
    );
    let explicit_false = t
        .client
        .approve_assignment()
        .assignment_id(&id)
        .override_rejection(false)
        .send()
        .await;
    wire_error(explicit_false).assert_invalid_state();
    assert_eq!(t.balance().await, balance);
    assert_eq!(
        t.assignment(&id).await.assignment_status(),
        Some(&AssignmentStatus::Rejected)
    );

    t.client
        .approve_assignment()
        .assignment_id(&id)
        .override_rejection(true)
        .requester_feedback("Sorry, my mistake.")
        .send()
        .await
        .expect("override");
    let a = t.assignment(&id).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(a.requester_feedback(), Some("Sorry, my mistake."));
    assert!(a.approval_time().is_some(), "{a:?}");
    assert_eq!(t.balance().await, balance - 60, "reward 0.50 + 20% fee");
}

#[tokio::test]
async fn the_override_window_is_thirty_days_from_submission() {
    let t = TestServer::start().await;
    let hit = t.hit("1.00", 3).await;
    let inside = t.rejected_days_ago(&hit, "AINSIDE", 29).await;
    let outside = t.rejected_days_ago(&hit, "AOUTSIDE", 31).await;
    let balance = t.balance().await;

    let late = t
        .client
        .approve_assignment()
        .assignment_id(&outside)
        .override_rejection(true)
        .send()
        .await;
    wire_error(late).assert_invalid_state();
    assert_eq!(
        t.assignment(&outside).await.assignment_status(),
        Some(&AssignmentStatus::Rejected)
    );
    assert_eq!(t.balance().await, balance);

    t.client
        .approve_assignment()
        .assignment_id(&inside)
        .override_rejection(true)
        .send()
        .await
        .expect("override within 30 days");
    assert_eq!(
        t.assignment(&inside).await.assignment_status(),
        Some(&AssignmentStatus::Approved)
    );
    assert_eq!(t.balance().await, balance - 120);
}

#[tokio::test]
async fn feedback_of_1024_characters_counts_multibyte_characters_once() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 4).await;
    // 1024 characters, 3 and 4 bytes each in UTF-8.
    let cjk = "日".repeat(1024);
    let emoji = "😀".repeat(1024);
    let too_long = format!("{cjk}x");

    let a = t.submit(&hit, "AWORKER1").await;
    let refused = t
        .client
        .approve_assignment()
        .assignment_id(&a)
        .requester_feedback(&too_long)
        .send()
        .await;
    let err = wire_error(refused);
    err.assert_invalid("RequesterFeedback");
    assert!(
        err.message.contains("1025") && err.message.contains("1024"),
        "{err:?}"
    );
    assert_eq!(
        t.assignment(&a).await.assignment_status(),
        Some(&AssignmentStatus::Submitted),
        "a refused approval changes nothing"
    );
    t.client
        .approve_assignment()
        .assignment_id(&a)
        .requester_feedback(&cjk)
        .send()
        .await
        .expect("1024 multi-byte characters are allowed");
    assert_eq!(t.assignment(&a).await.requester_feedback(), Some(&*cjk));

    let b = t.submit(&hit, "AWORKER2").await;
    let refused = t
        .client
        .reject_assignment()
        .assignment_id(&b)
        .requester_feedback(format!("{emoji}😀"))
        .send()
        .await;
    wire_error(refused).assert_invalid("RequesterFeedback");
    t.client
        .reject_assignment()
        .assignment_id(&b)
        .requester_feedback(&emoji)
        .send()
        .await
        .expect("1024 four-byte characters are allowed");
    assert_eq!(t.assignment(&b).await.requester_feedback(), Some(&*emoji));
}

#[tokio::test]
async fn feedback_refuses_the_forbidden_control_characters_and_keeps_tab_and_newlines() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 2).await;
    let a = t.submit(&hit, "AWORKER1").await;

    let forbidden = (0u8..=8).chain([11, 12]).chain(14..=31);
    for byte in forbidden {
        let feedback = format!("bad {} char", char::from(byte));
        let reject = t
            .client
            .reject_assignment()
            .assignment_id(&a)
            .requester_feedback(&feedback)
            .send()
            .await;
        let err = wire_error(reject);
        err.assert_invalid("RequesterFeedback");
        assert!(
            err.message.contains(&format!("U+{byte:04X}")),
            "byte {byte}: {err:?}"
        );
        let approve = t
            .client
            .approve_assignment()
            .assignment_id(&a)
            .requester_feedback(&feedback)
            .send()
            .await;
        wire_error(approve).assert_invalid("RequesterFeedback");
    }
    assert_eq!(
        t.assignment(&a).await.assignment_status(),
        Some(&AssignmentStatus::Submitted)
    );

    let allowed = "Line one\n\tindented\r\nLine three: \"quoted\", <b>not html</b> & ünïcødé";
    t.client
        .reject_assignment()
        .assignment_id(&a)
        .requester_feedback(allowed)
        .send()
        .await
        .expect("tab, LF and CR are allowed");
    assert_eq!(t.assignment(&a).await.requester_feedback(), Some(allowed));

    let b = t.submit(&hit, "AWORKER2").await;
    t.client
        .approve_assignment()
        .assignment_id(&b)
        .requester_feedback(allowed)
        .send()
        .await
        .expect("tab, LF and CR are allowed");
    assert_eq!(t.assignment(&b).await.requester_feedback(), Some(allowed));
}

#[tokio::test]
async fn listing_filters_by_assignment_status_and_get_assignment_includes_the_hit() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 3).await;
    let submitted = t.submit(&hit, "AWORKER1").await;
    let approved = t.submit(&hit, "AWORKER2").await;
    let rejected = t.submit(&hit, "AWORKER3").await;
    t.client
        .approve_assignment()
        .assignment_id(&approved)
        .send()
        .await
        .expect("approve");
    t.client
        .reject_assignment()
        .assignment_id(&rejected)
        .requester_feedback("No")
        .send()
        .await
        .expect("reject");

    let list = |statuses: Vec<AssignmentStatus>| {
        let request = t
            .client
            .list_assignments_for_hit()
            .hit_id(&hit)
            .set_assignment_statuses((!statuses.is_empty()).then_some(statuses));
        async move {
            let out = request.send().await.expect("ListAssignmentsForHIT");
            assert_eq!(
                out.num_results(),
                Some(out.assignments().len() as i32),
                "NumResults"
            );
            let mut ids: Vec<String> = out
                .assignments()
                .iter()
                .filter_map(|a| a.assignment_id().map(str::to_string))
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut ids: Vec<&String>| {
        ids.sort();
        ids.into_iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        list(vec![]).await,
        sorted(vec![&submitted, &approved, &rejected])
    );
    assert_eq!(
        list(vec![AssignmentStatus::Submitted]).await,
        vec![submitted.clone()]
    );
    assert_eq!(
        list(vec![AssignmentStatus::Approved]).await,
        vec![approved.clone()]
    );
    assert_eq!(
        list(vec![
            AssignmentStatus::Submitted,
            AssignmentStatus::Rejected
        ])
        .await,
        sorted(vec![&submitted, &rejected])
    );

    let out = t
        .client
        .get_assignment()
        .assignment_id(&submitted)
        .send()
        .await
        .expect("GetAssignment");
    assert_eq!(out.hit().and_then(|h| h.hit_id()), Some(hit.as_str()));
    let a = out.assignment().expect("Assignment");
    assert_eq!(a.worker_id(), Some("AWORKER1"));
    assert_eq!(a.hit_id(), Some(hit.as_str()));
    assert_eq!(a.answer(), Some(common::ANSWER));
}

#[tokio::test]
async fn past_its_auto_approval_time_a_submitted_assignment_is_approved_at_that_time() {
    let t = TestServer::start().await;
    let hit = t.hit_with("0.50", 2, 60).await;
    let submit = now_secs() - 120;
    let due = t
        .submit_ok(
            &hit,
            "AWORKER1",
            json!({ "AcceptTime": submit - 30, "SubmitTime": submit }),
        )
        .await;
    let not_due = t
        .submit_ok(&hit, "AWORKER2", json!({ "SubmitTime": now_secs() - 30 }))
        .await;

    let a = t.assignment(&due).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(a.submit_time().map(|t| t.secs()), Some(submit));
    assert_eq!(a.auto_approval_time().map(|t| t.secs()), Some(submit + 60));
    assert_eq!(a.approval_time(), a.auto_approval_time(), "{a:?}");
    assert_eq!(
        t.balance().await,
        START_BALANCE - 60,
        "auto-approval pays reward + fee"
    );

    let reject = t
        .client
        .reject_assignment()
        .assignment_id(&due)
        .requester_feedback("Too late")
        .send()
        .await;
    wire_error(reject).assert_invalid_state();
    let approve = t
        .client
        .approve_assignment()
        .assignment_id(&due)
        .send()
        .await;
    wire_error(approve).assert_invalid_state();

    assert_eq!(
        t.assignment(&not_due).await.assignment_status(),
        Some(&AssignmentStatus::Submitted)
    );
    let submitted = t
        .client
        .list_assignments_for_hit()
        .hit_id(&hit)
        .assignment_statuses(AssignmentStatus::Submitted)
        .send()
        .await
        .expect("list");
    let ids: Vec<_> = submitted
        .assignments()
        .iter()
        .filter_map(|a| a.assignment_id())
        .collect();
    assert_eq!(ids, vec![not_due.as_str()]);
}

#[tokio::test]
async fn auto_approval_happens_on_the_first_read_after_the_time_passes() {
    let t = TestServer::start().await;
    let hit = t.hit_with("0.50", 1, 60).await;
    // Submitted 58.5 s ago with a 60 s delay: due 1.5 s from now (fractions travel as such).
    let submit = now_f64() - 58.5;
    let id = t
        .submit_ok(&hit, "AWORKER1", json!({ "SubmitTime": submit }))
        .await;
    let a = t.assignment(&id).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Submitted));
    let due = a
        .auto_approval_time()
        .expect("AutoApprovalTime")
        .as_secs_f64();
    assert!((due - (submit + 60.0)).abs() < 0.01, "{due} vs {submit}");

    let wait = due - now_f64() + 0.05;
    tokio::time::sleep(std::time::Duration::from_secs_f64(wait.max(0.0))).await;
    let a = t.assignment(&id).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(a.approval_time(), a.auto_approval_time());
    assert_eq!(t.balance().await, START_BALANCE - 60);
}

#[tokio::test]
async fn unknown_assignments_do_not_exist() {
    let t = TestServer::start().await;
    let missing = "3NOSUCHASSIGNMENT0000000000000";
    let expected = format!("Assignment {missing} does not exist.");

    let get = t
        .client
        .get_assignment()
        .assignment_id(missing)
        .send()
        .await;
    let err = wire_error(get);
    err.assert_request_error("AWS.MechanicalTurk.AssignmentDoesNotExist");
    assert_eq!(err.message, expected);

    let approve = t
        .client
        .approve_assignment()
        .assignment_id(missing)
        .send()
        .await;
    let err = wire_error(approve);
    err.assert_request_error("AWS.MechanicalTurk.AssignmentDoesNotExist");
    assert_eq!(err.message, expected);

    let reject = t
        .client
        .reject_assignment()
        .assignment_id(missing)
        .requester_feedback("x")
        .send()
        .await;
    let err = wire_error(reject);
    err.assert_request_error("AWS.MechanicalTurk.AssignmentDoesNotExist");
    assert_eq!(err.message, expected);
    assert_eq!(t.balance().await, START_BALANCE);
}

#[tokio::test]
async fn generated_assignment_ids_look_like_mturk_ids() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 3).await;
    let mut ids = Vec::new();
    for worker in ["AWORKER1", "AWORKER2", "AWORKER3"] {
        ids.push(t.submit(&hit, worker).await);
    }
    for id in &ids {
        common::assert_mturk_id(id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn rejecting_with_empty_feedback_is_accepted_as_mturk_accepts_it() {
    // psiTurk's `worker reject` and oTree's reject button send RequesterFeedback "".
    let t = TestServer::start().await;
    let hit = t.hit("0.50", 2).await;
    for (worker, feedback) in [("AWORKER1", ""), ("AWORKER2", "  ")] {
        let id = t.submit(&hit, worker).await;
        t.client
            .reject_assignment()
            .assignment_id(&id)
            .requester_feedback(feedback)
            .send()
            .await
            .expect("reject with empty feedback");
        let a = t.assignment(&id).await;
        assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Rejected));
        assert_eq!(a.requester_feedback(), Some(feedback));
    }
}
