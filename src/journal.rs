//! The decision journal: every decision is written here, and flushed to disk, before it is
//! sent; its outcome is written when known. After a crash or a dropped network, the entries
//! without a known outcome are what the next start reconciles. It doubles as the reviewer's
//! history (`mturk-review journal`).
//!
//! One SQLite file holds the journals of every endpoint and account; each entry names both,
//! and reconciliation only ever looks at the entries of the endpoint and account in use.
//!
//! Two kinds of entry: decisions (approve, reject) and bonuses. A bonus entry carries the
//! UniqueRequestToken every attempt to pay it sends, so MTurk pays it at most once. The file's
//! schema is versioned (SQLite's `user_version`, moved by rusqlite_migration): version 1 is the
//! decisions table the first releases wrote (their files have `user_version` 0 and are
//! migrated in place, their entries untouched), version 2 adds bonuses.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use crate::clock::now_ms;
use crate::mturk::domain::{Bonus, Decision, DecisionKind};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the decision journal {path} cannot be used: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("the decision journal cannot be written: {0}")]
    Write(#[from] rusqlite::Error),
    #[error("the decision journal {path} cannot be brought to this release's schema: {source}")]
    Migrate {
        path: String,
        source: rusqlite_migration::Error,
    },
    #[error("no user data directory is known here; pass --journal PATH")]
    NoDataDir,
    #[error("cannot create {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
}

/// Which journal entries belong together: one endpoint, one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub endpoint: String,
    /// A stable fingerprint of the account (never a credential).
    pub account: String,
}

/// How a journaled decision ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// MTurk confirmed the new status.
    Done,
    /// MTurk refused it, or it was confirmed not to have taken effect.
    Failed,
    /// Sent, but whether it took effect could not be confirmed.
    Unknown,
    /// Sent again later: the newer entry is the one that counts.
    Superseded,
}

impl Outcome {
    /// The word stored in the journal, and printed by `mturk-review journal`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
            Outcome::Superseded => "superseded",
        }
    }

    fn parse(word: &str) -> Option<Outcome> {
        [
            Outcome::Done,
            Outcome::Failed,
            Outcome::Unknown,
            Outcome::Superseded,
        ]
        .into_iter()
        .find(|outcome| outcome.as_str() == word)
    }
}

/// One line of history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub at_ms: i64,
    pub endpoint: String,
    pub decision: Decision,
    /// None while no outcome has been written (the program stopped before it was known).
    pub outcome: Option<Outcome>,
    pub detail: String,
}

/// One bonus, as journaled before it is first sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BonusEntry {
    pub seq: i64,
    pub at_ms: i64,
    /// The UniqueRequestToken of every attempt to pay it.
    pub token: String,
    pub bonus: Bonus,
    /// How many payments like it the assignment had before the first attempt; None while
    /// nothing has been sent.
    pub prior_matches: Option<i64>,
    pub outcome: Option<Outcome>,
    pub detail: String,
}

pub struct Journal {
    conn: Connection,
    scope: Scope,
}

/// The default journal file under the user's data directory.
pub fn default_path() -> Result<PathBuf, JournalError> {
    let dir = crate::rules::user_data_dir().ok_or(JournalError::NoDataDir)?;
    std::fs::create_dir_all(&dir).map_err(|source| JournalError::CreateDir {
        path: dir.display().to_string(),
        source,
    })?;
    Ok(dir.join("journal.sqlite"))
}

/// A short, stable fingerprint of an access key id (FNV-1a), so entries of different
/// accounts never mix and the key itself is never stored.
pub fn account_fingerprint(access_key_id: &str) -> String {
    let hash = access_key_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("acct-{hash:016x}")
}

/// The journal's schema versions, oldest first. A migration, once released, never changes.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        // Version 1: what the first releases wrote (without a version); IF NOT EXISTS keeps
        // their files as they are.
        M::up(
            "CREATE TABLE IF NOT EXISTS decisions (
               seq INTEGER PRIMARY KEY AUTOINCREMENT,
               at_ms INTEGER NOT NULL,
               endpoint TEXT NOT NULL,
               account TEXT NOT NULL,
               assignment_id TEXT NOT NULL,
               worker_id TEXT NOT NULL,
               kind TEXT NOT NULL,
               override_rejection INTEGER NOT NULL,
               feedback TEXT,
               outcome TEXT,
               outcome_at_ms INTEGER,
               detail TEXT NOT NULL DEFAULT ''
             );
             CREATE INDEX IF NOT EXISTS decisions_open
               ON decisions (endpoint, account, outcome);",
        ),
        // Version 2: bonuses. `prior_matches` is how many payments like this one the
        // assignment had just before the first attempt; NULL until then (nothing was sent).
        M::up(
            "CREATE TABLE bonuses (
               seq INTEGER PRIMARY KEY AUTOINCREMENT,
               at_ms INTEGER NOT NULL,
               endpoint TEXT NOT NULL,
               account TEXT NOT NULL,
               assignment_id TEXT NOT NULL,
               worker_id TEXT NOT NULL,
               amount_cents INTEGER NOT NULL,
               reason TEXT NOT NULL,
               token TEXT NOT NULL UNIQUE,
               prior_matches INTEGER,
               outcome TEXT,
               outcome_at_ms INTEGER,
               detail TEXT NOT NULL DEFAULT ''
             );
             CREATE INDEX bonuses_open ON bonuses (endpoint, account, outcome);",
        ),
    ])
}

fn open_connection(path: &Path) -> Result<Connection, JournalError> {
    let mut conn = Connection::open(path)
        .and_then(|conn| {
            conn.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 PRAGMA busy_timeout = 5000;",
            )?;
            Ok(conn)
        })
        .map_err(|source| JournalError::Open {
            path: path.display().to_string(),
            source,
        })?;
    migrations()
        .to_latest(&mut conn)
        .map_err(|source| JournalError::Migrate {
            path: path.display().to_string(),
            source,
        })?;
    Ok(conn)
}

impl Journal {
    /// Opens (creating when needed) the journal at `path` for one endpoint and account.
    /// `:memory:` keeps it for this run only (the demo's server is in memory too).
    pub fn open(path: &Path, scope: Scope) -> Result<Journal, JournalError> {
        Ok(Journal {
            conn: open_connection(path)?,
            scope,
        })
    }

    /// Writes decisions about to be sent, in one transaction: on disk when this returns.
    /// Returns each decision's sequence number, in order.
    pub fn record_intents(&mut self, decisions: &[Decision]) -> Result<Vec<i64>, JournalError> {
        let tx = self.conn.transaction()?;
        let mut seqs = Vec::with_capacity(decisions.len());
        {
            // A decision sent again replaces the earlier one whose outcome was unknown.
            let mut supersede = tx.prepare_cached(
                "UPDATE decisions SET outcome = ?5, outcome_at_ms = ?4
                 WHERE endpoint = ?1 AND account = ?2 AND assignment_id = ?3
                   AND (outcome IS NULL OR outcome = ?6)",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO decisions (at_ms, endpoint, account, assignment_id, worker_id, kind,
                   override_rejection, feedback)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let at = now_ms();
            for d in decisions {
                supersede.execute(params![
                    self.scope.endpoint,
                    self.scope.account,
                    d.assignment_id,
                    at,
                    Outcome::Superseded.as_str(),
                    Outcome::Unknown.as_str(),
                ])?;
                let (kind, override_rejection) = match d.kind {
                    DecisionKind::Approve { override_rejection } => ("approve", override_rejection),
                    DecisionKind::Reject => ("reject", false),
                };
                insert.execute(params![
                    at,
                    self.scope.endpoint,
                    self.scope.account,
                    d.assignment_id,
                    d.worker_id,
                    kind,
                    override_rejection,
                    d.feedback,
                ])?;
                seqs.push(tx.last_insert_rowid());
            }
        }
        tx.commit()?;
        Ok(seqs)
    }

    pub fn record_outcome(
        &mut self,
        seq: i64,
        outcome: Outcome,
        detail: &str,
    ) -> Result<(), JournalError> {
        self.record_outcomes(&[(seq, outcome, detail.to_string())])
    }

    /// Writes several outcomes in one transaction: one flush to disk.
    pub fn record_outcomes(
        &mut self,
        outcomes: &[(i64, Outcome, String)],
    ) -> Result<(), JournalError> {
        let tx = self.conn.transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE decisions SET outcome = ?2, outcome_at_ms = ?3, detail = ?4 WHERE seq = ?1",
            )?;
            let at = now_ms();
            for (seq, outcome, detail) in outcomes {
                update.execute(params![seq, outcome.as_str(), at, detail])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// This scope's decisions whose outcome is not known: never written (the program
    /// stopped) or written as unknown.
    pub fn unresolved(&self) -> Result<Vec<Entry>, JournalError> {
        let mut query = self.conn.prepare(
            "SELECT seq, at_ms, endpoint, assignment_id, worker_id, kind, override_rejection,
                    feedback, outcome, detail
             FROM decisions
             WHERE endpoint = ?1 AND account = ?2
               AND (outcome IS NULL OR outcome = ?3)
             ORDER BY seq",
        )?;
        let rows = query.query_map(
            params![
                self.scope.endpoint,
                self.scope.account,
                Outcome::Unknown.as_str()
            ],
            entry,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The whole history, oldest first, of every endpoint and account in this file.
    pub fn history(&self) -> Result<Vec<Entry>, JournalError> {
        history(&self.conn)
    }

    /// Writes a bonus about to be sent, with a fresh UniqueRequestToken: on disk when this
    /// returns. The token is random, so journals on two machines never share one.
    pub fn record_bonus(&mut self, bonus: &Bonus) -> Result<BonusEntry, JournalError> {
        let token = format!("mturk-review-{}", uuid::Uuid::new_v4().simple());
        let at = now_ms();
        self.conn.execute(
            "INSERT INTO bonuses (at_ms, endpoint, account, assignment_id, worker_id,
               amount_cents, reason, token)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                at,
                self.scope.endpoint,
                self.scope.account,
                bonus.assignment_id,
                bonus.worker_id,
                bonus.amount_cents,
                bonus.reason,
                token,
            ],
        )?;
        Ok(BonusEntry {
            seq: self.conn.last_insert_rowid(),
            at_ms: at,
            token,
            bonus: bonus.clone(),
            prior_matches: None,
            outcome: None,
            detail: String::new(),
        })
    }

    /// Writes how many payments like the bonus its assignment had before it is sent.
    pub fn record_bonus_prior(&mut self, seq: i64, prior: i64) -> Result<(), JournalError> {
        self.conn.execute(
            "UPDATE bonuses SET prior_matches = ?2 WHERE seq = ?1",
            params![seq, prior],
        )?;
        Ok(())
    }

    pub fn record_bonus_outcome(
        &mut self,
        seq: i64,
        outcome: Outcome,
        detail: &str,
    ) -> Result<(), JournalError> {
        self.conn.execute(
            "UPDATE bonuses SET outcome = ?2, outcome_at_ms = ?3, detail = ?4 WHERE seq = ?1",
            params![seq, outcome.as_str(), now_ms(), detail],
        )?;
        Ok(())
    }

    /// This scope's bonuses whose outcome is not known.
    pub fn unresolved_bonuses(&self) -> Result<Vec<BonusEntry>, JournalError> {
        let mut query = self.conn.prepare(
            "SELECT seq, at_ms, token, assignment_id, worker_id, amount_cents, reason,
                    prior_matches, outcome, detail
             FROM bonuses
             WHERE endpoint = ?1 AND account = ?2 AND (outcome IS NULL OR outcome = ?3)
             ORDER BY seq",
        )?;
        let rows = query.query_map(
            params![
                self.scope.endpoint,
                self.scope.account,
                Outcome::Unknown.as_str()
            ],
            bonus_entry,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One bonus entry by its sequence number.
    pub fn bonus(&self, seq: i64) -> Result<Option<BonusEntry>, JournalError> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, at_ms, token, assignment_id, worker_id, amount_cents, reason,
                        prior_matches, outcome, detail
                 FROM bonuses WHERE seq = ?1",
                params![seq],
                bonus_entry,
            )
            .optional()?)
    }
}

fn bonus_entry(row: &rusqlite::Row) -> rusqlite::Result<BonusEntry> {
    Ok(BonusEntry {
        seq: row.get(0)?,
        at_ms: row.get(1)?,
        token: row.get(2)?,
        bonus: Bonus {
            assignment_id: row.get(3)?,
            worker_id: row.get(4)?,
            amount_cents: row.get(5)?,
            reason: row.get(6)?,
        },
        prior_matches: row.get(7)?,
        outcome: row
            .get::<_, Option<String>>(8)?
            .as_deref()
            .and_then(Outcome::parse),
        detail: row.get(9)?,
    })
}

/// The history of a journal file, without choosing a scope (for `mturk-review journal`).
pub fn read_history(path: &Path) -> Result<Vec<Entry>, JournalError> {
    history(&open_connection(path)?)
}

/// Every bonus in a journal file, oldest first, of every endpoint and account, each with the
/// endpoint it was paid on.
pub fn read_bonuses(path: &Path) -> Result<Vec<(String, BonusEntry)>, JournalError> {
    let conn = open_connection(path)?;
    let mut query = conn.prepare(
        "SELECT seq, at_ms, token, assignment_id, worker_id, amount_cents, reason,
                prior_matches, outcome, detail, endpoint
         FROM bonuses ORDER BY seq",
    )?;
    let rows = query.query_map([], |row| Ok((row.get(10)?, bonus_entry(row)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn history(conn: &Connection) -> Result<Vec<Entry>, JournalError> {
    let mut query = conn.prepare(
        "SELECT seq, at_ms, endpoint, assignment_id, worker_id, kind, override_rejection,
                feedback, outcome, detail
         FROM decisions ORDER BY seq",
    )?;
    let rows = query.query_map([], entry)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn entry(row: &rusqlite::Row) -> rusqlite::Result<Entry> {
    let kind: String = row.get(5)?;
    let override_rejection: bool = row.get(6)?;
    Ok(Entry {
        seq: row.get(0)?,
        at_ms: row.get(1)?,
        endpoint: row.get(2)?,
        decision: Decision {
            assignment_id: row.get(3)?,
            worker_id: row.get(4)?,
            kind: if kind == "reject" {
                DecisionKind::Reject
            } else {
                DecisionKind::Approve { override_rejection }
            },
            feedback: row.get(7)?,
        },
        outcome: row
            .get::<_, Option<String>>(8)?
            .as_deref()
            .and_then(Outcome::parse),
        detail: row.get(9)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(endpoint: &str) -> Scope {
        Scope {
            endpoint: endpoint.into(),
            account: account_fingerprint("AKIAEXAMPLE"),
        }
    }

    fn approve(id: &str) -> Decision {
        Decision {
            assignment_id: id.into(),
            worker_id: "AWORKER".into(),
            kind: DecisionKind::Approve {
                override_rejection: false,
            },
            feedback: Some("thanks".into()),
        }
    }

    fn temp_path(name: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "mturk-review-journal-{name}-{}.sqlite",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        path
    }

    #[test]
    fn open_entries_survive_reopening_and_outcomes_close_them() {
        let path = temp_path("reopen");
        let seqs = {
            let mut journal = Journal::open(&path, scope("http://a")).unwrap();
            journal
                .record_intents(&[approve("A1"), approve("A2"), approve("A3")])
                .unwrap()
        };
        let mut journal = Journal::open(&path, scope("http://a")).unwrap();
        journal.record_outcome(seqs[0], Outcome::Done, "").unwrap();
        journal
            .record_outcome(seqs[2], Outcome::Unknown, "timed out")
            .unwrap();
        let open: Vec<String> = journal
            .unresolved()
            .unwrap()
            .into_iter()
            .map(|e| e.decision.assignment_id)
            .collect();
        assert_eq!(open, ["A2", "A3"]);
        assert_eq!(journal.history().unwrap().len(), 3);
        assert_eq!(
            journal.history().unwrap()[0].decision.feedback.as_deref(),
            Some("thanks")
        );
        // Closed first, so SQLite takes its -wal and -shm files with it.
        drop(journal);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn scopes_do_not_mix_and_a_later_entry_supersedes_an_earlier_one() {
        let path = temp_path("scopes");
        let mut a = Journal::open(&path, scope("http://a")).unwrap();
        let mut b = Journal::open(&path, scope("http://b")).unwrap();
        a.record_intents(&[approve("A1")]).unwrap();
        b.record_intents(&[approve("B1")]).unwrap();
        let other_account = Scope {
            endpoint: "http://a".into(),
            account: account_fingerprint("AKIAOTHER"),
        };
        let c = Journal::open(&path, other_account).unwrap();
        assert_eq!(a.unresolved().unwrap().len(), 1);
        assert_eq!(b.unresolved().unwrap()[0].decision.assignment_id, "B1");
        assert!(c.unresolved().unwrap().is_empty());

        // Re-sent: the newer entry is the one that counts, the older one is superseded.
        let again = a.record_intents(&[approve("A1")]).unwrap();
        assert_eq!(a.unresolved().unwrap()[0].seq, again[0]);
        a.record_outcome(again[0], Outcome::Done, "").unwrap();
        assert!(a.unresolved().unwrap().is_empty());
        let outcomes: Vec<&str> = a
            .history()
            .unwrap()
            .into_iter()
            .map(|e| e.outcome.map_or("", Outcome::as_str))
            .collect();
        assert_eq!(outcomes, ["superseded", "", "done"]);
        let _ = std::fs::remove_file(&path);
    }

    fn bonus(amount_cents: i64) -> Bonus {
        Bonus {
            assignment_id: "A1".into(),
            worker_id: "AWORKER".into(),
            amount_cents,
            reason: "extra care".into(),
        }
    }

    #[test]
    fn bonuses_are_journaled_with_a_token_of_their_own_until_settled() {
        let path = temp_path("bonuses");
        let mut journal = Journal::open(&path, scope("http://a")).unwrap();
        let first = journal.record_bonus(&bonus(150)).unwrap();
        let second = journal.record_bonus(&bonus(150)).unwrap();
        assert_ne!(first.token, second.token, "each bonus has its own token");
        assert!(first.token.len() <= 64, "MTurk's limit: {}", first.token);
        journal.record_bonus_prior(first.seq, 2).unwrap();
        journal
            .record_bonus_outcome(second.seq, Outcome::Done, "")
            .unwrap();
        drop(journal);

        let journal = Journal::open(&path, scope("http://a")).unwrap();
        let open = journal.unresolved_bonuses().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].token, first.token);
        assert_eq!(open[0].prior_matches, Some(2));
        assert_eq!(open[0].bonus, bonus(150));
        assert_eq!(
            journal.bonus(second.seq).unwrap().unwrap().outcome,
            Some(Outcome::Done)
        );
        let all: Vec<i64> = read_bonuses(&path)
            .unwrap()
            .iter()
            .map(|(_, e)| e.seq)
            .collect();
        assert_eq!(all, [first.seq, second.seq]);
        assert!(
            Journal::open(&path, scope("http://b"))
                .unwrap()
                .unresolved_bonuses()
                .unwrap()
                .is_empty(),
            "scopes do not mix"
        );
        drop(journal);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_journal_of_the_first_releases_is_migrated_and_keeps_its_entries() {
        let path = temp_path("old-schema");
        {
            // The file as the first releases wrote it: the decisions table, no version.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE decisions (
                   seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,
                   endpoint TEXT NOT NULL, account TEXT NOT NULL, assignment_id TEXT NOT NULL,
                   worker_id TEXT NOT NULL, kind TEXT NOT NULL,
                   override_rejection INTEGER NOT NULL, feedback TEXT, outcome TEXT,
                   outcome_at_ms INTEGER, detail TEXT NOT NULL DEFAULT '');
                 INSERT INTO decisions (at_ms, endpoint, account, assignment_id, worker_id,
                   kind, override_rejection, feedback)
                 VALUES (1, 'http://a', 'acct', 'OLD1', 'AW', 'reject', 0, 'no');",
            )
            .unwrap();
        }
        let old_scope = Scope {
            endpoint: "http://a".into(),
            account: "acct".into(),
        };
        let mut journal = Journal::open(&path, old_scope).unwrap();
        let open = journal.unresolved().unwrap();
        assert_eq!(open.len(), 1, "the old entry is still there");
        assert_eq!(open[0].decision.kind, DecisionKind::Reject);
        assert_eq!(open[0].decision.feedback.as_deref(), Some("no"));
        journal.record_bonus(&bonus(100)).unwrap();
        assert_eq!(journal.unresolved_bonuses().unwrap().len(), 1);
        let version: i64 = journal
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 2);
        drop(journal);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn fingerprints_are_stable_and_hide_the_key() {
        let f = account_fingerprint("AKIAIOSFODNN7EXAMPLE");
        assert_eq!(f, account_fingerprint("AKIAIOSFODNN7EXAMPLE"));
        assert_ne!(f, account_fingerprint("AKIAIOSFODNN7EXAMPLF"));
        assert!(!f.contains("AKIA"));
    }
}
