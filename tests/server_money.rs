//! Money as MTurk moves it: reward plus fee on approval, bonus plus fee, insufficient funds
//! changing nothing, idempotent bonuses, and a balance that reflects every payment.

mod common;

use aws_sdk_mturk::primitives::DateTime;
use aws_sdk_mturk::types::AssignmentStatus;
use common::{START_BALANCE, TestServer, wire_error};

#[tokio::test]
async fn approval_costs_reward_plus_20_percent_and_40_percent_from_ten_assignments() {
    let t = TestServer::start().await;
    // (reward, MaxAssignments, expected debit in cents)
    let cases = [
        ("0.50", 1, 60),
        ("0.50", 9, 60),
        ("0.50", 10, 70),
        ("1.25", 25, 175),
        ("0.05", 1, 6),
        // 20% of 3 cents is 0.6 cents: MTurk's minimum fee is one cent.
        ("0.03", 1, 4),
        ("0.00", 1, 0),
    ];
    for (reward, max, cost) in cases {
        let hit = t.hit(reward, max).await;
        let id = t.submit(&hit, "AWORKER1").await;
        let before = t.balance().await;
        t.approve(&id).await;
        assert_eq!(
            before - t.balance().await,
            cost,
            "reward {reward} with {max} assignments"
        );
    }
}

#[tokio::test]
async fn a_bonus_costs_the_amount_plus_20_percent_whatever_the_hit_size() {
    let t = TestServer::start().await;
    for max in [1, 12] {
        let hit = t.hit("0.10", max).await;
        let id = t.submit(&hit, "AWORKER1").await;
        let before = t.balance().await;
        t.bonus("AWORKER1", &id, "2.50", None).await;
        assert_eq!(before - t.balance().await, 300, "HIT of {max}");
    }
}

// Before holds, this scenario (1.20 on the account, a HIT of 1.00 for two workers) failed at
// the second approval. Publishing now holds the whole HIT's cost, so it is the HIT that the
// balance cannot cover, and an approval of Submitted work is always paid for.
#[tokio::test]
async fn insufficient_funds_for_a_hit_change_nothing() {
    let t = TestServer::with_balance(120).await;
    let refused = t
        .create_hit()
        .reward("1.00")
        .max_assignments(2)
        .send()
        .await;
    let err = wire_error(refused);
    err.assert_request_error("AWS.MechanicalTurk.InsufficientFunds");
    assert_eq!(
        err.message,
        "This Requester has insufficient funds in their account to complete this transaction."
    );
    assert_eq!(t.balance().await, 120);
    let listed = t.client.list_hits().send().await.expect("ListHITs");
    assert!(listed.hits().is_empty(), "{listed:?}");

    // Exactly enough: 1.00 + 0.20.
    let hit = t.hit("1.00", 1).await;
    let first = t.submit(&hit, "AWORKER1").await;
    t.approve(&first).await;
    assert_eq!(t.balance().await, 0);
    let a = t.assignment(&first).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
}

#[tokio::test]
async fn insufficient_funds_for_an_override_change_nothing() {
    // 1.00 available once the HIT's 1.20 is held for its one slot (which the imported
    // rejection below leaves held: imported history moves no money).
    let t = TestServer::with_balance(100 + 120).await;
    let hit = t.hit("1.00", 1).await;
    let id = t.rejected_days_ago(&hit, "AWORKER1", 2).await;
    let refused = t
        .client
        .approve_assignment()
        .assignment_id(&id)
        .override_rejection(true)
        .send()
        .await;
    wire_error(refused).assert_request_error("AWS.MechanicalTurk.InsufficientFunds");
    assert_eq!(t.available().await, 100);
    assert_eq!(
        t.assignment(&id).await.assignment_status(),
        Some(&AssignmentStatus::Rejected)
    );
}

#[tokio::test]
async fn insufficient_funds_for_a_bonus_change_nothing() {
    let t = TestServer::with_balance(100).await;
    let hit = t.hit("0.00", 1).await;
    let id = t.submit(&hit, "AWORKER1").await;
    let refused = t
        .client
        .send_bonus()
        .worker_id("AWORKER1")
        .assignment_id(&id)
        .bonus_amount("0.90")
        .reason("Thanks")
        .unique_request_token("bonus-1")
        .send()
        .await;
    wire_error(refused).assert_request_error("AWS.MechanicalTurk.InsufficientFunds");
    assert_eq!(t.balance().await, 100);
    let paid = t
        .client
        .list_bonus_payments()
        .assignment_id(&id)
        .send()
        .await
        .expect("ListBonusPayments");
    assert!(paid.bonus_payments().is_empty(), "{paid:?}");

    // The refused call did not use up its token: a smaller bonus under it goes through.
    t.bonus("AWORKER1", &id, "0.80", Some("bonus-1")).await;
    assert_eq!(t.balance().await, 4);
}

#[tokio::test]
async fn a_repeated_unique_request_token_never_pays_twice() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 1).await;
    let id = t.submit(&hit, "AWORKER1").await;
    t.bonus("AWORKER1", &id, "1.00", Some("retry-safe-1")).await;
    assert_eq!(t.balance().await, START_BALANCE - 120);

    for _ in 0..3 {
        let retry = t
            .client
            .send_bonus()
            .worker_id("AWORKER1")
            .assignment_id(&id)
            .bonus_amount("1.00")
            .reason("Thanks for the careful work")
            .unique_request_token("retry-safe-1")
            .send()
            .await;
        let err = wire_error(retry);
        assert_eq!((err.status, err.error_type.as_str()), (400, "RequestError"));
        assert!(err.message.contains("retry-safe-1"), "{err:?}");
    }
    assert_eq!(t.balance().await, START_BALANCE - 120, "paid once");

    // Another token, or none, is another bonus.
    t.bonus("AWORKER1", &id, "1.00", Some("retry-safe-2")).await;
    t.bonus("AWORKER1", &id, "0.50", None).await;
    t.bonus("AWORKER1", &id, "0.50", None).await;
    assert_eq!(t.balance().await, START_BALANCE - 120 - 120 - 60 - 60);

    let paid = t
        .client
        .list_bonus_payments()
        .hit_id(&hit)
        .send()
        .await
        .expect("ListBonusPayments");
    let amounts: Vec<_> = paid
        .bonus_payments()
        .iter()
        .filter_map(|b| b.bonus_amount())
        .collect();
    assert_eq!(amounts, ["1.00", "1.00", "0.50", "0.50"]);
    let first = &paid.bonus_payments()[0];
    assert_eq!(first.worker_id(), Some("AWORKER1"));
    assert_eq!(first.assignment_id(), Some(id.as_str()));
    assert_eq!(first.reason(), Some("Thanks for the careful work"));
    assert!(first.grant_time().is_some());
}

#[tokio::test]
async fn a_bonus_needs_the_assignments_own_worker_a_positive_amount_and_a_reason() {
    let t = TestServer::start().await;
    let hit = t.hit("0.10", 1).await;
    let id = t.submit(&hit, "AWORKER1").await;
    let send = |worker: &str, assignment: &str, amount: &str, reason: &str| {
        t.client
            .send_bonus()
            .worker_id(worker)
            .assignment_id(assignment)
            .bonus_amount(amount)
            .reason(reason)
            .send()
    };
    wire_error(send("AOTHER", &id, "1.00", "r").await).assert_invalid("AOTHER");
    wire_error(send("AWORKER1", &id, "0.00", "r").await).assert_invalid("BonusAmount");
    wire_error(send("AWORKER1", &id, "1.00", " ").await).assert_invalid("Reason");
    wire_error(send("AWORKER1", &id, "1.234", "r").await).assert_invalid("BonusAmount");
    wire_error(send("AWORKER1", &id, "-1", "r").await).assert_invalid("BonusAmount");
    let missing = "3NOSUCHASSIGNMENT0000000000000";
    let err = wire_error(send("AWORKER1", missing, "1.00", "r").await);
    err.assert_request_error("AWS.MechanicalTurk.AssignmentDoesNotExist");
    assert_eq!(err.message, format!("Assignment {missing} does not exist."));
    assert_eq!(t.balance().await, START_BALANCE);
}

#[tokio::test]
async fn the_balance_reflects_every_payment() {
    let t = TestServer::start().await;
    let small = t.hit("0.50", 2).await;
    let large = t.hit("0.50", 10).await;
    let a = t.submit(&small, "AWORKER1").await;
    let b = t.submit(&large, "AWORKER2").await;
    let c = t.submit(&small, "AWORKER3").await;
    let old = t.rejected_days_ago(&large, "AWORKER4", 3).await;

    t.approve(&a).await; // 0.60
    t.approve(&b).await; // 0.70
    t.bonus("AWORKER3", &c, "1.00", None).await; // 1.20
    t.client
        .reject_assignment()
        .assignment_id(&c)
        .requester_feedback("Wrong")
        .send()
        .await
        .expect("reject costs nothing");
    t.client
        .approve_assignment()
        .assignment_id(&old)
        .override_rejection(true)
        .send()
        .await
        .expect("override"); // 0.70

    // What is left on hold is the unused slots' pay; expiring both HITs gives it back.
    for hit in [&small, &large] {
        t.client
            .update_expiration_for_hit()
            .hit_id(hit)
            .expire_at(DateTime::from_secs(0))
            .send()
            .await
            .expect("UpdateExpirationForHIT");
    }
    let out = t
        .client
        .get_account_balance()
        .send()
        .await
        .expect("GetAccountBalance");
    assert_eq!(out.available_balance(), Some("96.80"));
    assert_eq!(out.on_hold_balance(), Some("0.00"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_approvals_and_bonuses_pay_once() {
    let t = TestServer::start().await;
    let hit = t.hit("1.00", 1).await;
    let id = t.submit(&hit, "AWORKER1").await;

    let approvals = (0..10).map(|_| t.client.approve_assignment().assignment_id(&id).send());
    let results = futures::future::join_all(approvals).await;
    let succeeded = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(succeeded, 1, "{results:?}");
    for refused in results.into_iter().filter(Result::is_err) {
        wire_error(refused).assert_invalid_state();
    }
    assert_eq!(t.balance().await, START_BALANCE - 120);

    let bonuses = (0..10).map(|_| {
        t.client
            .send_bonus()
            .worker_id("AWORKER1")
            .assignment_id(&id)
            .bonus_amount("2.00")
            .reason("Thanks")
            .unique_request_token("same-token")
            .send()
    });
    let results = futures::future::join_all(bonuses).await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert_eq!(t.balance().await, START_BALANCE - 120 - 240);
}
