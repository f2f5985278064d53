//! The rules a worker's actions share, stated once: which HITs a worker may find (one SQL
//! condition), whether a requester blocked them, whether they have worked on a HIT, and why
//! they may not accept one now. SubmitAssignment (the simulated worker) uses the same ones.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde_json::Value;

use crate::server::eligibility::{self, Action};
use crate::server::error::{ApiError, ApiResult};

/// The condition, over `hits h`, for a HIT that worker `?2` may find at time `?1`: alive
/// (not deleted, not expired), with a free slot, not worked on by them (accepted, submitted or
/// decided), of a requester that has not blocked them. QualificationRequirements are checked
/// apart, once per HIT type (they live on it).
pub const OPEN_TO_WORKER: &str = "h.deleted = 0 AND h.expiration_ms > ?1
  AND h.max_assignments > (SELECT COUNT(*) FROM assignments a WHERE a.hit_id = h.id)
                        + (SELECT COUNT(*) FROM accepted_assignments w WHERE w.hit_id = h.id)
  AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.hit_id = h.id AND a.worker_id = ?2)
  AND NOT EXISTS (SELECT 1 FROM accepted_assignments w WHERE w.hit_id = h.id AND w.worker_id = ?2)
  AND NOT EXISTS (SELECT 1 FROM worker_blocks b
                  WHERE b.account_id = h.account_id AND b.worker_id = ?2)";

/// One HIT as the worker's side reads it, whoever's it is.
pub struct HitRow {
    pub id: String,
    pub account_id: String,
    pub requester: String,
    pub hit_type_id: String,
    pub title: String,
    pub description: String,
    pub keywords: Option<String>,
    pub reward_cents: i64,
    pub assignment_duration_secs: i64,
    pub auto_approval_delay_secs: i64,
    pub expiration_ms: i64,
    pub question: Option<String>,
    pub hit_layout_id: Option<String>,
    pub hit_layout_parameters: Option<String>,
    pub max_assignments: i64,
    pub deleted: bool,
    /// Its QualificationRequirements as the HIT answers them (an empty array when none).
    pub requirements: Value,
    /// Slots taken: assignments, and work accepted and in progress.
    pub taken: i64,
}

/// The columns `HitRow::from_row` reads; callers add WHERE.
pub const HIT_ROW_SELECT: &str = "SELECT h.id, h.account_id, acc.name, h.hit_type_id, t.title,
    t.description, t.keywords, t.reward_cents, t.assignment_duration, t.auto_approval_delay,
    h.expiration_ms, h.question, h.hit_layout_id, h.hit_layout_parameters, h.max_assignments,
    h.deleted, t.qualification_requirements,
    (SELECT COUNT(*) FROM assignments a WHERE a.hit_id = h.id)
      + (SELECT COUNT(*) FROM accepted_assignments w WHERE w.hit_id = h.id) AS taken
  FROM hits h JOIN hit_types t ON t.id = h.hit_type_id JOIN accounts acc ON acc.id = h.account_id";

impl HitRow {
    fn from_row(r: &Row) -> rusqlite::Result<HitRow> {
        Ok(HitRow {
            id: r.get(0)?,
            account_id: r.get(1)?,
            requester: r.get(2)?,
            hit_type_id: r.get(3)?,
            title: r.get(4)?,
            description: r.get(5)?,
            keywords: r.get(6)?,
            reward_cents: r.get(7)?,
            assignment_duration_secs: r.get(8)?,
            auto_approval_delay_secs: r.get(9)?,
            expiration_ms: r.get(10)?,
            question: r.get(11)?,
            hit_layout_id: r.get(12)?,
            hit_layout_parameters: r.get(13)?,
            max_assignments: r.get(14)?,
            deleted: r.get(15)?,
            requirements: requirements(r.get(16)?),
            taken: r.get(17)?,
        })
    }
}

/// A HIT type's stored QualificationRequirements as a JSON array.
pub fn requirements(stored: Option<String>) -> Value {
    stored
        .and_then(|q| serde_json::from_str(&q).ok())
        .unwrap_or_else(|| Value::Array(Vec::new()))
}

/// The HIT `hit_id` (of any requester), deleted or not; a HIT that does not exist and a
/// deleted one are the same to a worker.
pub fn load_hit(tx: &Transaction, hit_id: &str) -> ApiResult<HitRow> {
    let hit = tx
        .prepare_cached(&format!("{HIT_ROW_SELECT} WHERE h.id = ?1"))?
        .query_row(params![hit_id], HitRow::from_row)
        .optional()?;
    match hit {
        Some(hit) if !hit.deleted => Ok(hit),
        _ => Err(gone()),
    }
}

/// A worker's words for a HIT that does not exist or was deleted.
pub fn gone() -> ApiError {
    ApiError::request(
        "AWS.MechanicalTurk.HITDoesNotExist",
        "This HIT is no longer available.",
    )
}

/// Whether the requester `account` has blocked `worker_id`.
pub fn blocked(tx: &Transaction, account: &str, worker_id: &str) -> ApiResult<bool> {
    let found: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM worker_blocks WHERE account_id = ?1 AND worker_id = ?2")?
        .query_row(params![account, worker_id], |r| r.get(0))
        .optional()?;
    Ok(found.is_some())
}

pub fn blocked_error() -> ApiError {
    ApiError::request(
        "AWS.MechanicalTurk.WorkerBlocked",
        "The requester of this HIT has blocked you from working on their HITs.",
    )
}

/// What a worker has done on a HIT already, when anything still counts (an earlier
/// returned or abandoned assignment does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkedOn {
    /// Accepted and in progress, with this assignment id.
    Holding(String),
    /// Submitted (and maybe decided), with this assignment id.
    Submitted(String),
}

/// MTurk's rule: a worker completes at most one assignment per HIT.
pub fn worked_on(tx: &Transaction, hit_id: &str, worker_id: &str) -> ApiResult<Option<WorkedOn>> {
    let holding: Option<String> = tx
        .prepare_cached("SELECT id FROM accepted_assignments WHERE hit_id = ?1 AND worker_id = ?2")?
        .query_row(params![hit_id, worker_id], |r| r.get(0))
        .optional()?;
    if let Some(id) = holding {
        return Ok(Some(WorkedOn::Holding(id)));
    }
    let submitted: Option<String> = tx
        .prepare_cached("SELECT id FROM assignments WHERE hit_id = ?1 AND worker_id = ?2")?
        .query_row(params![hit_id, worker_id], |r| r.get(0))
        .optional()?;
    Ok(submitted.map(WorkedOn::Submitted))
}

/// Refused because of a requirement guarding `action`.
pub fn unqualified(action: Action) -> ApiError {
    let what = match action {
        Action::Discover | Action::Preview => "preview",
        Action::Accept => "accept",
    };
    ApiError::request(
        "AWS.MechanicalTurk.QualificationRequirementNotMet",
        format!("You do not meet the qualification requirements to {what} this HIT."),
    )
}

/// Why `worker_id` (None: a visitor who has not signed in, who can only be told about the
/// HIT itself) may not accept `hit` at `now_ms`, or None when they may. Blocks and
/// requirements guarding Preview are the preview's to refuse; this adds what only accepting
/// needs: a live HIT, a free slot, no earlier work of theirs on it, and the requirements that
/// guard Accept.
pub fn accept_refusal(
    tx: &Transaction,
    hit: &HitRow,
    worker_id: Option<&str>,
    now_ms: i64,
) -> ApiResult<Option<ApiError>> {
    if hit.expiration_ms <= now_ms {
        return Ok(Some(ApiError::request(
            "AWS.MechanicalTurk.HITExpired",
            "This HIT has expired; it can no longer be accepted.",
        )));
    }
    if let Some(worker_id) = worker_id {
        if blocked(tx, &hit.account_id, worker_id)? {
            return Ok(Some(blocked_error()));
        }
        match worked_on(tx, &hit.id, worker_id)? {
            Some(WorkedOn::Holding(_)) => {
                return Ok(Some(ApiError::request(
                    "AWS.MechanicalTurk.DuplicateAssignment",
                    "You have already accepted this HIT.",
                )));
            }
            Some(WorkedOn::Submitted(_)) => {
                return Ok(Some(ApiError::request(
                    "AWS.MechanicalTurk.DuplicateAssignment",
                    "You have already worked on this HIT.",
                )));
            }
            None => {}
        }
    }
    if hit.taken >= hit.max_assignments {
        return Ok(Some(ApiError::request(
            "AWS.MechanicalTurk.NoMoreAssignments",
            "This HIT has no assignments left.",
        )));
    }
    if let Some(worker_id) = worker_id
        && eligibility::unmet_requirement(tx, &hit.requirements, worker_id, Action::Accept)?
            .is_some()
    {
        return Ok(Some(unqualified(Action::Accept)));
    }
    Ok(None)
}
