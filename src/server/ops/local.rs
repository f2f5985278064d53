//! The local operations, the worker's side, which MTurk's API lacks. `SubmitAssignment`
//! submits work to a HIT as a simulated worker, obeying the HIT's rules (slots, expiry, one
//! assignment per worker, blocks, QualificationRequirements). It can also import an assignment
//! already decided elsewhere, for demo data and migrations: such history moves no money.
//! `CreateWorker` makes a new worker a requester invites; `UpdateWorker` sets a worker's
//! locale, adult and masters flags; `RequestQualification` is a
//! worker asking for a qualification (with a test's answer where the type has a test).

use rusqlite::{Transaction, params};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::input::{check_feedback, opt_str, opt_time_ms, req_str};
use super::qualifications;
use crate::server::eligibility::{self, Action, LocaleValue};
use crate::server::error::{ApiError, ApiResult};
use crate::server::events::{self, EventType, Subject};
use crate::server::ledger;
use crate::server::model;
use crate::server::policies;
use crate::server::read_model::{HitRules, hit_facts};
use crate::server::site;
use crate::server::status::AssignmentStatus;
use crate::server::work::{rules as work_rules, rules::WorkedOn};
use crate::server::worker_records::{self, WorkerUpdate, check_worker_id};

/// The members only this operation has; the HTTP edge has already checked that the body is
/// a JSON object.
fn check_local_input(input: &Value) -> ApiResult<()> {
    for name in ["HITId", "WorkerId", "Answer"] {
        local_str(input, name)?;
    }
    for name in ["AcceptTime", "SubmitTime", "ApprovalTime", "RejectionTime"] {
        if input
            .get(name)
            .is_some_and(|v| !v.is_null() && !model::is_timestamp(v))
        {
            return Err(ApiError::invalid(format!(
                "{name} must be a timestamp in epoch seconds between 0 and 253402300799."
            )));
        }
    }
    Ok(())
}

/// A submission in the worker's (or an importer's) terms; times in epoch milliseconds.
pub struct Submission<'a> {
    pub worker_id: &'a str,
    pub answer: &'a str,
    /// Defaults to now.
    pub submit_ms: Option<i64>,
    /// Defaults to the submit time.
    pub accept_ms: Option<i64>,
    /// Submitted (the default), or Approved/Rejected for imported history.
    pub status: AssignmentStatus,
    pub feedback: Option<&'a str>,
    /// Default to now.
    pub approval_ms: Option<i64>,
    pub rejection_ms: Option<i64>,
}

/// One row of the assignments table, checked and worked out.
pub struct NewAssignment<'a> {
    pub hit_id: &'a str,
    pub worker_id: &'a str,
    pub status: AssignmentStatus,
    pub accept_ms: i64,
    pub submit_ms: i64,
    pub auto_approval_ms: i64,
    pub approval_ms: Option<i64>,
    pub rejection_ms: Option<i64>,
    pub deadline_ms: i64,
    pub answer: &'a str,
    pub feedback: Option<&'a str>,
    /// What approving it pays: its HIT's reward plus fee.
    pub pay_cents: i64,
}

pub fn submit_assignment(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    check_local_input(input)?;
    let hit_id = req_str(input, "HITId")?;
    let submission = Submission {
        worker_id: req_str(input, "WorkerId")?,
        answer: req_str(input, "Answer")?,
        submit_ms: opt_time_ms(input, "SubmitTime"),
        accept_ms: opt_time_ms(input, "AcceptTime"),
        status: match opt_str(input, "AssignmentStatus") {
            None => AssignmentStatus::Submitted,
            Some(word) => word.parse().map_err(|_| {
                ApiError::invalid(format!(
                    "AssignmentStatus '{word}' is not one of Submitted, Approved, Rejected."
                ))
            })?,
        },
        feedback: opt_str(input, "RequesterFeedback"),
        approval_ms: opt_time_ms(input, "ApprovalTime"),
        rejection_ms: opt_time_ms(input, "RejectionTime"),
    };
    check_worker_id(submission.worker_id)?;
    let worker_id = submission.worker_id;

    let hit = hit_facts(tx, &ctx.account, hit_id, ctx.now_ms)?;
    if hit.deleted {
        return Err(ApiError::hit_not_found(hit_id));
    }
    if work_rules::blocked(tx, &ctx.account, worker_id)? {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.WorkerBlocked",
            format!("Worker {worker_id} is blocked by this requester."),
        ));
    }
    // Work the worker holds on the HIT (accepted on the worker site) counts too.
    if let Some(WorkedOn::Holding(existing) | WorkedOn::Submitted(existing)) =
        work_rules::worked_on(tx, hit_id, worker_id)?
    {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.DuplicateAssignment",
            format!(
                "Worker {worker_id} has already worked on HIT {hit_id} (assignment {existing})."
            ),
        ));
    }
    let requirements = &hit.json["QualificationRequirements"];
    if let Some(unmet) =
        eligibility::unmet_requirement(tx, requirements, worker_id, Action::Accept)?
    {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.QualificationRequirementNotMet",
            format!(
                "Worker {worker_id} does not meet the QualificationRequirements of HIT {hit_id}: the requirement on QualificationType {} ({:?}) is not met.",
                unmet.qualification_type_id, unmet.comparator
            ),
        ));
    }
    let row = plan_assignment(hit_id, &hit.rules(), &submission, ctx.now_ms)?;
    let id = ctx.new_id();
    insert_assignment(tx, &id, &row)?;
    Ok(json!({ "AssignmentId": id }))
}

/// The optional `Locale: {Country, Subdivision?}` member of a local operation, checked.
fn locale_input(input: &Value) -> ApiResult<Option<LocaleValue>> {
    let locale: Option<LocaleValue> = match input.get("Locale").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => Some(serde_json::from_value(v.clone()).map_err(|e| {
            ApiError::invalid(format!(
                "Locale must be an object {{\"Country\": \"US\", \"Subdivision\": \"WA\"}}: {e}."
            ))
        })?),
    };
    if let Some(problem) = locale.as_ref().and_then(eligibility::locale_problem) {
        return Err(ApiError::invalid(format!("Locale: {problem}")));
    }
    Ok(locale)
}

/// `MTurkLocal.CreateWorker {Name?, Locale?: {Country, Subdivision?}}` ->
/// `{WorkerId, SignInUrl}`: a new worker a requester invites, and the link that signs them in
/// to the worker site.
pub fn create_worker_op(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let name = match input.get("Name").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => Some(
            v.as_str()
                .ok_or_else(|| ApiError::invalid("Name must be a string."))?,
        ),
    };
    let locale = locale_input(input)?;
    let locale = locale
        .as_ref()
        .map(|l| (l.country.as_str(), l.subdivision.as_deref()));
    let invite = site::invite(tx, name, locale, ctx.now_ms)?;
    Ok(json!({ "WorkerId": invite.worker_id, "SignInUrl": invite.sign_in_url }))
}

/// `MTurkLocal.UpdateWorker {WorkerId, Locale?: {Country, Subdivision?}, Adult?, Masters?}`.
pub fn update_worker(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let worker_id = local_str(input, "WorkerId")?;
    let locale = locale_input(input)?;
    let flag = |name: &str| match input.get(name).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => v
            .as_bool()
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("{name} must be true or false."))),
    };
    let change = WorkerUpdate {
        locale: locale
            .as_ref()
            .map(|l| (l.country.as_str(), l.subdivision.as_deref())),
        adult: flag("Adult")?,
        masters: flag("Masters")?,
    };
    worker_records::update(tx, worker_id, &change, ctx.now_ms)?;
    Ok(json!({}))
}

/// `MTurkLocal.RequestQualification {WorkerId, QualificationTypeId, Answer?}`.
pub fn request_qualification(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let answer = match input.get("Answer").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => Some(
            v.as_str()
                .ok_or_else(|| ApiError::invalid("Answer must be a string."))?,
        ),
    };
    qualifications::request_qualification(
        tx,
        ctx,
        local_str(input, "WorkerId")?,
        local_str(input, "QualificationTypeId")?,
        answer,
    )
}

/// A required string member of a local operation (no model checks these).
fn local_str<'a>(input: &'a Value, name: &str) -> ApiResult<&'a str> {
    input.get(name).and_then(Value::as_str).ok_or_else(|| {
        ApiError::request(
            "AWS.MissingParameters",
            format!("Value null at '{name}' failed to satisfy constraint: Member must be a string"),
        )
    })
}

/// The rules a submission must pass that need no lookup beyond its HIT's: slots, expiry,
/// the order of times, the decision of imported history and its feedback. Shared by
/// `SubmitAssignment` and the bulk generator, so generated data obeys what the API enforces.
pub fn plan_assignment<'a>(
    hit_id: &'a str,
    hit: &HitRules,
    submission: &Submission<'a>,
    now_ms: i64,
) -> ApiResult<NewAssignment<'a>> {
    let submit_ms = submission.submit_ms.unwrap_or(now_ms);
    let accept_ms = submission.accept_ms.unwrap_or(submit_ms);
    let feedback = submission.feedback;
    if hit.total >= hit.max_assignments {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.NoMoreAssignments",
            format!(
                "HIT {hit_id} has no assignments available: all {} have been taken.",
                hit.max_assignments
            ),
        ));
    }
    if accept_ms >= hit.expiration_ms {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.HITExpired",
            format!("HIT {hit_id} had expired when the work was accepted."),
        ));
    }
    // Times may precede the HIT's creation: backdated work is how a client sets up the
    // auto-approval and 30-day override scenarios on a HIT it has just created.
    if submit_ms < accept_ms {
        return Err(ApiError::invalid("SubmitTime is before AcceptTime."));
    }
    if submit_ms > now_ms {
        return Err(ApiError::invalid("SubmitTime lies in the future."));
    }
    let deadline_ms = accept_ms + hit.assignment_duration * 1000;
    if submit_ms > deadline_ms {
        return Err(ApiError::invalid(
            "The work was submitted after the assignment's deadline (AcceptTime + AssignmentDurationInSeconds).",
        ));
    }
    let auto_approval_ms = submit_ms + hit.auto_approval_delay * 1000;

    let decision_time = |name: &str, at: Option<i64>| {
        let at = at.unwrap_or(now_ms);
        if at < submit_ms || at > now_ms {
            return Err(ApiError::invalid(format!(
                "{name} must lie between SubmitTime and now."
            )));
        }
        Ok(at)
    };
    let (approval_ms, rejection_ms) = match submission.status {
        AssignmentStatus::Submitted => (None, None),
        AssignmentStatus::Approved => (
            Some(decision_time("ApprovalTime", submission.approval_ms)?),
            None,
        ),
        AssignmentStatus::Rejected => {
            if feedback.is_none_or(|f| f.trim().is_empty()) {
                return Err(ApiError::invalid(
                    "RequesterFeedback is required to reject an assignment.",
                ));
            }
            let at = decision_time("RejectionTime", submission.rejection_ms)?;
            if at > auto_approval_ms {
                return Err(ApiError::invalid(
                    "RejectionTime is after the assignment's AutoApprovalTime.",
                ));
            }
            (None, Some(at))
        }
    };
    if let Some(feedback) = feedback {
        check_feedback(feedback)?;
    }
    Ok(NewAssignment {
        hit_id,
        worker_id: submission.worker_id,
        status: submission.status,
        accept_ms,
        submit_ms,
        auto_approval_ms,
        approval_ms,
        rejection_ms,
        deadline_ms,
        answer: submission.answer,
        feedback,
        pay_cents: hit.pay_cents,
    })
}

/// Writes a planned assignment under `id` (the statement is prepared once per connection).
/// Submitted work takes its slot's hold, and its HIT's assignment-level review policy runs on
/// it; imported history moves no money and is not reviewed.
pub fn insert_assignment(tx: &Transaction, id: &str, row: &NewAssignment) -> ApiResult<()> {
    if row.status == AssignmentStatus::Submitted {
        ledger::take_slot(tx, row.hit_id, row.pay_cents)?;
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO assignments (id, hit_id, worker_id, status, accept_ms, submit_ms,
           auto_approval_ms, approval_ms, rejection_ms, deadline_ms, answer, feedback)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    insert.execute(params![
        id,
        row.hit_id,
        row.worker_id,
        row.status,
        row.accept_ms,
        row.submit_ms,
        row.auto_approval_ms,
        row.approval_ms,
        row.rejection_ms,
        row.deadline_ms,
        row.answer,
        row.feedback
    ])?;
    if row.status == AssignmentStatus::Submitted {
        let subject = Subject::assignment(row.hit_id, id);
        events::emit(tx, EventType::AssignmentSubmitted, subject, row.submit_ms)?;
        policies::review_submitted(tx, row.hit_id, id, row.answer, row.submit_ms)?;
        events::work_ended(tx, row.hit_id, row.submit_ms)?;
    }
    Ok(())
}
