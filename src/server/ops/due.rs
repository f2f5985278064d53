//! What time does between calls, caught up before every call so that anything that reads or
//! acts on the data sees it already done: Submitted work past its AutoApprovalTime is approved
//! at that time (and paid from its hold), and HITs past their expiration give back what their
//! unused slots held.

use rusqlite::{Transaction, params};

use crate::server::error::ApiResult;
use crate::server::ledger;
use crate::server::status::AssignmentStatus;

pub fn catch_up(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    auto_approve_due(tx, now_ms)?;
    ledger::release_expired(tx, now_ms)
}

/// MTurk approves a Submitted assignment on its own at its AutoApprovalTime. Its pay was held
/// when it was submitted, so this never needs the available balance.
fn auto_approve_due(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    let mut due = tx.prepare_cached(
        "SELECT t.reward_cents, h.max_assignments, COUNT(*)
         FROM assignments a JOIN hits h ON h.id = a.hit_id JOIN hit_types t ON t.id = h.hit_type_id
         WHERE a.status = ?1 AND a.auto_approval_ms <= ?2 GROUP BY h.id",
    )?;
    let per_hit = due
        .query_map(params![AssignmentStatus::Submitted, now_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<Vec<(i64, i64, i64)>, _>>()?;
    if per_hit.is_empty() {
        return Ok(());
    }
    for (reward, max, count) in per_hit {
        ledger::pay_held(
            tx,
            ledger::slots_cents(ledger::pay_cents(reward, max)?, count)?,
        )?;
    }
    tx.prepare_cached(
        "UPDATE assignments SET status = ?2, approval_ms = auto_approval_ms
         WHERE status = ?1 AND auto_approval_ms <= ?3",
    )?
    .execute(params![
        AssignmentStatus::Submitted,
        AssignmentStatus::Approved,
        now_ms
    ])?;
    Ok(())
}
