//! What the site shows of one HIT: its preview (for anyone the HIT's rules let see it), and
//! the work a worker holds on it (for the task page and the submit endpoint).

use rusqlite::{OptionalExtension, Transaction, params};

use super::rules::{self, HitRow};
use crate::server::eligibility::{self, Action};
use crate::server::error::{ApiError, ApiResult};
use crate::server::worker_records::check_worker_id;

/// A HIT as its preview shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub hit_id: String,
    pub hit_type_id: String,
    pub title: String,
    pub description: String,
    pub keywords: Option<String>,
    pub reward_cents: i64,
    pub assignment_duration_secs: i64,
    pub auto_approval_delay_secs: i64,
    /// The requester's account name.
    pub requester: String,
    pub expiration_ms: i64,
    /// The Question document (QuestionForm, ExternalQuestion or HTMLQuestion), or None for a
    /// HIT made from a layout.
    pub question: Option<String>,
    pub hit_layout_id: Option<String>,
    /// The HIT's HITLayoutParameters, as the JSON array CreateHIT was given.
    pub hit_layout_parameters: Option<String>,
    pub max_assignments: i64,
    /// Slots nobody holds or has filled.
    pub assignments_available: i64,
    /// Why the viewer may not accept it now (expired, full, worked on, a requirement guarding
    /// Accept), as a sentence for them; None when they may.
    pub cannot_accept: Option<String>,
}

/// The preview of `hit_id` for `worker_id` (None: a visitor who has not signed in, judged as
/// a worker with no qualifications). Refused for a deleted HIT, a blocked worker, or one who
/// fails a requirement guarding Preview (PreviewAndAccept, DiscoverPreviewAndAccept, or the
/// deprecated RequiredToPreview). An expired or full HIT still previews, with `cannot_accept`
/// saying why.
pub fn preview(
    tx: &Transaction,
    worker_id: Option<&str>,
    hit_id: &str,
    now_ms: i64,
) -> ApiResult<Task> {
    if let Some(worker_id) = worker_id {
        check_worker_id(worker_id)?;
    }
    let hit = rules::load_hit(tx, hit_id)?;
    if let Some(worker_id) = worker_id
        && rules::blocked(tx, &hit.account_id, worker_id)?
    {
        return Err(rules::blocked_error());
    }
    // A worker id that no record can have: nobody's qualifications, nobody's locale.
    let judged = worker_id.unwrap_or("");
    if eligibility::unmet_requirement(tx, &hit.requirements, judged, Action::Preview)?.is_some() {
        return Err(rules::unqualified(Action::Preview));
    }
    let cannot_accept = rules::accept_refusal(tx, &hit, worker_id, now_ms)?.map(|e| e.message);
    Ok(task(hit, cannot_accept))
}

fn task(hit: HitRow, cannot_accept: Option<String>) -> Task {
    Task {
        assignments_available: (hit.max_assignments - hit.taken).max(0),
        hit_id: hit.id,
        hit_type_id: hit.hit_type_id,
        title: hit.title,
        description: hit.description,
        keywords: hit.keywords,
        reward_cents: hit.reward_cents,
        assignment_duration_secs: hit.assignment_duration_secs,
        auto_approval_delay_secs: hit.auto_approval_delay_secs,
        requester: hit.requester,
        expiration_ms: hit.expiration_ms,
        question: hit.question,
        hit_layout_id: hit.hit_layout_id,
        hit_layout_parameters: hit.hit_layout_parameters,
        max_assignments: hit.max_assignments,
        cannot_accept,
    }
}

/// Work a worker has accepted and holds until its deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub assignment_id: String,
    pub worker_id: String,
    pub hit_id: String,
    pub hit_type_id: String,
    pub accept_ms: i64,
    pub deadline_ms: i64,
    pub question: Option<String>,
    pub hit_layout_id: Option<String>,
    pub hit_layout_parameters: Option<String>,
}

/// The accepted work `assignment_id`, or None when there is no such work in progress (never
/// accepted, submitted, returned, or past its deadline and so abandoned).
pub fn held(tx: &Transaction, assignment_id: &str, now_ms: i64) -> ApiResult<Option<Held>> {
    let row = tx
        .prepare_cached(
            "SELECT w.id, w.worker_id, w.hit_id, h.hit_type_id, w.accept_ms, w.deadline_ms,
                    h.question, h.hit_layout_id, h.hit_layout_parameters
             FROM accepted_assignments w JOIN hits h ON h.id = w.hit_id
             WHERE w.id = ?1 AND w.deadline_ms >= ?2",
        )?
        .query_row(params![assignment_id, now_ms], |r| {
            Ok(Held {
                assignment_id: r.get(0)?,
                worker_id: r.get(1)?,
                hit_id: r.get(2)?,
                hit_type_id: r.get(3)?,
                accept_ms: r.get(4)?,
                deadline_ms: r.get(5)?,
                question: r.get(6)?,
                hit_layout_id: r.get(7)?,
                hit_layout_parameters: r.get(8)?,
            })
        })
        .optional()?;
    Ok(row)
}

/// A worker's words for work that is past its deadline.
pub fn deadline_passed() -> ApiError {
    ApiError::request(
        "AWS.MechanicalTurk.AssignmentDeadlinePassed",
        "The deadline for this assignment has passed.",
    )
}
