//! What time does between calls, caught up before every call so that anything that reads or
//! acts on the data sees it already done: Submitted work past its AutoApprovalTime is approved
//! at that time, and paid.

use rusqlite::{Transaction, params};

use crate::money;
use crate::server::error::ApiResult;
use crate::server::status::AssignmentStatus;
use crate::server::store::debit_unconditionally;

pub fn catch_up(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    auto_approve_due(tx, now_ms)
}

/// MTurk approves a Submitted assignment on its own at its AutoApprovalTime.
fn auto_approve_due(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    let mut due = tx.prepare_cached(
        "SELECT a.id, a.auto_approval_ms, t.reward_cents, h.max_assignments
         FROM assignments a JOIN hits h ON h.id = a.hit_id JOIN hit_types t ON t.id = h.hit_type_id
         WHERE a.status = ?1 AND a.auto_approval_ms <= ?2",
    )?;
    let rows: Vec<(String, i64, i64, i64)> = due
        .query_map(params![AssignmentStatus::Submitted, now_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    for (id, at_ms, reward_cents, max_assignments) in rows {
        tx.execute(
            "UPDATE assignments SET status = ?2, approval_ms = ?3 WHERE id = ?1",
            params![id, AssignmentStatus::Approved, at_ms],
        )?;
        debit_unconditionally(
            tx,
            money::approval_cost_cents(reward_cents, max_assignments),
        )?;
    }
    Ok(())
}
