//! Money that cannot wrap, and holds: publishing a HIT holds its whole cost (OnHoldBalance),
//! approvals are paid from the hold, rejections, expiry and deletion give it back, and what
//! the available balance cannot cover is refused with InsufficientFunds. Reward and
//! BonusAmount have limits that keep every sum inside 64-bit cents.

// As in #[test] functions (clippy.toml): a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used)]

mod common;

use aws_sdk_mturk::primitives::DateTime;
use aws_sdk_mturk::types::AssignmentStatus;
use common::{START_BALANCE, TempDb, TestServer, config, now_secs, wire_error};
use mturk_review::server::ServerConfig;
use serde_json::json;

const FUNDS: &str = "AWS.MechanicalTurk.InsufficientFunds";

/// The numbers: before the limits, one auto-approved submission took a $10,000
/// balance to -1.4e14 cents, 65,884 more wrapped it to +9.2e18, and then a bonus of
/// 999999999999.99 went through.
#[tokio::test]
async fn rewards_and_bonuses_past_the_limits_are_refused() {
    let t = TestServer::with_balance(1_000_000).await;
    let huge = t
        .create_hit()
        .reward("999999999999.99")
        .max_assignments(1000)
        .auto_approval_delay_in_seconds(0)
        .send()
        .await;
    let err = wire_error(huge);
    err.assert_request_error("AWS.ParameterOutOfRange");
    assert!(err.message.contains("10000.00"), "{err:?}");
    let over = t.create_hit().reward("10000.01").send().await;
    wire_error(over).assert_request_error("AWS.ParameterOutOfRange");
    let type_over = t
        .client
        .create_hit_type()
        .title("t")
        .description("d")
        .reward("10000.01")
        .assignment_duration_in_seconds(600)
        .send()
        .await;
    wire_error(type_over).assert_request_error("AWS.ParameterOutOfRange");
    // The limit itself is a reward like any other: 10,000.00 + 20% is more than this balance.
    let at_limit = t.create_hit().reward("10000.00").send().await;
    wire_error(at_limit).assert_request_error(FUNDS);

    let hit = t.hit("1.00", 1).await;
    let id = t.submit(&hit, "AWORKER1").await;
    let bonus = |amount: &'static str| {
        t.client
            .send_bonus()
            .worker_id("AWORKER1")
            .assignment_id(&id)
            .bonus_amount(amount)
            .reason("Thanks")
            .send()
    };
    wire_error(bonus("999999999999.99").await).assert_request_error("AWS.ParameterOutOfRange");
    wire_error(bonus("10000.01").await).assert_request_error("AWS.ParameterOutOfRange");
    wire_error(bonus("10000.00").await).assert_request_error(FUNDS);
    assert_eq!(t.balance().await, 1_000_000, "nothing was paid");
}

#[tokio::test]
async fn publishing_holds_the_whole_cost_and_approval_pays_from_the_hold() {
    let t = TestServer::start().await;
    let hit = t.hit("0.50", 4).await; // 4 x (0.50 + 0.10)
    assert_eq!(t.balances().await, (START_BALANCE - 240, 240));

    let typed = t
        .client
        .create_hit_type()
        .title("Typed")
        .description("d")
        .reward("0.25")
        .assignment_duration_in_seconds(600)
        .send()
        .await
        .expect("CreateHITType");
    t.client
        .create_hit_with_hit_type()
        .hit_type_id(typed.hit_type_id().expect("HITTypeId"))
        .max_assignments(10) // 10 x (0.25 + 40% = 0.10)
        .lifetime_in_seconds(3600)
        .question(common::QUESTION)
        .send()
        .await
        .expect("CreateHITWithHITType");
    assert_eq!(t.balances().await, (START_BALANCE - 240 - 350, 240 + 350));

    let a = t.submit(&hit, "AWORKER1").await;
    assert_eq!(
        t.on_hold().await,
        590,
        "submitted work keeps its slot's hold"
    );
    t.approve(&a).await;
    assert_eq!(t.balances().await, (START_BALANCE - 590, 590 - 60));
}

#[tokio::test]
async fn a_hit_or_extra_assignments_the_balance_cannot_hold_are_refused() {
    let t = TestServer::with_balance(300).await;
    let hit = t.hit("1.00", 2).await; // holds 2.40
    let more = t
        .client
        .create_additional_assignments_for_hit()
        .hit_id(&hit)
        .number_of_additional_assignments(1)
        .send()
        .await;
    let err = wire_error(more);
    err.assert_request_error(FUNDS);
    assert_eq!(
        err.message,
        "This Requester has insufficient funds in their account to complete this transaction."
    );
    assert_eq!(t.get_hit(&hit).await.max_assignments(), Some(2));
    assert_eq!(t.balances().await, (60, 240));

    let none = t
        .create_hit()
        .reward("0.50")
        .max_assignments(1)
        .send()
        .await;
    assert!(none.is_ok(), "0.60 fits exactly: {none:?}");
    assert_eq!(t.balances().await, (0, 300));
}

/// Before holds, MTurk's own auto-approval paid whatever the balance, driving it negative.
#[tokio::test]
async fn auto_approval_never_drives_the_balance_negative() {
    let t = TestServer::with_balance(120).await;
    let two = t
        .create_hit()
        .reward("1.00")
        .max_assignments(2)
        .auto_approval_delay_in_seconds(0)
        .send()
        .await;
    wire_error(two).assert_request_error(FUNDS);
    let hit = t.hit_with("1.00", 1, 0).await;
    let id = t.submit(&hit, "AWORKER1").await;
    let a = t.assignment(&id).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(t.balances().await, (0, 0), "paid from the hold");
}

#[tokio::test]
async fn a_rejection_gives_its_hold_back_and_an_override_pays_from_the_available_balance() {
    let t = TestServer::with_balance(240).await;
    let hit = t.hit("1.00", 2).await;
    let a = t.submit(&hit, "AWORKER1").await;
    t.reject(&a).await;
    assert_eq!(t.balances().await, (120, 120));
    t.client
        .approve_assignment()
        .assignment_id(&a)
        .override_rejection(true)
        .send()
        .await
        .expect("override");
    assert_eq!(t.balances().await, (0, 120));
    // The other slot's hold still pays for its work when the balance is empty.
    let b = t.submit(&hit, "AWORKER2").await;
    t.approve(&b).await;
    assert_eq!(t.balances().await, (0, 0));
}

#[tokio::test]
async fn expiry_gives_back_unused_slots_and_a_new_life_holds_them_again() {
    let t = TestServer::with_balance(500).await;
    let hit = t.hit("1.00", 3).await; // 3.60 held
    t.submit(&hit, "AWORKER1").await;
    t.expire(&hit, 0).await;
    assert_eq!(
        t.balances().await,
        (140 + 240, 120),
        "two unused slots released"
    );

    // Backdated work accepted before the expiry still gets in, paid for in advance.
    let early = now_secs() - 60;
    t.submit_ok(
        &hit,
        "AWORKER2",
        json!({"AcceptTime": early - 10, "SubmitTime": early}),
    )
    .await;
    assert_eq!(t.balances().await, (260, 240));

    // Extending the expired HIT offers its last slot again: held again.
    t.expire(&hit, now_secs() + 3600).await;
    assert_eq!(t.balances().await, (140, 360));
    t.expire(&hit, 0).await;
    assert_eq!(t.balances().await, (260, 240));

    // Not enough left to offer it again: refused, and nothing changes.
    let broke = TestServer::with_balance(120).await;
    let hit = broke.hit("1.00", 1).await;
    broke.expire(&hit, 0).await;
    let free = broke.hit("0.00", 1).await;
    let id = broke.submit(&free, "ASPENDER").await;
    broke.bonus("ASPENDER", &id, "0.08", None).await; // costs 0.10
    let revive = broke
        .client
        .update_expiration_for_hit()
        .hit_id(&hit)
        .expire_at(DateTime::from_secs(now_secs() + 3600))
        .send()
        .await;
    wire_error(revive).assert_request_error(FUNDS);
    assert_eq!(broke.balances().await, (110, 0));
    let still = broke.get_hit(&hit).await;
    assert!(
        still.expiration().unwrap().secs() <= now_secs(),
        "still expired: {still:?}"
    );
}

#[tokio::test]
async fn deleting_a_hit_gives_back_what_imported_history_left_held() {
    let t = TestServer::with_balance(120).await;
    let hit = t.hit("1.00", 1).await;
    let past = now_secs() - 3600;
    t.submit_ok(
        &hit,
        "AWORKER1",
        json!({
            "AcceptTime": past - 60, "SubmitTime": past,
            "AssignmentStatus": "Approved", "ApprovalTime": past + 60,
        }),
    )
    .await;
    assert_eq!(
        t.balances().await,
        (0, 120),
        "imported history moves no money"
    );
    t.client
        .delete_hit()
        .hit_id(&hit)
        .send()
        .await
        .expect("DeleteHIT");
    assert_eq!(t.balances().await, (120, 0));
}

/// A database written before holds existed: opening it holds what it owes, once.
#[tokio::test]
async fn a_database_from_before_holds_gets_them_when_opened() {
    let db = TempDb::new("legacy-holds");
    legacy_database(&db.0);
    let config = ServerConfig {
        db: db.0.clone(),
        balance_cents: 1,
        ..config()
    };
    let t = TestServer::start_with(config.clone()).await;
    // Open HIT: 0.50 x 3 slots (+20%): one Submitted (held), one Rejected (not held), one
    // unused (held). Expired HIT: its one Submitted assignment only.
    assert_eq!(t.balances().await, (5_000 - 60 - 60 - 120, 60 + 60 + 120));
    t.stop().await;
    let t = TestServer::start_with(config).await;
    assert_eq!(
        t.balances().await,
        (5_000 - 240, 240),
        "added once, not again"
    );
    let _ = std::fs::remove_file(&db.0);
}

/// The schema of the release before holds, with a few rows: the available balance is 50.00.
fn legacy_database(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).expect("open");
    let now = now_secs() * 1000;
    let hour = 3_600_000;
    conn.execute_batch(&format!(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         INSERT INTO meta VALUES ('balance_cents', '5000');
         CREATE TABLE hit_types (id TEXT PRIMARY KEY, group_id TEXT NOT NULL,
           fingerprint TEXT NOT NULL UNIQUE, title TEXT NOT NULL, description TEXT NOT NULL,
           keywords TEXT, reward_cents INTEGER NOT NULL, assignment_duration INTEGER NOT NULL,
           auto_approval_delay INTEGER NOT NULL, qualification_requirements TEXT);
         INSERT INTO hit_types VALUES ('T1', 'G1', 'f1', 'Old', 'd', NULL, 50, 600, 86400, NULL);
         INSERT INTO hit_types VALUES ('T2', 'G2', 'f2', 'Older', 'd', NULL, 100, 600, 86400, NULL);
         CREATE TABLE hits (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
           hit_type_id TEXT NOT NULL REFERENCES hit_types(id), creation_ms INTEGER NOT NULL,
           expiration_ms INTEGER NOT NULL, question TEXT, hit_layout_id TEXT,
           requester_annotation TEXT, max_assignments INTEGER NOT NULL,
           review_status TEXT NOT NULL DEFAULT 'NotReviewed',
           reviewing INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0,
           unique_request_token TEXT UNIQUE);
         INSERT INTO hits (id, hit_type_id, creation_ms, expiration_ms, max_assignments)
           VALUES ('HOPEN', 'T1', {created}, {open_until}, 3),
                  ('HEXPIRED', 'T2', {created}, {expired_at}, 4);
         CREATE TABLE assignments (seq INTEGER PRIMARY KEY AUTOINCREMENT,
           id TEXT NOT NULL UNIQUE, hit_id TEXT NOT NULL REFERENCES hits(id),
           worker_id TEXT NOT NULL, status TEXT NOT NULL, accept_ms INTEGER NOT NULL,
           submit_ms INTEGER NOT NULL, auto_approval_ms INTEGER NOT NULL, approval_ms INTEGER,
           rejection_ms INTEGER, deadline_ms INTEGER NOT NULL, answer TEXT NOT NULL,
           feedback TEXT, UNIQUE (hit_id, worker_id));
         INSERT INTO assignments (id, hit_id, worker_id, status, accept_ms, submit_ms,
           auto_approval_ms, rejection_ms, deadline_ms, answer, feedback)
           VALUES ('A1', 'HOPEN', 'AW1', 'Submitted', {t}, {t}, {auto}, NULL, {deadline}, '', NULL),
                  ('A2', 'HOPEN', 'AW2', 'Rejected', {t}, {t}, {auto}, {t}, {deadline}, '', 'no'),
                  ('A3', 'HEXPIRED', 'AW3', 'Submitted', {t}, {t}, {auto}, NULL, {deadline}, '', NULL);",
        created = now - 4 * hour,
        open_until = now + hour,
        expired_at = now - hour,
        t = now - 3 * hour,
        auto = now + 20 * hour,
        deadline = now - 3 * hour + 600_000,
    ))
    .expect("legacy schema");
}
