//! The money ledger: where the requester's money is, and every move of it. Money is in one of
//! three places:
//! - available (the `balance_cents` row of `meta`), which new HITs, bonuses and overrides draw on;
//! - held for a HIT's unused slots while it is open (`hits.slot_hold_cents`): publishing a HIT
//!   or adding assignments holds each slot's pay, reward plus fee, as MTurk held "funds for
//!   liability"; expiry and deletion give back what is held for slots nobody took;
//! - held for each Submitted assignment: when work is submitted its slot's hold becomes the
//!   assignment's, which its approval (or auto-approval) pays out and its rejection gives back.
//!   This hold is not stored apart: every Submitted assignment is always paid for in advance.
//!
//! So available + on hold = deposits - payments, and neither is ever negative. All arithmetic is
//! checked. What is on hold in all is also kept as one running total (`held_cents` in `meta`),
//! moved by every function here, so GetAccountBalance reads one row, not every Submitted
//! assignment (175 ms a call with 100,000 of them, holding the store the whole time).

use rusqlite::{Transaction, params};

use super::error::{ApiError, ApiResult};
use super::status::AssignmentStatus;
use crate::money;

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

/// The account's available balance.
pub fn available_cents(tx: &Transaction) -> ApiResult<i64> {
    let text: String = tx.query_row(
        "SELECT value FROM meta WHERE key = 'balance_cents'",
        [],
        |r| r.get(0),
    )?;
    text.parse()
        .map_err(|_| ApiError::fault("account balance unreadable"))
}

fn set_available(tx: &Transaction, cents: i64) -> ApiResult<()> {
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'balance_cents'",
        params![cents.to_string()],
    )?;
    Ok(())
}

/// Everything on hold: unused slots of open HITs, and Submitted work.
pub fn on_hold_cents(tx: &Transaction) -> ApiResult<i64> {
    let text: String =
        tx.query_row("SELECT value FROM meta WHERE key = 'held_cents'", [], |r| {
            r.get(0)
        })?;
    text.parse()
        .map_err(|_| ApiError::fault("the money on hold is unreadable"))
}

/// Moves the running total of what is on hold by `delta` cents.
fn add_held(tx: &Transaction, delta: i64) -> ApiResult<()> {
    if delta == 0 {
        // Nothing moves, and no page is written: most calls pay nothing out.
        return Ok(());
    }
    let held = fits(on_hold_cents(tx)?.checked_add(delta))?;
    if held < 0 {
        return Err(ApiError::fault("the money on hold would go below zero"));
    }
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'held_cents'",
        params![held.to_string()],
    )?;
    Ok(())
}

/// Starts the running total of a database that has none (a new one, or one made before it
/// was kept) from the holds themselves: what every HIT's unused slots hold, and the pay of
/// every Submitted assignment.
pub fn start_held_total(tx: &Transaction) -> ApiResult<()> {
    let kept = tx
        .prepare("SELECT 1 FROM meta WHERE key = 'held_cents'")?
        .exists([])?;
    if kept {
        return Ok(());
    }
    let slots: i64 = tx.query_row(
        "SELECT COALESCE(SUM(slot_hold_cents), 0) FROM hits",
        [],
        |r| r.get(0),
    )?;
    let held = fits(slots.checked_add(submitted_pay_cents(tx, i64::MAX)?))?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('held_cents', ?1)",
        params![held.to_string()],
    )?;
    Ok(())
}

/// What Submitted assignments hold, reward plus fee each: those whose AutoApprovalTime is at
/// or before `due_by_ms` (all of them with `i64::MAX`).
pub fn submitted_pay_cents(tx: &Transaction, due_by_ms: i64) -> ApiResult<i64> {
    let mut submitted = tx.prepare_cached(
        "SELECT t.reward_cents, h.max_assignments, COUNT(*)
         FROM assignments a JOIN hits h ON h.id = a.hit_id JOIN hit_types t ON t.id = h.hit_type_id
         WHERE a.status = ?1 AND a.auto_approval_ms <= ?2 GROUP BY h.id",
    )?;
    submitted
        .query_map(params![AssignmentStatus::Submitted, due_by_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<Vec<(i64, i64, i64)>, _>>()?
        .into_iter()
        .try_fold(0_i64, |sum, (reward, max, count)| {
            let work = slots_cents(pay_cents(reward, max)?, count)?;
            fits(sum.checked_add(work))
        })
}

/// Takes `cents` from the available balance, or fails with MTurk's insufficient-funds error
/// and changes nothing.
pub fn debit(tx: &Transaction, cents: i64) -> ApiResult<()> {
    let available = available_cents(tx)?;
    if available < cents {
        return Err(ApiError::insufficient_funds());
    }
    set_available(tx, fits(available.checked_sub(cents))?)
}

/// Takes `cents` even past zero: only for holding, once, the work a database made before
/// holds existed already owed (see `store::add_holds`).
pub fn take_owed(tx: &Transaction, cents: i64) -> ApiResult<()> {
    let available = available_cents(tx)?;
    set_available(tx, fits(available.checked_sub(cents))?)
}

/// Gives `cents` back to the available balance (or adds new money to it).
pub fn credit(tx: &Transaction, cents: i64) -> ApiResult<()> {
    let available = available_cents(tx)?;
    set_available(tx, fits(available.checked_add(cents))?)
}

/// Holds `cents` from the available balance for the unused slots of `hit_id`.
pub fn hold_slots(tx: &Transaction, hit_id: &str, cents: i64) -> ApiResult<()> {
    debit(tx, cents)?;
    add_held(tx, cents)?;
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
        debit(tx, pay)?;
        add_held(tx, pay)?;
    }
    Ok(())
}

/// Gives back everything held for the unused slots of `hit_id`.
pub fn release_slots(tx: &Transaction, hit_id: &str) -> ApiResult<()> {
    let held: i64 = tx.query_row(
        "SELECT slot_hold_cents FROM hits WHERE id = ?1",
        params![hit_id],
        |r| r.get(0),
    )?;
    if held > 0 {
        tx.execute(
            "UPDATE hits SET slot_hold_cents = 0 WHERE id = ?1",
            params![hit_id],
        )?;
        credit(tx, held)?;
        add_held(tx, -held)?;
    }
    Ok(())
}

/// Approved work is paid out of its hold: `pay` cents leave the account.
pub fn pay_held(tx: &Transaction, pay: i64) -> ApiResult<()> {
    add_held(tx, -pay)
}

/// Rejected work's hold, `pay` cents, goes back to the available balance.
pub fn release_held(tx: &Transaction, pay: i64) -> ApiResult<()> {
    add_held(tx, -pay)?;
    credit(tx, pay)
}

/// Gives back what is held for the unused slots of every HIT that has expired.
pub fn release_expired(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    let mut expired =
        tx.prepare_cached("SELECT id FROM hits WHERE slot_hold_cents > 0 AND expiration_ms <= ?1")?;
    let ids = expired
        .query_map(params![now_ms], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for id in ids {
        release_slots(tx, &id)?;
    }
    Ok(())
}
