//! A worker's own record of their work: everything they accepted, what became of it, what
//! the requesters said and paid, and their earnings.

use rusqlite::{Transaction, params};

use crate::server::error::{ApiError, ApiResult};
use crate::server::status::WorkStatus;
use crate::server::worker_records::check_worker_id;

/// One piece of a worker's work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    pub assignment_id: String,
    pub hit_id: String,
    pub hit_type_id: String,
    pub title: String,
    /// The requester's account name.
    pub requester: String,
    pub reward_cents: i64,
    pub status: WorkStatus,
    pub accept_ms: i64,
    /// Until when accepted work may be submitted (None once it was returned or abandoned).
    pub deadline_ms: Option<i64>,
    pub submit_ms: Option<i64>,
    /// When it was approved, rejected, returned or abandoned.
    pub ended_ms: Option<i64>,
    pub requester_feedback: Option<String>,
    /// Bonuses paid to this worker for it (without MTurk's fee, which the requester pays).
    pub bonus_cents: i64,
}

/// A worker's work, newest accept first, and their totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerHistory {
    pub items: Vec<WorkItem>,
    /// Approved rewards plus every bonus.
    pub earned_cents: i64,
    /// Rewards of Submitted work not yet decided.
    pub pending_cents: i64,
}

/// Everything `worker_id` has accepted: in progress, submitted, approved, rejected, returned
/// or abandoned.
pub fn worker_assignments(tx: &Transaction, worker_id: &str) -> ApiResult<WorkerHistory> {
    check_worker_id(worker_id)?;
    let mut stmt = tx.prepare_cached(
        "SELECT x.id, x.hit_id, h.hit_type_id, t.title, acc.name, t.reward_cents, x.status,
                x.accept_ms, x.deadline_ms, x.submit_ms, x.ended_ms, x.feedback,
                (SELECT COALESCE(SUM(b.amount_cents), 0) FROM bonuses b
                 WHERE b.assignment_id = x.id AND b.worker_id = ?1)
         FROM (
           SELECT id, hit_id, 'Accepted' AS status, accept_ms, deadline_ms, NULL AS submit_ms,
                  NULL AS ended_ms, NULL AS feedback
             FROM accepted_assignments WHERE worker_id = ?1
           UNION ALL
           SELECT id, hit_id, status, accept_ms, deadline_ms, submit_ms,
                  COALESCE(approval_ms, rejection_ms), feedback
             FROM assignments WHERE worker_id = ?1
           UNION ALL
           SELECT id, hit_id, reason, accept_ms, NULL, NULL, released_ms, NULL
             FROM released_assignments WHERE worker_id = ?1
         ) x
         JOIN hits h ON h.id = x.hit_id JOIN hit_types t ON t.id = h.hit_type_id
         JOIN accounts acc ON acc.id = h.account_id
         ORDER BY x.accept_ms DESC, x.id",
    )?;
    let items = stmt
        .query_map(params![worker_id], |r| {
            let status: WorkStatus = r.get(6)?;
            Ok(WorkItem {
                assignment_id: r.get(0)?,
                hit_id: r.get(1)?,
                hit_type_id: r.get(2)?,
                title: r.get(3)?,
                requester: r.get(4)?,
                reward_cents: r.get(5)?,
                status,
                accept_ms: r.get(7)?,
                deadline_ms: r.get(8)?,
                submit_ms: r.get(9)?,
                ended_ms: r.get(10)?,
                requester_feedback: r.get(11)?,
                bonus_cents: r.get(12)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut earned: i64 = 0;
    let mut pending: i64 = 0;
    let out_of_range = || ApiError::fault("a worker's earnings are out of range");
    for item in &items {
        earned = earned
            .checked_add(item.bonus_cents)
            .ok_or_else(out_of_range)?;
        match item.status {
            WorkStatus::Approved => {
                earned = earned
                    .checked_add(item.reward_cents)
                    .ok_or_else(out_of_range)?
            }
            WorkStatus::Submitted => {
                pending = pending
                    .checked_add(item.reward_cents)
                    .ok_or_else(out_of_range)?
            }
            _ => {}
        }
    }
    Ok(WorkerHistory {
        items,
        earned_cents: earned,
        pending_cents: pending,
    })
}
