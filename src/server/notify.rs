//! Delivering the notification outbox (`events` fills it): a background task of `serve` sends
//! each due message, SQS destinations with SendMessage (aws-sdk-sqs), SNS ones with Publish
//! (aws-sdk-sns), using the server's own AWS credential chain (aws-config) or another
//! endpoint, and writes email destinations to the log (no mail server is assumed). At least
//! once: a row is marked delivered only after its send succeeded, so a server stopped in
//! between sends it again after it starts. A failed send is tried again later, each wait
//! twice the last up to a cap; meanwhile it stays listed (`undelivered`, which
//! `mturk-review notifications` prints), with its last error.

use std::collections::HashMap;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use rusqlite::{Transaction, params};

use super::error::ApiResult;
use super::store::Store;
use crate::clock;

/// How the delivery task reaches its destinations and how it waits.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// Send every SQS and SNS call here instead of AWS (a local stand-in such as moto).
    pub endpoint_url: Option<String>,
    /// The wait after a first failed attempt; each later failure doubles it...
    pub retry_first: Duration,
    /// ...up to this.
    pub retry_max: Duration,
    /// How often the outbox is looked at for due messages.
    pub poll: Duration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            endpoint_url: None,
            retry_first: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            poll: Duration::from_millis(250),
        }
    }
}

/// The wait before the next attempt, after `failures` failed ones (at least one).
pub fn backoff(failures: u32, config: &NotifyConfig) -> Duration {
    let doublings = failures.saturating_sub(1).min(30);
    config
        .retry_first
        .saturating_mul(1 << doublings)
        .min(config.retry_max)
}

/// How many due messages one pass takes.
const BATCH: i64 = 50;

/// A single send may take this long before it counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// A message of the outbox not yet delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered {
    pub seq: i64,
    pub event_type: String,
    pub transport: String,
    pub destination: String,
    pub created_ms: i64,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub last_error: Option<String>,
    pub body: String,
}

/// Every message not yet delivered, oldest first.
pub fn undelivered(tx: &Transaction) -> ApiResult<Vec<Undelivered>> {
    waiting(tx, None)
}

/// Counts of the outbox's messages: delivered, and waiting.
pub fn counts(tx: &Transaction) -> ApiResult<(i64, i64)> {
    Ok(tx.query_row(
        "SELECT COUNT(delivered_ms), COUNT(*) - COUNT(delivered_ms) FROM notification_outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// Undelivered messages, oldest first; with `due_by_ms`, only those due by then (at most a
/// batch).
fn waiting(tx: &Transaction, due_by_ms: Option<i64>) -> ApiResult<Vec<Undelivered>> {
    let mut select = tx.prepare_cached(
        "SELECT seq, event_type, transport, destination, created_ms, attempts, next_attempt_ms,
                last_error, body
         FROM notification_outbox
         WHERE delivered_ms IS NULL AND (?1 IS NULL OR next_attempt_ms <= ?1)
         ORDER BY seq LIMIT CASE WHEN ?1 IS NULL THEN -1 ELSE ?2 END",
    )?;
    let rows = select
        .query_map(params![due_by_ms, BATCH], |r| {
            Ok(Undelivered {
                seq: r.get(0)?,
                event_type: r.get(1)?,
                transport: r.get(2)?,
                destination: r.get(3)?,
                created_ms: r.get(4)?,
                attempts: r.get(5)?,
                next_attempt_ms: r.get(6)?,
                last_error: r.get(7)?,
                body: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Records how an attempt at `seq` went: delivered (and how), or failed and due again later.
fn record(
    tx: &Transaction,
    seq: i64,
    outcome: &Result<&'static str, String>,
    now_ms: i64,
    config: &NotifyConfig,
) -> ApiResult<()> {
    match outcome {
        Ok(via) => {
            tx.execute(
                "UPDATE notification_outbox SET attempts = attempts + 1, delivered_ms = ?2,
                   delivered_via = ?3, last_error = NULL WHERE seq = ?1",
                params![seq, now_ms, via],
            )?;
        }
        Err(error) => {
            let failures: u32 = tx.query_row(
                "UPDATE notification_outbox SET attempts = attempts + 1, last_error = ?2
                 WHERE seq = ?1 RETURNING attempts",
                params![seq, error],
                |r| r.get(0),
            )?;
            let wait = i64::try_from(backoff(failures, config).as_millis()).unwrap_or(i64::MAX);
            tx.execute(
                "UPDATE notification_outbox SET next_attempt_ms = ?2 WHERE seq = ?1",
                params![seq, now_ms.saturating_add(wait)],
            )?;
        }
    }
    Ok(())
}

/// The region a destination lives in: an SQS URL's host (`sqs.REGION.amazonaws.com`) or an
/// SNS ARN's fourth field; us-east-1 (MTurk's own) for any other host, such as a stand-in's.
fn region_of(destination: &str) -> String {
    let from_arn = destination
        .strip_prefix("arn:")
        .and_then(|rest| rest.split(':').nth(2));
    let from_url = destination
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|host| host.strip_prefix("sqs."))
        .and_then(|rest| rest.split('.').next());
    from_arn
        .or(from_url)
        .filter(|r| !r.is_empty())
        .unwrap_or("us-east-1")
        .to_string()
}

/// The SDK clients, one per region, made as first needed from one loaded configuration.
struct Clients {
    sdk: SdkConfig,
    sqs: HashMap<String, aws_sdk_sqs::Client>,
    sns: HashMap<String, aws_sdk_sns::Client>,
}

impl Clients {
    async fn load(config: &NotifyConfig) -> Clients {
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .operation_timeout(SEND_TIMEOUT)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .timeout_config(timeouts);
        if let Some(url) = &config.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        Clients {
            sdk: loader.load().await,
            sqs: HashMap::new(),
            sns: HashMap::new(),
        }
    }

    fn sqs(&mut self, region: String) -> &aws_sdk_sqs::Client {
        let sdk = &self.sdk;
        self.sqs.entry(region).or_insert_with_key(|region| {
            let config = aws_sdk_sqs::config::Builder::from(sdk)
                .region(Region::new(region.clone()))
                .build();
            aws_sdk_sqs::Client::from_conf(config)
        })
    }

    fn sns(&mut self, region: String) -> &aws_sdk_sns::Client {
        let sdk = &self.sdk;
        self.sns.entry(region).or_insert_with_key(|region| {
            let config = aws_sdk_sns::config::Builder::from(sdk)
                .region(Region::new(region.clone()))
                .build();
            aws_sdk_sns::Client::from_conf(config)
        })
    }

    /// One attempt at one message: how it was delivered, or why not.
    async fn send(&mut self, message: &Undelivered) -> Result<&'static str, String> {
        let region = region_of(&message.destination);
        match message.transport.as_str() {
            "SQS" => self
                .sqs(region)
                .send_message()
                .queue_url(&message.destination)
                .message_body(&message.body)
                .send()
                .await
                .map(|_| "SQS")
                .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string()),
            "SNS" => self
                .sns(region)
                .publish()
                .topic_arn(&message.destination)
                .message(&message.body)
                .send()
                .await
                .map(|_| "SNS")
                .map_err(|e| aws_sdk_sns::error::DisplayErrorContext(e).to_string()),
            "Email" => {
                tracing::info!(
                    to = %message.destination,
                    event = %message.event_type,
                    body = %message.body,
                    "notification for an email destination, written to the log (no mail server is configured)"
                );
                Ok("log")
            }
            other => Err(format!("unknown transport {other}")),
        }
    }
}

/// Runs `f` on the store off the async threads.
async fn on_store<T: Send + 'static>(
    store: &Store,
    f: impl FnOnce(&Transaction) -> ApiResult<T> + Send + 'static,
) -> Option<T> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || store.transaction(f)).await {
        Ok(Ok(value)) => Some(value),
        Ok(Err(err)) => {
            tracing::error!(error = %err.message, "notification outbox unreadable");
            None
        }
        Err(err) => {
            tracing::error!(%err, "notification outbox task failed");
            None
        }
    }
}

/// Delivers the outbox until the task is aborted (`serve` aborts it as it stops; a message
/// being sent then is sent again at the next start).
pub async fn run(store: Store, config: NotifyConfig) {
    let mut clients = Clients::load(&config).await;
    loop {
        let due = on_store(&store, |tx| waiting(tx, Some(clock::now_ms())))
            .await
            .unwrap_or_default();
        if due.is_empty() {
            tokio::time::sleep(config.poll).await;
            continue;
        }
        for message in due {
            let outcome = clients.send(&message).await;
            match &outcome {
                Ok(via) => tracing::debug!(seq = message.seq, via, "notification delivered"),
                Err(error) => tracing::warn!(
                    seq = message.seq,
                    event = %message.event_type,
                    destination = %message.destination,
                    attempts = message.attempts + 1,
                    %error,
                    "notification not delivered; it will be tried again"
                ),
            }
            let seq = message.seq;
            let settings = config.clone();
            on_store(&store, move |tx| {
                record(tx, seq, &outcome, clock::now_ms(), &settings)
            })
            .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap() {
        let config = NotifyConfig {
            retry_first: Duration::from_millis(100),
            retry_max: Duration::from_millis(1000),
            ..NotifyConfig::default()
        };
        let waits: Vec<u128> = (1..=6).map(|n| backoff(n, &config).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(u32::MAX, &config), Duration::from_millis(1000));
    }

    #[test]
    fn regions_come_from_the_destination() {
        assert_eq!(
            region_of("https://sqs.eu-west-1.amazonaws.com/123456789012/q"),
            "eu-west-1"
        );
        assert_eq!(
            region_of("arn:aws:sns:ap-south-1:123456789012:topic"),
            "ap-south-1"
        );
        assert_eq!(
            region_of("http://127.0.0.1:5000/123456789012/q"),
            "us-east-1"
        );
    }
}
