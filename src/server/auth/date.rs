//! The time a request was signed at, as SigV4 carries it (`X-Amz-Date` in ISO 8601 basic
//! format, else the HTTP `Date` header), and the window around the server's clock it must fall
//! in.

use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use super::AuthError;

pub const X_AMZ_DATE: &str = "x-amz-date";

/// How far a request's time may be from the server's clock, either way.
const MAX_SKEW: Duration = Duration::minutes(5);

/// When the request was signed: its `X-Amz-Date` if it has one (AWS reads that first), else its
/// `Date`.
pub fn signed_at(
    amz_date: Option<&str>,
    http_date: Option<&str>,
) -> Result<OffsetDateTime, AuthError> {
    let (value, parsed) = match (amz_date, http_date) {
        (Some(value), _) => (value, parse_basic(value)),
        (None, Some(value)) => (value, parse_http(value)),
        (None, None) => ("", None),
    };
    parsed.ok_or_else(|| {
        AuthError::Incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ))
    })
}

/// `20150830T123600Z`.
fn parse_basic(value: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(
        value,
        format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .ok()
    .map(PrimitiveDateTime::assume_utc)
}

/// `Sun, 30 Aug 2015 12:36:00 GMT` (the IMF-fixdate of HTTP).
fn parse_http(value: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(
        value,
        format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ),
    )
    .ok()
    .map(PrimitiveDateTime::assume_utc)
}

/// The ISO 8601 basic format SigV4 writes times in: `20150830T123600Z`.
pub fn basic(time: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// The refusal AWS answers for a request signed more than MAX_SKEW away from `now`.
pub fn check_fresh(signed: OffsetDateTime, now: OffsetDateTime) -> Result<(), AuthError> {
    // AWS compares whole seconds: with the fraction kept, a request signed exactly at the edge
    // would be refused with a message naming two equal times.
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let minutes = MAX_SKEW.whole_minutes();
    let earliest = now - MAX_SKEW;
    if signed < earliest {
        return Err(AuthError::Invalid(format!(
            "Signature expired: {} is now earlier than {} ({} - {minutes} min.)",
            basic(signed),
            basic(earliest),
            basic(now)
        )));
    }
    let latest = now + MAX_SKEW;
    if signed > latest {
        return Err(AuthError::Invalid(format!(
            "Signature not yet current: {} is still later than {} ({} + {minutes} min.)",
            basic(signed),
            basic(latest),
            basic(now)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn basic_format_round_trips_and_rejects_near_misses() {
        let time = datetime!(2015-08-30 12:36:00 UTC);
        assert_eq!(parse_basic("20150830T123600Z"), Some(time));
        assert_eq!(basic(time), "20150830T123600Z");
        for bad in [
            "20150830T123600",
            "20150830T123600Zjunk",
            "2015083T123600Z",
            "2015-08-30T12:36:00Z",
            "20151330T123600Z",
            "",
        ] {
            assert_eq!(parse_basic(bad), None, "{bad}");
        }
    }

    #[test]
    fn x_amz_date_is_read_first_and_date_only_without_it() {
        let http = "Sun, 30 Aug 2015 12:36:00 GMT";
        let amz = "20150830T123700Z";
        assert_eq!(
            signed_at(Some(amz), Some(http)),
            Ok(datetime!(2015-08-30 12:37:00 UTC))
        );
        assert_eq!(
            signed_at(None, Some(http)),
            Ok(datetime!(2015-08-30 12:36:00 UTC))
        );
        assert_eq!(
            signed_at(Some(http), Some(http)),
            Err(AuthError::Incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{http}'. See http://en.wikipedia.org/wiki/ISO_8601"
            )))
        );
    }

    #[test]
    fn http_date() {
        assert_eq!(
            parse_http("Sun, 30 Aug 2015 12:36:00 GMT"),
            Some(datetime!(2015-08-30 12:36:00 UTC))
        );
        assert_eq!(parse_http("Sun, 30 Aug 2015 12:36:00 +0000"), None);
        assert_eq!(parse_http("20150830T123600Z"), None);
    }

    #[test]
    fn the_window_is_five_minutes_either_way_in_whole_seconds() {
        let now = datetime!(2026-12-01 00:15:00.700 UTC);
        assert_eq!(check_fresh(datetime!(2026-12-01 00:10:00 UTC), now), Ok(()));
        assert_eq!(check_fresh(datetime!(2026-12-01 00:20:00 UTC), now), Ok(()));
        assert_eq!(
            check_fresh(datetime!(2026-12-01 00:00:00 UTC), now),
            Err(AuthError::Invalid(
                "Signature expired: 20261201T000000Z is now earlier than 20261201T001000Z (20261201T001500Z - 5 min.)".into()
            ))
        );
        assert_eq!(
            check_fresh(datetime!(2026-12-01 00:20:01 UTC), now),
            Err(AuthError::Invalid(
                "Signature not yet current: 20261201T002001Z is still later than 20261201T002000Z (20261201T001500Z + 5 min.)".into()
            ))
        );
    }
}
