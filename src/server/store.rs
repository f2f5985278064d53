//! The SQLite store behind the server: opening (file or `:memory:`), the schema, and the
//! account balance. Every operation runs inside one transaction, so a failed call changes
//! nothing.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::error::{ApiError, ApiResult};

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
    unique_request_token TEXT UNIQUE
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

/// The account's available balance.
pub fn balance_cents(tx: &Transaction) -> ApiResult<i64> {
    let text: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'balance_cents'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    text.and_then(|t| t.parse().ok())
        .ok_or_else(|| ApiError::fault("account balance missing"))
}

/// Takes `cents` from the balance, or fails with MTurk's insufficient-funds error and changes nothing.
pub fn debit(tx: &Transaction, cents: i64) -> ApiResult<()> {
    let balance = balance_cents(tx)?;
    if balance < cents {
        return Err(ApiError::insufficient_funds());
    }
    set_balance(tx, balance - cents)
}

/// Takes `cents` even when that leaves the balance negative: for payments MTurk makes on its
/// own (auto-approval), which the requester cannot refuse.
pub fn debit_unconditionally(tx: &Transaction, cents: i64) -> ApiResult<()> {
    let balance = balance_cents(tx)?;
    set_balance(tx, balance - cents)
}

fn set_balance(tx: &Transaction, cents: i64) -> ApiResult<()> {
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'balance_cents'",
        params![cents.to_string()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_a_transaction_changes_nothing_and_breaks_nothing() {
        let store = Store::open(Path::new(":memory:"), 500).unwrap();
        let panicked = std::panic::catch_unwind(|| {
            let _ = store.transaction(|tx| -> ApiResult<()> {
                debit(tx, 100)?;
                panic!("a bug in an operation");
            });
        });
        assert!(panicked.is_err());
        let balance = store.transaction(balance_cents);
        assert_eq!(balance, Ok(500), "rolled back, and the store still answers");
    }
}
