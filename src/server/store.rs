//! The SQLite store behind the server: opening (file or `:memory:`), the schema, and adding
//! what a database of an earlier release lacks. Every operation runs inside one transaction, so a failed call changes
//! nothing.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, Transaction, params};

use super::error::{ApiError, ApiResult};
use super::ledger;
use super::status::AssignmentStatus;
use crate::clock::now_ms;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hit_types (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT,
    reward_cents INTEGER NOT NULL,
    assignment_duration INTEGER NOT NULL,
    auto_approval_delay INTEGER NOT NULL,
    qualification_requirements TEXT
);
CREATE TABLE IF NOT EXISTS hits (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    hit_type_id TEXT NOT NULL REFERENCES hit_types(id),
    creation_ms INTEGER NOT NULL,
    expiration_ms INTEGER NOT NULL,
    question TEXT,
    hit_layout_id TEXT,
    requester_annotation TEXT,
    max_assignments INTEGER NOT NULL,
    review_status TEXT NOT NULL DEFAULT 'NotReviewed',
    reviewing INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    unique_request_token TEXT UNIQUE,
    slot_hold_cents INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS assignments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    hit_id TEXT NOT NULL REFERENCES hits(id),
    worker_id TEXT NOT NULL,
    status TEXT NOT NULL,
    accept_ms INTEGER NOT NULL,
    submit_ms INTEGER NOT NULL,
    auto_approval_ms INTEGER NOT NULL,
    approval_ms INTEGER,
    rejection_ms INTEGER,
    deadline_ms INTEGER NOT NULL,
    answer TEXT NOT NULL,
    feedback TEXT,
    UNIQUE (hit_id, worker_id)
);
CREATE INDEX IF NOT EXISTS assignments_by_hit ON assignments (hit_id, seq);
CREATE INDEX IF NOT EXISTS assignments_due ON assignments (status, auto_approval_ms);
CREATE TABLE IF NOT EXISTS bonuses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id TEXT NOT NULL,
    assignment_id TEXT NOT NULL,
    hit_id TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    reason TEXT NOT NULL,
    grant_ms INTEGER NOT NULL,
    unique_request_token TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS bonuses_by_hit ON bonuses (hit_id, seq);
CREATE INDEX IF NOT EXISTS bonuses_by_assignment ON bonuses (assignment_id, seq);
CREATE TABLE IF NOT EXISTS worker_blocks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_text TEXT NOT NULL,
    sent_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS extension_tokens (
    token TEXT PRIMARY KEY,
    hit_id TEXT NOT NULL
);
";

/// A shared handle on the database; one connection, serialised by a mutex (SQLite writes are
/// serial anyway, and every call is short).
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating when needed) the database at `path`, or a private in-memory one for
    /// `:memory:`. A new database starts with `balance_cents` available.
    pub fn open(path: &Path, balance_cents: i64) -> rusqlite::Result<Store> {
        let conn = if path.as_os_str() == ":memory:" {
            Connection::open_in_memory()?
        } else {
            Connection::open(path)?
        };
        // WAL keeps readers off the writer's back; synchronous=FULL keeps every committed
        // decision on disk across a power loss, not just a crash.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('balance_cents', ?1)",
            params![balance_cents.to_string()],
        )?;
        add_holds(&conn, now_ms())?;
        start_held_total(&conn)?;
        conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS hits_holding ON hits (expiration_ms)
               WHERE slot_hold_cents > 0;",
        )?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` in one transaction: committed when it returns Ok, rolled back otherwise.
    pub fn transaction<T>(&self, f: impl FnOnce(&Transaction) -> ApiResult<T>) -> ApiResult<T> {
        // A panic inside `f` poisons the lock, but the unfinished transaction it left rolled
        // back when it was dropped: the connection is sound, and one bad call must not take
        // every later call down with it.
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Whether the database holds no HITs yet (the demo loads only into an empty one).
    pub fn is_empty(&self) -> ApiResult<bool> {
        self.transaction(|tx| {
            let n: i64 = tx.query_row("SELECT COUNT(*) FROM hits", [], |r| r.get(0))?;
            Ok(n == 0)
        })
    }
}

/// A database made before holds existed (no `hits.slot_hold_cents`) gets them, once, as if
/// they had always been kept: each open HIT holds its unused slots' pay, each Submitted
/// assignment its own, all taken from the available balance. A database whose balance cannot
/// cover the work it already owes is left with that shortfall as a negative available balance,
/// which new HITs, bonuses and overrides cannot draw on.
fn add_holds(conn: &Connection, now_ms: i64) -> rusqlite::Result<()> {
    let has_holds = conn
        .prepare("SELECT 1 FROM pragma_table_info('hits') WHERE name = 'slot_hold_cents'")?
        .exists([])?;
    if has_holds {
        return Ok(());
    }
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch("ALTER TABLE hits ADD COLUMN slot_hold_cents INTEGER NOT NULL DEFAULT 0")?;
    // Only a database holding amounts past today's limits can fail here.
    let owed = legacy_holds(&tx, now_ms).map_err(|e| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_RANGE),
            Some(format!("cannot work out the holds: {}", e.message)),
        )
    })?;
    tx.commit()?;
    if owed > 0 {
        tracing::info!(
            owed_cents = owed,
            "holds added to a database made before holds"
        );
    }
    Ok(())
}

/// The running total of what is on hold, for a database that does not keep one yet.
fn start_held_total(conn: &Connection) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    ledger::start_held_total(&tx).map_err(|e| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_RANGE),
            Some(format!("cannot work out the money on hold: {}", e.message)),
        )
    })?;
    tx.commit()
}

fn legacy_holds(tx: &Transaction, now_ms: i64) -> ApiResult<i64> {
    let mut stmt = tx.prepare(
        "SELECT h.id, t.reward_cents, h.max_assignments,
                NOT h.deleted AND h.expiration_ms > ?1 AS open,
                (SELECT COUNT(*) FROM assignments a WHERE a.hit_id = h.id),
                (SELECT COUNT(*) FROM assignments a WHERE a.hit_id = h.id AND a.status = ?2)
         FROM hits h JOIN hit_types t ON t.id = h.hit_type_id",
    )?;
    let hits = stmt
        .query_map(params![now_ms, AssignmentStatus::Submitted], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut owed: i64 = 0;
    for (id, reward, max, open, total, submitted) in hits {
        let pay = ledger::pay_cents(reward, max)?;
        let unused = if open { (max - total).max(0) } else { 0 };
        let slots = ledger::slots_cents(pay, unused)?;
        tx.execute(
            "UPDATE hits SET slot_hold_cents = ?2 WHERE id = ?1",
            params![id, slots],
        )?;
        let work = ledger::slots_cents(pay, submitted)?;
        owed = owed
            .checked_add(slots)
            .and_then(|o| o.checked_add(work))
            .ok_or_else(|| ApiError::fault("the holds are out of range"))?;
    }
    ledger::take_owed(tx, owed)?;
    Ok(owed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_a_transaction_changes_nothing_and_breaks_nothing() {
        let store = Store::open(Path::new(":memory:"), 500).unwrap();
        let panicked = std::panic::catch_unwind(|| {
            let _ = store.transaction(|tx| -> ApiResult<()> {
                ledger::debit(tx, 100)?;
                panic!("a bug in an operation");
            });
        });
        assert!(panicked.is_err());
        let balance = store.transaction(ledger::available_cents);
        assert_eq!(balance, Ok(500), "rolled back, and the store still answers");
    }
}
