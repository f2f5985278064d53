//! Our own retries for MTurk calls: transient failures (throttling, service faults, the
//! network) are tried again with jittered exponential backoff, up to a bound, each attempt
//! paced by an adaptive limiter, and every retry is reported so the screen can say so. A
//! throttle that says when to come back (`x-amz-retry-after`) is waited out instead, at the
//! limiter's gate, which then paces every call to the server's rate; it is not counted against
//! the bound of failed attempts: the server is pacing us, not failing. The calls go out on a copy of the client with the SDK's
//! own retries off (`without_sdk_retries`), so nothing retries twice, and `call` puts each
//! one's error in the reviewer's words.

use std::future::Future;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_mturk::Client;
use aws_sdk_mturk::config::http::HttpResponse;
use aws_sdk_mturk::error::{ProvideErrorMetadata, SdkError};
use rand::Rng;

use super::client::{ErrorKind, describe_error};
use super::limiter::{Limiter, Slot, Turn};

/// Attempts per call, counting the first, before it is given up.
pub const MAX_ATTEMPTS: u32 = 12;

/// Attempts when no connection could be made at all: a wrong URL or a server that is down
/// is rarely fixed by waiting, so the reviewer hears about it within a few seconds.
pub const MAX_CONNECT_ATTEMPTS: u32 = 4;

/// Throttles with a retry-after hint a call waits out; at one more it is given up. A paced
/// call is still throttled now and then (the gate keeps probing for the server's rate), and
/// may be unlucky a few times in a row; this bound is for a server that never lets it through.
pub const MAX_PAUSES: u32 = 100;

/// The header in which a server that limits by rate says when to come back, in milliseconds.
const RETRY_AFTER: &str = "x-amz-retry-after";

/// The longest retry-after hint followed (aws-sdk-rust's default cap on any retry's wait).
const MAX_HINT: Duration = Duration::from_secs(20);

/// One failed call: what kind of failure, in whose words, and whether it was throttling.
#[derive(Debug, Clone)]
pub struct CallError {
    pub kind: ErrorKind,
    pub text: String,
    pub throttled: bool,
    /// No connection could be made (refused, no route): retried fewer times.
    pub unreachable: bool,
    /// Throttled, and told when to come back.
    pub retry_after: Option<Duration>,
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
            retry_after: None,
        }
    }

    /// As `from_sdk`, with the retry-after hint of a throttled call read from its response.
    pub fn from_response<E>(err: &SdkError<E, HttpResponse>) -> CallError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let failure = CallError::from_sdk(err);
        let retry_after = err
            .raw_response()
            .filter(|_| failure.throttled)
            .and_then(|raw| raw.headers().get(RETRY_AFTER))
            .and_then(|millis| millis.trim().parse::<u64>().ok())
            .map(|millis| Duration::from_millis(millis).min(MAX_HINT));
        CallError {
            retry_after,
            ..failure
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
pub async fn call<T, E>(
    request: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
) -> Result<T, CallError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    request.await.map_err(|e| CallError::from_response(&e))
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

/// How `with_retries` paces a call by the limiter.
#[derive(Debug, Clone, Copy)]
pub enum Pacing<'a> {
    /// In one of its slots: counted against its limit, which the call's outcome adjusts.
    Slot(&'a Limiter),
    /// Beside its slots: the call only passes the limiter's gate (and its hint paces it).
    Beside(&'a Limiter),
}

impl Pacing<'_> {
    fn limiter(&self) -> &Limiter {
        match self {
            Pacing::Slot(limiter) | Pacing::Beside(limiter) => limiter,
        }
    }

    /// Waits until the call may go: its slot, if it takes one, and its turn at the gate.
    async fn start(&self) -> (Option<Slot>, Turn) {
        match self {
            Pacing::Slot(limiter) => {
                let slot = limiter.acquire().await;
                let turn = slot.turn();
                (Some(slot), turn)
            }
            Pacing::Beside(limiter) => (None, limiter.turn().await),
        }
    }
}

/// Runs `attempt` until it succeeds, fails for good, or has failed `MAX_ATTEMPTS` times,
/// waiting with backoff between tries; or, when the server said when to come back, as long
/// as it said (up to `MAX_PAUSES` times). `retrying` hears the number of each failed attempt
/// and why.
pub async fn with_retries<T, Fut>(
    pacing: Pacing<'_>,
    retrying: &impl Fn(u32, &str),
    attempt: impl Fn() -> Fut,
) -> Result<T, CallError>
where
    Fut: std::future::Future<Output = Result<T, CallError>>,
{
    let (mut failed, mut paused) = (0, 0);
    loop {
        let (slot, turn) = pacing.start().await;
        let failure = match attempt().await {
            Ok(value) => {
                if let Some(slot) = slot {
                    slot.succeeded();
                }
                return Ok(value);
            }
            Err(failure) => failure,
        };
        if failure.kind != ErrorKind::Transient {
            return Err(failure);
        }
        match failure.retry_after {
            Some(_) if paused >= MAX_PAUSES => return Err(failure),
            Some(hint) => {
                // The next attempt waits at the gate, with every other call.
                pacing.limiter().hinted(turn, hint);
                paused += 1;
                retrying(failed + paused, &failure.text);
            }
            None => {
                failed += 1;
                if failed >= bound(&failure) {
                    return Err(failure);
                }
                match slot {
                    Some(slot) if failure.throttled => slot.throttled(),
                    _ => drop(slot),
                }
                retrying(failed + paused, &failure.text);
                tokio::time::sleep(backoff(failed)).await;
            }
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
            retry_after: None,
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

    #[test]
    fn the_retry_after_hint_of_a_throttle_is_read_from_its_response() {
        use aws_sdk_mturk::error::ErrorMetadata;
        use aws_sdk_mturk::operation::get_hit::GetHITError;
        let answered = |code: &str, hint: Option<&str>| {
            let meta = ErrorMetadata::builder().code(code).message("m").build();
            let mut raw = HttpResponse::new(400u16.try_into().unwrap(), "{}".into());
            if let Some(hint) = hint {
                raw.headers_mut()
                    .insert("x-amz-retry-after", hint.to_string());
            }
            CallError::from_response(&SdkError::service_error(GetHITError::generic(meta), raw))
        };
        let hinted = answered("ThrottlingException", Some("250"));
        assert!(hinted.throttled);
        assert_eq!(hinted.retry_after, Some(Duration::from_millis(250)));
        assert_eq!(answered("ThrottlingException", None).retry_after, None);
        assert_eq!(
            answered("ThrottlingException", Some("soon")).retry_after,
            None
        );
        assert_eq!(
            answered("ThrottlingException", Some("86400000")).retry_after,
            Some(MAX_HINT),
            "a day is cut to the SDK's longest wait"
        );
        assert_eq!(
            answered("ServiceFault", Some("250")).retry_after,
            None,
            "only throttling is paced by a hint"
        );
    }

    fn throttled_for(millis: u64) -> CallError {
        CallError {
            text: "ThrottlingException: Rate exceeded".into(),
            throttled: true,
            retry_after: Some(Duration::from_millis(millis)),
            ..transient()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_hinted_throttle_is_waited_out_as_told_and_is_not_a_failed_attempt() {
        let limiter = Limiter::new(4);
        let calls = AtomicU32::new(0);
        let heard = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let throttles = MAX_ATTEMPTS * 2;
        let result = with_retries(
            Pacing::Slot(&limiter),
            &|_, _: &str| {
                heard.fetch_add(1, Ordering::SeqCst);
            },
            || async {
                if calls.fetch_add(1, Ordering::SeqCst) < throttles {
                    Err(throttled_for(30))
                } else {
                    Ok("done")
                }
            },
        )
        .await;
        assert_eq!(result.unwrap(), "done", "more throttles than MAX_ATTEMPTS");
        assert_eq!(heard.load(Ordering::SeqCst), throttles, "each one reported");
        assert!(
            started.elapsed() >= Duration::from_millis(30) * throttles,
            "each waited at least its hint"
        );
        assert_eq!(limiter.limit(), 4, "and the limit was not cut");
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_that_is_never_let_through_is_given_up() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> =
            with_retries(Pacing::Slot(&Limiter::new(4)), &|_, _: &str| {}, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(throttled_for(10))
            })
            .await;
        assert!(result.unwrap_err().throttled);
        assert_eq!(calls.load(Ordering::SeqCst), MAX_PAUSES + 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_beside_the_slots_waits_out_a_pause_it_did_not_start() {
        let limiter = Limiter::new(4);
        let slot = limiter.acquire().await;
        limiter.hinted(slot.turn(), Duration::from_millis(500));
        drop(slot);
        let started = tokio::time::Instant::now();
        let sent_at = std::sync::Mutex::new(None);
        with_retries(Pacing::Beside(&limiter), &|_, _: &str| {}, || async {
            *sent_at.lock().unwrap() = Some(started.elapsed());
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(*sent_at.lock().unwrap(), Some(Duration::from_millis(500)));
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_retried_until_success_and_reported() {
        let calls = AtomicU32::new(0);
        let heard = std::sync::Mutex::new(Vec::new());
        let result = with_retries(
            Pacing::Slot(&Limiter::new(4)),
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
            with_retries(Pacing::Slot(&Limiter::new(4)), &|_, _: &str| {}, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(transient())
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), MAX_ATTEMPTS);

        let calls = AtomicU32::new(0);
        let result: Result<(), _> =
            with_retries(Pacing::Slot(&Limiter::new(4)), &|_, _: &str| {}, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(CallError {
                    kind: ErrorKind::Refused,
                    text: "RequestError".into(),
                    ..transient()
                })
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1, "a refusal is not retried");

        let calls = AtomicU32::new(0);
        let result: Result<(), _> =
            with_retries(Pacing::Slot(&Limiter::new(4)), &|_, _: &str| {}, || async {
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
