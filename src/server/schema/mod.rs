//! The schema and its versions. A database's version is SQLite's `user_version`, moved by
//! rusqlite_migration: every migration a database lacks runs in one transaction, so it is
//! either wholly migrated or left exactly as it was, and a database from a newer release is
//! refused before anything touches it.
//!
//! - Version 1 is release 0.1.0's schema (a database it wrote has `user_version` 0), with the
//!   holds that releases before it did not keep.
//! - Version 2 adds requester accounts; everything before becomes the account `default`.
//! - Version 3 adds qualification types, workers' qualifications and requests, and worker
//!   records (counted from the assignments already there).
//! - Version 4 adds the worker site: accepted and released work, sign-in links, sessions, HIT
//!   layouts and uploaded files.
//! - Version 5 adds review policies: a HIT's AssignmentReviewPolicy and HITReviewPolicy, and
//!   the results and actions they wrote.
//! - Version 6 adds notification specifications per HIT type, the outbox of events waiting
//!   for delivery, and where the sweep for expired HITs has got to.
//!
//! A migration, once released, never changes: a new one is added at the end.

mod v1_holds;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

/// Why a database cannot be opened at this release's schema.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "it was written by a newer release of mturk-review (schema version {found}; this release knows versions up to {known}). Open it with that release or a newer one; this one has not touched it"
    )]
    TooNew { found: i64, known: usize },
    #[error("migrating it to schema version {to} failed, and it was left as it was: {reason}")]
    Migration { to: usize, reason: String },
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The migrations in order; a new database starts with `opening_balance_cents` in its
/// `default` account.
fn steps(opening_balance_cents: i64) -> Vec<M<'static>> {
    vec![
        M::up_with_hook(
            include_str!("v1_release_0_1.sql"),
            move |tx: &rusqlite::Transaction| v1_holds::complete(tx, opening_balance_cents),
        ),
        M::up(include_str!("v2_accounts.sql")).foreign_key_check(),
        M::up(include_str!("v3_qualifications.sql")).foreign_key_check(),
        M::up(include_str!("v4_worker_site.sql")).foreign_key_check(),
        M::up(include_str!("v5_review_policies.sql")).foreign_key_check(),
        M::up(include_str!("v6_notifications.sql")).foreign_key_check(),
    ]
}

fn migrations(opening_balance_cents: i64) -> Migrations<'static> {
    Migrations::new(steps(opening_balance_cents))
}

/// The schema version this release writes.
pub fn latest_version() -> usize {
    steps(0).len()
}

/// Brings the database on `conn` to this release's schema. Foreign keys must be off while
/// tables are rebuilt (SQLite ignores the pragma inside a transaction), so they are turned off
/// around the migration and back on after it; each migration that rebuilds tables checks them
/// before its transaction commits.
pub fn migrate(conn: &mut Connection, opening_balance_cents: i64) -> Result<(), SchemaError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = latest_version();
    if found > known as i64 || found < 0 {
        return Err(SchemaError::TooNew { found, known });
    }
    if found == known as i64 {
        conn.pragma_update(None, "foreign_keys", true)?;
        return Ok(());
    }
    conn.pragma_update(None, "foreign_keys", false)?;
    let migrated = migrations(opening_balance_cents).to_latest(conn);
    conn.pragma_update(None, "foreign_keys", true)?;
    migrated.map_err(|e| SchemaError::Migration {
        to: known,
        reason: e.to_string(),
    })?;
    if found > 0 {
        tracing::info!(from = found, to = known, "database migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migrations_are_valid() {
        assert!(migrations(0).validate().is_ok());
    }

    #[test]
    fn a_new_database_gets_the_latest_version_and_its_opening_balance() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, 1234).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, latest_version() as i64);
        let (balance, held, rows): (i64, i64, i64) = conn
            .query_row(
                "SELECT balance_cents, held_cents,
                        (SELECT SUM(amount_cents) FROM ledger WHERE account_id = accounts.id)
                 FROM accounts WHERE name = 'default'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((balance, held, rows), (1234, 0, 1234));
        migrate(&mut conn, 99).unwrap();
        let accounts: i64 = conn
            .query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(accounts, 1, "migrating again changes nothing");
    }

    #[test]
    fn a_newer_database_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = migrate(&mut conn, 0).unwrap_err();
        assert!(
            matches!(err, SchemaError::TooNew { found: 99, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("newer release"), "{err}");
        let tables: i64 = conn
            .query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }
}
