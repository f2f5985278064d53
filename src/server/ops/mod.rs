//! The operations the server answers, one module per group, and what they share: reading
//! validated input, pagination tokens, ids, timestamps, and the auto-approval sweep that runs
//! before every call.

mod account;
mod assignments;
mod hits;
mod local;
mod workers;

pub use hits::{create_hit, hit_facts};
pub use local::{Submission, insert_assignment, plan_assignment, submit_assignment};

use std::cell::RefCell;

use rand::Rng;
use rand::rngs::StdRng;
use rusqlite::{Transaction, params};
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use super::store::debit_unconditionally;
use crate::money;

/// The target prefix of MTurk's own operations, and of the server's local additions.
pub const MTURK_PREFIX: &str = "MTurkRequesterServiceV20170117";
pub const LOCAL_PREFIX: &str = "MTurkLocal";

/// What one call sees of the world besides its input.
pub struct Ctx {
    pub now_ms: i64,
    pub request_id: String,
    /// Where new ids come from: the thread's generator, or a seeded one so that a generated
    /// data set is the same twice.
    pub ids: Option<RefCell<StdRng>>,
}

impl Ctx {
    pub fn new(now_ms: i64, request_id: impl Into<String>) -> Ctx {
        Ctx {
            now_ms,
            request_id: request_id.into(),
            ids: None,
        }
    }

    /// A new id in MTurk's shape.
    pub fn new_id(&self) -> String {
        match &self.ids {
            Some(rng) => id_from(&mut *rng.borrow_mut()),
            None => id_from(&mut rand::rng()),
        }
    }
}

type Handler = fn(&Transaction, &Ctx, &Value) -> ApiResult<Value>;

/// The handler for an MTurk operation name, when this server implements it.
pub fn mturk_operation(name: &str) -> Option<Handler> {
    Some(match name {
        "CreateHIT" => hits::create_hit,
        "CreateHITType" => hits::create_hit_type,
        "CreateHITWithHITType" => hits::create_hit_with_hit_type,
        "GetHIT" => hits::get_hit,
        "ListHITs" => hits::list_hits,
        "ListReviewableHITs" => hits::list_reviewable_hits,
        "UpdateHITReviewStatus" => hits::update_hit_review_status,
        "UpdateExpirationForHIT" => hits::update_expiration_for_hit,
        "DeleteHIT" => hits::delete_hit,
        "CreateAdditionalAssignmentsForHIT" => hits::create_additional_assignments_for_hit,
        "ListAssignmentsForHIT" => assignments::list_assignments_for_hit,
        "GetAssignment" => assignments::get_assignment,
        "ApproveAssignment" => assignments::approve_assignment,
        "RejectAssignment" => assignments::reject_assignment,
        "SendBonus" => account::send_bonus,
        "ListBonusPayments" => account::list_bonus_payments,
        "GetAccountBalance" => account::get_account_balance,
        "CreateWorkerBlock" => workers::create_worker_block,
        "DeleteWorkerBlock" => workers::delete_worker_block,
        "ListWorkerBlocks" => workers::list_worker_blocks,
        "NotifyWorkers" => workers::notify_workers,
        _ => return None,
    })
}

/// The handler for a `MTurkLocal.*` operation.
pub fn local_operation(name: &str) -> Option<Handler> {
    match name {
        "SubmitAssignment" => Some(local::submit_assignment),
        _ => None,
    }
}

/// MTurk approves a Submitted assignment on its own at its AutoApprovalTime. Run before every
/// call, so anything that reads or acts on an assignment sees it already approved.
pub fn auto_approve_due(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    let mut due = tx.prepare_cached(
        "SELECT a.id, a.auto_approval_ms, t.reward_cents, h.max_assignments
         FROM assignments a JOIN hits h ON h.id = a.hit_id JOIN hit_types t ON t.id = h.hit_type_id
         WHERE a.status = 'Submitted' AND a.auto_approval_ms <= ?1",
    )?;
    let rows: Vec<(String, i64, i64, i64)> = due
        .query_map(params![now_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    for (id, at_ms, reward_cents, max_assignments) in rows {
        tx.execute(
            "UPDATE assignments SET status = 'Approved', approval_ms = ?2 WHERE id = ?1",
            params![id, at_ms],
        )?;
        debit_unconditionally(
            tx,
            money::approval_cost_cents(reward_cents, max_assignments),
        )?;
    }
    Ok(())
}

// ---- reading validated input -------------------------------------------------------------

fn opt_str<'a>(input: &'a Value, name: &str) -> Option<&'a str> {
    input.get(name).and_then(Value::as_str)
}

/// A required string; the model validator has already checked presence and type, this is the
/// belt to its braces.
fn req_str<'a>(input: &'a Value, name: &str) -> ApiResult<&'a str> {
    opt_str(input, name).ok_or_else(|| {
        ApiError::request(
            "AWS.MissingParameters",
            format!("Value null at '{name}' failed to satisfy constraint: Member must not be null"),
        )
    })
}

fn opt_i64(input: &Value, name: &str) -> Option<i64> {
    input.get(name).and_then(Value::as_i64)
}

fn opt_bool(input: &Value, name: &str) -> Option<bool> {
    input.get(name).and_then(Value::as_bool)
}

/// A timestamp member (epoch seconds, fractions allowed) in milliseconds.
fn opt_time_ms(input: &Value, name: &str) -> Option<i64> {
    input
        .get(name)
        .and_then(Value::as_f64)
        .map(|secs| (secs * 1000.0).round() as i64)
}

fn check_range(name: &str, value: i64, min: i64, max: i64) -> ApiResult<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ApiError::request(
            "AWS.ParameterOutOfRange",
            format!("The value {value} for {name} is invalid. It must be between {min} and {max}."),
        ))
    }
}

fn money_cents(name: &str, text: &str) -> ApiResult<i64> {
    money::parse_cents(text).ok_or_else(|| {
        ApiError::invalid(format!(
            "The value \"{text}\" for {name} is not a valid amount of money."
        ))
    })
}

/// RequesterFeedback as MTurk checks it: at most 1024 characters, no ASCII 0-8, 11, 12, 14-31.
fn check_feedback(feedback: &str) -> ApiResult<()> {
    match crate::mturk::domain::feedback_problem(feedback) {
        None => Ok(()),
        Some(problem) => Err(ApiError::invalid(format!(
            "RequesterFeedback is invalid: {problem}."
        ))),
    }
}

// ---- writing output ------------------------------------------------------------------------

/// Epoch milliseconds as the JSON number of seconds clients expect (an integer when whole).
fn time_json(ms: i64) -> Value {
    if ms % 1000 == 0 {
        Value::from(ms / 1000)
    } else {
        Value::from(ms as f64 / 1000.0)
    }
}

/// Adds `name` to `object` only when there is a value: MTurk leaves absent fields out.
fn put(object: &mut Map<String, Value>, name: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        object.insert(name.to_string(), v.into());
    }
}

/// A new id in MTurk's shape: 30 characters of [A-Z0-9].
pub fn id_from(rng: &mut impl Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..30)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

// ---- pagination ----------------------------------------------------------------------------

/// One page request: how many, and after which row (by the table's insertion sequence, so a
/// token stays right while rows are added or change status).
struct Page {
    limit: i64,
    after_seq: i64,
}

const DEFAULT_PAGE_SIZE: i64 = 10;

/// Reads MaxResults and NextToken; `kind` ties a token to the list it came from.
fn page(input: &Value, kind: &str) -> ApiResult<Page> {
    let limit = opt_i64(input, "MaxResults").unwrap_or(DEFAULT_PAGE_SIZE);
    let after_seq = match opt_str(input, "NextToken") {
        None => 0,
        Some(token) => decode_token(token, kind).ok_or_else(|| {
            ApiError::invalid(format!("The pagination token \"{token}\" is invalid."))
        })?,
    };
    Ok(Page { limit, after_seq })
}

/// Tokens are opaque to clients: hex of "kind:seq".
fn encode_token(kind: &str, seq: i64) -> String {
    format!("{kind}:{seq}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_token(token: &str, kind: &str) -> Option<i64> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (k, seq) = text.rsplit_once(':')?;
    (k == kind).then(|| seq.parse().ok()).flatten()
}

/// Builds a list answer from up to `page.limit + 1` rows of (seq, item): the extra row only
/// says that there is more.
fn page_answer(page: &Page, kind: &str, list_name: &str, mut rows: Vec<(i64, Value)>) -> Value {
    let more = rows.len() as i64 > page.limit;
    rows.truncate(page.limit as usize);
    let mut answer = Map::new();
    if more && let Some((seq, _)) = rows.last() {
        answer.insert("NextToken".into(), encode_token(kind, *seq).into());
    }
    answer.insert("NumResults".into(), Value::from(rows.len()));
    answer.insert(
        list_name.into(),
        Value::Array(rows.into_iter().map(|(_, v)| v).collect()),
    );
    Value::Object(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_tied_to_their_list() {
        let token = encode_token("assignments:H1", 42);
        assert_eq!(decode_token(&token, "assignments:H1"), Some(42));
        assert_eq!(decode_token(&token, "assignments:H2"), None);
        assert_eq!(decode_token("zz", "hits"), None);
        assert_eq!(decode_token("é1", "hits"), None);
    }

    #[test]
    fn ids_look_like_mturk_ids() {
        let id = Ctx::new(0, "test").new_id();
        assert_eq!(id.len(), 30);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
    }

    #[test]
    fn whole_seconds_are_integers() {
        assert_eq!(time_json(1_700_000_000_000).to_string(), "1700000000");
        assert_eq!(time_json(1_700_000_000_250).to_string(), "1700000000.25");
    }
}
