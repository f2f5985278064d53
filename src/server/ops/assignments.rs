//! Assignments: listing a HIT's, reading one, approving (with override) and rejecting.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde_json::{Map, Value, json};

use super::hits::hit_facts;
use super::{Ctx, check_feedback, opt_bool, opt_str, page, page_answer, put, req_str, time_json};
use crate::money;
use crate::mturk::domain::OVERRIDE_WINDOW_SECS;
use crate::server::error::{ApiError, ApiResult};
use crate::server::store::debit;

const ASSIGNMENT_COLUMNS: &str = "seq, id, worker_id, hit_id, status, auto_approval_ms, accept_ms,
    submit_ms, approval_ms, rejection_ms, deadline_ms, answer, feedback";

fn assignment_json(row: &Row) -> rusqlite::Result<Value> {
    let mut a = Map::new();
    a.insert("AssignmentId".into(), row.get::<_, String>("id")?.into());
    a.insert("WorkerId".into(), row.get::<_, String>("worker_id")?.into());
    a.insert("HITId".into(), row.get::<_, String>("hit_id")?.into());
    a.insert(
        "AssignmentStatus".into(),
        row.get::<_, String>("status")?.into(),
    );
    a.insert(
        "AutoApprovalTime".into(),
        time_json(row.get("auto_approval_ms")?),
    );
    a.insert("AcceptTime".into(), time_json(row.get("accept_ms")?));
    a.insert("SubmitTime".into(), time_json(row.get("submit_ms")?));
    put(
        &mut a,
        "ApprovalTime",
        row.get::<_, Option<i64>>("approval_ms")?.map(time_json),
    );
    put(
        &mut a,
        "RejectionTime",
        row.get::<_, Option<i64>>("rejection_ms")?.map(time_json),
    );
    a.insert("Deadline".into(), time_json(row.get("deadline_ms")?));
    a.insert("Answer".into(), row.get::<_, String>("answer")?.into());
    put(
        &mut a,
        "RequesterFeedback",
        row.get::<_, Option<String>>("feedback")?,
    );
    Ok(Value::Object(a))
}

struct AssignmentFacts {
    hit_id: String,
    status: String,
    submit_ms: i64,
    json: Value,
}

fn assignment_facts(tx: &Transaction, id: &str) -> ApiResult<AssignmentFacts> {
    let sql = format!("SELECT {ASSIGNMENT_COLUMNS} FROM assignments WHERE id = ?1");
    tx.query_row(&sql, params![id], |row| {
        Ok(AssignmentFacts {
            hit_id: row.get("hit_id")?,
            status: row.get("status")?,
            submit_ms: row.get("submit_ms")?,
            json: assignment_json(row)?,
        })
    })
    .optional()?
    .ok_or_else(|| ApiError::assignment_not_found(id))
}

pub fn list_assignments_for_hit(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let hit_id = req_str(input, "HITId")?;
    hit_facts(tx, hit_id, ctx.now_ms)?;
    let statuses: Vec<&str> = match input.get("AssignmentStatuses").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => list.iter().filter_map(Value::as_str).collect(),
        _ => vec!["Submitted", "Approved", "Rejected"],
    };
    let has = |s: &str| statuses.contains(&s);
    let kind = format!("assignments:{hit_id}");
    let page = page(input, &kind)?;
    let sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM assignments
         WHERE hit_id = ?1 AND seq > ?2
           AND ((status = 'Submitted' AND ?3) OR (status = 'Approved' AND ?4)
                OR (status = 'Rejected' AND ?5))
         ORDER BY seq LIMIT ?6"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(
            params![
                hit_id,
                page.after_seq,
                has("Submitted"),
                has("Approved"),
                has("Rejected"),
                page.limit + 1
            ],
            |row| Ok((row.get("seq")?, assignment_json(row)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_answer(&page, &kind, "Assignments", rows))
}

pub fn get_assignment(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let facts = assignment_facts(tx, req_str(input, "AssignmentId")?)?;
    let hit = hit_facts(tx, &facts.hit_id, ctx.now_ms)?;
    Ok(json!({ "Assignment": facts.json, "HIT": hit.json }))
}

pub fn approve_assignment(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let id = req_str(input, "AssignmentId")?;
    let feedback = opt_str(input, "RequesterFeedback");
    if let Some(feedback) = feedback {
        check_feedback(feedback)?;
    }
    let override_rejection = opt_bool(input, "OverrideRejection").unwrap_or(false);
    let assignment = assignment_facts(tx, id)?;
    let hit = hit_facts(tx, &assignment.hit_id, ctx.now_ms)?;
    let allowed = match assignment.status.as_str() {
        "Submitted" => true,
        // An override works only within 30 days of submission, and only while the HIT exists.
        "Rejected" => {
            override_rejection
                && !hit.deleted
                && ctx.now_ms - assignment.submit_ms <= OVERRIDE_WINDOW_SECS * 1000
        }
        _ => false,
    };
    if !allowed {
        return Err(ApiError::assignment_state("Submitted"));
    }
    debit(
        tx,
        money::approval_cost_cents(hit.reward_cents, hit.max_assignments),
    )?;
    tx.execute(
        "UPDATE assignments SET status = 'Approved', approval_ms = ?2,
           feedback = COALESCE(?3, feedback)
         WHERE id = ?1",
        params![id, ctx.now_ms, feedback],
    )?;
    Ok(json!({}))
}

pub fn reject_assignment(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let id = req_str(input, "AssignmentId")?;
    let feedback = req_str(input, "RequesterFeedback")?;
    if feedback.trim().is_empty() {
        return Err(ApiError::invalid(
            "RequesterFeedback is required to reject an assignment.",
        ));
    }
    check_feedback(feedback)?;
    let assignment = assignment_facts(tx, id)?;
    let hit = hit_facts(tx, &assignment.hit_id, ctx.now_ms)?;
    if assignment.status != "Submitted" || hit.deleted {
        return Err(ApiError::assignment_state("Submitted"));
    }
    tx.execute(
        "UPDATE assignments SET status = 'Rejected', rejection_ms = ?2, feedback = ?3
         WHERE id = ?1",
        params![id, ctx.now_ms, feedback],
    )?;
    Ok(json!({}))
}
