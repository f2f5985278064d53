//! Requester accounts and their access keys: creating them, listing them, adding money, and
//! finding the account a signed request's access key belongs to. Used by the server for every
//! call and by `mturk-review accounts` on the same database file, whether or not a server is
//! running on it (SQLite serialises the two).

use rusqlite::{OptionalExtension, Transaction, params};

use super::error::{ApiError, ApiResult};
use super::ledger;
use crate::money;
use crate::rules;

/// The account that a database made before accounts, or one with no access keys, acts as.
pub const DEFAULT_NAME: &str = "default";

/// Access key ids as AWS shapes them: `AKIA` and 16 characters of base-32.
const KEY_ID_PREFIX: &str = "AKIA";
const KEY_ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const SECRET_LEN: usize = 40;

/// The largest deposit taken at once: $10,000,000.00. Far above what a lab or a company puts
/// in at a time, and far inside 64-bit cents, so that a mistyped amount (a few zeros too many)
/// is refused instead of becoming the account's money.
pub const MAX_DEPOSIT_CENTS: i64 = 1_000_000_000;

/// A new access key: the id and the secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
}

/// What `accounts list` shows of an account: never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub id: String,
    pub name: String,
    pub balance_cents: i64,
    pub held_cents: i64,
    pub key_ids: Vec<String>,
}

/// The account a request acts as, found from its access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOwner {
    pub account_id: String,
    pub secret: String,
}

fn new_key() -> AccessKey {
    // ThreadRng is a cryptographically secure generator, reseeded from the OS.
    let mut rng = rand::rng();
    AccessKey {
        id: format!(
            "{KEY_ID_PREFIX}{}",
            rules::random_chars(&mut rng, KEY_ID_ALPHABET, 16)
        ),
        secret: rules::random_chars(&mut rng, SECRET_ALPHABET, SECRET_LEN),
    }
}

/// Whether `name` may name an account: 1 to 64 letters, digits, `-`, `_` or `.`.
fn check_name(name: &str) -> ApiResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "{name:?} cannot name an account: use 1 to 64 letters, digits, '-', '_' or '.'."
        )))
    }
}

/// Whether `cents` can be deposited: more than 0, and at most MAX_DEPOSIT_CENTS.
pub fn check_deposit(cents: i64) -> ApiResult<()> {
    if cents <= 0 {
        return Err(ApiError::invalid("A deposit must be more than 0.00."));
    }
    if cents > MAX_DEPOSIT_CENTS {
        return Err(ApiError::invalid(format!(
            "A deposit of more than {} at once is refused, as a likely typing mistake.",
            money::format_cents(MAX_DEPOSIT_CENTS)
        )));
    }
    Ok(())
}

/// The id of the account named `name`.
pub fn id_of(tx: &Transaction, name: &str) -> ApiResult<String> {
    tx.prepare_cached("SELECT id FROM accounts WHERE name = ?1")?
        .query_row(params![name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "There is no account named {name:?} (`mturk-review accounts list` shows them)."
            ))
        })
}

/// The id of the account named `default`, which every database has from its creation or
/// migration.
pub fn default_account(tx: &Transaction) -> ApiResult<String> {
    id_of(tx, DEFAULT_NAME)
}

/// A new account with `balance_cents` deposited and one access key.
pub fn add(
    tx: &Transaction,
    name: &str,
    balance_cents: i64,
    now_ms: i64,
) -> ApiResult<(String, AccessKey)> {
    check_name(name)?;
    if balance_cents != 0 {
        check_deposit(balance_cents)?;
    }
    let taken = tx
        .prepare_cached("SELECT 1 FROM accounts WHERE name = ?1")?
        .exists(params![name])?;
    if taken {
        return Err(ApiError::invalid(format!(
            "An account named {name:?} exists already; `accounts add-key {name}` gives it another key."
        )));
    }
    // Requester ids have the shape of worker ids on MTurk.
    let id = rules::new_worker_id(&mut rand::rng());
    tx.execute(
        "INSERT INTO accounts (id, name, created_ms) VALUES (?1, ?2, ?3)",
        params![id, name, now_ms],
    )?;
    if balance_cents != 0 {
        ledger::deposit(tx, &id, now_ms, balance_cents)?;
    }
    let key = add_key(tx, name, now_ms)?;
    Ok((id, key))
}

/// A new access key for the account named `name`.
pub fn add_key(tx: &Transaction, name: &str, now_ms: i64) -> ApiResult<AccessKey> {
    let account = id_of(tx, name)?;
    let key = new_key();
    tx.execute(
        "INSERT INTO access_keys (id, account_id, secret, created_ms) VALUES (?1, ?2, ?3, ?4)",
        params![key.id, account, key.secret, now_ms],
    )?;
    Ok(key)
}

/// Removes the access key `key_id`, and answers the name of the account it belonged to;
/// requests signed with it fail from the next one on.
pub fn remove_key(tx: &Transaction, key_id: &str) -> ApiResult<String> {
    let owner: String = tx
        .prepare_cached(
            "SELECT accounts.name FROM access_keys JOIN accounts ON accounts.id = access_keys.account_id
             WHERE access_keys.id = ?1",
        )?
        .query_row(params![key_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "There is no access key {key_id:?} (`mturk-review accounts list` shows them)."
            ))
        })?;
    tx.execute("DELETE FROM access_keys WHERE id = ?1", params![key_id])?;
    Ok(owner)
}

/// Adds `cents` to the account named `name`, as a ledger row.
pub fn deposit(tx: &Transaction, name: &str, cents: i64, now_ms: i64) -> ApiResult<()> {
    check_deposit(cents)?;
    let account = id_of(tx, name)?;
    ledger::deposit(tx, &account, now_ms, cents)
}

/// Every account, by name, with its balance and key ids.
pub fn list(tx: &Transaction) -> ApiResult<Vec<AccountSummary>> {
    let mut accounts =
        tx.prepare("SELECT id, name, balance_cents, held_cents FROM accounts ORDER BY name")?;
    let mut keys =
        tx.prepare("SELECT id FROM access_keys WHERE account_id = ?1 ORDER BY created_ms, id")?;
    let rows = accounts
        .query_map([], |r| {
            Ok(AccountSummary {
                id: r.get(0)?,
                name: r.get(1)?,
                balance_cents: r.get(2)?,
                held_cents: r.get(3)?,
                key_ids: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|account| {
            let key_ids = keys
                .query_map(params![account.id], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(AccountSummary { key_ids, ..account })
        })
        .collect()
}

/// Whether any account has an access key: from the first one on, every request must be signed.
pub fn any_keys(tx: &Transaction) -> ApiResult<bool> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM access_keys LIMIT 1")?
        .exists([])?)
}

/// The account and secret of the access key `key_id`, if there is such a key.
pub fn owner_of_key(tx: &Transaction, key_id: &str) -> ApiResult<Option<KeyOwner>> {
    Ok(tx
        .prepare_cached("SELECT account_id, secret FROM access_keys WHERE id = ?1")?
        .query_row(params![key_id], |r| {
            Ok(KeyOwner {
                account_id: r.get(0)?,
                secret: r.get(1)?,
            })
        })
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::Store;
    use std::path::Path;

    #[test]
    fn keys_have_aws_shapes_and_belong_to_their_account() {
        let store = Store::open(Path::new(":memory:"), 0).unwrap();
        let (id, key) = store.transaction(|tx| add(tx, "lab", 2500, 1)).unwrap();
        assert!(
            key.id.starts_with("AKIA") && key.id.len() == 20,
            "{}",
            key.id
        );
        assert!(key.id[4..].bytes().all(|b| KEY_ID_ALPHABET.contains(&b)));
        assert_eq!(key.secret.len(), 40);
        assert!(id.starts_with('A') && id.len() == 14, "{id}");
        let owner = store.transaction(|tx| owner_of_key(tx, &key.id)).unwrap();
        assert_eq!(
            owner,
            Some(KeyOwner {
                account_id: id.clone(),
                secret: key.secret.clone()
            })
        );
        let second = store.transaction(|tx| add_key(tx, "lab", 2)).unwrap();
        assert_ne!(second, key);
        let listed = store.transaction(list).unwrap();
        let lab = listed.iter().find(|a| a.name == "lab").unwrap();
        assert_eq!(lab.balance_cents, 2500);
        assert_eq!(lab.key_ids, vec![key.id.clone(), second.id.clone()]);
        assert_eq!(
            store.transaction(|tx| remove_key(tx, &key.id)),
            Ok("lab".to_string())
        );
        assert!(store.transaction(|tx| remove_key(tx, &key.id)).is_err());
        assert_eq!(store.transaction(|tx| owner_of_key(tx, &key.id)), Ok(None));
        assert!(
            store.transaction(any_keys).unwrap(),
            "the second key is left"
        );
    }

    #[test]
    fn names_are_unique_and_shaped() {
        let store = Store::open(Path::new(":memory:"), 0).unwrap();
        for bad in ["", "two words", "x".repeat(65).as_str(), "ünï"] {
            assert!(
                store.transaction(|tx| add(tx, bad, 0, 1)).is_err(),
                "{bad:?}"
            );
        }
        let again = store
            .transaction(|tx| add(tx, DEFAULT_NAME, 0, 1))
            .unwrap_err();
        assert!(
            again.message.contains("exists already"),
            "{}",
            again.message
        );
        assert!(!store.transaction(any_keys).unwrap());
    }

    #[test]
    fn deposits_are_above_0_and_below_the_cap() {
        let store = Store::open(Path::new(":memory:"), 0).unwrap();
        for bad in [0, -1, MAX_DEPOSIT_CENTS + 1] {
            assert!(
                store
                    .transaction(|tx| deposit(tx, DEFAULT_NAME, bad, 1))
                    .is_err(),
                "{bad}"
            );
        }
        assert!(store.transaction(|tx| add(tx, "lab", -5, 1)).is_err());
        store
            .transaction(|tx| deposit(tx, DEFAULT_NAME, MAX_DEPOSIT_CENTS, 1))
            .unwrap();
        let listed = store.transaction(list).unwrap();
        assert_eq!(listed.len(), 1, "the refused account was not added");
        assert_eq!(listed[0].balance_cents, MAX_DEPOSIT_CENTS);
    }
}
