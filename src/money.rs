//! US-dollar amounts as MTurk writes them ("0.50", "5") held as whole cents, MTurk's default
//! fee schedule, and the largest Reward and BonusAmount the server takes. Shared by the server
//! (which charges) and the console (which estimates). Every sum and product is checked: an
//! amount that would not fit is None, never a wrapped number.

/// The largest Reward (per assignment) and BonusAmount accepted: $10,000.00. MTurk documents
/// no ceiling; this one is above any real task's pay and keeps every sum the server makes far
/// inside 64-bit cents (a whole HIT's hold is at most 10,000.00 x 140% x 1,000,000,000
/// assignments = 1.4e15 cents; i64 holds 9.2e18).
pub const MAX_REWARD_CENTS: i64 = 1_000_000;
pub const MAX_BONUS_CENTS: i64 = 1_000_000;

/// Parses MTurk's money pattern `^[0-9]+(\.)?[0-9]{0,2}$` into cents.
pub fn parse_cents(text: &str) -> Option<i64> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty()
        || whole.len() > 12
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac_cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(frac_cents)
}

/// Formats cents as MTurk does: always two decimals, e.g. "10000.00", "-0.25".
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// MTurk's commission on a reward or bonus: 20%, plus 20% more for HITs with 10 or more
/// assignments, rounded half up to the cent, at least one cent on any non-zero payment.
pub fn fee_cents(amount_cents: i64, max_assignments: i64) -> Option<i64> {
    if amount_cents <= 0 {
        return Some(0);
    }
    let percent = if max_assignments >= 10 { 40 } else { 20 };
    let fee = amount_cents.checked_mul(percent)?.checked_add(50)? / 100;
    Some(fee.max(1))
}

/// What approving one assignment costs the requester: reward plus fee.
pub fn approval_cost_cents(reward_cents: i64, max_assignments: i64) -> Option<i64> {
    reward_cents.checked_add(fee_cents(reward_cents, max_assignments)?)
}

/// What a bonus costs the requester: the bonus plus 20% (bonuses never take the 10+ surcharge).
pub fn bonus_cost_cents(bonus_cents: i64) -> Option<i64> {
    bonus_cents.checked_add(fee_cents(bonus_cents, 1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_money_pattern() {
        assert_eq!(parse_cents("5"), Some(500));
        assert_eq!(parse_cents("5."), Some(500));
        assert_eq!(parse_cents("0.5"), Some(50));
        assert_eq!(parse_cents("0.50"), Some(50));
        assert_eq!(parse_cents("101.42"), Some(10142));
        for bad in ["", ".5", "1.234", "-1", "1,00", "$1", "1e3", " 1"] {
            assert_eq!(parse_cents(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_two_decimals() {
        assert_eq!(format_cents(1_000_000), "10000.00");
        assert_eq!(format_cents(5), "0.05");
        assert_eq!(format_cents(-25), "-0.25");
    }

    #[test]
    fn fees_follow_the_schedule() {
        assert_eq!(fee_cents(50, 9), Some(10));
        assert_eq!(fee_cents(50, 10), Some(20));
        assert_eq!(fee_cents(1, 1), Some(1), "minimum one cent");
        assert_eq!(fee_cents(0, 1), Some(0));
        assert_eq!(fee_cents(3, 1), Some(1), "0.6 cents rounds up");
        assert_eq!(approval_cost_cents(100, 12), Some(140));
        assert_eq!(bonus_cost_cents(250), Some(300));
    }

    #[test]
    fn amounts_that_would_not_fit_are_none_not_wrapped() {
        assert_eq!(fee_cents(i64::MAX / 20, 1), None);
        assert_eq!(approval_cost_cents(i64::MAX - 10, 1), None);
        assert_eq!(bonus_cost_cents(i64::MAX / 2), None);
        // The largest amounts accepted cost what the schedule says, with room to spare.
        assert_eq!(approval_cost_cents(MAX_REWARD_CENTS, 10), Some(1_400_000));
        assert_eq!(bonus_cost_cents(MAX_BONUS_CENTS), Some(1_200_000));
    }
}
