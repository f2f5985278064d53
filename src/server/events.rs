//! Notification events: MTurk's event types, the notification message they travel in, and
//! `emit`, which every state change calls in its own transaction. An event is written to the
//! outbox (`notification_outbox`) only when the HIT's type has an active specification that
//! subscribes to it, so it commits or rolls back with the change it reports: none is lost,
//! none is invented. Changes the clock makes (expiry) are found by `expire_due`, in the
//! catch-up before every call, and stamped with the time they happened. Delivery is
//! `notify`'s business.

use std::fmt;
use std::str::FromStr;

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};

/// EventType, as the service model enumerates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    AssignmentAccepted,
    AssignmentAbandoned,
    AssignmentReturned,
    AssignmentSubmitted,
    AssignmentRejected,
    AssignmentApproved,
    HitCreated,
    HitExpired,
    HitReviewable,
    HitExtended,
    HitDisposed,
    Ping,
}

impl EventType {
    pub const ALL: [EventType; 12] = [
        EventType::AssignmentAccepted,
        EventType::AssignmentAbandoned,
        EventType::AssignmentReturned,
        EventType::AssignmentSubmitted,
        EventType::AssignmentRejected,
        EventType::AssignmentApproved,
        EventType::HitCreated,
        EventType::HitExpired,
        EventType::HitReviewable,
        EventType::HitExtended,
        EventType::HitDisposed,
        EventType::Ping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::AssignmentAccepted => "AssignmentAccepted",
            EventType::AssignmentAbandoned => "AssignmentAbandoned",
            EventType::AssignmentReturned => "AssignmentReturned",
            EventType::AssignmentSubmitted => "AssignmentSubmitted",
            EventType::AssignmentRejected => "AssignmentRejected",
            EventType::AssignmentApproved => "AssignmentApproved",
            EventType::HitCreated => "HITCreated",
            EventType::HitExpired => "HITExpired",
            EventType::HitReviewable => "HITReviewable",
            EventType::HitExtended => "HITExtended",
            EventType::HitDisposed => "HITDisposed",
            EventType::Ping => "Ping",
        }
    }
}

impl FromStr for EventType {
    type Err = ApiError;

    fn from_str(word: &str) -> Result<Self, ApiError> {
        EventType::ALL
            .into_iter()
            .find(|e| e.as_str() == word)
            .ok_or_else(|| ApiError::invalid(format!("{word} is not a valid EventType.")))
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an event is about: its HIT and type, and the assignment when there is one.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub hit_id: &'a str,
    pub assignment_id: Option<&'a str>,
}

impl<'a> Subject<'a> {
    pub fn hit(hit_id: &'a str) -> Self {
        Subject {
            hit_id,
            assignment_id: None,
        }
    }

    pub fn assignment(hit_id: &'a str, assignment_id: &'a str) -> Self {
        Subject {
            hit_id,
            assignment_id: Some(assignment_id),
        }
    }
}

/// An active specification subscribed to an event of a HIT's type: where it goes.
struct Subscription {
    account_id: String,
    hit_type_id: String,
    transport: String,
    destination: String,
    version: String,
}

/// The active specification of the HIT's type, when it subscribes to `event`.
fn subscription(
    tx: &Transaction,
    hit_id: &str,
    event: EventType,
) -> ApiResult<Option<Subscription>> {
    let found = tx
        .prepare_cached(
            "SELECT h.account_id, h.hit_type_id, s.transport, s.destination, s.version,
                    s.event_types
             FROM hits h JOIN notification_specs s ON s.hit_type_id = h.hit_type_id
             WHERE h.id = ?1 AND s.active",
        )?
        .query_row(params![hit_id], |r| {
            Ok((
                Subscription {
                    account_id: r.get(0)?,
                    hit_type_id: r.get(1)?,
                    transport: r.get(2)?,
                    destination: r.get(3)?,
                    version: r.get(4)?,
                },
                r.get::<_, String>(5)?,
            ))
        })
        .optional()?;
    Ok(found.and_then(|(subscription, types)| {
        let types: Vec<String> = serde_json::from_str(&types).unwrap_or_default();
        types
            .iter()
            .any(|t| t == event.as_str())
            .then_some(subscription)
    }))
}

/// Records `event` about `subject`, which happened at `at_ms`, in the outbox, when the HIT's
/// type has an active specification subscribed to it; otherwise does nothing.
pub fn emit(tx: &Transaction, event: EventType, subject: Subject, at_ms: i64) -> ApiResult<()> {
    let Some(to) = subscription(tx, subject.hit_id, event)? else {
        return Ok(());
    };
    let mut record = json!({
        "EventType": event.as_str(),
        "EventTimestamp": timestamp(at_ms),
        "HITId": subject.hit_id,
        "HITTypeId": to.hit_type_id,
    });
    if let Some(assignment_id) = subject.assignment_id {
        record["AssignmentId"] = assignment_id.into();
    }
    let outgoing = Outgoing {
        account_id: &to.account_id,
        transport: &to.transport,
        destination: &to.destination,
        version: &to.version,
    };
    enqueue(tx, &outgoing, event, record, at_ms)
}

/// Where a message goes, and for whom.
pub struct Outgoing<'a> {
    pub account_id: &'a str,
    pub transport: &'a str,
    pub destination: &'a str,
    pub version: &'a str,
}

/// Writes one notification message, holding `record`, to the outbox, due at once.
pub fn enqueue(
    tx: &Transaction,
    to: &Outgoing,
    event: EventType,
    record: Value,
    at_ms: i64,
) -> ApiResult<()> {
    let body = message(to.account_id, to.version, vec![record]);
    tx.prepare_cached(
        "INSERT INTO notification_outbox (account_id, event_type, transport, destination, body,
           created_ms, next_attempt_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        to.account_id,
        event.as_str(),
        to.transport,
        to.destination,
        body,
        at_ms
    ])?;
    Ok(())
}

/// MTurk's notification message: the events, a unique EventDocId (the same on every retry,
/// so a receiver can drop a message it has seen), the requester as SourceAccount and
/// CustomerId, and the specification's version as EventDocVersion.
fn message(account_id: &str, version: &str, events: Vec<Value>) -> String {
    json!({
        "Events": events,
        "EventDocId": hex::encode(rand::random::<[u8; 20]>()),
        "SourceAccount": account_id,
        "CustomerId": account_id,
        "EventDocVersion": version,
    })
    .to_string()
}

/// A test event as SendTestEventNotification sends it: the type and the time, about no HIT.
pub fn test_record(event: EventType, at_ms: i64) -> Value {
    json!({ "EventType": event.as_str(), "EventTimestamp": timestamp(at_ms) })
}

/// EventTimestamp: a UTC dateTime to the second, such as 2005-01-31T23:59:59Z.
fn timestamp(at_ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(at_ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Whether the HIT is Reviewable at `at_ms` (`read_model::HIT_SELECT`'s rule, with work in
/// progress counted as of then): nothing in progress, and expired or every slot taken.
fn reviewable_at(tx: &Transaction, hit_id: &str, at_ms: i64) -> ApiResult<bool> {
    Ok(tx
        .prepare_cached(
            "SELECT NOT h.deleted AND NOT h.reviewing
                    AND NOT EXISTS (SELECT 1 FROM accepted_assignments w
                                    WHERE w.hit_id = h.id AND w.deadline_ms >= ?2)
                    AND (h.expiration_ms <= ?2
                         OR (SELECT COUNT(*) FROM assignments a WHERE a.hit_id = h.id)
                            >= h.max_assignments)
             FROM hits h WHERE h.id = ?1",
        )?
        .query_row(params![hit_id, at_ms], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// After work on the HIT ended at `at_ms` (submitted, returned, abandoned), which can only
/// make it Reviewable: HITReviewable when it did. (Worked out only when someone subscribed:
/// this runs for every submission.)
pub fn work_ended(tx: &Transaction, hit_id: &str, at_ms: i64) -> ApiResult<()> {
    if subscription(tx, hit_id, EventType::HitReviewable)?.is_some()
        && reviewable_at(tx, hit_id, at_ms)?
    {
        emit(tx, EventType::HitReviewable, Subject::hit(hit_id), at_ms)?;
    }
    Ok(())
}

/// The HIT has just expired at `at_ms`: HITExpired, and HITReviewable when that made it
/// Reviewable (not when every slot was taken already, which had made it so before).
fn hit_expired(tx: &Transaction, hit_id: &str, at_ms: i64) -> ApiResult<()> {
    emit(tx, EventType::HitExpired, Subject::hit(hit_id), at_ms)?;
    let full: bool = tx
        .prepare_cached(
            "SELECT (SELECT COUNT(*) FROM assignments a WHERE a.hit_id = h.id) >= h.max_assignments
             FROM hits h WHERE h.id = ?1",
        )?
        .query_row(params![hit_id], |r| r.get(0))?;
    if !full {
        work_ended(tx, hit_id, at_ms)?;
    }
    Ok(())
}

/// Reports the HITs with an active specification whose expiration passed since the last
/// sweep. Runs in the catch-up before abandoned work is released, so work in progress at the
/// expiration still counts (see `reviewable_at`).
///
/// The sweep's mark moves only when it reported something (or `mark_swept` moves it), so a
/// call that finds nothing writes nothing: a read stays a read, with no commit to sync. That
/// is sound because no HIT's expiration can later fall inside a window already looked at:
/// CreateHIT and UpdateExpirationForHIT set expirations at or after their own time, and
/// UpdateExpirationForHIT reports one it sets to now itself (`expired_now`).
pub fn expire_due(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    let swept: i64 = tx
        .prepare_cached("SELECT swept_ms FROM notification_sweep WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    if now_ms <= swept {
        return Ok(());
    }
    let expired = tx
        .prepare_cached(
            "SELECT h.id, h.expiration_ms FROM notification_specs s
             JOIN hits h ON h.hit_type_id = s.hit_type_id
             WHERE s.active AND NOT h.deleted AND h.expiration_ms > ?1 AND h.expiration_ms <= ?2
             ORDER BY h.expiration_ms",
        )?
        .query_map(params![swept, now_ms], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if expired.is_empty() {
        return Ok(());
    }
    for (hit_id, at_ms) in expired {
        hit_expired(tx, &hit_id, at_ms)?;
    }
    mark_swept(tx, now_ms)
}

/// Every expiration up to `now_ms` has been dealt with: the catch-up of this call looked, and
/// the caller reported or must not report the rest (a specification made active now reports
/// nothing that happened before it).
pub fn mark_swept(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    tx.prepare_cached("UPDATE notification_sweep SET swept_ms = MAX(swept_ms, ?1) WHERE id = 1")?
        .execute(params![now_ms])?;
    Ok(())
}

/// UpdateExpirationForHIT has expired the HIT at `now_ms`, after this call's catch-up swept.
pub fn expired_now(tx: &Transaction, hit_id: &str, now_ms: i64) -> ApiResult<()> {
    hit_expired(tx, hit_id, now_ms)?;
    mark_swept(tx, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip_through_their_words() {
        for e in EventType::ALL {
            assert_eq!(e.as_str().parse::<EventType>().ok(), Some(e));
        }
        assert!("hitcreated".parse::<EventType>().is_err());
    }

    #[test]
    fn timestamps_are_utc_to_the_second() {
        assert_eq!(timestamp(1_107_215_999_999), "2005-01-31T23:59:59Z");
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
    }
}
