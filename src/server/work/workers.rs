//! New workers: a fresh WorkerId in MTurk's shape and its record, made when a requester
//! invites someone (`MTurkLocal.CreateWorker`, `workers invite`) or someone signs up.

use rand::CryptoRng;
use rusqlite::{Transaction, params};

use crate::rules::new_worker_id;
use crate::server::eligibility::{LocaleValue, locale_problem};
use crate::server::error::{ApiError, ApiResult};
use crate::server::worker_records::{self, WorkerUpdate, check_worker_id};

/// The longest name a requester may give a worker, in characters.
const MAX_NAME_CHARS: usize = 100;

/// A new worker, named `name` (for the requester's own reference), in `locale` (country and
/// optional subdivision, ISO 3166 codes), with a fresh WorkerId drawn from `ids`.
pub fn create_worker(
    tx: &Transaction,
    name: Option<&str>,
    locale: Option<(&str, Option<&str>)>,
    now_ms: i64,
    ids: &mut impl CryptoRng,
) -> ApiResult<String> {
    if let Some(name) = name {
        let chars = name.chars().count();
        if name.trim().is_empty() || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(ApiError::invalid(format!(
                "Name must be 1 to {MAX_NAME_CHARS} characters without control characters."
            )));
        }
    }
    if let Some((country, subdivision)) = locale {
        let value = LocaleValue {
            country: country.to_string(),
            subdivision: subdivision.map(str::to_string),
        };
        if let Some(problem) = locale_problem(&value) {
            return Err(ApiError::invalid(format!("Locale: {problem}")));
        }
    }
    let worker_id = new_worker_id(ids);
    check_worker_id(&worker_id)?;
    // A plain insert: should a fresh id ever meet a known one (1 in 36^13), it fails rather
    // than hand out someone else's record.
    tx.prepare_cached("INSERT INTO workers (id, first_seen_ms, name) VALUES (?1, ?2, ?3)")?
        .execute(params![worker_id, now_ms, name])?;
    let change = WorkerUpdate {
        locale,
        ..WorkerUpdate::default()
    };
    worker_records::update(tx, &worker_id, &change, now_ms)?;
    Ok(worker_id)
}
