//! Wall-clock time in the two units the project uses, and UTC dates for people.

use std::time::{SystemTime, UNIX_EPOCH};

/// One day, in seconds.
pub const DAY_SECS: i64 = 24 * 3600;

/// Now, in epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Now, in whole epoch seconds.
pub fn now_secs() -> i64 {
    now_ms().div_euclid(1000)
}

/// "2024-06-01 12:00 UTC".
pub fn utc_minutes(secs: i64) -> String {
    let (date, rest) = date_and_rest(secs);
    format!("{date} {:02}:{:02} UTC", rest / 3600, rest / 60 % 60)
}

/// "2024-06-01 12:00:05" (UTC).
pub fn utc_seconds(secs: i64) -> String {
    let (date, rest) = date_and_rest(secs);
    format!(
        "{date} {:02}:{:02}:{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// "2024-06-01T12:00:05Z": ISO 8601 in UTC, for files other programs read.
pub fn iso8601(secs: i64) -> String {
    let (date, rest) = date_and_rest(secs);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

fn date_and_rest(secs: i64) -> (String, i64) {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY_SECS));
    (format!("{y:04}-{m:02}-{d:02}"), secs.rem_euclid(DAY_SECS))
}

/// Howard Hinnant's days-to-civil conversion (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc_minutes(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minutes(1_717_243_200), "2024-06-01 12:00 UTC");
        assert_eq!(utc_minutes(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_seconds(1_717_243_205), "2024-06-01 12:00:05");
        assert_eq!(utc_seconds(-1), "1969-12-31 23:59:59");
        assert_eq!(iso8601(1_717_243_205), "2024-06-01T12:00:05Z");
    }
}
