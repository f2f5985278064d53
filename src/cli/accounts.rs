//! `mturk-review accounts`: requester accounts and their access keys, on a server's database
//! whether or not a server is running on it (each command is one transaction, which waits
//! for the server's). A new key's secret is printed once, to stdout, as a `~/.aws/credentials`
//! profile; nothing else ever shows a secret. A command that writes a key first makes the
//! database file private to its owner.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use mturk_review::clock;
use mturk_review::money;
use mturk_review::sanitize::{Output, sanitize_inline};
use mturk_review::server::accounts::{self, AccessKey, AccountSummary};
use mturk_review::server::error::ApiResult;
use mturk_review::server::store::{self, Store};

#[derive(Debug, Args)]
pub struct AccountsArgs {
    #[command(subcommand)]
    command: AccountsCommand,
    /// The server's SQLite database, which must exist (`serve` creates it). Default:
    /// mturk-review/server.db under the user's data directory, as for `serve`.
    #[arg(long, value_name = "PATH", global = true)]
    db: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum AccountsCommand {
    /// Add an account with one access key, printed once as a ~/.aws/credentials profile.
    Add {
        /// 1 to 64 letters, digits, '-', '_' or '.'; it also names the credentials profile.
        name: String,
        /// Deposit this many US dollars into it.
        #[arg(long, value_name = "USD", value_parser = parse_deposit, allow_hyphen_values = true)]
        balance: Option<i64>,
    },
    /// List the accounts: balance, on hold, available, access key ids (never a secret).
    List,
    /// Add an access key to an account, printed once as a ~/.aws/credentials profile.
    AddKey {
        /// The account's name (`accounts list` shows them).
        name: String,
    },
    /// Remove an access key: requests signed with it fail from then on.
    RemoveKey {
        /// The access key id (AKIA...), as `accounts list` shows it.
        #[arg(value_name = "KEY_ID")]
        key_id: String,
    },
    /// Deposit US dollars into an account, as a row of its ledger.
    Deposit {
        /// The account's name (`accounts list` shows them).
        name: String,
        /// US dollars, like 25 or 25.50.
        #[arg(value_name = "USD", value_parser = parse_deposit, allow_hyphen_values = true)]
        usd: i64,
    },
}

/// Dollars as MTurk writes them (`25`, `25.50`), that `accounts::check_deposit` allows.
fn parse_deposit(text: &str) -> Result<i64, String> {
    let cents = money::parse_cents(text).ok_or_else(|| {
        if text.starts_with('-') {
            "A deposit must be more than 0.00.".to_string()
        } else {
            format!("{text:?} is not an amount in US dollars like 25 or 25.50 (at most 2 decimals)")
        }
    })?;
    accounts::check_deposit(cents).map_err(|e| e.message)?;
    Ok(cents)
}

/// The server's database at `db` (or the default one), which must exist already.
pub(super) fn open_existing(db: Option<PathBuf>) -> Result<(PathBuf, Store)> {
    let db = match db {
        Some(db) => db,
        None => super::serve::default_db_path()?,
    };
    // Opening creates a missing file: a mistyped --db must not become a new database.
    if !db.is_file() {
        anyhow::bail!(
            "there is no database at {}: `mturk-review serve --db {0}` creates one, or --db chooses another",
            db.display()
        );
    }
    let store = Store::open(&db, 0)
        .with_context(|| format!("cannot open the database {}", db.display()))?;
    Ok((db, store))
}

pub fn run(args: AccountsArgs) -> Result<()> {
    let (db, store) = open_existing(args.db)?;
    match args.command {
        AccountsCommand::Add { name, balance } => {
            let cents = balance.unwrap_or(0);
            private(&db)?;
            let (id, key) = transaction(&store, |tx| {
                accounts::add(tx, &name, cents, clock::now_ms())
            })?;
            print_credentials(&name, &key)?;
            eprintln!(
                "Added the account {name} ({id}) with {} deposited.",
                money::format_cents(cents)
            );
            credentials_hint(&name);
        }
        AccountsCommand::AddKey { name } => {
            private(&db)?;
            let key = transaction(&store, |tx| accounts::add_key(tx, &name, clock::now_ms()))?;
            print_credentials(&name, &key)?;
            eprintln!("Added an access key to the account {name}.");
            credentials_hint(&name);
        }
        AccountsCommand::RemoveKey { key_id } => {
            let (owner, keys_left) = transaction(&store, |tx| {
                Ok((accounts::remove_key(tx, &key_id)?, accounts::any_keys(tx)?))
            })?;
            eprintln!(
                "Removed the access key {key_id} of the account {owner}; requests signed with it now fail."
            );
            if !keys_left {
                eprintln!(
                    "No access keys are left in {}: a server on it accepts any signature again on loopback, and one started with --allow-remote refuses every request.",
                    db.display()
                );
            }
        }
        AccountsCommand::Deposit { name, usd } => {
            let after = transaction(&store, |tx| {
                accounts::deposit(tx, &name, usd, clock::now_ms())?;
                Ok(accounts::list(tx)?.into_iter().find(|a| a.name == name))
            })?;
            if let Some(account) = after {
                eprintln!(
                    "Deposited {} into the account {name}: balance {}, available {}.",
                    money::format_cents(usd),
                    money::format_cents(account.balance_cents),
                    money::format_cents(available(&account))
                );
            }
        }
        AccountsCommand::List => {
            let listed = transaction(&store, accounts::list)?;
            let stdout = std::io::stdout();
            let output = Output::of(&stdout);
            match write_list(stdout.lock(), output, &listed) {
                // A pager or `head` that stops reading early is not an error.
                Err(err) if super::is_broken_pipe(&err) => {}
                other => other.context("cannot write the list")?,
            }
        }
    }
    Ok(())
}

/// Runs `f` in one transaction: all of it or, on an error, nothing.
pub(super) fn transaction<T>(
    store: &Store,
    f: impl FnOnce(&rusqlite::Transaction) -> ApiResult<T>,
) -> Result<T> {
    store
        .transaction(f)
        .map_err(|err| anyhow::anyhow!(err.message))
}

/// Makes the database private before a secret is written to it.
fn private(db: &Path) -> Result<()> {
    store::restrict_to_owner(db).with_context(|| {
        format!(
            "cannot make {} readable by its owner only (it is about to hold a secret)",
            db.display()
        )
    })
}

fn print_credentials(name: &str, key: &AccessKey) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "[{name}]")?;
    writeln!(out, "aws_access_key_id = {}", key.id)?;
    writeln!(out, "aws_secret_access_key = {}", key.secret)?;
    out.flush()?;
    Ok(())
}

fn credentials_hint(name: &str) {
    eprintln!(
        "The secret is shown only this once. Paste the lines above into ~/.aws/credentials (add `region = us-east-1` under them), then, for example:\n  aws mturk get-account-balance --profile {name} --endpoint-url http://127.0.0.1:8780"
    );
}

/// What an account can spend: its balance less what is on hold (negative only for a database
/// migrated with a shortfall).
fn available(account: &AccountSummary) -> i64 {
    account.balance_cents.saturating_sub(account.held_cents)
}

const HEADER: [&str; 6] = ["id", "name", "balance", "on hold", "available", "key ids"];

fn fields(account: &AccountSummary) -> [String; 6] {
    [
        account.id.clone(),
        account.name.clone(),
        money::format_cents(account.balance_cents),
        money::format_cents(account.held_cents),
        money::format_cents(available(account)),
        account.key_ids.join(","),
    ]
}

/// Aligned columns (amounts to the right) on a terminal; tab-separated lines, with the same
/// header, into a file or a pipe.
fn write_list(mut out: impl Write, output: Output, listed: &[AccountSummary]) -> Result<()> {
    let rows: Vec<[String; 6]> = listed.iter().map(fields).collect();
    if output == Output::Exact {
        writeln!(out, "{}", HEADER.join("\t"))?;
        for row in &rows {
            writeln!(out, "{}", row.join("\t"))?;
        }
        return Ok(());
    }
    let rows: Vec<[String; 6]> = rows
        .iter()
        .map(|row| row.clone().map(|f| sanitize_inline(&f).into_owned()))
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (width, field) in widths.iter_mut().zip(row) {
            *width = (*width).max(field.chars().count());
        }
    }
    let line = |fields: [&str; 6]| {
        let cells: Vec<String> = fields
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(column, (f, w))| match column {
                2..=4 => format!("{f:>w$}"),
                _ => format!("{f:<w$}"),
            })
            .collect();
        cells.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(HEADER))?;
    for row in &rows {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Vec<AccountSummary> {
        vec![
            AccountSummary {
                id: "A1".into(),
                name: "default".into(),
                balance_cents: 1_000_000,
                held_cents: 2_550,
                key_ids: vec![],
            },
            AccountSummary {
                id: "A2".into(),
                name: "lab".into(),
                balance_cents: 500,
                held_cents: 0,
                key_ids: vec!["AKIAONE".into(), "AKIATWO".into()],
            },
        ]
    }

    fn written(output: Output) -> String {
        let mut out = Vec::new();
        write_list(&mut out, output, &accounts()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn piped_the_list_is_tab_separated() {
        assert_eq!(
            written(Output::Exact),
            "id\tname\tbalance\ton hold\tavailable\tkey ids\n\
             A1\tdefault\t10000.00\t25.50\t9974.50\t\n\
             A2\tlab\t5.00\t0.00\t5.00\tAKIAONE,AKIATWO\n"
        );
    }

    #[test]
    fn on_a_terminal_the_list_is_aligned_with_amounts_to_the_right() {
        let text = written(Output::Terminal);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(!text.contains('\t'), "{text}");
        let end_of = |line: &str, word: &str| line.find(word).map(|at| at + word.len());
        assert_eq!(end_of(lines[1], "10000.00"), end_of(lines[2], "5.00"));
        assert_eq!(end_of(lines[0], "balance"), end_of(lines[1], "10000.00"));
        assert_eq!(lines[1].find("default"), lines[2].find("lab"));
        assert!(lines[2].ends_with("AKIAONE,AKIATWO"), "{text}");
    }

    #[test]
    fn deposits_are_dollars_above_0_within_the_cap() {
        assert_eq!(parse_deposit("25"), Ok(2500));
        assert_eq!(parse_deposit("0.5"), Ok(50));
        for (bad, says) in [
            ("0", "more than 0.00"),
            ("0.00", "more than 0.00"),
            ("-5", "more than 0.00"),
            ("1.234", "at most 2 decimals"),
            ("ten", "not an amount"),
            ("10000000.01", "refused"),
            ("999999999999", "refused"),
        ] {
            let err = parse_deposit(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
