//! UpdateHITTypeOfHIT through aws-sdk-mturk: the HIT takes every property of the new HIT type,
//! its unpaid work is paid at the new reward (so what is held for it moves with the reward),
//! and what MTurk refuses is refused with nothing changed.
// As in #[test] functions: a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use aws_sdk_mturk::types::{AssignmentStatus, Comparator, QualificationRequirement};
use common::site::{Agent, invite};
use common::{START_BALANCE, TestServer, wire_error};

const ADULT: &str = "00000000000000000060";

async fn new_type(t: &TestServer, reward: &str) -> String {
    t.client
        .create_hit_type()
        .title("Better paid")
        .description("The same work, described anew")
        .keywords("new, type")
        .reward(reward)
        .assignment_duration_in_seconds(1200)
        .auto_approval_delay_in_seconds(7200)
        .qualification_requirements(
            QualificationRequirement::builder()
                .qualification_type_id(ADULT)
                .comparator(Comparator::EqualTo)
                .integer_values(1)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("CreateHITType")
        .hit_type_id()
        .unwrap()
        .to_string()
}

async fn change(t: &TestServer, hit_id: &str, type_id: &str) {
    t.client
        .update_hit_type_of_hit()
        .hit_id(hit_id)
        .hit_type_id(type_id)
        .send()
        .await
        .expect("UpdateHITTypeOfHIT");
}

#[tokio::test]
async fn the_hit_takes_the_new_types_properties() {
    let t = TestServer::start().await;
    let hit_id = t.hit("0.50", 2).await;
    let before = t.get_hit(&hit_id).await;
    let type_id = new_type(&t, "1.00").await;
    change(&t, &hit_id, &type_id).await;
    let hit = t.get_hit(&hit_id).await;
    assert_eq!(hit.hit_type_id(), Some(type_id.as_str()));
    assert_ne!(hit.hit_group_id(), before.hit_group_id());
    assert_eq!(hit.title(), Some("Better paid"));
    assert_eq!(hit.description(), Some("The same work, described anew"));
    assert_eq!(hit.keywords(), Some("new, type"));
    assert_eq!(hit.reward(), Some("1.00"));
    assert_eq!(hit.assignment_duration_in_seconds(), Some(1200));
    assert_eq!(hit.auto_approval_delay_in_seconds(), Some(7200));
    assert_eq!(hit.qualification_requirements().len(), 1);
    // What stays the HIT's own.
    assert_eq!(hit.expiration(), before.expiration());
    assert_eq!(hit.max_assignments(), Some(2));
    assert_eq!(hit.question(), before.question());
}

#[tokio::test]
async fn the_holds_move_with_the_reward_and_approval_pays_the_new_one() {
    let t = TestServer::start().await;
    let hit_id = t.hit("0.50", 2).await;
    let submitted = t.submit(&hit_id, "AWORKER1").await;
    // One Submitted and one unused slot, at 0.50 + 20% each.
    assert_eq!(t.balances().await, (START_BALANCE - 120, 120));
    change(&t, &hit_id, &new_type(&t, "1.00").await).await;
    assert_eq!(t.balances().await, (START_BALANCE - 240, 240));
    t.approve(&submitted).await;
    assert_eq!(t.balances().await, (START_BALANCE - 240, 120), "paid 1.20");
    assert_eq!(t.balance().await, START_BALANCE - 120);

    // A cheaper type gives the difference back.
    change(&t, &hit_id, &new_type(&t, "0.25").await).await;
    assert_eq!(t.balances().await, (START_BALANCE - 120 - 30, 30));
}

#[tokio::test]
async fn a_raise_the_balance_cannot_cover_changes_nothing() {
    let t = TestServer::with_balance(150).await;
    let hit_id = t.hit("0.50", 2).await;
    let type_id = new_type(&t, "1.00").await;
    let err = wire_error(
        t.client
            .update_hit_type_of_hit()
            .hit_id(&hit_id)
            .hit_type_id(&type_id)
            .send()
            .await,
    );
    err.assert_request_error("AWS.MechanicalTurk.InsufficientFunds");
    let hit = t.get_hit(&hit_id).await;
    assert_eq!(hit.reward(), Some("0.50"));
    assert_ne!(hit.hit_type_id(), Some(type_id.as_str()));
    assert_eq!(t.balances().await, (30, 120));
}

#[tokio::test]
async fn unknown_hits_and_types_and_deleted_hits_are_refused() {
    let t = TestServer::start().await;
    let hit_id = t.hit("0.50", 1).await;
    let type_id = new_type(&t, "0.50").await;
    let call = |hit: &str, hit_type: &str| {
        t.client
            .update_hit_type_of_hit()
            .hit_id(hit)
            .hit_type_id(hit_type)
            .send()
    };
    wire_error(call(&hit_id, "NOSUCHTYPE").await)
        .assert_request_error("AWS.MechanicalTurk.HITTypeDoesNotExist");
    wire_error(call("NOSUCHHIT", &type_id).await)
        .assert_request_error("AWS.MechanicalTurk.HITDoesNotExist");

    let done = t.submit(&hit_id, "AWORKER1").await;
    t.approve(&done).await;
    assert_eq!(
        t.assignment(&done).await.assignment_status(),
        Some(&AssignmentStatus::Approved)
    );
    t.client
        .delete_hit()
        .hit_id(&hit_id)
        .send()
        .await
        .expect("DeleteHIT");
    wire_error(call(&hit_id, &type_id).await)
        .assert_request_error("AWS.MechanicalTurk.InvalidHITState");
}

#[tokio::test]
async fn work_in_progress_keeps_its_hold_at_the_new_reward_also_past_expiry() {
    let t = TestServer::start().await;
    let hit_id = t.hit("0.50", 2).await;
    let (_, link) = invite(t.addr(), "Ada").await;
    let agent = Agent::sign_in(t.addr(), &link).await;
    agent.accept(&hit_id).await.expect("accepted");
    t.expire(&hit_id, common::now_secs() - 1).await;
    // Expired: only the accepted work's slot is still held.
    assert_eq!(t.balances().await, (START_BALANCE - 60, 60));
    change(&t, &hit_id, &new_type(&t, "1.00").await).await;
    assert_eq!(t.balances().await, (START_BALANCE - 120, 120));
}
