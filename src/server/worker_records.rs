//! The server's record of each worker id: created when the worker is first seen (their first
//! assignment, qualification request, grant, or `MTurkLocal.UpdateWorker`), holding their
//! locale, adult and masters flags, and the counts of their assignments that the schema's
//! triggers keep. The system qualifications are computed from it.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::rules;
use crate::server::error::{ApiError, ApiResult};

/// A worker's record; a worker the server has not seen has `WorkerRecord::default()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerRecord {
    pub country: Option<String>,
    pub subdivision: Option<String>,
    pub adult: bool,
    pub masters: bool,
    /// Assignments of theirs on this server, whatever their status, and those decided.
    pub submitted: i64,
    pub approved: i64,
    pub rejected: i64,
}

/// The statement that reads a worker's record.
pub const LOAD_SQL: &str = "SELECT country, subdivision, adult, masters, submitted, approved,
    rejected FROM workers WHERE id = ?1";

/// The record of `worker_id`, with one primary-key lookup.
pub fn load(tx: &Transaction, worker_id: &str) -> ApiResult<WorkerRecord> {
    let record = tx
        .prepare_cached(LOAD_SQL)?
        .query_row(params![worker_id], |r| {
            Ok(WorkerRecord {
                country: r.get(0)?,
                subdivision: r.get(1)?,
                adult: r.get(2)?,
                masters: r.get(3)?,
                submitted: r.get(4)?,
                approved: r.get(5)?,
                rejected: r.get(6)?,
            })
        })
        .optional()?;
    Ok(record.unwrap_or_default())
}

/// Creates the record of a worker seen for the first time; a known worker's is left alone.
pub fn ensure(tx: &Transaction, worker_id: &str, now_ms: i64) -> ApiResult<()> {
    check_worker_id(worker_id)?;
    tx.prepare_cached("INSERT OR IGNORE INTO workers (id, first_seen_ms) VALUES (?1, ?2)")?
        .execute(params![worker_id, now_ms])?;
    Ok(())
}

/// What `MTurkLocal.UpdateWorker` may change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct WorkerUpdate<'a> {
    /// Country and optional subdivision.
    pub locale: Option<(&'a str, Option<&'a str>)>,
    pub adult: Option<bool>,
    pub masters: Option<bool>,
}

pub fn update(
    tx: &Transaction,
    worker_id: &str,
    change: &WorkerUpdate,
    now_ms: i64,
) -> ApiResult<()> {
    ensure(tx, worker_id, now_ms)?;
    if let Some((country, subdivision)) = change.locale {
        tx.execute(
            "UPDATE workers SET country = ?2, subdivision = ?3 WHERE id = ?1",
            params![worker_id, country, subdivision],
        )?;
    }
    if let Some(adult) = change.adult {
        tx.execute(
            "UPDATE workers SET adult = ?2 WHERE id = ?1",
            params![worker_id, adult],
        )?;
    }
    if let Some(masters) = change.masters {
        tx.execute(
            "UPDATE workers SET masters = ?2 WHERE id = ?1",
            params![worker_id, masters],
        )?;
    }
    Ok(())
}

/// MTurk's worker id shape, checked where a worker id enters the server's records.
pub fn check_worker_id(worker: &str) -> ApiResult<()> {
    if rules::is_worker_id(worker) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "Value '{worker}' at 'WorkerId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^A[A-Z0-9]+$"
        )))
    }
}
