//! Submitting accepted work: it becomes an assignment the requester sees, Submitted, by the
//! same rules and the same insert as `MTurkLocal.SubmitAssignment` (`ops::plan_assignment`,
//! `ops::insert_assignment`), so both write identical rows and move the same money.

use rusqlite::{OptionalExtension, Transaction, params};

use super::accept::not_in_progress;
use super::task::held;
use crate::server::error::ApiResult;
use crate::server::ops::{Submission, insert_assignment, plan_assignment};
use crate::server::read_model::hit_facts;
use crate::server::status::AssignmentStatus;

/// What a submission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// The work is now a Submitted assignment.
    Submitted {
        hit_id: String,
        hit_type_id: String,
        auto_approval_ms: i64,
    },
    /// The worker had submitted it already (a double click, the back button): nothing new was
    /// recorded.
    AlreadySubmitted { hit_id: String, hit_type_id: String },
}

/// `worker_id` submits `answer_xml` (a QuestionFormAnswers document) for their accepted work
/// `assignment_id`, before its deadline. A HIT that has expired since the accept still takes
/// it. A second submission of the same work by the same worker records nothing and answers
/// `AlreadySubmitted`; anything else that is not this worker's work in progress is refused.
pub fn submit(
    tx: &Transaction,
    worker_id: &str,
    assignment_id: &str,
    answer_xml: &str,
    now_ms: i64,
) -> ApiResult<SubmitOutcome> {
    let Some(work) = held(tx, assignment_id, now_ms)?.filter(|h| h.worker_id == worker_id) else {
        if let Some(outcome) = already_submitted(tx, worker_id, assignment_id)? {
            return Ok(outcome);
        }
        return Err(not_in_progress(tx, worker_id, assignment_id)?);
    };
    // The work leaves the accepted table first, so the HIT's rules count its slot as free
    // for the one row that fills it.
    tx.prepare_cached("DELETE FROM accepted_assignments WHERE id = ?1")?
        .execute(params![assignment_id])?;
    let account: String = tx
        .prepare_cached("SELECT account_id FROM hits WHERE id = ?1")?
        .query_row(params![work.hit_id], |r| r.get(0))?;
    let hit = hit_facts(tx, &account, &work.hit_id, now_ms)?;
    let submission = Submission {
        worker_id,
        answer: answer_xml,
        submit_ms: Some(now_ms),
        accept_ms: Some(work.accept_ms),
        status: AssignmentStatus::Submitted,
        feedback: None,
        approval_ms: None,
        rejection_ms: None,
    };
    let row = plan_assignment(&work.hit_id, &hit.rules(), &submission, now_ms)?;
    insert_assignment(tx, assignment_id, &row)?;
    Ok(SubmitOutcome::Submitted {
        auto_approval_ms: row.auto_approval_ms,
        hit_id: work.hit_id,
        hit_type_id: work.hit_type_id,
    })
}

/// The outcome of a repeated submission, when `assignment_id` is `worker_id`'s and already
/// an assignment.
fn already_submitted(
    tx: &Transaction,
    worker_id: &str,
    assignment_id: &str,
) -> ApiResult<Option<SubmitOutcome>> {
    Ok(tx
        .prepare_cached(
            "SELECT a.hit_id, h.hit_type_id FROM assignments a JOIN hits h ON h.id = a.hit_id
             WHERE a.id = ?1 AND a.worker_id = ?2",
        )?
        .query_row(params![assignment_id, worker_id], |r| {
            Ok(SubmitOutcome::AlreadySubmitted {
                hit_id: r.get(0)?,
                hit_type_id: r.get(1)?,
            })
        })
        .optional()?)
}
