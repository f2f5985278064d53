//! Our own retries for MTurk calls: transient failures (throttling, service faults, the
//! network) are tried again with jittered exponential backoff, up to a bound, each attempt
//! paced by an adaptive limiter, and every retry is reported so the screen can say so. The
//! SDK's own retries are switched off for these calls (`once`), so nothing retries twice.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_mturk::error::{ProvideErrorMetadata, SdkError};
use rand::Rng;

use super::client::{FailureKind, describe_error};
use super::limiter::Limiter;

/// Attempts per call, counting the first, before it is given up.
pub const MAX_ATTEMPTS: u32 = 12;

/// Attempts when no connection could be made at all: a wrong URL or a server that is down
/// is rarely fixed by waiting, so the reviewer hears about it within a few seconds.
pub const MAX_CONNECT_ATTEMPTS: u32 = 4;

/// One failed call: what kind of failure, in whose words, and whether it was throttling.
#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailureKind,
    pub text: String,
    pub throttled: bool,
    /// No connection could be made (refused, no route): retried fewer times.
    pub unreachable: bool,
}

impl Failure {
    pub fn from_sdk<E>(err: &SdkError<E>) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (kind, text) = describe_error(err);
        let throttled = matches!(err, SdkError::ServiceError(e)
            if e.err().code().is_some_and(|c| c.contains("Throttl")));
        // hyper reports a failed connect as "client error (Connect)".
        let unreachable = matches!(err, SdkError::DispatchFailure(_)) && text.contains("(Connect)");
        Failure {
            kind,
            text,
            throttled,
            unreachable,
        }
    }
}

/// Per-call configuration that switches the SDK's retries off.
pub fn once() -> aws_sdk_mturk::config::Builder {
    aws_sdk_mturk::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// Exponential backoff with jitter: a random wait between a quarter of and 100 ms × 2^attempt,
/// capped at 5 s.
fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = (100u64 << attempt.min(6)).min(5_000);
    Duration::from_millis(rand::rng().random_range(ceiling_ms / 4..=ceiling_ms))
}

fn bound(failure: &Failure) -> u32 {
    if failure.unreachable {
        MAX_CONNECT_ATTEMPTS
    } else {
        MAX_ATTEMPTS
    }
}

/// Runs `attempt` until it succeeds, fails for good, or has failed `MAX_ATTEMPTS` times,
/// waiting with backoff between tries; each call holds a slot of the limiter, if any. `retrying`
/// hears the number of each failed attempt and why.
pub async fn with_retries<T, Fut>(
    limiter: Option<&Limiter>,
    retrying: &impl Fn(u32, &str),
    attempt: impl Fn() -> Fut,
) -> Result<T, Failure>
where
    Fut: std::future::Future<Output = Result<T, Failure>>,
{
    let mut tries = 1;
    loop {
        let slot = match limiter {
            Some(limiter) => Some(limiter.acquire().await),
            None => None,
        };
        match attempt().await {
            Ok(value) => {
                if let Some(slot) = slot {
                    slot.succeeded();
                }
                return Ok(value);
            }
            Err(failure) if failure.kind == FailureKind::Transient && tries < bound(&failure) => {
                match slot {
                    Some(slot) if failure.throttled => slot.throttled(),
                    _ => drop(slot),
                }
                retrying(tries, &failure.text);
                tokio::time::sleep(backoff(tries)).await;
                tries += 1;
            }
            Err(failure) => return Err(failure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn transient() -> Failure {
        Failure {
            kind: FailureKind::Transient,
            text: "ServiceFault".into(),
            throttled: false,
            unreachable: false,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_retried_until_success_and_reported() {
        let calls = AtomicU32::new(0);
        let heard = std::sync::Mutex::new(Vec::new());
        let result = with_retries(
            Some(&Limiter::new(4)),
            &|n, why: &str| heard.lock().unwrap().push((n, why.to_string())),
            || async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(transient()),
                    _ => Ok("done"),
                }
            },
        )
        .await;
        assert_eq!(result.unwrap(), "done");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(
            *heard.lock().unwrap(),
            [
                (1, "ServiceFault".to_string()),
                (2, "ServiceFault".to_string())
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_bound_is_kept_and_refusals_are_final() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> =
            with_retries(Some(&Limiter::new(4)), &|_, _: &str| {}, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(transient())
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), MAX_ATTEMPTS);

        let calls = AtomicU32::new(0);
        let result: Result<(), _> =
            with_retries(Some(&Limiter::new(4)), &|_, _: &str| {}, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Failure {
                    kind: FailureKind::Refused,
                    text: "RequestError".into(),
                    throttled: false,
                    unreachable: false,
                })
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1, "a refusal is not retried");

        let calls = AtomicU32::new(0);
        let result: Result<(), _> =
            with_retries(Some(&Limiter::new(4)), &|_, _: &str| {}, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Failure {
                    unreachable: true,
                    ..transient()
                })
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), MAX_CONNECT_ATTEMPTS);
    }
}
