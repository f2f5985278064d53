//! Taking work and letting it go: accepting a HIT (an assignment the worker holds until its
//! deadline), returning it, and abandonment when the deadline passes. A slot comes back
//! whenever work is let go; its money stays held while the HIT is open, and goes back when
//! the HIT has expired (`ledger::release_expired_hit`).

use rand::CryptoRng;
use rusqlite::{Transaction, params};

use super::rules;
use super::task::deadline_passed;
use crate::rules::new_id;
use crate::server::error::{ApiError, ApiResult};
use crate::server::events::{self, EventType, Subject};
use crate::server::ledger;
use crate::server::status::WorkStatus;
use crate::server::worker_records;

/// Work just accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// Also the id it keeps once submitted; unguessable (drawn from `ids`, a CSPRNG), since
    /// an ExternalQuestion page on another origin submits with nothing but it.
    pub assignment_id: String,
    /// AcceptTime + AssignmentDurationInSeconds.
    pub deadline_ms: i64,
}

/// `worker_id` accepts `hit_id`, with MTurk's rules: the HIT alive (not deleted, not expired),
/// a free slot (MaxAssignments less the work held, submitted or decided), not blocked by its
/// requester, every QualificationRequirement met (whatever it guards), and one assignment per
/// worker per HIT (an earlier returned or abandoned one does not count). The caller's
/// transaction is IMMEDIATE, so of two workers racing for the last slot exactly one gets it.
pub fn accept(
    tx: &Transaction,
    ids: &mut impl CryptoRng,
    worker_id: &str,
    hit_id: &str,
    now_ms: i64,
) -> ApiResult<Accepted> {
    worker_records::ensure(tx, worker_id, now_ms)?;
    let hit = rules::load_hit(tx, hit_id)?;
    if let Some(refusal) = rules::accept_refusal(tx, &hit, Some(worker_id), now_ms)? {
        return Err(refusal);
    }
    let assignment_id = new_id(ids);
    let deadline_ms = now_ms + hit.assignment_duration_secs * 1000;
    tx.prepare_cached(
        "INSERT INTO accepted_assignments (id, hit_id, worker_id, accept_ms, deadline_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        assignment_id,
        hit_id,
        worker_id,
        now_ms,
        deadline_ms
    ])?;
    let subject = Subject::assignment(hit_id, &assignment_id);
    events::emit(tx, EventType::AssignmentAccepted, subject, now_ms)?;
    Ok(Accepted {
        assignment_id,
        deadline_ms,
    })
}

/// `worker_id` gives back their accepted work `assignment_id`: it is Returned and its slot
/// is free again. Only the worker's own work in progress can be returned.
pub fn return_assignment(
    tx: &Transaction,
    worker_id: &str,
    assignment_id: &str,
    now_ms: i64,
) -> ApiResult<()> {
    let held = super::task::held(tx, assignment_id, now_ms)?;
    let Some(held) = held.filter(|h| h.worker_id == worker_id) else {
        return Err(not_in_progress(tx, worker_id, assignment_id)?);
    };
    let work = Subject::assignment(&held.hit_id, &held.assignment_id);
    release(tx, work, WorkStatus::Returned, now_ms)?;
    ledger::release_expired_hit(tx, &held.hit_id, now_ms)
}

/// Why `assignment_id` is not work of `worker_id` in progress, in the worker's words: past
/// its deadline (abandoned), returned, or none of theirs (whoever's it is: another worker
/// learns nothing about it).
pub(super) fn not_in_progress(
    tx: &Transaction,
    worker_id: &str,
    assignment_id: &str,
) -> ApiResult<ApiError> {
    let ended: Option<WorkStatus> = tx
        .prepare_cached(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM accepted_assignments
                                      WHERE id = ?1 AND worker_id = ?2) THEN ?3
                         ELSE (SELECT reason FROM released_assignments
                               WHERE id = ?1 AND worker_id = ?2) END",
        )?
        .query_row(
            params![assignment_id, worker_id, WorkStatus::Abandoned],
            |r| r.get(0),
        )?;
    Ok(match ended {
        Some(WorkStatus::Abandoned) => deadline_passed(),
        Some(WorkStatus::Returned) => ApiError::request(
            "AWS.MechanicalTurk.InvalidAssignmentState",
            "You returned this assignment; it is no longer yours to work on.",
        ),
        _ => ApiError::request(
            "AWS.MechanicalTurk.AssignmentDoesNotExist",
            "You have no assignment in progress with this id.",
        ),
    })
}

/// Accepted work past its deadline is Abandoned (at its deadline) and its slot comes back.
/// Runs in `ops::catch_up`, before anything counts slots.
pub fn abandon_due(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    let due = tx
        .prepare_cached(
            "SELECT id, hit_id, deadline_ms FROM accepted_assignments WHERE deadline_ms < ?1
             ORDER BY deadline_ms",
        )?
        .query_map(params![now_ms], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (id, hit_id, deadline_ms) in due {
        let work = Subject::assignment(&hit_id, &id);
        release(tx, work, WorkStatus::Abandoned, deadline_ms)?;
        ledger::release_expired_hit(tx, &hit_id, now_ms)?;
    }
    Ok(())
}

/// Moves accepted work to `released_assignments`, ended for `reason` (Returned or Abandoned)
/// at `at_ms`, and tells who subscribed.
fn release(tx: &Transaction, work: Subject, reason: WorkStatus, at_ms: i64) -> ApiResult<()> {
    let id = work.assignment_id;
    tx.prepare_cached(
        "INSERT INTO released_assignments (id, hit_id, worker_id, accept_ms, released_ms, reason)
         SELECT id, hit_id, worker_id, accept_ms, ?2, ?3 FROM accepted_assignments WHERE id = ?1",
    )?
    .execute(params![id, at_ms, reason])?;
    tx.prepare_cached("DELETE FROM accepted_assignments WHERE id = ?1")?
        .execute(params![id])?;
    let event = match reason {
        WorkStatus::Abandoned => EventType::AssignmentAbandoned,
        _ => EventType::AssignmentReturned,
    };
    events::emit(tx, event, work, at_ms)?;
    events::work_ended(tx, work.hit_id, at_ms)
}
