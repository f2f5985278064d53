//! The SQLite store behind the server: opening a file or `:memory:` at this release's schema
//! (see `schema`), one transaction per operation, so a failed call changes nothing, and the
//! database file as a whole: keeping it private to its owner, and copying it while it is in use.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use super::error::ApiResult;
use super::schema::{self, SchemaError};

/// How long a connection waits for another's write to finish before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

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
        conn.busy_timeout(BUSY_TIMEOUT)?;
        schema::migrate(&mut conn, balance_cents)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` in one transaction: committed when it returns Ok, rolled back otherwise.
    ///
    /// The transaction takes the write lock as it begins, waiting for it up to the busy
    /// timeout: another process on the same file (`mturk-review accounts` beside a server)
    /// then runs before or after it. A deferred one would read, find at its first write that
    /// the other had committed meanwhile, and fail at once with "database is locked" (SQLite
    /// cannot wait there: what it read is stale).
    pub fn transaction<T>(&self, f: impl FnOnce(&Transaction) -> ApiResult<T>) -> ApiResult<T> {
        // A panic inside `f` poisons the lock, but the unfinished transaction it left rolled
        // back when it was dropped: the connection is sound, and one bad call must not take
        // every later call down with it.
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
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

/// `path` with SQLite's `suffix` (`-wal`, `-shm`, `-journal`) appended.
fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Makes the database file, and its `-wal` and `-shm` when present, readable and writable by
/// their owner only (0600): the file holds access keys' secrets. Side files SQLite creates
/// later get the database file's permissions. Nothing to do where there are no unix modes.
pub fn restrict_to_owner(db: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let private = || std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(db, private())?;
        for suffix in ["-wal", "-shm"] {
            match std::fs::set_permissions(side_file(db, suffix), private()) {
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    #[cfg(not(unix))]
    let _ = db;
    Ok(())
}

/// What `backup` copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub bytes: u64,
    /// The copy's schema version (SQLite's `user_version`, see `schema`).
    pub schema_version: i64,
}

/// Why a backup was not made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{0} exists already")]
    Exists(PathBuf),
    #[error("{0} stayed locked for longer than SQLite's busy timeout; try again")]
    Locked(PathBuf),
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A copy being written beside its destination; removed unless it was moved into place.
struct Partial(PathBuf);

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        for suffix in ["-journal", "-wal", "-shm"] {
            let _ = std::fs::remove_file(side_file(&self.0, suffix));
        }
    }
}

/// Copies the database at `source` to `dest` with SQLite's online backup API: a consistent
/// copy, also while a server runs on the file and writes to it. The copy is written beside
/// `dest`, readable by its owner only, and moved into place when complete, so a failed backup
/// leaves no half copy, and an earlier one at `dest` (replaced only when `replace` is set)
/// stays whole until then. The source is read as it is, never migrated.
pub fn backup(source: &Path, dest: &Path, replace: bool) -> Result<Copied, BackupError> {
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source.to_path_buf()));
    }
    if !replace && dest.exists() {
        return Err(BackupError::Exists(dest.to_path_buf()));
    }
    // Read-write without create, so a mistyped path is not made into a new database; SQLite
    // falls back to reading only where the file is not writable.
    let from = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    from.busy_timeout(BUSY_TIMEOUT)?;
    let partial = Partial(side_file(dest, &format!(".{}.partial", std::process::id())));
    create_private(&partial.0)?;
    let mut to = Connection::open(&partial.0)?;
    to.busy_timeout(BUSY_TIMEOUT)?;
    {
        let copy = Backup::new(&from, &mut to)?;
        // Every page in one step, under one read transaction: in WAL mode the server's writes
        // go on meanwhile and do not touch this snapshot. A copy made a few pages at a time
        // starts over whenever another connection writes between two steps, so on a busy
        // server it might never end.
        let mut step = copy.step(-1)?;
        while step == StepResult::More {
            step = copy.step(-1)?;
        }
        if step != StepResult::Done {
            return Err(BackupError::Locked(source.to_path_buf()));
        }
    }
    let schema_version: i64 = to.pragma_query_value(None, "user_version", |r| r.get(0))?;
    to.close().map_err(|(_, err)| err)?;
    let bytes = std::fs::metadata(&partial.0)?.len();
    std::fs::rename(&partial.0, dest)?;
    Ok(Copied {
        bytes,
        schema_version,
    })
}

/// Creates an empty file that only its owner can read and write (0600 on unix).
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{accounts, ledger};
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A database path of its own under the temp dir, removed with its side files at the end.
    struct TempPath(PathBuf);

    impl TempPath {
        fn new(tag: &str) -> TempPath {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let name = format!("mturk-review-store-{tag}-{}-{n}.db", std::process::id());
            TempPath(std::env::temp_dir().join(name))
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(side_file(&self.0, suffix));
            }
        }
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_transaction_holds_the_write_lock_from_its_start() {
        let db = TempPath::new("immediate");
        let store = Store::open(&db.0, 500).unwrap();
        let account = store.transaction(accounts::default_account).unwrap();
        let other = Connection::open(&db.0).unwrap();
        other
            .busy_timeout(std::time::Duration::from_millis(50))
            .unwrap();
        store
            .transaction(|tx| {
                let before = ledger::available_cents(tx, &account)?;
                // Another process's write waits for this transaction instead of slipping in
                // between its read and its write (which would make that write fail).
                let slipped = other.execute("UPDATE accounts SET created_ms = created_ms + 1", []);
                assert!(slipped.is_err(), "the other write ran meanwhile");
                ledger::deposit(tx, &account, 0, 100)?;
                assert_eq!(ledger::available_cents(tx, &account)?, before + 100);
                Ok(())
            })
            .unwrap();
        let balance = store.transaction(|tx| ledger::available_cents(tx, &account));
        assert_eq!(balance, Ok(600));
        assert_eq!(
            other.execute("UPDATE accounts SET created_ms = created_ms + 1", []),
            Ok(1),
            "after it, the other process writes"
        );
    }

    #[test]
    fn a_backup_is_a_whole_private_copy_and_replaces_only_when_told() {
        let source = TempPath::new("source");
        let dest = TempPath::new("copy");
        let store = Store::open(&source.0, 1234).unwrap();
        let copied = backup(&source.0, &dest.0, false).unwrap();
        assert_eq!(
            copied.schema_version,
            super::schema::latest_version() as i64
        );
        assert_eq!(copied.bytes, std::fs::metadata(&dest.0).unwrap().len());
        #[cfg(unix)]
        assert_eq!(mode(&dest.0), 0o600);
        let copy = Store::open(&dest.0, 0).unwrap();
        let account = copy.transaction(accounts::default_account).unwrap();
        assert_eq!(
            copy.transaction(|tx| ledger::available_cents(tx, &account)),
            Ok(1234)
        );
        drop(copy);

        let account = store.transaction(accounts::default_account).unwrap();
        store
            .transaction(|tx| ledger::deposit(tx, &account, 0, 1))
            .unwrap();
        let before = std::fs::read(&dest.0).unwrap();
        assert!(matches!(
            backup(&source.0, &dest.0, false),
            Err(BackupError::Exists(_))
        ));
        assert_eq!(std::fs::read(&dest.0).unwrap(), before, "left as it was");
        backup(&source.0, &dest.0, true).unwrap();
        let copy = Store::open(&dest.0, 0).unwrap();
        assert_eq!(
            copy.transaction(|tx| ledger::available_cents(tx, &account)),
            Ok(1235),
            "replaced by a copy of now"
        );

        let missing = TempPath::new("missing");
        let elsewhere = TempPath::new("elsewhere");
        assert!(matches!(
            backup(&missing.0, &elsewhere.0, false),
            Err(BackupError::NoDatabase(_))
        ));
        assert!(!missing.0.exists(), "a missing source is not created");
        assert!(!elsewhere.0.exists());
        let partials = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                name.starts_with("mturk-review-store-copy") && name.contains(".partial")
            })
            .count();
        assert_eq!(partials, 0, "no partial copy is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn restricting_covers_the_database_and_its_side_files() {
        use std::os::unix::fs::PermissionsExt;
        let db = TempPath::new("private");
        let store = Store::open(&db.0, 0).unwrap();
        store.is_empty().unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let path = side_file(&db.0, suffix);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        restrict_to_owner(&db.0).unwrap();
        for suffix in ["", "-wal", "-shm"] {
            assert_eq!(mode(&side_file(&db.0, suffix)), 0o600, "{suffix:?}");
        }
        drop(store);
        let bare = TempPath::new("bare");
        std::fs::write(&bare.0, b"").unwrap();
        restrict_to_owner(&bare.0).unwrap();
        assert_eq!(mode(&bare.0), 0o600, "no side files is no error");
    }

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
