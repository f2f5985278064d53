//! A `server.db` written by release 0.1.0 (tests/fixtures/server-0.1.0.db, made with that
//! release's binary) opens in this one, migrated in one transaction, with nothing lost: every
//! HIT, assignment, bonus, block and request token is there, in the account `default`, and the
//! money adds up. A database from a newer release, or one whose migration fails, is refused
//! and left byte for byte as it was.
// As in #[test] functions: a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use aws_sdk_mturk::error::ProvideErrorMetadata;
use aws_sdk_mturk::types::{Comparator, QualificationRequirement};
use common::{QUESTION, TempDb, TestServer, config};
use mturk_review::clock::now_ms;
use mturk_review::money;
use mturk_review::server::{self, ServerConfig};
use rusqlite::{Connection, params};
use serde_json::json;

const FIXTURE: &str = "tests/fixtures/server-0.1.0.db";

/// A private copy of the fixture, so that no test changes the committed file.
fn fixture_copy(tag: &str) -> TempDb {
    let db = TempDb::new(tag);
    std::fs::copy(FIXTURE, &db.0).expect("copy the fixture");
    db
}

fn on_file(db: &TempDb) -> ServerConfig {
    ServerConfig {
        db: db.0.clone(),
        ..config()
    }
}

#[derive(Debug, Clone, PartialEq)]
struct OldAssignment {
    hit_id: String,
    worker_id: String,
    status: String,
    answer: String,
    feedback: Option<String>,
    auto_approval_ms: i64,
    /// What approving it pays: its HIT's reward plus fee.
    pay_cents: i64,
}

/// What the fixture holds, read with plain SQL from the release-0.1.0 tables.
struct Old {
    hits: BTreeMap<String, (String, i64)>,
    assignments: BTreeMap<String, OldAssignment>,
    available_cents: i64,
    held_cents: i64,
}

fn read_old(path: &Path) -> Old {
    let conn = Connection::open(path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 0, "release 0.1.0 kept no schema version");
    let meta = |key: &str| -> i64 {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
            r.get::<_, String>(0)
        })
        .unwrap()
        .parse()
        .unwrap()
    };
    let mut hits = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT h.id, t.title, h.max_assignments FROM hits h JOIN hit_types t ON t.id = h.hit_type_id")
        .unwrap();
    for row in stmt
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
    {
        let (id, facts): (String, (String, i64)) = row.unwrap();
        hits.insert(id, facts);
    }
    let mut assignments = BTreeMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT a.id, a.hit_id, a.worker_id, a.status, a.answer, a.feedback,
                    a.auto_approval_ms, t.reward_cents, h.max_assignments
             FROM assignments a JOIN hits h ON h.id = a.hit_id
             JOIN hit_types t ON t.id = h.hit_type_id",
        )
        .unwrap();
    for row in stmt
        .query_map([], |r| {
            let reward: i64 = r.get(7)?;
            let max: i64 = r.get(8)?;
            Ok((
                r.get::<_, String>(0)?,
                OldAssignment {
                    hit_id: r.get(1)?,
                    worker_id: r.get(2)?,
                    status: r.get(3)?,
                    answer: r.get(4)?,
                    feedback: r.get(5)?,
                    auto_approval_ms: r.get(6)?,
                    pay_cents: money::approval_cost_cents(reward, max).unwrap(),
                },
            ))
        })
        .unwrap()
    {
        let (id, a) = row.unwrap();
        assignments.insert(id, a);
    }
    Old {
        hits,
        assignments,
        available_cents: meta("balance_cents"),
        held_cents: meta("held_cents"),
    }
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[tokio::test]
async fn a_release_0_1_database_opens_with_everything_in_the_default_account() {
    let db = fixture_copy("migrate");
    let old = read_old(&db.0);
    assert_eq!((old.hits.len(), old.assignments.len()), (12, 75));

    let t = TestServer::start_with(on_file(&db)).await;
    let now = now_ms();
    // Every HIT and every assignment is there, as it was; work whose AutoApprovalTime has
    // passed since the fixture was made is approved now, as MTurk would have.
    let hits = t.listed_hits().await;
    assert_eq!(
        hits.iter()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        old.hits.keys().cloned().collect(),
    );
    let mut auto_approved_pay = 0;
    for (id, was) in &old.assignments {
        let a = t.assignment(id).await;
        let expected = if was.status == "Submitted" && was.auto_approval_ms <= now {
            auto_approved_pay += was.pay_cents;
            "Approved"
        } else {
            was.status.as_str()
        };
        assert_eq!(a.assignment_status().unwrap().as_str(), expected, "{id}");
        assert_eq!(a.hit_id(), Some(was.hit_id.as_str()));
        assert_eq!(a.worker_id(), Some(was.worker_id.as_str()));
        assert_eq!(a.answer(), Some(was.answer.as_str()));
        assert_eq!(a.requester_feedback(), was.feedback.as_deref());
    }
    for (id, (title, max)) in &old.hits {
        let hit = t.get_hit(id).await;
        assert_eq!(hit.title(), Some(title.as_str()));
        assert_eq!(hit.max_assignments(), Some(*max as i32));
    }

    // The money: the balance is what it was, less what auto-approval has paid since.
    let (available, held) = t.balances().await;
    assert_eq!(
        available + held,
        old.available_cents + old.held_cents - auto_approved_pay
    );

    // Bonuses, blocks and request tokens came along.
    let bonuses = t
        .client
        .list_bonus_payments()
        .hit_id("7X1NVZBW36WLHKS9BS48TE4GQWOL98")
        .send()
        .await
        .unwrap();
    let bonus = &bonuses.bonus_payments()[0];
    assert_eq!(
        (bonus.bonus_amount(), bonus.reason()),
        (Some("0.50"), Some("Extra care"))
    );
    let again = t
        .client
        .send_bonus()
        .worker_id("A23X0PDQXRYO")
        .assignment_id("PVFDPUFS19GDTAG9UP8136PLWLP82E")
        .bonus_amount("0.50")
        .reason("Extra care")
        .unique_request_token("fixture-bonus-1")
        .send()
        .await
        .unwrap_err();
    assert!(
        again
            .message()
            .unwrap_or_default()
            .contains("already been granted"),
        "{again:?}"
    );
    let blocks = t.client.list_worker_blocks().send().await.unwrap();
    assert_eq!(
        blocks.worker_blocks()[0].worker_id(),
        Some("A3FIXTUREBLOCKED")
    );
    let duplicate = t
        .create_hit()
        .question(QUESTION)
        .unique_request_token("fixture-hit-1")
        .send()
        .await
        .unwrap_err();
    assert!(
        duplicate
            .message()
            .unwrap_or_default()
            .contains("ZSBVU6D78K9RBW90NYJ28DWFBR0OCF"),
        "{duplicate:?}"
    );
    let extended = t
        .client
        .create_additional_assignments_for_hit()
        .hit_id("ZSBVU6D78K9RBW90NYJ28DWFBR0OCF")
        .number_of_additional_assignments(1)
        .unique_request_token("fixture-extend-1")
        .send()
        .await
        .unwrap_err();
    assert!(
        extended
            .message()
            .unwrap_or_default()
            .contains("already been processed"),
        "{extended:?}"
    );
    // The workers' records were made from the history: a requirement on the system
    // qualification NumberHITsApproved admits a worker the fixture shows approved, and no one new.
    let approved_before = old
        .assignments
        .values()
        .find(|a| a.status == "Approved")
        .map(|a| a.worker_id.clone())
        .unwrap();
    let qualified = t
        .create_hit()
        .question(QUESTION)
        .max_assignments(2)
        .qualification_requirements(
            QualificationRequirement::builder()
                .qualification_type_id("00000000000000000040")
                .comparator(Comparator::GreaterThanOrEqualTo)
                .integer_values(1)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let qualified = qualified.hit().unwrap().hit_id().unwrap().to_string();
    let admitted = t.submit_with(&qualified, &approved_before, json!({})).await;
    assert_eq!(admitted.status, 200, "{}", admitted.body);
    t.submit_with(&qualified, "ANEWWORKER", json!({}))
        .await
        .error()
        .assert_request_error("AWS.MechanicalTurk.QualificationRequirementNotMet");
    t.stop().await;

    // On disk: the latest version, one account named default, whose ledger sums to its balance
    // and opens with the balance release 0.1.0 kept.
    let conn = Connection::open(&db.0).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, server::schema::latest_version() as i64);
    let (name, balance, sum, opening): (String, i64, i64, i64) = conn
        .query_row(
            "SELECT name, balance_cents,
                    (SELECT SUM(amount_cents) FROM ledger l WHERE l.account_id = a.id),
                    (SELECT amount_cents FROM ledger l WHERE l.account_id = a.id AND kind = 'opening')
             FROM accounts a",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(name, "default");
    assert_eq!(balance, sum);
    assert_eq!(opening, old.available_cents + old.held_cents);
    let unowned: i64 = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM hits WHERE account_id IS NULL)
                  + (SELECT COUNT(*) FROM hit_types WHERE account_id IS NULL)
                  + (SELECT COUNT(*) FROM bonuses WHERE account_id IS NULL)
                  + (SELECT COUNT(*) FROM worker_blocks WHERE account_id IS NULL)
                  + (SELECT COUNT(*) FROM notifications WHERE account_id IS NULL)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unowned, 0);
}

#[tokio::test]
async fn migrated_hits_have_no_review_policies_and_keep_their_review_status() {
    let db = fixture_copy("policies");
    let before: BTreeMap<String, String> = {
        let conn = Connection::open(&db.0).unwrap();
        let mut stmt = conn.prepare("SELECT id, review_status FROM hits").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(before.len(), 12);
    let t = TestServer::start_with(on_file(&db)).await;
    for (id, review_status) in &before {
        let out = t
            .client
            .list_review_policy_results_for_hit()
            .hit_id(id)
            .send()
            .await
            .unwrap();
        assert!(out.assignment_review_policy().is_none(), "{id}");
        assert!(out.hit_review_policy().is_none(), "{id}");
        assert!(out.next_token().is_none(), "{id}: nothing was reviewed");
        let hit = t.get_hit(id).await;
        assert_eq!(
            hit.hit_review_status().map(|s| s.as_str()),
            Some(review_status.as_str())
        );
    }
    t.stop().await;
}

#[tokio::test]
async fn a_database_from_a_newer_release_is_refused_and_left_as_it_was() {
    let db = fixture_copy("too-new");
    {
        let conn = Connection::open(&db.0).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = bytes(&db.0);
    let err = server::start(on_file(&db)).await.err().expect("refused");
    let message = err.to_string();
    assert!(
        message.contains("newer release") && message.contains("schema version 99"),
        "{message}"
    );
    assert!(bytes(&db.0) == before, "the file is untouched");
}

#[tokio::test]
async fn a_failed_migration_leaves_the_file_as_it_was() {
    let db = fixture_copy("broken");
    {
        // A HIT whose HIT type is gone: the migration's foreign-key check fails.
        let conn = Connection::open(&db.0).unwrap();
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute(
            "INSERT INTO hits (id, hit_type_id, creation_ms, expiration_ms, max_assignments)
             VALUES ('ORPHAN', 'NO-SUCH-TYPE', 0, 0, 1)",
            params![],
        )
        .unwrap();
    }
    let before = bytes(&db.0);
    let err = server::start(on_file(&db)).await.err().expect("refused");
    assert!(err.to_string().contains("left as it was"), "{err}");
    assert!(bytes(&db.0) == before, "the file is untouched");
    let conn = Connection::open(&db.0).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let accounts: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'accounts'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!((version, accounts), (0, 0));
}
