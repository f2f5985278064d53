//! Money: the account balance (available and on hold), bonuses and their history.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::input::{money_at_most, opt_str, req_str};
use super::page::{page, page_answer};
use crate::money::{self, MAX_BONUS_CENTS};
use crate::server::error::{ApiError, ApiResult};
use crate::server::ledger::{self, Entry};
use crate::server::read_model::time_json;

pub fn get_account_balance(tx: &Transaction, ctx: &Ctx, _input: &Value) -> ApiResult<Value> {
    Ok(json!({
        "AvailableBalance": money::format_cents(ledger::available_cents(tx, &ctx.account)?),
        "OnHoldBalance": money::format_cents(ledger::on_hold_cents(tx, &ctx.account)?),
    }))
}

pub fn send_bonus(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let worker_id = req_str(input, "WorkerId")?;
    let assignment_id = req_str(input, "AssignmentId")?;
    let reason = req_str(input, "Reason")?;
    let amount = money_at_most(
        "BonusAmount",
        req_str(input, "BonusAmount")?,
        MAX_BONUS_CENTS,
    )?;
    if amount <= 0 {
        return Err(ApiError::invalid("The BonusAmount must be greater than 0."));
    }
    if reason.trim().is_empty() {
        return Err(ApiError::invalid("A Reason is required for a bonus."));
    }
    let token = opt_str(input, "UniqueRequestToken");
    if let Some(token) = token {
        let seen: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM bonuses WHERE account_id = ?1 AND unique_request_token = ?2",
                params![ctx.account, token],
                |r| r.get(0),
            )
            .optional()?;
        if seen.is_some() {
            return Err(ApiError::request(
                "AWS.MechanicalTurk.DuplicateRequest",
                format!(
                    "The bonus with UniqueRequestToken \"{token}\" has already been granted. (request {})",
                    ctx.request_id
                ),
            ));
        }
    }
    let owner: Option<(String, String)> = tx
        .query_row(
            "SELECT worker_id, hit_id FROM assignments
             WHERE id = ?1 AND hit_id IN (SELECT id FROM hits WHERE account_id = ?2)",
            params![assignment_id, ctx.account],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((owner, hit_id)) = owner else {
        return Err(ApiError::assignment_not_found(assignment_id));
    };
    if owner != worker_id {
        return Err(ApiError::invalid(format!(
            "Assignment {assignment_id} was not submitted by worker {worker_id}."
        )));
    }
    ledger::pay_available(
        tx,
        &ctx.account,
        ctx.now_ms,
        Entry::Bonus,
        ledger::bonus_cents(amount)?,
        assignment_id,
    )?;
    tx.execute(
        "INSERT INTO bonuses (account_id, worker_id, assignment_id, hit_id, amount_cents, reason,
           grant_ms, unique_request_token)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            ctx.account,
            worker_id,
            assignment_id,
            hit_id,
            amount,
            reason,
            ctx.now_ms,
            token
        ],
    )?;
    Ok(json!({}))
}

pub fn list_bonus_payments(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let hit_id = opt_str(input, "HITId");
    let assignment_id = opt_str(input, "AssignmentId");
    let (column, key) = match (hit_id, assignment_id) {
        (_, Some(a)) => ("assignment_id", a),
        (Some(h), None) => ("hit_id", h),
        (None, None) => {
            return Err(ApiError::invalid(
                "Either the HITId parameter or the AssignmentId parameter must be specified.",
            ));
        }
    };
    let kind = format!("bonuses:{column}:{key}");
    let page = page(input, &kind)?;
    let sql = format!(
        "SELECT seq, worker_id, amount_cents, assignment_id, reason, grant_ms FROM bonuses
         WHERE account_id = ?1 AND {column} = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![ctx.account, key, page.after_seq, page.limit], |r| {
            Ok((
                r.get(0)?,
                json!({
                    "WorkerId": r.get::<_, String>(1)?,
                    "BonusAmount": money::format_cents(r.get(2)?),
                    "AssignmentId": r.get::<_, String>(3)?,
                    "Reason": r.get::<_, String>(4)?,
                    "GrantTime": time_json(r.get(5)?),
                }),
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_answer(&page, &kind, "BonusPayments", rows))
}
