//! Assignments: listing a HIT's, reading one, approving (with override) and rejecting.

use rusqlite::{Transaction, params};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::input::{check_feedback, opt_bool, opt_str, req_str};
use super::page::{page, page_answer};
use crate::rules::OVERRIDE_WINDOW_SECS;
use crate::server::error::{ApiError, ApiResult};
use crate::server::events::{self, EventType, Subject};
use crate::server::ledger::{self, Entry};
use crate::server::read_model::{ASSIGNMENT_COLUMNS, assignment_facts, assignment_json, hit_facts};
use crate::server::status::AssignmentStatus;

pub fn list_assignments_for_hit(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let hit_id = req_str(input, "HITId")?;
    hit_facts(tx, &ctx.account, hit_id, ctx.now_ms)?;
    // The model allows only the three statuses' words here.
    let statuses: Vec<AssignmentStatus> =
        match input.get("AssignmentStatuses").and_then(Value::as_array) {
            Some(list) if !list.is_empty() => list
                .iter()
                .filter_map(|s| s.as_str()?.parse().ok())
                .collect(),
            _ => AssignmentStatus::ALL.to_vec(),
        };
    let has = |s: AssignmentStatus| statuses.contains(&s);
    let kind = format!("assignments:{hit_id}");
    let page = page(input, &kind)?;
    let sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM assignments
         WHERE hit_id = ?1 AND seq > ?2
           AND ((status = ?3 AND ?4) OR (status = ?5 AND ?6) OR (status = ?7 AND ?8))
         ORDER BY seq LIMIT ?9"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(
            params![
                hit_id,
                page.after_seq,
                AssignmentStatus::Submitted,
                has(AssignmentStatus::Submitted),
                AssignmentStatus::Approved,
                has(AssignmentStatus::Approved),
                AssignmentStatus::Rejected,
                has(AssignmentStatus::Rejected),
                page.limit
            ],
            |row| Ok((row.get("seq")?, assignment_json(row)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_answer(&page, &kind, "Assignments", rows))
}

pub fn get_assignment(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let facts = assignment_facts(tx, &ctx.account, req_str(input, "AssignmentId")?)?;
    let hit = hit_facts(tx, &ctx.account, &facts.hit_id, ctx.now_ms)?;
    Ok(json!({ "Assignment": facts.json, "HIT": hit.json }))
}

pub fn approve_assignment(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let id = req_str(input, "AssignmentId")?;
    let feedback = opt_str(input, "RequesterFeedback");
    if let Some(feedback) = feedback {
        check_feedback(feedback)?;
    }
    let override_rejection = opt_bool(input, "OverrideRejection").unwrap_or(false);
    let assignment = assignment_facts(tx, &ctx.account, id)?;
    let hit = hit_facts(tx, &ctx.account, &assignment.hit_id, ctx.now_ms)?;
    match assignment.status {
        // Paid from its hold, which its submission took from its slot.
        AssignmentStatus::Submitted => {
            ledger::pay_held(tx, &ctx.account, ctx.now_ms, hit.pay_cents, id)?;
        }
        // An override works only within 30 days of submission, and only while the HIT exists.
        // The rejection gave the hold back, so the available balance pays, if it can.
        AssignmentStatus::Rejected
            if override_rejection
                && !hit.deleted
                && ctx.now_ms - assignment.submit_ms <= OVERRIDE_WINDOW_SECS * 1000 =>
        {
            ledger::pay_available(
                tx,
                &ctx.account,
                ctx.now_ms,
                Entry::Approval,
                hit.pay_cents,
                id,
            )?;
        }
        _ => return Err(ApiError::assignment_state("Submitted")),
    }
    tx.execute(
        "UPDATE assignments SET status = ?2, approval_ms = ?3, feedback = COALESCE(?4, feedback)
         WHERE id = ?1",
        params![id, AssignmentStatus::Approved, ctx.now_ms, feedback],
    )?;
    let subject = Subject::assignment(&assignment.hit_id, id);
    events::emit(tx, EventType::AssignmentApproved, subject, ctx.now_ms)?;
    Ok(json!({}))
}

pub fn reject_assignment(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let id = req_str(input, "AssignmentId")?;
    // Present is required, as MTurk requires it; empty is allowed, as MTurk allows it (psiTurk
    // and oTree reject with ""). The console asks its reviewers for words all the same.
    let feedback = req_str(input, "RequesterFeedback")?;
    check_feedback(feedback)?;
    let assignment = assignment_facts(tx, &ctx.account, id)?;
    let hit = hit_facts(tx, &ctx.account, &assignment.hit_id, ctx.now_ms)?;
    if assignment.status != AssignmentStatus::Submitted || hit.deleted {
        return Err(ApiError::assignment_state("Submitted"));
    }
    // Nothing is paid: the work's hold goes back to the available balance.
    ledger::release_held(tx, &ctx.account, hit.pay_cents)?;
    tx.execute(
        "UPDATE assignments SET status = ?2, rejection_ms = ?3, feedback = ?4 WHERE id = ?1",
        params![id, AssignmentStatus::Rejected, ctx.now_ms, feedback],
    )?;
    let subject = Subject::assignment(&assignment.hit_id, id);
    events::emit(tx, EventType::AssignmentRejected, subject, ctx.now_ms)?;
    Ok(json!({}))
}
