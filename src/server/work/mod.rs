//! The worker's side of a HIT's life, whatever drives it (the worker site, tests): finding
//! work, previewing, accepting, returning, submitting, and abandonment at the deadline, with
//! MTurk's rules.
//!
//! Every function takes the caller's transaction (`Store::transaction`, which begins
//! IMMEDIATE, so a check and the write it allows cannot be split by another writer) and the
//! time. Call `catch_up` once at the start of each such transaction, before any other function
//! here, as every requester call does: abandoned work, auto-approvals and expired HITs' holds
//! are then settled before anything counts slots. A refusal is an `ApiError` whose `message`
//! is a sentence a worker can read.
//!
//! Work a worker has accepted lives in `accepted_assignments` until it is submitted (it
//! becomes a row of `assignments` with the same id), returned or abandoned (it moves to
//! `released_assignments`). The requester's API never lists it, but counts it: it holds its
//! slot (`NumberOfAssignmentsPending`) and that slot's money.

mod accept;
mod find;
mod history;
pub(crate) mod rules;
mod submit;
mod task;
mod workers;

pub use accept::{Accepted, abandon_due, accept, return_assignment};
pub use find::{Group, find_groups, next_hit};
pub use history::{WorkItem, WorkerHistory, worker_assignments};
pub use submit::{SubmitOutcome, submit};
pub use task::{Held, Task, held, preview};
pub use workers::create_worker;

pub use crate::server::status::WorkStatus;

use rusqlite::Transaction;

use crate::server::error::ApiResult;

/// What time did between calls (abandoned work, auto-approvals, expired HITs' holds): the
/// same catching up every requester call starts with.
pub fn catch_up(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    crate::server::ops::catch_up(tx, now_ms)
}
