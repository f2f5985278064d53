//! Rate limits per account: a token bucket for each account, refilled at `calls_per_second`
//! up to `burst` tokens, one token per call. A call that finds its account's bucket empty is
//! answered ThrottlingException "Rate exceeded" with the time until the next token in
//! `x-amz-retry-after` (milliseconds), the header aws-sdk-rust's retries wait on (and
//! botocore's, in its new retry mode). The check is a little arithmetic under a lock held for
//! nothing else: no await, no database, so one account's flood costs another account's calls
//! nothing but that.
//!
//! Hand-written rather than taken from `governor`: the bucket is a few lines of arithmetic,
//! the crate would bring its own clock and concurrent map, and here the time is passed in, so
//! tests need no clock at all.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::error::ApiError;

/// Defaults a client making one call at a time over a network never meets, 20 times what
/// MTurk pipelines were reported to get from MTurk itself (throttled batches of 100 CreateHIT
/// calls), and a fifth of what this server lists on two cores, so that a few flooding
/// accounts leave room for the others. The burst (five seconds of the rate, as EC2 gives its
/// read calls) covers the console opening a batch of 500 HITs or approving 500 at once.
pub const DEFAULT_CALLS_PER_SECOND: f64 = 200.0;
pub const DEFAULT_BURST: u32 = 1_000;

/// How many calls an account may make.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateConfig {
    /// Calls per second on average; 0 turns the limit off.
    pub calls_per_second: f64,
    /// Calls at once after a quiet spell: the size of the bucket.
    pub burst: u32,
}

impl RateConfig {
    /// No limit.
    pub const OFF: RateConfig = RateConfig {
        calls_per_second: 0.0,
        burst: 0,
    };

    /// Whether calls are limited at all (a rate that is not a positive number is no limit).
    fn is_on(&self) -> bool {
        self.calls_per_second.is_finite() && self.calls_per_second > 0.0
    }
}

impl Default for RateConfig {
    fn default() -> Self {
        RateConfig {
            calls_per_second: DEFAULT_CALLS_PER_SECOND,
            burst: DEFAULT_BURST,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    /// When `tokens` was last brought up to date.
    at: Instant,
}

/// The buckets of every account that has called, by account id. Keys must be accounts the
/// server knows (they are never dropped), not anything a request names.
#[derive(Debug)]
pub struct RateLimits {
    config: RateConfig,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimits {
    pub fn new(config: RateConfig) -> RateLimits {
        RateLimits {
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Lets `account` make a call now, or answers ThrottlingException with the time until it
    /// may.
    pub fn check(&self, account: &str) -> Result<(), ApiError> {
        self.take(account, Instant::now()).map_err(rate_exceeded)
    }

    /// Takes a token from `account`'s bucket at `now`, or says how long until there is one.
    fn take(&self, account: &str, now: Instant) -> Result<(), Duration> {
        if !self.config.is_on() {
            return Ok(());
        }
        let rate = self.config.calls_per_second;
        let size = f64::from(self.config.burst.max(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.entry(account.to_string()).or_insert(Bucket {
            tokens: size,
            at: now,
        });
        // Calls that read the clock before another took the lock may come in a little out of
        // order: they refill nothing and move nothing back.
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(size);
        bucket.at = bucket.at.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::try_from_secs_f64((1.0 - bucket.tokens) / rate).unwrap_or(Duration::MAX))
        }
    }
}

/// ThrottlingException with the wait in whole milliseconds, rounded up: a client that waits
/// what it is told finds a token.
fn rate_exceeded(wait: Duration) -> ApiError {
    let millis = wait.as_nanos().div_ceil(1_000_000);
    ApiError {
        retry_after_ms: Some(u64::try_from(millis).unwrap_or(u64::MAX)),
        ..ApiError::throttled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(calls_per_second: f64, burst: u32) -> RateLimits {
        RateLimits::new(RateConfig {
            calls_per_second,
            burst,
        })
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_full_bucket_lets_a_burst_through_then_says_when_the_next_token_comes() {
        let limits = limits(10.0, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limits.take("a", t0), Ok(()));
        }
        assert_eq!(limits.take("a", t0), Err(ms(100)), "one token per 100 ms");
        assert_eq!(limits.take("a", t0 + ms(40)), Err(ms(60)));
        assert_eq!(limits.take("a", t0 + ms(100)), Ok(()), "refilled");
        assert_eq!(limits.take("a", t0 + ms(100)), Err(ms(100)));
    }

    #[test]
    fn refill_stops_at_the_burst() {
        let limits = limits(10.0, 3);
        let t0 = Instant::now();
        assert_eq!(limits.take("a", t0), Ok(()));
        // An hour idle refills three tokens, not 36,000.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limits.take("a", later), Ok(()));
        }
        assert!(limits.take("a", later).is_err());
    }

    #[test]
    fn one_accounts_flood_leaves_anothers_bucket_alone() {
        let limits = limits(10.0, 2);
        let t0 = Instant::now();
        let flooded = (0..1000)
            .filter(|_| limits.take("flood", t0).is_ok())
            .count();
        assert_eq!(flooded, 2);
        assert_eq!(limits.take("quiet", t0), Ok(()));
        assert_eq!(limits.take("quiet", t0), Ok(()));
        assert!(limits.take("quiet", t0).is_err(), "its own burst, no more");
    }

    #[test]
    fn a_clock_read_out_of_order_refills_nothing() {
        let limits = limits(10.0, 1);
        let t0 = Instant::now() + ms(500);
        assert_eq!(limits.take("a", t0), Ok(()));
        assert_eq!(limits.take("a", t0 - ms(300)), Err(ms(100)));
        assert_eq!(limits.take("a", t0 + ms(100)), Ok(()));
    }

    #[test]
    fn off_lets_everything_through() {
        let t0 = Instant::now();
        for off in [RateLimits::new(RateConfig::OFF), limits(f64::NAN, 5)] {
            assert!((0..10_000).all(|_| off.take("a", t0).is_ok()));
        }
    }

    #[test]
    fn the_answer_is_throttling_with_the_wait_rounded_up_to_a_millisecond() {
        let limits = limits(3.0, 1);
        assert!(limits.check("a").is_ok());
        let err = limits.check("a").unwrap_err();
        assert_eq!(err.type_name(), "ThrottlingException");
        assert_eq!(err.status(), 400);
        assert_eq!(err.message, "Rate exceeded");
        let hint = err.retry_after_ms.unwrap();
        assert!(
            (1..=334).contains(&hint),
            "a third of a second at most: {hint}"
        );

        let hint = |wait| rate_exceeded(wait).retry_after_ms;
        assert_eq!(hint(Duration::from_micros(333_334)), Some(334));
        assert_eq!(hint(ms(5)), Some(5));
        assert_eq!(
            hint(Duration::from_nanos(1)),
            Some(1),
            "never 0: that would mean now"
        );
        assert_eq!(hint(Duration::MAX), Some(u64::MAX));
    }
}
