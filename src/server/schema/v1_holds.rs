//! The part of version 1 that SQL alone cannot do: a new database's opening balance, and the
//! holds of a database made before they were kept. It works on the version-1 tables (money in
//! `meta`), which version 2 moves into accounts, so it uses nothing of today's ledger but its
//! arithmetic.

use rusqlite::{Transaction, params};
use rusqlite_migration::{HookError, HookResult};

use crate::server::ledger::{pay_cents, slots_cents};
use crate::server::status::AssignmentStatus;

pub fn complete(tx: &Transaction, opening_balance_cents: i64) -> HookResult {
    tx.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('balance_cents', ?1)",
        params![opening_balance_cents.to_string()],
    )?;
    add_holds(tx, crate::clock::now_ms())?;
    start_held_total(tx)?;
    tx.execute_batch(
        "CREATE INDEX IF NOT EXISTS hits_holding ON hits (expiration_ms)
           WHERE slot_hold_cents > 0;",
    )?;
    Ok(())
}

fn out_of_range(what: &str) -> HookError {
    HookError::Hook(format!("cannot work out {what}: an amount is out of range"))
}

fn meta_cents(tx: &Transaction, key: &str) -> Result<i64, HookError> {
    let text: String =
        tx.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
            r.get(0)
        })?;
    text.parse()
        .map_err(|_| HookError::Hook(format!("meta {key} is not a number: {text:?}")))
}

/// A database made before holds existed (no `hits.slot_hold_cents`) gets them, once, as if
/// they had always been kept: each open HIT holds its unused slots' pay, each Submitted
/// assignment its own, all taken from the available balance. A database whose balance cannot
/// cover the work it already owes is left with that shortfall as a negative available balance,
/// which new HITs, bonuses and overrides cannot draw on.
fn add_holds(tx: &Transaction, now_ms: i64) -> HookResult {
    let has_holds = tx
        .prepare("SELECT 1 FROM pragma_table_info('hits') WHERE name = 'slot_hold_cents'")?
        .exists([])?;
    if has_holds {
        return Ok(());
    }
    tx.execute_batch("ALTER TABLE hits ADD COLUMN slot_hold_cents INTEGER NOT NULL DEFAULT 0")?;
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
        let amounts = || {
            let pay = pay_cents(reward, max).ok()?;
            let unused = if open { (max - total).max(0) } else { 0 };
            let slots = slots_cents(pay, unused).ok()?;
            Some((slots, slots_cents(pay, submitted).ok()?))
        };
        let (slots, work) = amounts().ok_or_else(|| out_of_range("the holds"))?;
        tx.execute(
            "UPDATE hits SET slot_hold_cents = ?2 WHERE id = ?1",
            params![id, slots],
        )?;
        owed = owed
            .checked_add(slots)
            .and_then(|o| o.checked_add(work))
            .ok_or_else(|| out_of_range("the holds"))?;
    }
    let available = meta_cents(tx, "balance_cents")?
        .checked_sub(owed)
        .ok_or_else(|| out_of_range("the holds"))?;
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'balance_cents'",
        params![available.to_string()],
    )?;
    if owed > 0 {
        tracing::info!(
            owed_cents = owed,
            "holds added to a database made before holds"
        );
    }
    Ok(())
}

/// The running total of what is on hold (`meta.held_cents`), for a database that does not
/// keep one yet: what every HIT's unused slots hold, and the pay of every Submitted assignment.
fn start_held_total(tx: &Transaction) -> HookResult {
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
    let mut submitted = tx.prepare(
        "SELECT t.reward_cents, h.max_assignments, COUNT(*)
         FROM assignments a JOIN hits h ON h.id = a.hit_id JOIN hit_types t ON t.id = h.hit_type_id
         WHERE a.status = ?1 GROUP BY h.id",
    )?;
    let groups = submitted
        .query_map(params![AssignmentStatus::Submitted], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<Vec<(i64, i64, i64)>, _>>()?;
    let held = groups
        .into_iter()
        .try_fold(slots, |sum, (reward, max, count)| {
            let work = slots_cents(pay_cents(reward, max).ok()?, count).ok()?;
            sum.checked_add(work)
        })
        .ok_or_else(|| out_of_range("the money on hold"))?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('held_cents', ?1)",
        params![held.to_string()],
    )?;
    Ok(())
}
