//! State that survives a restart on the same SQLite file, and demo data loaded exactly once.
// As in #[test] functions (clippy.toml): a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use aws_sdk_mturk::types::{Assignment, AssignmentStatus};
use common::{TempDb, TestServer, config, now_secs, wire_error};
use mturk_review::server::ServerConfig;

fn on_file(db: &TempDb, balance_cents: i64, demo: bool) -> ServerConfig {
    ServerConfig {
        db: db.0.clone(),
        balance_cents,
        demo,
        ..config()
    }
}

/// Every assignment of every listed HIT, by HIT id.
async fn everything(t: &TestServer) -> BTreeMap<String, Vec<Assignment>> {
    let mut all = BTreeMap::new();
    let mut hits = t.client.list_hits().into_paginator().page_size(100).send();
    while let Some(page) = hits.next().await {
        for hit in page.expect("ListHITs").hits() {
            let id = hit.hit_id().expect("HITId").to_string();
            let mut assignments = Vec::new();
            let mut pages = t
                .client
                .list_assignments_for_hit()
                .hit_id(&id)
                .into_paginator()
                .page_size(100)
                .send();
            while let Some(page) = pages.next().await {
                assignments.extend(page.expect("ListAssignmentsForHIT").assignments().to_vec());
            }
            all.insert(id, assignments);
        }
    }
    all
}

#[tokio::test]
async fn state_and_balance_survive_a_restart_on_the_same_file() {
    let db = TempDb::new("restart");
    let t = TestServer::start_with(on_file(&db, 5_000, false)).await;
    let hit = t.hit("1.00", 3).await;
    let approved = t.submit(&hit, "AWORKER1").await;
    let rejected = t.submit(&hit, "AWORKER2").await;
    let pending = t.submit(&hit, "AWORKER3").await;
    t.client
        .approve_assignment()
        .assignment_id(&approved)
        .requester_feedback("Thanks!")
        .send()
        .await
        .expect("approve");
    t.reject(&rejected).await;
    t.bonus("AWORKER1", &approved, "0.50", Some("once")).await;
    t.client
        .create_worker_block()
        .worker_id("ASPAMMER")
        .reason("Bot")
        .send()
        .await
        .expect("block");
    let hit_before = t.get_hit(&hit).await;
    let state_before = everything(&t).await;
    assert_eq!(t.balance().await, 5_000 - 120 - 60);
    t.stop().await;

    // A different starting balance only applies to a new database.
    let t = TestServer::start_with(on_file(&db, 1, false)).await;
    assert_eq!(t.balance().await, 5_000 - 120 - 60);
    assert_eq!(t.get_hit(&hit).await, hit_before);
    assert_eq!(everything(&t).await, state_before);
    let a = t.assignment(&approved).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(a.requester_feedback(), Some("Thanks!"));
    assert_eq!(
        t.assignment(&rejected).await.assignment_status(),
        Some(&AssignmentStatus::Rejected)
    );
    let blocks = t.client.list_worker_blocks().send().await.expect("blocks");
    assert_eq!(blocks.worker_blocks().len(), 1);

    // The bonus token is remembered: the retry after the restart pays nothing.
    let retry = t
        .client
        .send_bonus()
        .worker_id("AWORKER1")
        .assignment_id(&approved)
        .bonus_amount("0.50")
        .reason("Thanks for the careful work")
        .unique_request_token("once")
        .send()
        .await;
    assert_eq!(wire_error(retry).status, 400);
    let bonuses = t
        .client
        .list_bonus_payments()
        .assignment_id(&approved)
        .send()
        .await
        .expect("bonuses");
    assert_eq!(bonuses.bonus_payments().len(), 1);

    // And work goes on.
    t.approve(&pending).await;
    assert_eq!(t.balance().await, 5_000 - 120 - 60 - 120);
    t.stop().await;

    let t = TestServer::start_with(on_file(&db, 1, false)).await;
    assert_eq!(t.balance().await, 5_000 - 300);
    assert_eq!(
        t.assignment(&pending).await.assignment_status(),
        Some(&AssignmentStatus::Approved)
    );
    t.stop().await;
}

#[tokio::test]
async fn the_demo_loads_once_and_a_restart_does_not_duplicate_it() {
    let db = TempDb::new("demo");
    let t = TestServer::start_with(on_file(&db, 1_000_000, true)).await;
    let first = everything(&t).await;
    let balance = t.balance().await;
    t.stop().await;

    let hits = first.len();
    let assignments: Vec<&Assignment> = first.values().flatten().collect();
    assert!(hits >= 6, "{hits} demo HITs");
    assert!(
        assignments.len() >= 60,
        "{} demo assignments",
        assignments.len()
    );
    for status in [
        AssignmentStatus::Submitted,
        AssignmentStatus::Approved,
        AssignmentStatus::Rejected,
    ] {
        assert!(
            assignments
                .iter()
                .any(|a| a.assignment_status() == Some(&status)),
            "no {status:?} assignment in the demo"
        );
    }
    let month_ago = now_secs() - 30 * 24 * 3600;
    let rejected_at = |old: bool| {
        assignments.iter().any(|a| {
            a.assignment_status() == Some(&AssignmentStatus::Rejected)
                && a.submit_time()
                    .is_some_and(|t| (t.secs() < month_ago) == old)
        })
    };
    assert!(
        rejected_at(true) && rejected_at(false),
        "rejections both sides of 30 days"
    );

    let t = TestServer::start_with(on_file(&db, 1_000_000, true)).await;
    assert_eq!(
        everything(&t).await,
        first,
        "the same data, not a second copy"
    );
    assert_eq!(t.balance().await, balance);
    t.stop().await;
}

#[tokio::test]
async fn the_demo_goes_only_into_an_empty_database() {
    let db = TempDb::new("demo-nonempty");
    let t = TestServer::start_with(on_file(&db, 10_000, false)).await;
    let mine = t.hit("0.10", 1).await;
    t.stop().await;

    let t = TestServer::start_with(on_file(&db, 10_000, true)).await;
    assert_eq!(t.listed_hits().await, [mine]);
    t.stop().await;

    // In memory, every start is a new database with a fresh copy of the demo.
    let a = TestServer::start_with(ServerConfig {
        demo: true,
        ..config()
    })
    .await;
    let b = TestServer::start_with(ServerConfig {
        demo: true,
        ..config()
    })
    .await;
    let (a_data, b_data) = (everything(&a).await, everything(&b).await);
    assert_eq!(a_data.len(), b_data.len());
    assert!(
        a_data.keys().all(|id| !b_data.contains_key(id)),
        "fresh ids per database"
    );
}
