//! The SQLite store behind the server: opening a file or `:memory:` at this release's schema
//! (see `schema`), and one transaction per operation, so a failed call changes nothing.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, Transaction};

use super::error::ApiResult;
use super::schema::{self, SchemaError};

/// A shared handle on the database; one connection, serialised by a mutex (SQLite writes are
/// serial anyway, and every call is short).
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating when needed) the database at `path`, or a private in-memory one for
    /// `:memory:`, and brings it to this release's schema. A new database starts with
    /// `balance_cents` in its `default` account.
    pub fn open(path: &Path, balance_cents: i64) -> Result<Store, SchemaError> {
        let mut conn = if path.as_os_str() == ":memory:" {
            Connection::open_in_memory()?
        } else {
            Connection::open(path)?
        };
        // WAL keeps readers off the writer's back; synchronous=FULL keeps every committed
        // decision on disk across a power loss, not just a crash.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&mut conn, balance_cents)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{accounts, ledger};

    #[test]
    fn a_panic_inside_a_transaction_changes_nothing_and_breaks_nothing() {
        let store = Store::open(Path::new(":memory:"), 500).unwrap();
        let account = store.transaction(accounts::default_account).unwrap();
        let panicked = std::panic::catch_unwind(|| {
            let _ = store.transaction(|tx| -> ApiResult<()> {
                ledger::deposit(tx, &account, 0, 100)?;
                panic!("a bug in an operation");
            });
        });
        assert!(panicked.is_err());
        let balance = store.transaction(|tx| ledger::available_cents(tx, &account));
        assert_eq!(balance, Ok(500), "rolled back, and the store still answers");
    }
}
