//! Our own retries for MTurk calls: transient failures (throttling, service faults, the
//! network) are tried again with jittered exponential backoff, up to a bound, each attempt
//! paced by an adaptive limiter, and every retry is reported so the screen can say so. The
//! calls go out on a copy of the client with the SDK's own retries off
//! (`without_sdk_retries`), so nothing retries twice, and `call` puts each one's error in
//! the reviewer's words.

use std::future::Future;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_mturk::Client;
use aws_sdk_mturk::error::{ProvideErrorMetadata, SdkError};
use rand::Rng;

use super::client::{ErrorKind, describe_error};
use super::limiter::Limiter;

/// Attempts per call, counting the first, before it is given up.
pub const MAX_ATTEMPTS: u32 = 12;

/// Attempts when no connection could be made at all: a wrong URL or a server that is down
/// is rarely fixed by waiting, so the reviewer hears about it within a few seconds.
pub const MAX_CONNECT_ATTEMPTS: u32 = 4;

/// One failed call: what kind of failure, in whose words, and whether it was throttling.
#[derive(Debug, Clone)]
pub struct CallError {
    pub kind: ErrorKind,
    pub text: String,
    pub throttled: bool,
    /// No connection could be made (refused, no route): retried fewer times.
    pub unreachable: bool,
}

impl CallError {
    pub fn from_sdk<E, R>(err: &SdkError<E, R>) -> CallError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let (kind, text) = describe_error(err);
        let throttled = matches!(err, SdkError::ServiceError(e)
            if e.err().code().is_some_and(|c| c.contains("Throttl")));
        // hyper reports a failed connect as "client error (Connect)".
        let unreachable = matches!(err, SdkError::DispatchFailure(_)) && text.contains("(Connect)");
        CallError {
            kind,
            text,
            throttled,
            unreachable,
        }
    }
}

/// The same client (connections, credentials, timeouts) with the SDK's own retries off,
/// for calls that go through `with_retries`.
pub fn without_sdk_retries(client: &Client) -> Client {
    let config = client
        .config()
        .to_builder()
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

/// Sends one request built on a client `without_sdk_retries`: the SDK call chain the
/// loader and the decision runner share, its error as a `CallError`.
pub async fn call<T, E, R>(
    request: impl Future<Output = Result<T, SdkError<E, R>>>,
) -> Result<T, CallError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    request.await.map_err(|e| CallError::from_sdk(&e))
}

/// Exponential backoff with jitter: a random wait between a quarter of and 100 ms × 2^attempt,
/// capped at 5 s.
fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = (100u64 << attempt.min(6)).min(5_000);
    Duration::from_millis(rand::rng().random_range(ceiling_ms / 4..=ceiling_ms))
}

fn bound(failure: &CallError) -> u32 {
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
) -> Result<T, CallError>
where
    Fut: std::future::Future<Output = Result<T, CallError>>,
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
            Err(failure) if failure.kind == ErrorKind::Transient && tries < bound(&failure) => {
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

    fn transient() -> CallError {
        CallError {
            kind: ErrorKind::Transient,
            text: "ServiceFault".into(),
            throttled: false,
            unreachable: false,
        }
    }

    #[test]
    fn the_copy_of_the_client_does_not_retry_and_the_original_still_does() {
        let config = aws_sdk_mturk::Config::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .build();
        let client = Client::from_conf(config);
        let attempts = |c: &Client| c.config().retry_config().map(RetryConfig::max_attempts);
        assert_eq!(attempts(&without_sdk_retries(&client)), Some(1));
        assert_eq!(attempts(&client), Some(5));
    }

    #[test]
    fn throttling_and_unreachable_endpoints_are_told_apart() {
        use aws_sdk_mturk::error::{ConnectorError, ErrorMetadata};
        use aws_sdk_mturk::operation::get_hit::GetHITError;
        let service = |code: &str| {
            let meta = ErrorMetadata::builder().code(code).message("m").build();
            SdkError::service_error(GetHITError::generic(meta), ())
        };
        let throttled = CallError::from_sdk(&service("ThrottlingException"));
        assert!(throttled.throttled && !throttled.unreachable);
        assert_eq!(throttled.kind, ErrorKind::Transient);
        assert!(!CallError::from_sdk(&service("ServiceFault")).throttled);

        let refused: SdkError<GetHITError, ()> = SdkError::dispatch_failure(ConnectorError::io(
            "client error (Connect): connection refused".into(),
        ));
        let refused = CallError::from_sdk(&refused);
        assert!(refused.unreachable && !refused.throttled);
        let reset: SdkError<GetHITError, ()> =
            SdkError::dispatch_failure(ConnectorError::io("connection reset by peer".into()));
        assert!(!CallError::from_sdk(&reset).unreachable, "it was reached");
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
                Err(CallError {
                    kind: ErrorKind::Refused,
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
                Err(CallError {
                    unreachable: true,
                    ..transient()
                })
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), MAX_CONNECT_ATTEMPTS);
    }
}
