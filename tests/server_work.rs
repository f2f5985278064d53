//! The worker's side of a HIT's life, driven through `mturk_review::server::work` on the
//! database file a started server serves, and checked through aws-sdk-mturk where the
//! requester's view matters: accepting, returning, submitting (twice), abandonment at the
//! deadline, expiry with work in progress, one assignment per worker per HIT, blocks,
//! QualificationRequirements per ActionsGuarded, the race for the last slot, finding work,
//! a worker's history, and the money held for work in progress.
// As in #[test] functions: a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Barrier};

use aws_sdk_mturk::types::{
    Comparator, HitAccessActions, HitStatus, QualificationRequirement, QualificationTypeStatus,
};
use common::{
    ANSWER, MTURK, START_BALANCE, TempDb, TestServer, config, counters, hit_status, now_secs, post,
    wire_error,
};
use mturk_review::money;
use mturk_review::server::ServerConfig;
use mturk_review::server::error::{ApiError, ApiResult};
use mturk_review::server::store::Store;
use mturk_review::server::work::{self, SubmitOutcome, WorkStatus};
use rusqlite::Transaction;
use serde_json::{Value, json};

/// A server on a database file, and a second connection to the same file for the worker's
/// side (as the worker site will have its own transactions beside the API's).
struct Env {
    t: TestServer,
    store: Store,
    _db: TempDb,
}

async fn env(tag: &str) -> Env {
    env_with(tag, START_BALANCE).await
}

async fn env_with(tag: &str, balance_cents: i64) -> Env {
    let db = TempDb::new(tag);
    let t = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        balance_cents,
        ..config()
    })
    .await;
    let store = Store::open(&db.0, 0).expect("a second connection");
    Env { t, store, _db: db }
}

fn now_ms() -> i64 {
    common::now_f64() as i64 * 1000
}

impl Env {
    /// Runs `f` at `at_ms` in one transaction, after catching up with time as the site does.
    fn at<T>(&self, at_ms: i64, f: impl FnOnce(&Transaction) -> ApiResult<T>) -> ApiResult<T> {
        self.store.transaction(|tx| {
            work::catch_up(tx, at_ms)?;
            f(tx)
        })
    }

    fn accept(&self, worker: &str, hit: &str, at_ms: i64) -> ApiResult<work::Accepted> {
        self.at(at_ms, |tx| {
            work::accept(tx, &mut rand::rng(), worker, hit, at_ms)
        })
    }

    fn submit(&self, worker: &str, id: &str, at_ms: i64) -> ApiResult<SubmitOutcome> {
        self.at(at_ms, |tx| work::submit(tx, worker, id, ANSWER, at_ms))
    }

    fn give_back(&self, worker: &str, id: &str, at_ms: i64) -> ApiResult<()> {
        self.at(at_ms, |tx| work::return_assignment(tx, worker, id, at_ms))
    }

    /// A HIT of its own type (by title), reward 0.50, `max` assignments, 30 seconds to work.
    async fn hit(&self, title: &str, max: i32) -> String {
        let out = self
            .t
            .create_hit()
            .title(title)
            .max_assignments(max)
            .assignment_duration_in_seconds(30)
            .send()
            .await
            .expect("CreateHIT");
        out.hit().and_then(|h| h.hit_id()).unwrap().to_string()
    }

    /// GetHIT's status and (Pending, Available, Completed).
    async fn state(&self, hit: &str) -> (HitStatus, (i32, i32, i32)) {
        let h = self.t.get_hit(hit).await;
        (hit_status(&h).clone(), counters(&h))
    }

    fn count(&self, sql: &str) -> i64 {
        self.store
            .transaction(|tx| Ok(tx.query_row(sql, [], |r| r.get(0))?))
            .unwrap()
    }

    /// The ledger's invariants: the balance is the sum of the ledger; what is on hold is
    /// what the HITs hold for their slots plus the pay of every Submitted assignment; neither
    /// it nor the available balance is negative.
    fn assert_ledger(&self) {
        let (balance, held, sum, slots, submitted) = self
            .store
            .transaction(|tx| {
                let (balance, held, sum, slots): (i64, i64, i64, i64) = tx.query_row(
                    "SELECT balance_cents, held_cents,
                            (SELECT SUM(amount_cents) FROM ledger WHERE account_id = accounts.id),
                            (SELECT COALESCE(SUM(slot_hold_cents), 0) FROM hits
                             WHERE account_id = accounts.id)
                     FROM accounts WHERE name = 'default'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?;
                let pays = tx
                    .prepare(
                        "SELECT t.reward_cents, h.max_assignments FROM assignments a
                         JOIN hits h ON h.id = a.hit_id JOIN hit_types t ON t.id = h.hit_type_id
                         WHERE a.status = 'Submitted'",
                    )?
                    .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                let submitted: i64 = pays
                    .into_iter()
                    .map(|(reward, max)| money::approval_cost_cents(reward, max).unwrap())
                    .sum();
                Ok((balance, held, sum, slots, submitted))
            })
            .unwrap();
        assert_eq!(balance, sum, "the balance is the sum of the ledger");
        assert_eq!(
            held,
            slots + submitted,
            "on hold: slots {slots} + submitted {submitted}"
        );
        assert!(held >= 0 && balance - held >= 0, "held {held} of {balance}");
    }
}

/// The raw ListAssignmentsForHIT answer's assignments.
async fn listed(e: &Env, hit: &str) -> Vec<Value> {
    let raw = post(
        e.t.addr(),
        &format!("{MTURK}.ListAssignmentsForHIT"),
        &json!({ "HITId": hit }),
    )
    .await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    raw.json()["Assignments"].as_array().cloned().unwrap()
}

fn message<T: std::fmt::Debug>(r: ApiResult<T>) -> String {
    let e: ApiError = r.expect_err("refused");
    e.message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_work_is_pending_until_submitted_and_then_listed_as_submitassignment_lists() {
    let e = env("accept").await;
    let hit = e.hit("Label photos", 3).await;
    let now = now_ms();
    let first = e.accept("AWORKER1", &hit, now).unwrap();
    assert_eq!(first.assignment_id.len(), 30);
    assert_eq!(first.deadline_ms, now + 30_000);
    assert_eq!(
        e.state(&hit).await,
        (HitStatus::Assignable, (1, 2, 0)),
        "accepted work is pending"
    );
    assert!(listed(&e, &hit).await.is_empty(), "and never listed");
    let second = e.accept("AWORKER2", &hit, now).unwrap();
    let sim = e.t.submit(&hit, "AWORKER3").await;
    assert_eq!(
        e.state(&hit).await,
        (HitStatus::Unassignable, (2, 0, 0)),
        "every free slot is held"
    );
    let raw = e.t.submit_with(&hit, "AWORKER4", json!({})).await;
    raw.error()
        .assert_request_error("AWS.MechanicalTurk.NoMoreAssignments");

    // Only the worker's own work in progress can be returned.
    let theirs = message(e.give_back("AWORKER1", &second.assignment_id, now));
    assert_eq!(theirs, "You have no assignment in progress with this id.");
    e.give_back("AWORKER2", &second.assignment_id, now).unwrap();
    let again = message(e.give_back("AWORKER2", &second.assignment_id, now));
    assert!(again.contains("You returned this assignment"), "{again}");
    assert_eq!(e.state(&hit).await, (HitStatus::Assignable, (1, 1, 0)));

    let at = now + 5_000;
    let outcome = e.submit("AWORKER1", &first.assignment_id, at).unwrap();
    assert_eq!(
        outcome,
        SubmitOutcome::Submitted {
            hit_id: hit.clone(),
            hit_type_id: e.t.get_hit(&hit).await.hit_type_id().unwrap().to_string(),
            auto_approval_ms: at + 3_600_000 * 24 * 30,
        }
    );
    assert_eq!(e.state(&hit).await, (HitStatus::Assignable, (0, 1, 0)));
    let rows = listed(&e, &hit).await;
    assert_eq!(rows.len(), 2);
    let site = rows
        .iter()
        .find(|a| a["AssignmentId"] == first.assignment_id.as_str())
        .expect("the site's assignment is listed");
    let simulated = rows
        .iter()
        .find(|a| a["AssignmentId"] == sim.as_str())
        .unwrap();
    let keys = |a: &Value| {
        let mut k: Vec<String> = a.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(site), keys(simulated), "the same fields");
    for (name, ms) in [
        ("AcceptTime", now),
        ("SubmitTime", at),
        ("Deadline", now + 30_000),
        ("AutoApprovalTime", at + 30 * 86_400_000),
    ] {
        assert_eq!(site[name], json!(ms / 1000), "{name} in epoch seconds");
        assert!(simulated[name].is_number(), "{name}");
    }
    assert_eq!(site["AssignmentStatus"], "Submitted");
    assert_eq!(site["WorkerId"], "AWORKER1");
    assert_eq!(site["Answer"], ANSWER);
    let sdk = e.t.assignment(&first.assignment_id).await;
    assert_eq!(sdk.worker_id(), Some("AWORKER1"));
    e.assert_ledger();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_submit_records_nothing_and_anyone_elses_is_refused() {
    let e = env("double").await;
    let hit = e.hit("Transcribe", 2).await;
    let now = now_ms();
    let a = e.accept("AWORKER1", &hit, now).unwrap();
    let first = e.submit("AWORKER1", &a.assignment_id, now + 1_000).unwrap();
    assert!(matches!(first, SubmitOutcome::Submitted { .. }));
    let second = e.submit("AWORKER1", &a.assignment_id, now + 2_000).unwrap();
    assert!(
        matches!(&second, SubmitOutcome::AlreadySubmitted { hit_id, .. } if *hit_id == hit),
        "{second:?}"
    );
    let other = message(e.submit("AWORKER2", &a.assignment_id, now + 2_000));
    assert_eq!(other, "You have no assignment in progress with this id.");
    let unknown = message(e.submit("AWORKER1", "3NOSUCHASSIGNMENT0000000000000", now));
    assert_eq!(unknown, "You have no assignment in progress with this id.");
    assert_eq!(e.count("SELECT COUNT(*) FROM assignments"), 1);
    let rows = listed(&e, &hit).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["SubmitTime"], json!((now + 1_000) / 1000));
    e.assert_ledger();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_past_its_deadline_is_abandoned_and_its_slot_comes_back() {
    let e = env("abandon").await;
    let hit = e.hit("Short task", 1).await;
    let now = now_ms();
    let a = e.accept("AWORKER1", &hit, now).unwrap();
    let at_deadline = a.deadline_ms;
    assert!(
        e.at(at_deadline, |tx| work::held(
            tx,
            &a.assignment_id,
            at_deadline
        ))
        .unwrap()
        .is_some(),
        "still held at the deadline itself"
    );
    let late = at_deadline + 1;
    assert_eq!(
        e.at(late, |tx| work::held(tx, &a.assignment_id, late))
            .unwrap(),
        None
    );
    let refused = message(e.submit("AWORKER1", &a.assignment_id, late));
    assert_eq!(refused, "The deadline for this assignment has passed.");
    assert_eq!(
        e.count("SELECT COUNT(*) FROM released_assignments WHERE reason = 'Abandoned'"),
        1
    );
    assert_eq!(e.state(&hit).await, (HitStatus::Assignable, (0, 1, 0)));
    // The slot is free for someone else, and for the same worker once more.
    let again = e.accept("AWORKER1", &hit, late).unwrap();
    assert_ne!(again.assignment_id, a.assignment_id);
    e.submit("AWORKER1", &again.assignment_id, late + 1_000)
        .unwrap();
    let history = e
        .at(late, |tx| work::worker_assignments(tx, "AWORKER1"))
        .unwrap();
    let statuses: Vec<WorkStatus> = history.items.iter().map(|i| i.status).collect();
    assert_eq!(statuses, [WorkStatus::Submitted, WorkStatus::Abandoned]);
    assert_eq!(history.items[1].ended_ms, Some(a.deadline_ms));
    e.assert_ledger();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_hit_keeps_the_hold_of_work_in_progress_and_takes_its_submission() {
    // Exactly what one HIT of two slots holds: 2 x (0.50 + 0.10).
    let e = env_with("expiry", 120).await;
    let hit = e.hit("Survey", 2).await;
    let now = now_ms();
    let a = e.accept("AWORKER1", &hit, now).unwrap();
    e.t.expire(&hit, now_secs() - 60).await;
    assert_eq!(
        e.t.balances().await,
        (60, 60),
        "the free slot's hold goes back, the held one's stays"
    );
    assert_eq!(
        e.state(&hit).await,
        (HitStatus::Unassignable, (1, 1, 0)),
        "expired with work in progress"
    );
    assert!(e.t.reviewable(None, None).await.is_empty());
    // Past the expiration UpdateExpirationForHIT set (the server's clock at that call).
    let after = now_ms() + 1_000;
    let late = message(e.accept("AWORKER2", &hit, after));
    assert_eq!(late, "This HIT has expired; it can no longer be accepted.");
    // The requester spends what is available: the submission does not need it.
    let other = e.hit("Another", 1).await;
    assert_eq!(e.t.balances().await, (0, 120));
    e.assert_ledger();
    e.submit("AWORKER1", &a.assignment_id, after).unwrap();
    assert_eq!(e.t.balances().await, (0, 120));
    assert_eq!(e.state(&hit).await, (HitStatus::Reviewable, (0, 1, 0)));
    assert_eq!(e.t.reviewable(None, None).await, vec![hit.clone()]);
    e.t.approve(&a.assignment_id).await;
    assert_eq!(e.t.balances().await, (0, 60));
    e.assert_ledger();

    // Work returned or abandoned after its HIT expired gives its hold back.
    let b = e.accept("AWORKER1", &other, now).unwrap();
    e.t.expire(&other, now_secs() - 60).await;
    assert_eq!(e.t.balances().await, (0, 60));
    e.give_back("AWORKER1", &b.assignment_id, now_ms() + 1_000)
        .unwrap();
    assert_eq!(e.t.balances().await, (60, 0));
    assert_eq!(e.state(&other).await, (HitStatus::Reviewable, (0, 1, 0)));
    e.assert_ledger();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandonment_after_expiry_gives_the_hold_back_and_a_new_life_holds_only_free_slots() {
    let e = env("relife").await;
    let hit = e.hit("Relife", 2).await;
    let now = now_ms();
    let a = e.accept("AWORKER1", &hit, now).unwrap();
    let b = e.accept("AWORKER2", &hit, now).unwrap();
    e.t.expire(&hit, now_secs() - 60).await;
    assert_eq!(e.t.on_hold().await, 120, "both slots are in progress");
    e.give_back("AWORKER2", &b.assignment_id, now_ms() + 1_000)
        .unwrap();
    assert_eq!(e.t.on_hold().await, 60);
    // A new life holds the free slot again; the held one was never given back.
    e.t.expire(&hit, now_secs() + 600).await;
    assert_eq!(e.t.on_hold().await, 120);
    assert_eq!(e.state(&hit).await, (HitStatus::Assignable, (1, 1, 0)));
    e.assert_ledger();
    e.t.expire(&hit, now_secs() - 60).await;
    assert_eq!(e.t.on_hold().await, 60);
    // Abandoned at its deadline: the catching up of the next call gives its hold back.
    e.at(a.deadline_ms + 1, |_| Ok(())).unwrap();
    assert_eq!(e.t.on_hold().await, 0);
    assert_eq!(e.t.balance().await, START_BALANCE);
    assert_eq!(e.state(&hit).await, (HitStatus::Reviewable, (0, 2, 0)));
    e.assert_ledger();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_and_extend_see_work_in_progress() {
    let e = env("delete").await;
    let hit = e.hit("Delete me", 1).await;
    let now = now_ms();
    e.accept("AWORKER1", &hit, now).unwrap();
    e.t.expire(&hit, now_secs() - 60).await;
    let refused = e.t.client.delete_hit().hit_id(&hit).send().await;
    wire_error(refused).assert_request_error("AWS.MechanicalTurk.InvalidHITState");
    // A Reviewing HIT given one more assignment, which a worker then holds.
    let other = e.hit("Reviewed", 1).await;
    let done = e.t.submit(&other, "AWORKER2").await;
    e.t.client
        .update_hit_review_status()
        .hit_id(&other)
        .send()
        .await
        .unwrap();
    e.t.client
        .create_additional_assignments_for_hit()
        .hit_id(&other)
        .number_of_additional_assignments(1)
        .send()
        .await
        .unwrap();
    let held = e.accept("AWORKER3", &other, now).unwrap();
    assert_eq!(e.state(&other).await, (HitStatus::Reviewing, (1, 0, 0)));
    e.t.approve(&done).await;
    let refused = e.t.client.delete_hit().hit_id(&other).send().await;
    let err = wire_error(refused);
    err.assert_request_error("AWS.MechanicalTurk.InvalidHITState");
    assert!(err.message.contains("in progress"), "{err:?}");
    e.give_back("AWORKER3", &held.assignment_id, now).unwrap();
    e.t.client.delete_hit().hit_id(&other).send().await.unwrap();
    // Extending a HIT whose only slot is held makes it Assignable again.
    let full = e.hit("Extend me", 1).await;
    e.accept("AWORKER1", &full, now).unwrap();
    assert_eq!(e.state(&full).await, (HitStatus::Unassignable, (1, 0, 0)));
    e.t.client
        .create_additional_assignments_for_hit()
        .hit_id(&full)
        .number_of_additional_assignments(1)
        .send()
        .await
        .unwrap();
    assert_eq!(e.state(&full).await, (HitStatus::Assignable, (1, 1, 0)));
    e.assert_ledger();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_assignment_per_worker_per_hit() {
    let e = env("once").await;
    let hit = e.hit("Once", 3).await;
    let now = now_ms();
    let a = e.accept("AWORKER1", &hit, now).unwrap();
    let twice = message(e.accept("AWORKER1", &hit, now));
    assert_eq!(twice, "You have already accepted this HIT.");
    // The simulated worker's submit counts the work held too.
    let raw = e.t.submit_with(&hit, "AWORKER1", json!({})).await;
    raw.error()
        .assert_request_error("AWS.MechanicalTurk.DuplicateAssignment");
    e.submit("AWORKER1", &a.assignment_id, now + 1).unwrap();
    let after = message(e.accept("AWORKER1", &hit, now + 2));
    assert_eq!(after, "You have already worked on this HIT.");
    let simulated = e.t.submit(&hit, "AWORKER2").await;
    assert!(!simulated.is_empty());
    let sim_after = message(e.accept("AWORKER2", &hit, now + 2));
    assert_eq!(sim_after, "You have already worked on this HIT.");
    // A returned assignment does not count.
    let r = e.accept("AWORKER3", &hit, now).unwrap();
    e.give_back("AWORKER3", &r.assignment_id, now + 1).unwrap();
    e.accept("AWORKER3", &hit, now + 2).unwrap();
    e.assert_ledger();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_worker_finds_previews_and_accepts_nothing_of_that_requester() {
    let e = env("blocked").await;
    let hit = e.hit("Blocked", 2).await;
    e.t.client
        .create_worker_block()
        .worker_id("ABLOCKED1")
        .reason("Spam")
        .send()
        .await
        .unwrap();
    let now = now_ms();
    let groups = e
        .at(now, |tx| work::find_groups(tx, "ABLOCKED1", now))
        .unwrap();
    assert!(groups.is_empty(), "{groups:?}");
    let type_id = e.t.get_hit(&hit).await.hit_type_id().unwrap().to_string();
    let next = e.at(now, |tx| work::next_hit(tx, "ABLOCKED1", &type_id, now));
    assert_eq!(next.unwrap(), None);
    let preview = message(e.at(now, |tx| work::preview(tx, Some("ABLOCKED1"), &hit, now)));
    let blocked = "The requester of this HIT has blocked you from working on their HITs.";
    assert_eq!(preview, blocked);
    assert_eq!(message(e.accept("ABLOCKED1", &hit, now)), blocked);
    // Anyone else may.
    let groups = e
        .at(now, |tx| work::find_groups(tx, "AOTHER1", now))
        .unwrap();
    assert_eq!(groups.len(), 1);
    let task = e
        .at(now, |tx| work::preview(tx, Some("AOTHER1"), &hit, now))
        .unwrap();
    assert_eq!(task.cannot_accept, None);
    e.accept("AOTHER1", &hit, now).unwrap();
}

async fn requirement_hit(
    e: &Env,
    title: &str,
    qual: &str,
    guard: Option<HitAccessActions>,
) -> String {
    let mut req = QualificationRequirement::builder()
        .qualification_type_id(qual)
        .comparator(Comparator::Exists);
    req = match guard {
        Some(g) => req.actions_guarded(g),
        // The deprecated flag: PreviewAndAccept.
        #[allow(deprecated)]
        None => req.required_to_preview(true),
    };
    let out =
        e.t.create_hit()
            .title(title)
            .max_assignments(2)
            .qualification_requirements(req.build().unwrap())
            .send()
            .await
            .expect("CreateHIT");
    out.hit().and_then(|h| h.hit_id()).unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requirements_guard_what_their_actions_guarded_says() {
    let e = env("quals").await;
    let qual =
        e.t.client
            .create_qualification_type()
            .name("Trained")
            .description("Passed the training")
            .qualification_type_status(QualificationTypeStatus::Active)
            .send()
            .await
            .unwrap()
            .qualification_type()
            .and_then(|q| q.qualification_type_id())
            .unwrap()
            .to_string();
    let accept = requirement_hit(&e, "A: accept", &qual, Some(HitAccessActions::Accept)).await;
    let preview = requirement_hit(
        &e,
        "B: preview",
        &qual,
        Some(HitAccessActions::PreviewAndAccept),
    )
    .await;
    let deprecated = requirement_hit(&e, "C: deprecated", &qual, None).await;
    let discover = requirement_hit(
        &e,
        "D: discover",
        &qual,
        Some(HitAccessActions::DiscoverPreviewAndAccept),
    )
    .await;
    let now = now_ms();
    let w = "AUNTRAINED1";
    let titles = |worker: &str| {
        e.at(now, |tx| work::find_groups(tx, worker, now))
            .unwrap()
            .into_iter()
            .map(|g| g.title)
            .collect::<Vec<_>>()
    };
    assert_eq!(titles(w), ["A: accept", "B: preview", "C: deprecated"]);
    let shown = e
        .at(now, |tx| work::preview(tx, Some(w), &accept, now))
        .unwrap();
    assert_eq!(
        shown.cannot_accept.as_deref(),
        Some("You do not meet the qualification requirements to accept this HIT.")
    );
    let anonymous = e
        .at(now, |tx| work::preview(tx, None, &accept, now))
        .unwrap();
    assert_eq!(
        anonymous.cannot_accept, None,
        "a visitor is told about the HIT only"
    );
    for hit in [&preview, &deprecated, &discover] {
        let refused = message(e.at(now, |tx| work::preview(tx, Some(w), hit, now)));
        assert_eq!(
            refused,
            "You do not meet the qualification requirements to preview this HIT."
        );
        let anonymous = e.at(now, |tx| work::preview(tx, None, hit, now));
        assert!(anonymous.is_err(), "a visitor has no qualifications");
    }
    for hit in [&accept, &preview, &deprecated, &discover] {
        assert_eq!(
            message(e.accept(w, hit, now)),
            "You do not meet the qualification requirements to accept this HIT."
        );
    }
    let type_id =
        e.t.get_hit(&discover)
            .await
            .hit_type_id()
            .unwrap()
            .to_string();
    assert_eq!(
        e.at(now, |tx| work::next_hit(tx, w, &type_id, now))
            .unwrap(),
        None
    );

    e.t.client
        .associate_qualification_with_worker()
        .qualification_type_id(&qual)
        .worker_id(w)
        .integer_value(1)
        .send_notification(false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        titles(w),
        ["A: accept", "B: preview", "C: deprecated", "D: discover"]
    );
    assert_eq!(
        e.at(now, |tx| work::next_hit(tx, w, &type_id, now))
            .unwrap(),
        Some(discover.clone())
    );
    for hit in [&accept, &preview, &deprecated, &discover] {
        let task = e
            .at(now, |tx| work::preview(tx, Some(w), hit, now))
            .unwrap();
        assert_eq!(task.cannot_accept, None);
        e.accept(w, hit, now).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_slot_goes_to_exactly_one_of_two_concurrent_accepts() {
    let db = TempDb::new("race");
    let t = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    const ROUNDS: usize = 20;
    let mut hits = Vec::new();
    for _ in 0..ROUNDS {
        let out = t.create_hit().max_assignments(1).send().await.unwrap();
        hits.push(out.hit().and_then(|h| h.hit_id()).unwrap().to_string());
    }
    let hits = Arc::new(hits);
    let barrier = Arc::new(Barrier::new(2));
    let racers: Vec<_> = ["ARACER1", "ARACER2"]
        .into_iter()
        .map(|worker| {
            // Each racer has its own connection to the file, as two processes would.
            let store = Store::open(&db.0, 0).unwrap();
            let (hits, barrier) = (Arc::clone(&hits), Arc::clone(&barrier));
            std::thread::spawn(move || {
                hits.iter()
                    .map(|hit| {
                        barrier.wait();
                        let now = now_ms();
                        store.transaction(|tx| {
                            work::catch_up(tx, now)?;
                            work::accept(tx, &mut rand::rng(), worker, hit, now)
                        })
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<Vec<ApiResult<work::Accepted>>> =
        racers.into_iter().map(|r| r.join().unwrap()).collect();
    for round in 0..ROUNDS {
        let (a, b) = (&results[0][round], &results[1][round]);
        assert!(a.is_ok() != b.is_ok(), "round {round}: {a:?} {b:?}");
        let loser = if a.is_ok() { b } else { a };
        assert_eq!(
            loser.as_ref().unwrap_err().message,
            "This HIT has no assignments left."
        );
        let h = t.get_hit(&hits[round]).await;
        assert_eq!(counters(&h), (1, 0, 0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_groups_lists_takeable_work_by_hit_type_most_hits_first() {
    let e = env("find").await;
    let create = |title: &'static str, max: i32, life: i64| {
        let t = &e.t;
        async move {
            let out = t
                .create_hit()
                .title(title)
                .description(format!("About {title}"))
                .keywords("k1, k2")
                .reward("0.25")
                .max_assignments(max)
                .lifetime_in_seconds(life)
                .send()
                .await
                .unwrap();
            out.hit().and_then(|h| h.hit_id()).unwrap().to_string()
        }
    };
    let _b1 = create("Bravo", 1, 3600).await;
    let b2 = create("Bravo", 1, 7200).await;
    let a1 = create("Alpha", 2, 3600).await;
    let _a2 = create("Alpha", 1, 3600).await;
    let c_full = create("Charlie", 1, 3600).await;
    let c_mine = create("Charlie", 2, 3600).await;
    let c_expired = create("Charlie", 1, 3600).await;
    let c_deleted = create("Charlie", 1, 3600).await;
    let d1 = create("Delta", 2, 3600).await;
    let now = now_ms();
    e.accept("AOTHER1", &c_full, now).unwrap();
    let mine = e.accept("AME1", &c_mine, now).unwrap();
    e.t.expire(&c_expired, now_secs() - 60).await;
    e.t.expire(&c_deleted, now_secs() - 60).await;
    e.t.client
        .delete_hit()
        .hit_id(&c_deleted)
        .send()
        .await
        .unwrap();
    let done = e.accept("AME1", &d1, now).unwrap();
    e.submit("AME1", &done.assignment_id, now + 1).unwrap();

    // Past the expirations UpdateExpirationForHIT set (the server's clock at those calls).
    let at = now_ms() + 1_000;
    let groups = e.at(at, |tx| work::find_groups(tx, "AME1", at)).unwrap();
    let summary: Vec<(&str, i64)> = groups
        .iter()
        .map(|g| (g.title.as_str(), g.hits_available))
        .collect();
    assert_eq!(summary, [("Alpha", 2), ("Bravo", 2)], "{groups:?}");
    let bravo = &groups[1];
    let b2_hit = e.t.get_hit(&b2).await;
    assert_eq!(bravo.hit_type_id, b2_hit.hit_type_id().unwrap());
    assert_eq!(bravo.requester, "default");
    assert_eq!(bravo.description, "About Bravo");
    assert_eq!(bravo.keywords.as_deref(), Some("k1, k2"));
    assert_eq!(bravo.reward_cents, 25);
    assert_eq!(bravo.assignment_duration_secs, 600);
    let expiration = b2_hit.expiration().unwrap().secs() * 1000;
    assert_eq!(bravo.latest_expiration_ms / 1000 * 1000, expiration);
    // Another worker sees the Charlie HIT that AME1 holds, and Delta.
    let theirs = e.at(at, |tx| work::find_groups(tx, "ATHIRD1", at)).unwrap();
    let summary: Vec<(&str, i64)> = theirs
        .iter()
        .map(|g| (g.title.as_str(), g.hits_available))
        .collect();
    assert_eq!(
        summary,
        [("Alpha", 2), ("Bravo", 2), ("Charlie", 1), ("Delta", 1)]
    );
    // The next HIT of a type is its oldest one the worker may take.
    let alpha = groups[0].hit_type_id.clone();
    assert_eq!(
        e.at(at, |tx| work::next_hit(tx, "AME1", &alpha, at))
            .unwrap(),
        Some(a1.clone())
    );
    let charlie = theirs[2].hit_type_id.clone();
    assert_eq!(
        e.at(at, |tx| work::next_hit(tx, "ATHIRD1", &charlie, at))
            .unwrap(),
        Some(c_mine.clone())
    );
    assert_eq!(
        e.at(at, |tx| work::next_hit(tx, "AME1", &charlie, at))
            .unwrap(),
        None
    );
    // A full or expired HIT still previews, saying why it cannot be accepted; a deleted one
    // does not.
    let full = e
        .at(at, |tx| work::preview(tx, Some("ATHIRD1"), &c_full, at))
        .unwrap();
    assert_eq!(
        full.cannot_accept.as_deref(),
        Some("This HIT has no assignments left.")
    );
    assert_eq!(full.assignments_available, 0);
    let expired = e
        .at(at, |tx| work::preview(tx, Some("ATHIRD1"), &c_expired, at))
        .unwrap();
    assert_eq!(
        expired.cannot_accept.as_deref(),
        Some("This HIT has expired; it can no longer be accepted.")
    );
    assert_eq!(expired.title, "Charlie");
    assert_eq!(expired.requester, "default");
    assert!(
        expired
            .question
            .as_deref()
            .unwrap()
            .contains("HTMLQuestion")
    );
    let gone = message(e.at(at, |tx| work::preview(tx, Some("ATHIRD1"), &c_deleted, at)));
    assert_eq!(gone, "This HIT is no longer available.");
    let held = e
        .at(at, |tx| work::held(tx, &mine.assignment_id, at))
        .unwrap()
        .unwrap();
    assert_eq!(
        (held.worker_id.as_str(), held.hit_id.as_str()),
        ("AME1", c_mine.as_str())
    );
    assert_eq!(held.hit_type_id, charlie);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workers_history_has_every_outcome_and_their_earnings() {
    let e = env("history").await;
    let w = "AHISTORY1";
    let base = now_ms() - 20_000;
    let mut ids = Vec::new();
    for (i, title) in ["Approved", "Rejected", "Pending", "Held", "Returned"]
        .into_iter()
        .enumerate()
    {
        let hit = e.hit(title, 1).await;
        let a = e.accept(w, &hit, base + i as i64 * 1_000).unwrap();
        ids.push(a.assignment_id);
    }
    for id in &ids[0..3] {
        e.submit(w, id, base + 6_000).unwrap();
    }
    e.t.approve(&ids[0]).await;
    e.t.bonus(w, &ids[0], "0.25", None).await;
    e.t.reject(&ids[1]).await;
    e.give_back(w, &ids[4], base + 7_000).unwrap();
    let history = e
        .at(base + 8_000, |tx| work::worker_assignments(tx, w))
        .unwrap();
    let seen: Vec<(&str, WorkStatus)> = history
        .items
        .iter()
        .map(|i| (i.title.as_str(), i.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("Returned", WorkStatus::Returned),
            ("Held", WorkStatus::Accepted),
            ("Pending", WorkStatus::Submitted),
            ("Rejected", WorkStatus::Rejected),
            ("Approved", WorkStatus::Approved),
        ],
        "newest first"
    );
    let approved = &history.items[4];
    assert_eq!((approved.reward_cents, approved.bonus_cents), (50, 25));
    assert_eq!(approved.requester, "default");
    assert_eq!(
        history.items[3].requester_feedback.as_deref(),
        Some("Not what was asked")
    );
    assert_eq!(history.items[1].deadline_ms, Some(base + 3_000 + 30_000));
    assert_eq!(history.items[0].ended_ms, Some(base + 7_000));
    assert_eq!((history.earned_cents, history.pending_cents), (75, 50));
    e.assert_ledger();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_worker_makes_a_fresh_worker_with_its_name_and_locale() {
    let e = env("create").await;
    let raw = post(
        e.t.addr(),
        "MTurkLocal.CreateWorker",
        &json!({ "Name": "Ada", "Locale": { "Country": "GB", "Subdivision": "ENG" } }),
    )
    .await;
    raw.error().assert_invalid("Subdivision");
    let raw = post(
        e.t.addr(),
        "MTurkLocal.CreateWorker",
        &json!({ "Name": "Ada", "Locale": { "Country": "US", "Subdivision": "WA" } }),
    )
    .await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    let id = raw.json()["WorkerId"].as_str().unwrap().to_string();
    assert!(
        id.len() == 14
            && id.starts_with('A')
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
        "{id}"
    );
    let (name, country, subdivision): (String, String, String) = e
        .store
        .transaction(|tx| {
            Ok(tx.query_row(
                "SELECT name, country, subdivision FROM workers WHERE id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .unwrap();
    assert_eq!(
        (name.as_str(), country.as_str(), subdivision.as_str()),
        ("Ada", "US", "WA")
    );
    let bare = post(e.t.addr(), "MTurkLocal.CreateWorker", &json!({})).await;
    let other = bare.json()["WorkerId"].as_str().unwrap().to_string();
    assert_ne!(other, id);
    let now = now_ms();
    let direct = e
        .at(now, |tx| {
            work::create_worker(tx, None, None, now, &mut rand::rng())
        })
        .unwrap();
    assert!(direct.starts_with('A') && direct.len() == 14);
    let empty = post(
        e.t.addr(),
        "MTurkLocal.CreateWorker",
        &json!({ "Name": " " }),
    )
    .await;
    empty.error().assert_invalid("Name");
}
