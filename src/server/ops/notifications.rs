//! UpdateNotificationSettings and SendTestEventNotification: a HIT type's notification
//! specification (Destination, Transport, Version, EventTypes) and whether it is active,
//! checked as MTurk documents it; and a test event sent to a specification without saving it.

use regex::Regex;
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::input::{opt_bool, req_str};
use crate::server::error::{ApiError, ApiResult};
use crate::server::events::{self, EventType, Outgoing};

/// The only Version the 2017-01-17 API documents for a notification specification.
const VERSION: &str = "2006-05-05";

/// A NotificationSpecification that passed MTurk's rules.
struct Spec {
    destination: String,
    transport: String,
    event_types: Vec<EventType>,
}

impl Spec {
    /// Reads and checks `Notification`; `Ping` is allowed only in a test.
    fn from_input(spec: &Value, for_test: bool) -> ApiResult<Spec> {
        let destination = req_str(spec, "Destination")?;
        let transport = req_str(spec, "Transport")?;
        let version = req_str(spec, "Version")?;
        if version != VERSION {
            return Err(ApiError::invalid(format!(
                "The value {version} for Version is invalid. Valid value is {VERSION}."
            )));
        }
        let listed = spec
            .get("EventTypes")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if listed.is_empty() {
            return Err(ApiError::invalid(
                "EventTypes must name at least one event type.",
            ));
        }
        let mut event_types = Vec::new();
        for word in listed {
            let event: EventType = word.as_str().unwrap_or_default().parse()?;
            if event == EventType::Ping && !for_test {
                return Err(ApiError::invalid(
                    "The Ping event is only valid for the SendTestEventNotification operation.",
                ));
            }
            if !event_types.contains(&event) {
                event_types.push(event);
            }
        }
        check_destination(transport, destination)?;
        Ok(Spec {
            destination: destination.to_string(),
            transport: transport.to_string(),
            event_types,
        })
    }

    fn outgoing<'a>(&'a self, account_id: &'a str) -> Outgoing<'a> {
        Outgoing {
            account_id,
            transport: &self.transport,
            destination: &self.destination,
            version: VERSION,
        }
    }
}

/// The Destination's shape for its Transport: an email address, an SQS queue URL
/// (`https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE`, or another host's, as a local stand-in
/// names its queues), or an SNS topic ARN. FIFO queues and topics are refused: they need a
/// message group id, which MTurk's messages do not carry.
fn check_destination(transport: &str, destination: &str) -> ApiResult<()> {
    let (pattern, what) = match transport {
        "Email" => (r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "an email address"),
        "SQS" => (
            r"^https?://[A-Za-z0-9.-]+(:[0-9]+)?/[0-9]{12}/[A-Za-z0-9_-]{1,80}$",
            "the URL of an Amazon SQS queue",
        ),
        "SNS" => (
            r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$",
            "the ARN of an Amazon SNS topic",
        ),
        other => {
            return Err(ApiError::invalid(format!(
                "{other} is not a valid Transport. Valid values are Email, SQS, SNS."
            )));
        }
    };
    let shape = Regex::new(pattern).map_err(|e| ApiError::fault(e.to_string()))?;
    if shape.is_match(destination) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "The Destination \"{destination}\" is invalid: with Transport {transport} it must be {what}."
        )))
    }
}

pub fn update_notification_settings(
    tx: &Transaction,
    ctx: &Ctx,
    input: &Value,
) -> ApiResult<Value> {
    let hit_type_id = req_str(input, "HITTypeId")?;
    let spec = input
        .get("Notification")
        .filter(|n| !n.is_null())
        .map(|n| Spec::from_input(n, false))
        .transpose()?;
    let active = opt_bool(input, "Active");
    if spec.is_none() && active.is_none() {
        return Err(ApiError::invalid(
            "You must specify either the Notification parameter or the Active parameter.",
        ));
    }
    let owned: bool = tx
        .query_row(
            "SELECT COUNT(*) FROM hit_types WHERE id = ?1 AND account_id = ?2",
            params![hit_type_id, ctx.account],
            |r| r.get(0),
        )
        .map(|n: i64| n > 0)?;
    if !owned {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.HITTypeDoesNotExist",
            format!("Hit type {hit_type_id} does not exist."),
        ));
    }
    match spec {
        // A new specification replaces the old; it is active unless told otherwise.
        Some(spec) => {
            let types: Vec<&str> = spec.event_types.iter().map(|e| e.as_str()).collect();
            tx.execute(
                "INSERT INTO notification_specs
                   (hit_type_id, destination, transport, version, event_types, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (hit_type_id) DO UPDATE SET destination = ?2, transport = ?3,
                   version = ?4, event_types = ?5, active = ?6",
                params![
                    hit_type_id,
                    spec.destination,
                    spec.transport,
                    VERSION,
                    json!(types).to_string(),
                    active.unwrap_or(true)
                ],
            )?;
        }
        None => {
            let exists = tx
                .query_row(
                    "SELECT 1 FROM notification_specs WHERE hit_type_id = ?1",
                    params![hit_type_id],
                    |_| Ok(()),
                )
                .optional()?;
            if exists.is_none() {
                return Err(ApiError::invalid(format!(
                    "The HIT type {hit_type_id} has no notification specification to make active or inactive: provide a Notification."
                )));
            }
            tx.execute(
                "UPDATE notification_specs SET active = ?2 WHERE hit_type_id = ?1",
                params![hit_type_id, active.unwrap_or(true)],
            )?;
        }
    }
    // The catch-up before this call reported every expiration so far to the specifications
    // active then; this one starts from now.
    events::mark_swept(tx, ctx.now_ms)?;
    Ok(json!({}))
}

/// Sends one event of TestEventType to the specification given, whatever its EventTypes,
/// through the same outbox as real events; nothing is saved on any HIT type.
pub fn send_test_event_notification(
    tx: &Transaction,
    ctx: &Ctx,
    input: &Value,
) -> ApiResult<Value> {
    let spec = Spec::from_input(input.get("Notification").unwrap_or(&Value::Null), true)?;
    let event: EventType = req_str(input, "TestEventType")?.parse()?;
    let record = events::test_record(event, ctx.now_ms);
    events::enqueue(tx, &spec.outgoing(&ctx.account), event, record, ctx.now_ms)?;
    Ok(json!({}))
}
