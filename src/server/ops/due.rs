//! What time does between calls, caught up before every call so that anything that reads or
//! acts on the data sees it already done: Submitted work past its AutoApprovalTime is approved
//! at that time (and paid from its hold), accepted work past its deadline is abandoned (its
//! slot comes back), HITs past their expiration give back what their unused slots held, and
//! HITs that have become Reviewable get their HIT-level review policy run.

use rusqlite::{Transaction, params};

use crate::server::error::ApiResult;
use crate::server::events::{self, EventType, Subject};
use crate::server::ledger;
use crate::server::policies;
use crate::server::status::AssignmentStatus;
use crate::server::work;

pub fn catch_up(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    auto_approve_due(tx, now_ms)?;
    // Before abandonment, so that work in progress at an expiration counts as it was then.
    events::expire_due(tx, now_ms)?;
    work::abandon_due(tx, now_ms)?;
    ledger::release_expired(tx, now_ms)?;
    policies::review_reviewable(tx, now_ms)
}

/// MTurk approves a Submitted assignment on its own at its AutoApprovalTime. Its pay was held
/// when it was submitted, so this never needs the available balance.
fn auto_approve_due(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    for due in ledger::submitted_due(tx, now_ms)? {
        ledger::pay_held(
            tx,
            &due.account_id,
            due.at_ms,
            due.pay_cents,
            &due.assignment_id,
        )?;
        tx.prepare_cached(
            "UPDATE assignments SET status = ?2, approval_ms = auto_approval_ms WHERE id = ?1",
        )?
        .execute(params![due.assignment_id, AssignmentStatus::Approved])?;
        events::emit(
            tx,
            EventType::AssignmentApproved,
            Subject::assignment(&due.hit_id, &due.assignment_id),
            due.at_ms,
        )?;
    }
    Ok(())
}
