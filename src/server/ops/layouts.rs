//! HIT layouts: HTML with `${name}` placeholders that HITs fill with their HITLayoutParameters.
//! MTurk made layouts in its requester website; here the local operation `CreateHITLayout`
//! `{Name?, HTMLContent}` -> `{HITLayoutId}` stores one for the calling account, and CreateHIT
//! with a HITLayoutId turns it, filled, into the HIT's HTMLQuestion.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::input::{opt_str, req_str};
use crate::server::error::{ApiError, ApiResult};
use crate::server::site::task_html::{fill_layout, layout_question};

/// A layout is at most what a Question may be, 64 KB.
const MAX_LAYOUT_BYTES: usize = 65_535;

pub fn create_hit_layout(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let html = req_str(input, "HTMLContent")?;
    if html.trim().is_empty() {
        return Err(ApiError::invalid(
            "The HTMLContent parameter must not be empty.",
        ));
    }
    if html.len() > MAX_LAYOUT_BYTES {
        return Err(ApiError::invalid(format!(
            "The HTMLContent is {} bytes; it must not be larger than {MAX_LAYOUT_BYTES} bytes.",
            html.len()
        )));
    }
    if input
        .get("Name")
        .is_some_and(|n| !n.is_null() && !n.is_string())
    {
        return Err(ApiError::invalid("The Name parameter must be a string."));
    }
    let id = ctx.new_id();
    tx.execute(
        "INSERT INTO hit_layouts (id, account_id, name, template, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, ctx.account, opt_str(input, "Name"), html, ctx.now_ms],
    )?;
    Ok(json!({ "HITLayoutId": id }))
}

/// The HTMLQuestion of a HIT made from the account's layout `layout_id`, filled with the
/// HITLayoutParameters of `input` (MTurk's refusals: a layout that is not the account's, a
/// placeholder without a parameter, a parameter the layout does not use).
pub fn question_from_layout(
    tx: &Transaction,
    ctx: &Ctx,
    layout_id: &str,
    input: &Value,
) -> ApiResult<String> {
    let template: Option<String> = tx
        .query_row(
            "SELECT template FROM hit_layouts WHERE id = ?1 AND account_id = ?2",
            params![layout_id, ctx.account],
            |r| r.get(0),
        )
        .optional()?;
    let Some(template) = template else {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.HITLayoutDoesNotExist",
            format!("HITLayout {layout_id} does not exist."),
        ));
    };
    // The model validator has checked that each parameter has a string Name and Value.
    let parameters: Vec<(String, String)> = input
        .get("HITLayoutParameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let text = |name| p.get(name).and_then(Value::as_str).unwrap_or_default();
            (text("Name").to_string(), text("Value").to_string())
        })
        .collect();
    let html = fill_layout(&template, &parameters).map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(layout_question(&html))
}
