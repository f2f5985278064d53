//! ListReviewPolicyResultsForHIT: what a HIT's review policies computed (ReviewResultDetail)
//! and did (ReviewActionDetail), for the policy levels asked for, in the order they happened,
//! paged as the other lists are: one page of MaxResults rows across both kinds and levels.

use rusqlite::{Row, Transaction, params};
use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::input::{opt_bool, req_str};
use super::page::{encode_token, page};
use crate::server::error::{ApiError, ApiResult};
use crate::server::read_model::{hit_facts, time_json};

pub fn list_review_policy_results_for_hit(
    tx: &Transaction,
    ctx: &Ctx,
    input: &Value,
) -> ApiResult<Value> {
    let hit_id = req_str(input, "HITId")?;
    hit_facts(tx, &ctx.account, hit_id, ctx.now_ms)?;
    // Both levels when none is named.
    let (mut assignment_level, mut hit_level) = (true, true);
    if let Some(levels) = input.get("PolicyLevels").and_then(Value::as_array)
        && !levels.is_empty()
    {
        let named = |word: &str| levels.iter().any(|l| l.as_str() == Some(word));
        (assignment_level, hit_level) = (named("Assignment"), named("HIT"));
    }
    // The reference's default for both is true.
    let actions = opt_bool(input, "RetrieveActions").unwrap_or(true);
    let results = opt_bool(input, "RetrieveResults").unwrap_or(true);
    let kind = format!("review:{hit_id}:{assignment_level}:{hit_level}:{actions}:{results}");
    let page = page(input, &kind)?;

    let (assignment_policy, hit_policy): (Option<String>, Option<String>) = tx
        .prepare_cached(
            "SELECT assignment_review_policy, hit_review_policy FROM hits WHERE id = ?1",
        )?
        .query_row(params![hit_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let rows = tx
        .prepare_cached(
            "SELECT * FROM review_report
             WHERE hit_id = ?1 AND seq > ?2
               AND ((level = 'Assignment' AND ?3) OR (level = 'HIT' AND ?4))
               AND ((entry = 'Result' AND ?5) OR (entry = 'Action' AND ?6))
             ORDER BY seq LIMIT ?7",
        )?
        .query_map(
            params![
                hit_id,
                page.after_seq,
                assignment_level,
                hit_level,
                results,
                actions,
                page.limit
            ],
            |row| {
                Ok((
                    row.get::<_, i64>("seq")?,
                    row.get::<_, String>("level")?,
                    row.get::<_, String>("entry")?,
                    entry_json(row)?,
                ))
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;

    let mut answer = Map::new();
    answer.insert("HITId".into(), hit_id.into());
    let levels = [
        (
            "Assignment",
            assignment_level,
            assignment_policy,
            "AssignmentReviewPolicy",
            "AssignmentReviewReport",
        ),
        (
            "HIT",
            hit_level,
            hit_policy,
            "HITReviewPolicy",
            "HITReviewReport",
        ),
    ];
    for (level, asked, policy, policy_member, report_member) in levels {
        let Some(policy) = policy else { continue };
        // "This contains only the PolicyName element."
        let policy: Value = serde_json::from_str(&policy)
            .map_err(|e| ApiError::fault(format!("a stored review policy: {e}")))?;
        answer.insert(
            policy_member.into(),
            json!({ "PolicyName": policy["PolicyName"] }),
        );
        if !asked {
            continue;
        }
        let mut report = Map::new();
        for (entry, wanted, list) in [
            ("Result", results, "ReviewResults"),
            ("Action", actions, "ReviewActions"),
        ] {
            if wanted {
                let items: Vec<Value> = rows
                    .iter()
                    .filter(|(_, l, e, _)| l == level && e == entry)
                    .map(|(_, _, _, item)| item.clone())
                    .collect();
                report.insert(list.into(), Value::Array(items));
            }
        }
        answer.insert(report_member.into(), Value::Object(report));
    }
    if let Some((seq, ..)) = rows.last() {
        answer.insert("NextToken".into(), encode_token(&kind, *seq).into());
    }
    Ok(Value::Object(answer))
}

/// A row of `review_report` as MTurk's ReviewResultDetail or ReviewActionDetail.
fn entry_json(row: &Row) -> rusqlite::Result<Value> {
    let mut item = Map::new();
    item.insert("ActionId".into(), row.get::<_, String>("action_id")?.into());
    let mut put = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            item.insert(name.into(), value.into());
        }
    };
    if row.get::<_, String>("entry")? == "Result" {
        put("SubjectId", row.get("object_id")?);
        put("SubjectType", row.get("object_type")?);
        put("QuestionId", row.get("question_id")?);
        put("Key", row.get("key")?);
        put("Value", row.get("value")?);
    } else {
        put("ActionName", row.get("action_name")?);
        put("TargetId", row.get("object_id")?);
        put("TargetType", row.get("object_type")?);
        put("Status", row.get("status")?);
        put("Result", row.get("result")?);
        put("ErrorCode", row.get("error_code")?);
        if let Some(ms) = row.get::<_, Option<i64>>("complete_ms")? {
            item.insert("CompleteTime".into(), time_json(ms));
        }
    }
    Ok(Value::Object(item))
}
