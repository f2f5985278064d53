//! `MTurkLocal.SubmitAssignment`: the worker's side, which MTurk's API lacks. It submits work
//! to a HIT as a simulated worker, obeying the HIT's rules (slots, expiry, one assignment per
//! worker, blocks). It can also import an assignment already decided elsewhere, for demo data
//! and migrations: such history moves no money.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Value, json};

use super::hits::hit_facts;
use super::{Ctx, check_feedback, new_id, opt_str, opt_time_ms, req_str};
use crate::server::error::{ApiError, ApiResult};
use crate::server::model;

fn check_local_input(input: &Value) -> ApiResult<()> {
    if !input.is_object() {
        return Err(ApiError::invalid("The request body must be a JSON object."));
    }
    for name in ["HITId", "WorkerId", "Answer"] {
        if !input.get(name).is_some_and(Value::is_string) {
            return Err(ApiError::request(
                "AWS.MissingParameters",
                format!(
                    "Value null at '{name}' failed to satisfy constraint: Member must be a string"
                ),
            ));
        }
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
    let worker = opt_str(input, "WorkerId").unwrap_or_default();
    let valid_worker = worker.len() <= 64
        && worker.starts_with('A')
        && worker.len() > 1
        && worker
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !valid_worker {
        return Err(ApiError::invalid(format!(
            "Value '{worker}' at 'WorkerId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^A[A-Z0-9]+$"
        )));
    }
    Ok(())
}

pub fn submit_assignment(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    check_local_input(input)?;
    let hit_id = req_str(input, "HITId")?;
    let worker_id = req_str(input, "WorkerId")?;
    let answer = req_str(input, "Answer")?;
    let submit_ms = opt_time_ms(input, "SubmitTime").unwrap_or(ctx.now_ms);
    let accept_ms = opt_time_ms(input, "AcceptTime").unwrap_or(submit_ms);
    let status = opt_str(input, "AssignmentStatus").unwrap_or("Submitted");
    let feedback = opt_str(input, "RequesterFeedback");

    let hit = hit_facts(tx, hit_id, ctx.now_ms)?;
    if hit.deleted {
        return Err(ApiError::hit_not_found(hit_id));
    }
    let blocked: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM worker_blocks WHERE worker_id = ?1",
            params![worker_id],
            |r| r.get(0),
        )
        .optional()?;
    if blocked.is_some() {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.WorkerBlocked",
            format!("Worker {worker_id} is blocked by this requester."),
        ));
    }
    let done_before: Option<String> = tx
        .query_row(
            "SELECT id FROM assignments WHERE hit_id = ?1 AND worker_id = ?2",
            params![hit_id, worker_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(existing) = done_before {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.DuplicateAssignment",
            format!(
                "Worker {worker_id} has already worked on HIT {hit_id} (assignment {existing})."
            ),
        ));
    }
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
    if submit_ms > ctx.now_ms {
        return Err(ApiError::invalid("SubmitTime lies in the future."));
    }
    let deadline_ms = accept_ms + hit.assignment_duration * 1000;
    if submit_ms > deadline_ms {
        return Err(ApiError::invalid(
            "The work was submitted after the assignment's deadline (AcceptTime + AssignmentDurationInSeconds).",
        ));
    }
    let auto_approval_ms = submit_ms + hit.auto_approval_delay * 1000;

    let (approval_ms, rejection_ms) = match status {
        "Submitted" => (None, None),
        "Approved" => {
            let at = decision_time(input, "ApprovalTime", submit_ms, ctx.now_ms)?;
            (Some(at), None)
        }
        "Rejected" => {
            if feedback.is_none_or(|f| f.trim().is_empty()) {
                return Err(ApiError::invalid(
                    "RequesterFeedback is required to reject an assignment.",
                ));
            }
            let at = decision_time(input, "RejectionTime", submit_ms, ctx.now_ms)?;
            if at > auto_approval_ms {
                return Err(ApiError::invalid(
                    "RejectionTime is after the assignment's AutoApprovalTime.",
                ));
            }
            (None, Some(at))
        }
        other => {
            return Err(ApiError::invalid(format!(
                "AssignmentStatus '{other}' is not one of Submitted, Approved, Rejected."
            )));
        }
    };
    if let Some(feedback) = feedback {
        check_feedback(feedback)?;
    }
    let id = new_id();
    tx.execute(
        "INSERT INTO assignments (id, hit_id, worker_id, status, accept_ms, submit_ms,
           auto_approval_ms, approval_ms, rejection_ms, deadline_ms, answer, feedback)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            id,
            hit_id,
            worker_id,
            status,
            accept_ms,
            submit_ms,
            auto_approval_ms,
            approval_ms,
            rejection_ms,
            deadline_ms,
            answer,
            feedback
        ],
    )?;
    Ok(json!({ "AssignmentId": id }))
}

fn decision_time(input: &Value, name: &str, submit_ms: i64, now_ms: i64) -> ApiResult<i64> {
    let at = opt_time_ms(input, name).unwrap_or(now_ms);
    if at < submit_ms || at > now_ms {
        return Err(ApiError::invalid(format!(
            "{name} must lie between SubmitTime and now."
        )));
    }
    Ok(at)
}
