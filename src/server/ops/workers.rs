//! Workers: blocks and notifications (recorded, never delivered), each the calling
//! requester's own, as on MTurk.

use rusqlite::{Transaction, params};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::input::req_str;
use super::page::{page, page_answer};
use crate::rules::{NOTIFY_MAX_WORKERS, NOTIFY_SUBJECT_MAX_CHARS, NOTIFY_TEXT_MAX_CHARS};
use crate::server::error::{ApiError, ApiResult};
use crate::server::status::AssignmentStatus;

const MAX_BLOCKS: i64 = 100_000;

pub fn create_worker_block(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let worker_id = req_str(input, "WorkerId")?;
    let reason = req_str(input, "Reason")?;
    if reason.trim().is_empty() {
        return Err(ApiError::invalid("A Reason is required to block a worker."));
    }
    let count: i64 = tx.query_row(
        "SELECT COUNT(*) FROM worker_blocks WHERE account_id = ?1",
        params![ctx.account],
        |r| r.get(0),
    )?;
    let updated = tx.execute(
        "UPDATE worker_blocks SET reason = ?3 WHERE account_id = ?1 AND worker_id = ?2",
        params![ctx.account, worker_id, reason],
    )?;
    if updated == 0 {
        if count >= MAX_BLOCKS {
            return Err(ApiError::invalid(format!(
                "You can block at most {MAX_BLOCKS} workers."
            )));
        }
        tx.execute(
            "INSERT INTO worker_blocks (account_id, worker_id, reason) VALUES (?1, ?2, ?3)",
            params![ctx.account, worker_id, reason],
        )?;
    }
    Ok(json!({}))
}

pub fn delete_worker_block(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let worker_id = req_str(input, "WorkerId")?;
    // Unblocking a worker who is not blocked succeeds and changes nothing, as on MTurk.
    tx.execute(
        "DELETE FROM worker_blocks WHERE account_id = ?1 AND worker_id = ?2",
        params![ctx.account, worker_id],
    )?;
    Ok(json!({}))
}

pub fn list_worker_blocks(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let page = page(input, "blocks")?;
    let mut stmt = tx.prepare_cached(
        "SELECT seq, worker_id, reason FROM worker_blocks
         WHERE account_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![ctx.account, page.after_seq, page.limit], |r| {
            Ok((
                r.get(0)?,
                json!({ "WorkerId": r.get::<_, String>(1)?, "Reason": r.get::<_, String>(2)? }),
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_answer(&page, "blocks", "WorkerBlocks", rows))
}

/// Records the message for each worker. As MTurk does, it reaches only workers whose work the
/// requester has approved or rejected; the others get a HardFailure status.
pub fn notify_workers(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let subject = req_str(input, "Subject")?;
    let text = req_str(input, "MessageText")?;
    let workers: Vec<&str> = input
        .get("WorkerIds")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if subject.chars().count() > NOTIFY_SUBJECT_MAX_CHARS {
        return Err(ApiError::invalid(
            "The Subject can include up to 200 characters.",
        ));
    }
    if text.chars().count() > NOTIFY_TEXT_MAX_CHARS {
        return Err(ApiError::invalid(
            "The MessageText can include up to 4,096 characters.",
        ));
    }
    if workers.is_empty() || workers.len() > NOTIFY_MAX_WORKERS {
        return Err(ApiError::invalid(
            "You can notify between 1 and 100 workers at a time.",
        ));
    }
    let mut failures = Vec::new();
    for worker in workers {
        let reviewed: i64 = tx.query_row(
            "SELECT COUNT(*) FROM assignments
             WHERE worker_id = ?1 AND status != ?2
               AND hit_id IN (SELECT id FROM hits WHERE account_id = ?3)",
            params![worker, AssignmentStatus::Submitted, ctx.account],
            |r| r.get(0),
        )?;
        if reviewed == 0 {
            failures.push(json!({
                "NotifyWorkersFailureCode": "HardFailure",
                "NotifyWorkersFailureMessage": format!("Cannot send a notification to {worker}: you have not approved or rejected any of their work."),
                "WorkerId": worker,
            }));
            continue;
        }
        tx.execute(
            "INSERT INTO notifications (account_id, worker_id, subject, message_text, sent_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ctx.account, worker, subject, text, ctx.now_ms],
        )?;
    }
    Ok(json!({ "NotifyWorkersFailureStatuses": failures }))
}
