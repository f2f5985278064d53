//! The money ledger: each requester account's money, and every move of it.
//!
//! An account's balance is the sum of its `ledger` rows: every deposit adds a row, every
//! payment (an approval, a bonus) takes one, so its history can always be read back. The sum is
//! also kept in `accounts.balance_cents`, moved only together with a new row, so that a call
//! reads one row instead of summing thousands.
//!
//! Of the balance, part is on hold (`accounts.held_cents`), and the rest is available, which
//! new HITs, bonuses and overrides draw on:
//! - held for a HIT's unused slots while it is open (`hits.slot_hold_cents`): publishing a HIT
//!   or adding assignments holds each slot's pay, reward plus fee, as MTurk held "funds for
//!   liability"; expiry and deletion give back what is held for slots nobody took. Work a
//!   worker has accepted keeps its slot's hold, also past the HIT's expiry, until it is
//!   submitted, returned or abandoned;
//! - held for each Submitted assignment: when work is submitted its slot's hold becomes the
//!   assignment's, which its approval (or auto-approval) pays out and its rejection gives back.
//!   This hold is not stored apart: every Submitted assignment is always paid for in advance.
//!
//! So available + on hold = balance, and neither is ever negative (a database migrated from
//! before holds may start with a shortfall, see `schema::v1_holds`). All arithmetic is checked.
//! Money held for a HIT belongs to the HIT's account.

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{OptionalExtension, ToSql, Transaction, params};

use super::error::{ApiError, ApiResult};
use super::status::AssignmentStatus;
use crate::money;

/// What a ledger row records. (Rows of kind `opening`, the balance a database brought from
/// before the ledger, are written only by the migration to accounts.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Deposit,
    /// An approved assignment's reward and fee.
    Approval,
    /// A bonus and its fee.
    Bonus,
}

impl Entry {
    pub fn as_str(self) -> &'static str {
        match self {
            Entry::Deposit => "deposit",
            Entry::Approval => "approval",
            Entry::Bonus => "bonus",
        }
    }
}

impl ToSql for Entry {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(
            self.as_str().as_bytes(),
        )))
    }
}

/// An amount that would not fit in 64-bit cents. The limits on Reward and BonusAmount keep
/// every real amount far from this, so reaching it is a fault, never a wrapped number.
fn fits(amount: Option<i64>) -> ApiResult<i64> {
    amount.ok_or_else(|| ApiError::fault("An amount of money is out of range."))
}

/// What one assignment of a HIT pays when approved: reward plus fee.
pub fn pay_cents(reward_cents: i64, max_assignments: i64) -> ApiResult<i64> {
    fits(money::approval_cost_cents(reward_cents, max_assignments))
}

/// What `slots` assignments of one pay come to.
pub fn slots_cents(pay_cents: i64, slots: i64) -> ApiResult<i64> {
    fits(pay_cents.checked_mul(slots))
}

/// What a bonus costs: the amount plus fee.
pub fn bonus_cents(amount_cents: i64) -> ApiResult<i64> {
    fits(money::bonus_cost_cents(amount_cents))
}

/// An account's balance and what of it is on hold.
fn totals(tx: &Transaction, account: &str) -> ApiResult<(i64, i64)> {
    tx.prepare_cached("SELECT balance_cents, held_cents FROM accounts WHERE id = ?1")?
        .query_row(params![account], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| ApiError::fault(format!("the account {account} does not exist")))
}

/// The account's available balance: its balance less what is on hold.
pub fn available_cents(tx: &Transaction, account: &str) -> ApiResult<i64> {
    let (balance, held) = totals(tx, account)?;
    fits(balance.checked_sub(held))
}

/// Everything the account has on hold: unused slots of open HITs, and Submitted work.
pub fn on_hold_cents(tx: &Transaction, account: &str) -> ApiResult<i64> {
    Ok(totals(tx, account)?.1)
}

/// Adds a ledger row of `amount` (negative for a payment) and moves the balance with it.
fn record(
    tx: &Transaction,
    account: &str,
    at_ms: i64,
    entry: Entry,
    amount: i64,
    reference: Option<&str>,
) -> ApiResult<()> {
    let (balance, _) = totals(tx, account)?;
    let balance = fits(balance.checked_add(amount))?;
    tx.prepare_cached(
        "INSERT INTO ledger (account_id, at_ms, kind, amount_cents, reference)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![account, at_ms, entry, amount, reference])?;
    tx.prepare_cached("UPDATE accounts SET balance_cents = ?2 WHERE id = ?1")?
        .execute(params![account, balance])?;
    Ok(())
}

/// Moves what the account has on hold by `delta` cents. Holding more needs that much
/// available, or fails with MTurk's insufficient-funds error and changes nothing.
fn move_held(tx: &Transaction, account: &str, delta: i64) -> ApiResult<()> {
    if delta == 0 {
        // Nothing moves, and no page is written.
        return Ok(());
    }
    let (balance, held) = totals(tx, account)?;
    let held_after = fits(held.checked_add(delta))?;
    if held_after < 0 {
        return Err(ApiError::fault("the money on hold would go below zero"));
    }
    if delta > 0 && fits(balance.checked_sub(held))? < delta {
        return Err(ApiError::insufficient_funds());
    }
    tx.prepare_cached("UPDATE accounts SET held_cents = ?2 WHERE id = ?1")?
        .execute(params![account, held_after])?;
    Ok(())
}

/// New money for the account.
pub fn deposit(tx: &Transaction, account: &str, at_ms: i64, cents: i64) -> ApiResult<()> {
    if cents <= 0 {
        return Err(ApiError::invalid("A deposit must be greater than 0."));
    }
    record(tx, account, at_ms, Entry::Deposit, cents, None)
}

/// Pays `cents` out of the available balance (a bonus, or approving rejected work), or fails
/// with MTurk's insufficient-funds error and changes nothing.
pub fn pay_available(
    tx: &Transaction,
    account: &str,
    at_ms: i64,
    entry: Entry,
    cents: i64,
    reference: &str,
) -> ApiResult<()> {
    if available_cents(tx, account)? < cents {
        return Err(ApiError::insufficient_funds());
    }
    record(tx, account, at_ms, entry, -cents, Some(reference))
}

/// Approved work is paid out of its hold: `pay` cents leave the account.
pub fn pay_held(
    tx: &Transaction,
    account: &str,
    at_ms: i64,
    pay: i64,
    assignment_id: &str,
) -> ApiResult<()> {
    move_held(tx, account, -pay)?;
    record(
        tx,
        account,
        at_ms,
        Entry::Approval,
        -pay,
        Some(assignment_id),
    )
}

/// Rejected work's hold, `pay` cents, goes back to the available balance.
pub fn release_held(tx: &Transaction, account: &str, pay: i64) -> ApiResult<()> {
    move_held(tx, account, -pay)
}

/// The account that owns `hit_id`, and what its unused slots hold.
fn hit_hold(tx: &Transaction, hit_id: &str) -> ApiResult<(String, i64)> {
    tx.prepare_cached("SELECT account_id, slot_hold_cents FROM hits WHERE id = ?1")?
        .query_row(params![hit_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| ApiError::fault(format!("the HIT {hit_id} has no account")))
}

/// Holds `cents` from the available balance for the unused slots of `hit_id`.
pub fn hold_slots(tx: &Transaction, hit_id: &str, cents: i64) -> ApiResult<()> {
    let (account, _) = hit_hold(tx, hit_id)?;
    move_held(tx, &account, cents)?;
    tx.execute(
        "UPDATE hits SET slot_hold_cents = slot_hold_cents + ?2 WHERE id = ?1",
        params![hit_id, cents],
    )?;
    Ok(())
}

/// Submitted work takes its slot's hold, `pay` cents. Work backdated into a HIT that has
/// expired since (and so holds nothing) is paid for in advance from the available balance.
pub fn take_slot(tx: &Transaction, hit_id: &str, pay: i64) -> ApiResult<()> {
    let taken = tx
        .prepare_cached(
            "UPDATE hits SET slot_hold_cents = slot_hold_cents - ?2
             WHERE id = ?1 AND slot_hold_cents >= ?2",
        )?
        .execute(params![hit_id, pay])?;
    if taken == 0 {
        let (account, _) = hit_hold(tx, hit_id)?;
        move_held(tx, &account, pay)?;
    }
    Ok(())
}

/// Gives back everything held for the unused slots of `hit_id`.
pub fn release_slots(tx: &Transaction, hit_id: &str) -> ApiResult<()> {
    let (account, held) = hit_hold(tx, hit_id)?;
    if held > 0 {
        tx.execute(
            "UPDATE hits SET slot_hold_cents = 0 WHERE id = ?1",
            params![hit_id],
        )?;
        move_held(tx, &account, -held)?;
    }
    Ok(())
}

/// Gives back what every HIT that has expired holds beyond its work in progress.
pub fn release_expired(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    let mut expired =
        tx.prepare_cached("SELECT id FROM hits WHERE slot_hold_cents > 0 AND expiration_ms <= ?1")?;
    let ids = expired
        .query_map(params![now_ms], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for id in ids {
        release_expired_hit(tx, &id, now_ms)?;
    }
    Ok(())
}

/// When `hit_id` has expired, gives back what it holds beyond the pay of the work workers
/// still hold on it: its unused slots go back to the available balance, while a slot in
/// progress stays held until its work is submitted (and takes this hold, so a submission
/// never depends on the available balance), returned or abandoned (and this runs again).
/// An open HIT is left as it is.
pub fn release_expired_hit(tx: &Transaction, hit_id: &str, now_ms: i64) -> ApiResult<()> {
    let row: Option<(String, i64, i64, i64, i64)> = tx
        .prepare_cached(
            "SELECT h.account_id, h.slot_hold_cents, t.reward_cents, h.max_assignments,
                    (SELECT COUNT(*) FROM accepted_assignments w WHERE w.hit_id = h.id)
             FROM hits h JOIN hit_types t ON t.id = h.hit_type_id
             WHERE h.id = ?1 AND h.expiration_ms <= ?2",
        )?
        .query_row(params![hit_id, now_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((account, held, reward_cents, max_assignments, in_progress)) = row else {
        return Ok(());
    };
    let keep = slots_cents(pay_cents(reward_cents, max_assignments)?, in_progress)?;
    if held > keep {
        tx.prepare_cached("UPDATE hits SET slot_hold_cents = ?2 WHERE id = ?1")?
            .execute(params![hit_id, keep])?;
        move_held(tx, &account, keep - held)?;
    }
    Ok(())
}

/// The pay of `hit_id`'s work changes from `old_pay` to `new_pay` (a new HIT type): the
/// `slots` its slot hold covers (unused slots, work in progress) and its `undecided`
/// Submitted work are held at the new pay. Holding more needs that much available, or fails
/// with MTurk's insufficient-funds error and changes nothing.
pub fn reprice_hit(
    tx: &Transaction,
    hit_id: &str,
    old_pay: i64,
    new_pay: i64,
    slots: i64,
    undecided: i64,
) -> ApiResult<()> {
    let (account, held) = hit_hold(tx, hit_id)?;
    let slot_hold = slots_cents(new_pay, slots)?;
    let undecided_delta = slots_cents(fits(new_pay.checked_sub(old_pay))?, undecided)?;
    let delta = fits(
        slot_hold
            .checked_sub(held)
            .and_then(|d| d.checked_add(undecided_delta)),
    )?;
    move_held(tx, &account, delta)?;
    tx.execute(
        "UPDATE hits SET slot_hold_cents = ?2 WHERE id = ?1",
        params![hit_id, slot_hold],
    )?;
    Ok(())
}

/// Submitted work whose AutoApprovalTime is at or before `due_by_ms`: each assignment's id,
/// HIT, account, AutoApprovalTime and pay.
pub fn submitted_due(tx: &Transaction, due_by_ms: i64) -> ApiResult<Vec<DueWork>> {
    let mut due = tx.prepare_cached(
        "SELECT a.id, h.account_id, a.auto_approval_ms, t.reward_cents, h.max_assignments, h.id
         FROM assignments a JOIN hits h ON h.id = a.hit_id JOIN hit_types t ON t.id = h.hit_type_id
         WHERE a.status = ?1 AND a.auto_approval_ms <= ?2",
    )?;
    due.query_map(params![AssignmentStatus::Submitted, due_by_ms], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?
    .collect::<Result<Vec<(String, String, i64, i64, i64, String)>, _>>()?
    .into_iter()
    .map(|(assignment_id, account_id, at_ms, reward, max, hit_id)| {
        Ok(DueWork {
            assignment_id,
            hit_id,
            account_id,
            at_ms,
            pay_cents: pay_cents(reward, max)?,
        })
    })
    .collect()
}

/// One Submitted assignment that is due to be approved on its own.
pub struct DueWork {
    pub assignment_id: String,
    pub hit_id: String,
    pub account_id: String,
    pub at_ms: i64,
    pub pay_cents: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::Store;
    use std::path::Path;

    fn default_account(store: &Store) -> String {
        store
            .transaction(|tx| {
                Ok(
                    tx.query_row("SELECT id FROM accounts WHERE name = 'default'", [], |r| {
                        r.get(0)
                    })?,
                )
            })
            .unwrap()
    }

    #[test]
    fn the_balance_is_the_sum_of_the_ledger_and_a_payment_past_it_changes_nothing() {
        let store = Store::open(Path::new(":memory:"), 500).unwrap();
        let account = default_account(&store);
        store
            .transaction(|tx| {
                deposit(tx, &account, 1, 250)?;
                pay_available(tx, &account, 2, Entry::Bonus, 120, "A1")
            })
            .unwrap();
        let refused =
            store.transaction(|tx| pay_available(tx, &account, 3, Entry::Bonus, 631, "A2"));
        assert_eq!(refused, Err(ApiError::insufficient_funds()));
        let (balance, sum, rows): (i64, i64, i64) = store
            .transaction(|tx| {
                Ok(tx.query_row(
                    "SELECT (SELECT balance_cents FROM accounts WHERE id = ?1),
                            SUM(amount_cents), COUNT(*) FROM ledger WHERE account_id = ?1",
                    params![account],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })
            .unwrap();
        assert_eq!((balance, sum, rows), (630, 630, 3));
    }
}
