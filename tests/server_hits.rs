//! HITs and HIT types: what CreateHIT returns, status and counters as work comes in, DeleteHIT
//! as MTurk allows it, expiration, review status, extra assignments, HIT type reuse, and
//! MTurk's does-not-exist errors.

mod common;

use aws_sdk_mturk::primitives::DateTime;
use aws_sdk_mturk::types::{
    AssignmentStatus, Hit, HitReviewStatus, HitStatus, ReviewableHitStatus,
};
use common::{QUESTION, TestServer, assert_mturk_id, counters, hit_status, now_secs, wire_error};
use serde_json::json;

const MISSING_HIT: &str = "3NOSUCHHIT00000000000000000000";

#[tokio::test]
async fn create_hit_answers_with_the_hit_as_mturk_writes_it() {
    let t = TestServer::start().await;
    let before = now_secs();
    let out = t
        .create_hit()
        .title("Describe the photo")
        .description("One sentence about what you see")
        .keywords("image, describe")
        .reward("0.75")
        .max_assignments(3)
        .assignment_duration_in_seconds(900)
        .auto_approval_delay_in_seconds(7200)
        .lifetime_in_seconds(3600)
        .requester_annotation("batch-7")
        .send()
        .await
        .expect("CreateHIT");
    let hit = out.hit().expect("HIT");
    let id = hit.hit_id().expect("HITId");
    assert_mturk_id(id);
    assert_mturk_id(hit.hit_type_id().expect("HITTypeId"));
    assert_mturk_id(hit.hit_group_id().expect("HITGroupId"));
    assert_eq!(hit.title(), Some("Describe the photo"));
    assert_eq!(hit.description(), Some("One sentence about what you see"));
    assert_eq!(hit.keywords(), Some("image, describe"));
    assert_eq!(hit.question(), Some(QUESTION));
    assert_eq!(hit.reward(), Some("0.75"));
    assert_eq!(hit.max_assignments(), Some(3));
    assert_eq!(hit.assignment_duration_in_seconds(), Some(900));
    assert_eq!(hit.auto_approval_delay_in_seconds(), Some(7200));
    assert_eq!(hit.requester_annotation(), Some("batch-7"));
    assert_eq!(hit_status(hit), &HitStatus::Assignable);
    assert_eq!(hit.hit_review_status(), Some(&HitReviewStatus::NotReviewed));
    assert_eq!(counters(hit), (0, 3, 0));
    let created = hit.creation_time().expect("CreationTime").as_secs_f64();
    assert!(created >= before as f64 && created <= now_secs() as f64 + 1.0);
    let expires = hit.expiration().expect("Expiration").as_secs_f64();
    assert!((expires - created - 3600.0).abs() < 0.001, "{hit:?}");

    assert_eq!(&t.get_hit(id).await, hit, "GetHIT answers the same");
    assert_eq!(t.listed_hits().await, vec![id.to_string()]);
}

#[tokio::test]
async fn status_and_counters_follow_the_work() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 3).await;
    let first = t.submit(&hit, "AWORKER1").await;
    let h = t.get_hit(&hit).await;
    assert_eq!(
        (hit_status(&h), counters(&h)),
        (&HitStatus::Assignable, (0, 2, 0))
    );

    let second = t.submit(&hit, "AWORKER2").await;
    t.submit(&hit, "AWORKER3").await;
    let h = t.get_hit(&hit).await;
    assert_eq!(
        (hit_status(&h), counters(&h)),
        (&HitStatus::Reviewable, (0, 0, 0)),
        "all assignments in"
    );

    t.approve(&first).await;
    let h = t.get_hit(&hit).await;
    assert_eq!(
        (hit_status(&h), counters(&h)),
        (&HitStatus::Reviewable, (0, 0, 1))
    );
    t.reject(&second).await;
    let h = t.get_hit(&hit).await;
    assert_eq!(counters(&h), (0, 0, 2));

    let extra = t.submit_with(&hit, "AWORKER4", json!({})).await.error();
    extra.assert_request_error("AWS.MechanicalTurk.NoMoreAssignments");
}

#[tokio::test]
async fn delete_hit_needs_a_reviewable_hit_with_every_submission_decided() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 2).await;
    let refuse = |expected: &'static str| {
        let call = t.client.delete_hit().hit_id(&hit).send();
        async move {
            let err = wire_error(call.await);
            err.assert_request_error("AWS.MechanicalTurk.InvalidHITState");
            assert!(err.message.contains(expected), "{err:?}");
        }
    };

    refuse("This operation can be called with a status of: Reviewing, Reviewable").await;
    let kept = t.submit(&hit, "AWORKER1").await;
    refuse("This operation can be called with a status of: Reviewing, Reviewable").await;
    let dropped = t.submit(&hit, "AWORKER2").await;
    refuse("2 submitted assignment(s)").await;
    t.approve(&kept).await;
    refuse("1 submitted assignment(s)").await;
    t.reject(&dropped).await;
    t.client
        .delete_hit()
        .hit_id(&hit)
        .send()
        .await
        .expect("DeleteHIT once all work is decided");

    // Gone from the lists, disposed when asked for by id, its work still readable.
    assert!(t.listed_hits().await.is_empty());
    assert!(t.reviewable(None, None).await.is_empty());
    assert_eq!(hit_status(&t.get_hit(&hit).await), &HitStatus::Disposed);
    assert_eq!(
        t.assignment(&dropped).await.assignment_status(),
        Some(&AssignmentStatus::Rejected)
    );

    // Its rejected assignment, though rejected a moment ago, can no longer be overridden.
    let balance = t.balance().await;
    let override_ = t
        .client
        .approve_assignment()
        .assignment_id(&dropped)
        .override_rejection(true)
        .send()
        .await;
    wire_error(override_).assert_invalid_state();
    assert_eq!(t.balance().await, balance);

    let again = wire_error(t.client.delete_hit().hit_id(&hit).send().await);
    again.assert_request_error("AWS.MechanicalTurk.HITDoesNotExist");
    assert_eq!(again.message, format!("Hit {hit} does not exist."));
    let submit = t.submit_with(&hit, "AWORKER3", json!({})).await.error();
    submit.assert_request_error("AWS.MechanicalTurk.HITDoesNotExist");
    let extend = t
        .client
        .update_expiration_for_hit()
        .hit_id(&hit)
        .expire_at(DateTime::from_secs(now_secs() + 3600))
        .send()
        .await;
    wire_error(extend).assert_request_error("AWS.MechanicalTurk.InvalidHITState");
    let more = t
        .client
        .create_additional_assignments_for_hit()
        .hit_id(&hit)
        .number_of_additional_assignments(1)
        .send()
        .await;
    wire_error(more).assert_request_error("AWS.MechanicalTurk.InvalidHITState");
}

#[tokio::test]
async fn an_expired_hit_without_pending_work_can_be_deleted() {
    let t = TestServer::start().await;
    let empty = t.hit("0.10", 5).await;
    let partial = t.hit("0.10", 5).await;
    let open = t.hit("0.10", 5).await;
    let id = t.submit(&partial, "AWORKER1").await;
    t.expire(&empty, now_secs() - 60).await;
    t.expire(&partial, now_secs() - 60).await;

    t.client
        .delete_hit()
        .hit_id(&empty)
        .send()
        .await
        .expect("an expired HIT with no work");
    let undecided = t.client.delete_hit().hit_id(&partial).send().await;
    wire_error(undecided).assert_request_error("AWS.MechanicalTurk.InvalidHITState");
    t.approve(&id).await;
    t.client
        .delete_hit()
        .hit_id(&partial)
        .send()
        .await
        .expect("an expired HIT whose work is decided");
    assert_eq!(t.listed_hits().await, vec![open]);
}

#[tokio::test]
async fn update_expiration_extends_or_expires_at_once() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 2).await;

    let later = now_secs() + 2 * 3600;
    t.expire(&hit, later).await;
    let h = t.get_hit(&hit).await;
    assert_eq!(h.expiration().map(DateTime::secs), Some(later));
    assert_eq!(hit_status(&h), &HitStatus::Assignable);

    // A time in the past expires the HIT immediately.
    let before = now_secs();
    t.expire(&hit, before - 3600).await;
    let h = t.get_hit(&hit).await;
    let expired_at = h.expiration().expect("Expiration").secs();
    assert!((before..=now_secs()).contains(&expired_at), "{h:?}");
    assert_eq!(
        (hit_status(&h), counters(&h)),
        (&HitStatus::Reviewable, (0, 2, 0)),
        "expired, its two unused slots still counted as available"
    );
    let late = t.submit_with(&hit, "AWORKER1", json!({})).await.error();
    late.assert_request_error("AWS.MechanicalTurk.HITExpired");

    // And a new time in the future reopens it.
    t.expire(&hit, now_secs() + 600).await;
    let h = t.get_hit(&hit).await;
    assert_eq!(
        (hit_status(&h), counters(&h)),
        (&HitStatus::Assignable, (0, 2, 0))
    );
    t.submit(&hit, "AWORKER1").await;

    let too_far = t
        .client
        .update_expiration_for_hit()
        .hit_id(&hit)
        .expire_at(DateTime::from_secs(now_secs() + 400 * 24 * 3600))
        .send()
        .await;
    wire_error(too_far).assert_request_error("AWS.ParameterOutOfRange");
    let no_time = t
        .client
        .update_expiration_for_hit()
        .hit_id(&hit)
        .send()
        .await;
    wire_error(no_time).assert_invalid("ExpireAt");
}

#[tokio::test]
async fn review_status_moves_between_reviewable_and_reviewing() {
    let t = TestServer::start().await;
    let open = t.hit("0.10", 2).await;
    t.submit(&open, "AWORKER1").await;
    let done = t.hit("0.10", 1).await;
    t.submit(&done, "AWORKER1").await;
    let other = t.hit("0.10", 1).await;
    t.submit(&other, "AWORKER1").await;
    let other_type = t
        .create_hit()
        .reward("0.99")
        .send()
        .await
        .expect("CreateHIT");
    let odd = other_type
        .hit()
        .and_then(Hit::hit_id)
        .expect("HITId")
        .to_string();
    let odd_type = other_type
        .hit()
        .and_then(Hit::hit_type_id)
        .expect("type")
        .to_string();
    t.submit(&odd, "AWORKER1").await;

    assert_eq!(t.reviewable(None, None).await, [&*done, &*other, &*odd]);
    assert_eq!(t.reviewable(None, Some(&odd_type)).await, [&*odd]);

    t.client
        .update_hit_review_status()
        .hit_id(&done)
        .send()
        .await
        .expect("Reviewable -> Reviewing");
    assert_eq!(hit_status(&t.get_hit(&done).await), &HitStatus::Reviewing);
    assert_eq!(t.reviewable(None, None).await, [&*other, &*odd]);
    assert_eq!(
        t.reviewable(Some(ReviewableHitStatus::Reviewing), None)
            .await,
        [&*done]
    );

    let not_reviewable = t
        .client
        .update_hit_review_status()
        .hit_id(&open)
        .send()
        .await;
    let err = wire_error(not_reviewable);
    err.assert_request_error("AWS.MechanicalTurk.InvalidHITState");
    assert_eq!(
        err.message,
        "This operation can be called with a status of: Reviewable"
    );
    let not_reviewing = t
        .client
        .update_hit_review_status()
        .hit_id(&other)
        .revert(true)
        .send()
        .await;
    let err = wire_error(not_reviewing);
    err.assert_request_error("AWS.MechanicalTurk.InvalidHITState");
    assert_eq!(
        err.message,
        "This operation can be called with a status of: Reviewing"
    );

    t.client
        .update_hit_review_status()
        .hit_id(&done)
        .revert(true)
        .send()
        .await
        .expect("Reviewing -> Reviewable");
    assert_eq!(hit_status(&t.get_hit(&done).await), &HitStatus::Reviewable);
    assert_eq!(t.reviewable(None, None).await, [&*done, &*other, &*odd]);
}

#[tokio::test]
async fn additional_assignments_reopen_a_hit_but_never_cross_ten() {
    let t = TestServer::start().await;
    let add = |hit: &str, n: i32, token: Option<&str>| {
        t.client
            .create_additional_assignments_for_hit()
            .hit_id(hit)
            .number_of_additional_assignments(n)
            .set_unique_request_token(token.map(str::to_string))
            .send()
    };
    let hit = t.hit("0.10", 3).await;
    for worker in ["AWORKER1", "AWORKER2", "AWORKER3"] {
        t.submit(&hit, worker).await;
    }
    assert_eq!(hit_status(&t.get_hit(&hit).await), &HitStatus::Reviewable);

    add(&hit, 2, Some("extend-1")).await.expect("3 -> 5");
    let h = t.get_hit(&hit).await;
    assert_eq!(h.max_assignments(), Some(5));
    assert_eq!(
        (hit_status(&h), counters(&h)),
        (&HitStatus::Assignable, (0, 2, 0))
    );
    t.submit(&hit, "AWORKER4").await;

    let repeated = wire_error(add(&hit, 2, Some("extend-1")).await);
    assert_eq!(
        (repeated.status, repeated.error_type.as_str()),
        (400, "RequestError")
    );
    let crossing = wire_error(add(&hit, 5, None).await);
    crossing.assert_request_error("AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease");
    let zero = wire_error(add(&hit, 0, None).await);
    zero.assert_request_error("AWS.ParameterOutOfRange");
    assert_eq!(
        t.get_hit(&hit).await.max_assignments(),
        Some(5),
        "unchanged"
    );

    add(&hit, 4, None).await.expect("5 -> 9 stays under ten");
    assert_eq!(t.get_hit(&hit).await.max_assignments(), Some(9));
    let ninth_to_tenth = wire_error(add(&hit, 1, None).await);
    ninth_to_tenth.assert_request_error("AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease");

    let big = t.hit("0.10", 10).await;
    add(&big, 5, None).await.expect("10 -> 15");
    let h = t.get_hit(&big).await;
    assert_eq!((h.max_assignments(), counters(&h)), (Some(15), (0, 15, 0)));
}

#[tokio::test]
async fn equal_hit_type_fields_give_the_same_hit_type() {
    let t = TestServer::start().await;
    let make = |reward: &str, keywords: &str| {
        t.client
            .create_hit_type()
            .title("Transcribe a receipt")
            .description("Type the total")
            .keywords(keywords)
            .reward(reward)
            .assignment_duration_in_seconds(600)
            .auto_approval_delay_in_seconds(86_400)
            .send()
    };
    let a = make("0.20", "receipt").await.expect("CreateHITType");
    let a = a.hit_type_id().expect("HITTypeId").to_string();
    assert_mturk_id(&a);
    let again = make("0.20", "receipt").await.expect("CreateHITType");
    assert_eq!(again.hit_type_id(), Some(a.as_str()));
    let pricier = make("0.25", "receipt").await.expect("CreateHITType");
    let other_words = make("0.20", "receipt, ocr").await.expect("CreateHITType");
    assert_ne!(pricier.hit_type_id(), Some(a.as_str()));
    assert_ne!(other_words.hit_type_id(), Some(a.as_str()));
    assert_ne!(pricier.hit_type_id(), other_words.hit_type_id());

    let out = t
        .client
        .create_hit_with_hit_type()
        .hit_type_id(&a)
        .max_assignments(4)
        .lifetime_in_seconds(600)
        .question(QUESTION)
        .send()
        .await
        .expect("CreateHITWithHITType");
    let hit = out.hit().expect("HIT");
    assert_eq!(hit.hit_type_id(), Some(a.as_str()));
    assert_eq!(hit.title(), Some("Transcribe a receipt"));
    assert_eq!(hit.reward(), Some("0.20"));
    assert_eq!(hit.keywords(), Some("receipt"));
    assert_eq!(hit.auto_approval_delay_in_seconds(), Some(86_400));
    assert_eq!(hit.max_assignments(), Some(4));
    assert_eq!(hit_status(hit), &HitStatus::Assignable);

    // CreateHIT with the same fields lands in the same type and group.
    let same = t
        .client
        .create_hit()
        .title("Transcribe a receipt")
        .description("Type the total")
        .keywords("receipt")
        .reward("0.20")
        .assignment_duration_in_seconds(600)
        .auto_approval_delay_in_seconds(86_400)
        .lifetime_in_seconds(600)
        .question(QUESTION)
        .send()
        .await
        .expect("CreateHIT");
    let same = same.hit().expect("HIT");
    assert_eq!(same.hit_type_id(), Some(a.as_str()));
    assert_eq!(same.hit_group_id(), hit.hit_group_id());

    let missing = t
        .client
        .create_hit_with_hit_type()
        .hit_type_id("3NOSUCHTYPE0000000000000000000")
        .lifetime_in_seconds(600)
        .question(QUESTION)
        .send()
        .await;
    wire_error(missing).assert_request_error("AWS.MechanicalTurk.HITTypeDoesNotExist");
}

#[tokio::test]
async fn create_hit_checks_its_input() {
    let t = TestServer::start().await;
    let no_question = t.create_hit().set_question(None).send().await;
    wire_error(no_question).assert_invalid("Question");
    let not_xml = t.create_hit().question("just text").send().await;
    wire_error(not_xml).assert_request_error("AWS.MechanicalTurk.XMLParseError");
    let wrong_root = t.create_hit().question("<html><body/></html>").send().await;
    let err = wire_error(wrong_root);
    err.assert_request_error("AWS.MechanicalTurk.XMLParseError");
    assert!(err.message.contains("<html>"), "{err:?}");
    let short_life = t.create_hit().lifetime_in_seconds(5).send().await;
    let err = wire_error(short_life);
    err.assert_request_error("AWS.ParameterOutOfRange");
    assert!(err.message.contains("LifetimeInSeconds"), "{err:?}");
    let bad_reward = t.create_hit().reward("0.505").send().await;
    wire_error(bad_reward).assert_invalid("Reward");

    let first = t
        .create_hit()
        .unique_request_token("create-once")
        .send()
        .await
        .expect("CreateHIT");
    let first = first
        .hit()
        .and_then(Hit::hit_id)
        .expect("HITId")
        .to_string();
    let repeat = t
        .create_hit()
        .unique_request_token("create-once")
        .send()
        .await;
    let err = wire_error(repeat);
    err.assert_request_error("AWS.MechanicalTurk.HitAlreadyExists");
    assert!(err.message.contains(&first), "{err:?}");
    assert_eq!(t.listed_hits().await, vec![first]);
}

#[tokio::test]
async fn unknown_hits_do_not_exist() {
    let t = TestServer::start().await;
    let expected = format!("Hit {MISSING_HIT} does not exist.");
    let errors = [
        wire_error(t.client.get_hit().hit_id(MISSING_HIT).send().await),
        wire_error(
            t.client
                .list_assignments_for_hit()
                .hit_id(MISSING_HIT)
                .send()
                .await,
        ),
        wire_error(t.client.delete_hit().hit_id(MISSING_HIT).send().await),
        wire_error(
            t.client
                .update_expiration_for_hit()
                .hit_id(MISSING_HIT)
                .expire_at(DateTime::from_secs(now_secs()))
                .send()
                .await,
        ),
        wire_error(
            t.client
                .update_hit_review_status()
                .hit_id(MISSING_HIT)
                .send()
                .await,
        ),
        wire_error(
            t.client
                .create_additional_assignments_for_hit()
                .hit_id(MISSING_HIT)
                .number_of_additional_assignments(1)
                .send()
                .await,
        ),
        t.submit_with(MISSING_HIT, "AWORKER1", json!({}))
            .await
            .error(),
    ];
    for err in errors {
        err.assert_request_error("AWS.MechanicalTurk.HITDoesNotExist");
        assert_eq!(err.message, expected);
    }
}

#[tokio::test]
async fn delete_hit_is_allowed_in_reviewing_once_every_submission_is_decided() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 1).await;
    let id = t.submit(&hit, "AWORKER1").await;
    t.client
        .update_hit_review_status()
        .hit_id(&hit)
        .send()
        .await
        .expect("to Reviewing");
    assert_eq!(hit_status(&t.get_hit(&hit).await), &HitStatus::Reviewing);
    let undecided = wire_error(t.client.delete_hit().hit_id(&hit).send().await);
    undecided.assert_request_error("AWS.MechanicalTurk.InvalidHITState");
    assert!(
        undecided.message.contains("1 submitted assignment(s)"),
        "{undecided:?}"
    );
    t.approve(&id).await;
    t.client
        .delete_hit()
        .hit_id(&hit)
        .send()
        .await
        .expect("DeleteHIT in Reviewing");
    assert_eq!(hit_status(&t.get_hit(&hit).await), &HitStatus::Disposed);
}

#[tokio::test]
async fn counters_add_up_to_max_assignments_in_every_state() {
    // MaxAssignments = Pending + Available + Completed + Submitted work not yet decided, and
    // an expired HIT keeps its unused slots as Available (NumberOfAssignmentsPending stays 0:
    // a simulated worker accepts and submits in one step).
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 4).await;
    assert_eq!(
        state(&t, &hit).await,
        (HitStatus::Assignable, 4, (0, 4, 0)),
        "new"
    );
    let first = t.submit(&hit, "AWORKER1").await;
    let second = t.submit(&hit, "AWORKER2").await;
    assert_eq!(
        state(&t, &hit).await,
        (HitStatus::Assignable, 4, (0, 2, 0)),
        "two submitted"
    );
    t.expire(&hit, now_secs() - 60).await;
    assert_eq!(
        state(&t, &hit).await,
        (HitStatus::Reviewable, 4, (0, 2, 0)),
        "expired"
    );
    t.approve(&first).await;
    t.reject(&second).await;
    assert_eq!(
        state(&t, &hit).await,
        (HitStatus::Reviewable, 4, (0, 2, 2)),
        "all decided"
    );
    t.client
        .create_additional_assignments_for_hit()
        .hit_id(&hit)
        .number_of_additional_assignments(3)
        .send()
        .await
        .expect("extend");
    assert_eq!(
        state(&t, &hit).await,
        (HitStatus::Reviewable, 7, (0, 5, 2)),
        "extended, expired"
    );
    t.expire(&hit, now_secs() + 600).await;
    assert_eq!(
        state(&t, &hit).await,
        (HitStatus::Assignable, 7, (0, 5, 2)),
        "given a new life"
    );
    let full = t.hit("0.10", 1).await;
    let only = t.submit(&full, "AWORKER3").await;
    t.approve(&only).await;
    t.client
        .delete_hit()
        .hit_id(&full)
        .send()
        .await
        .expect("delete");
    let h = t.get_hit(&full).await;
    assert_eq!(
        (hit_status(&h), counters(&h)),
        (&HitStatus::Disposed, (0, 0, 1)),
        "deleted"
    );
}

/// The HIT's status, MaxAssignments and (Pending, Available, Completed).
async fn state(t: &TestServer, hit: &str) -> (HitStatus, i32, (i32, i32, i32)) {
    let h = t.get_hit(hit).await;
    (
        hit_status(&h).clone(),
        h.max_assignments().unwrap_or_default(),
        counters(&h),
    )
}
