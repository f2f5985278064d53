//! `mturk-review serve backup` as a process: a consistent copy of a database a server is
//! writing to at that moment, private to its owner, that opens and serves; an existing copy
//! is replaced only with --force.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use aws_sdk_mturk::types::AssignmentStatus;
use common::{TempDb, TestServer, config};
use mturk_review::server::accounts;
use mturk_review::server::store::Store;
use mturk_review::server::{ServerConfig, schema};

async fn backup(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .args(["serve", "backup"])
        .args(args)
        .output()
        .await
        .expect("run mturk-review serve backup")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One number from the copy.
fn count(store: &Store, sql: &str) -> i64 {
    store
        .transaction(|tx| Ok(tx.query_row(sql, [], |r| r.get(0))?))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_the_server_approves_is_consistent_and_serves() {
    const BALANCE: i64 = 1_000_000;
    const SLOTS: i32 = 5_000;
    // 0.10 and 40% (10 or more assignments): each slot holds 0.14, which its approval pays.
    const PAY: i64 = 14;
    let db = TempDb::new("live");
    let copy = TempDb::new("live-copy");
    let t = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        balance_cents: BALANCE,
        ..config()
    })
    .await;
    let hit = t.hit("0.10", SLOTS).await;
    assert_eq!(
        t.balances().await,
        (BALANCE - PAY * i64::from(SLOTS), PAY * i64::from(SLOTS))
    );

    let t = Arc::new(t);
    let approved = Arc::new(AtomicI64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (t, approved, stop, hit) = (t.clone(), approved.clone(), stop.clone(), hit.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) && approved.load(Ordering::Relaxed) < 4_000 {
                let worker = format!("AWORKER{}", approved.load(Ordering::Relaxed));
                let id = t.submit(&hit, &worker).await;
                t.approve(&id).await;
                approved.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    while approved.load(Ordering::Relaxed) < 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = approved.load(Ordering::Relaxed);
    let out = backup(&[copy.0.to_str().unwrap(), "--db", db.0.to_str().unwrap()]).await;
    let after = approved.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    writer.await.expect("the server kept answering throughout");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    let bytes = std::fs::metadata(&copy.0).unwrap().len();
    assert!(said.contains(&format!("{bytes} bytes")), "{said}");
    assert!(
        said.contains(&format!("schema version {}", schema::latest_version())),
        "{said}"
    );
    println!("approvals: {before} before the backup, {after} after it");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy.0).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the copy holds what the database holds");
    }

    // The copy is one moment of the run: every approval with its payment, nothing half done.
    let store = Store::open(&copy.0, 0).unwrap();
    assert_eq!(
        store
            .transaction(|tx| Ok(
                tx.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))?
            ))
            .unwrap(),
        "ok"
    );
    let in_copy = count(
        &store,
        "SELECT COUNT(*) FROM assignments WHERE status = 'Approved'",
    );
    assert!(
        (before..=after + 1).contains(&in_copy),
        "{in_copy} approvals in the copy, {before} before and {after} after it was taken"
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'approval'"
        ),
        in_copy
    );
    assert!(count(&store, "SELECT COUNT(*) FROM assignments") - in_copy <= 1);
    let balance = count(&store, "SELECT balance_cents FROM accounts");
    assert_eq!(
        balance,
        count(&store, "SELECT SUM(amount_cents) FROM ledger")
    );
    assert_eq!(balance, BALANCE - PAY * in_copy);
    assert_eq!(
        count(&store, "SELECT held_cents FROM accounts"),
        PAY * (i64::from(SLOTS) - in_copy)
    );
    drop(store);

    // And it serves, as the database did at that moment.
    let restored = TestServer::start_with(ServerConfig {
        db: copy.0.clone(),
        ..config()
    })
    .await;
    assert_eq!(
        restored.balances().await,
        (
            BALANCE - PAY * i64::from(SLOTS),
            PAY * (i64::from(SLOTS) - in_copy)
        )
    );
    let mut pages = restored
        .client
        .list_assignments_for_hit()
        .hit_id(&hit)
        .assignment_statuses(AssignmentStatus::Approved)
        .max_results(100)
        .into_paginator()
        .send();
    let mut approved_listed = 0;
    while let Some(page) = pages.next().await {
        approved_listed += page.expect("ListAssignmentsForHIT").assignments().len();
    }
    assert_eq!(approved_listed as i64, in_copy);
    restored.stop().await;
    if let Ok(t) = Arc::try_unwrap(t) {
        t.stop().await;
    }
}

fn balance_of(path: &Path) -> i64 {
    let store = Store::open(path, 0).unwrap();
    count(&store, "SELECT balance_cents FROM accounts")
}

#[tokio::test]
async fn an_existing_copy_is_replaced_only_with_force() {
    let db = TempDb::new("source");
    let copy = TempDb::new("existing");
    let db_path = db.0.to_str().unwrap();
    let copy_path = copy.0.to_str().unwrap();
    drop(Store::open(&db.0, 100).unwrap());
    let out = backup(&[copy_path, "--db", db_path]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(balance_of(&copy.0), 100);

    {
        let store = Store::open(&db.0, 0).unwrap();
        store
            .transaction(|tx| accounts::deposit(tx, accounts::DEFAULT_NAME, 150, 0))
            .unwrap();
    }
    let kept = std::fs::read(&copy.0).unwrap();
    let out = backup(&[copy_path, "--db", db_path]).await;
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains("exists already") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(&copy.0).unwrap(), kept, "left as it was");

    let out = backup(&[copy_path, "--db", db_path, "--force"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(balance_of(&copy.0), 250, "replaced by a copy of now");

    let missing = TempDb::new("no-source");
    let nowhere = TempDb::new("no-copy");
    let out = backup(&[
        nowhere.0.to_str().unwrap(),
        "--db",
        missing.0.to_str().unwrap(),
    ])
    .await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("there is no database"),
        "{}",
        text(&out.stderr)
    );
    assert!(!missing.0.exists() && !nowhere.0.exists());
}
