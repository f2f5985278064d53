//! The server's read model, shared by every handler: the selects that read HITs and
//! assignments (a HIT's status and counts worked out from its assignments and the clock), the
//! facts other operations' rules need, and the JSON builders that write them as MTurk does.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde_json::{Map, Value, json};

use super::error::{ApiError, ApiResult};
use super::ledger;
use super::status::{AssignmentStatus, HitStatus};
use crate::money;

/// Every HIT column a reply needs, with its status worked out from its assignments, the work
/// accepted on it and the clock (`?1` is now in ms). Callers add a WHERE clause over these
/// columns, always naming the caller's `account_id`.
///
/// `taken` counts its assignments (Submitted, Approved, Rejected), `pending` the work workers
/// have accepted and not yet submitted. HITStatus as MTurk documents it: Assignable while a
/// slot is free and the HIT is alive; Unassignable when workers hold every free slot, or still
/// hold work on an expired HIT; Reviewable once every slot is submitted or decided, or the HIT
/// has expired with nothing in progress.
pub const HIT_SELECT: &str = "
SELECT * FROM (
  SELECT *,
         CASE WHEN deleted THEN 'Disposed'
              WHEN reviewing THEN 'Reviewing'
              WHEN pending = 0 AND (expiration_ms <= ?1 OR taken >= max_assignments)
                THEN 'Reviewable'
              WHEN expiration_ms <= ?1 OR taken + pending >= max_assignments
                THEN 'Unassignable'
              ELSE 'Assignable' END AS status
  FROM (
    SELECT h.seq, h.id, h.account_id, h.hit_type_id, t.group_id, h.hit_layout_id, h.creation_ms,
           t.title, t.description, h.question, t.keywords, h.max_assignments, t.reward_cents,
           t.auto_approval_delay, h.expiration_ms, t.assignment_duration, h.requester_annotation,
           t.qualification_requirements, h.review_status, h.deleted, h.reviewing,
           h.hit_review_policy IS NOT NULL AS has_hit_policy, h.hit_policy_reviewed,
           h.hit_policy_reviewed_max,
           (SELECT COUNT(*) FROM assignments a WHERE a.hit_id = h.id) AS taken,
           (SELECT COUNT(*) FROM accepted_assignments w WHERE w.hit_id = h.id) AS pending,
           (SELECT COUNT(*) FROM assignments a WHERE a.hit_id = h.id AND a.status != 'Submitted')
             AS completed
    FROM hits h JOIN hit_types t ON t.id = h.hit_type_id
  )
)";

/// The HIT as MTurk writes it, from a row of `HIT_SELECT`.
pub fn hit_json(row: &Row) -> rusqlite::Result<Value> {
    let mut hit = Map::new();
    let max: i64 = row.get("max_assignments")?;
    let pending: i64 = row.get("pending")?;
    let taken: i64 = row.get("taken")?;
    let expiration_ms: i64 = row.get("expiration_ms")?;
    // Slots nobody has taken, in every state, as MTurk counts them: an expired HIT keeps its
    // unused slots here (clients tell an expired HIT from a completed one by it), so that
    // MaxAssignments = Pending + Available + Completed + the Submitted work not yet decided.
    let available = (max - taken - pending).max(0);
    let quals: Option<String> = row.get("qualification_requirements")?;
    let quals: Value = quals
        .and_then(|q| serde_json::from_str(&q).ok())
        .unwrap_or_else(|| json!([]));
    hit.insert("HITId".into(), row.get::<_, String>("id")?.into());
    hit.insert(
        "HITTypeId".into(),
        row.get::<_, String>("hit_type_id")?.into(),
    );
    hit.insert(
        "HITGroupId".into(),
        row.get::<_, String>("group_id")?.into(),
    );
    put(
        &mut hit,
        "HITLayoutId",
        row.get::<_, Option<String>>("hit_layout_id")?,
    );
    hit.insert("CreationTime".into(), time_json(row.get("creation_ms")?));
    hit.insert("Title".into(), row.get::<_, String>("title")?.into());
    hit.insert(
        "Description".into(),
        row.get::<_, String>("description")?.into(),
    );
    put(
        &mut hit,
        "Question",
        row.get::<_, Option<String>>("question")?,
    );
    put(
        &mut hit,
        "Keywords",
        row.get::<_, Option<String>>("keywords")?,
    );
    hit.insert(
        "HITStatus".into(),
        row.get::<_, HitStatus>("status")?.as_str().into(),
    );
    hit.insert("MaxAssignments".into(), max.into());
    hit.insert(
        "Reward".into(),
        money::format_cents(row.get("reward_cents")?).into(),
    );
    hit.insert(
        "AutoApprovalDelayInSeconds".into(),
        row.get::<_, i64>("auto_approval_delay")?.into(),
    );
    hit.insert("Expiration".into(), time_json(expiration_ms));
    hit.insert(
        "AssignmentDurationInSeconds".into(),
        row.get::<_, i64>("assignment_duration")?.into(),
    );
    put(
        &mut hit,
        "RequesterAnnotation",
        row.get::<_, Option<String>>("requester_annotation")?,
    );
    hit.insert("QualificationRequirements".into(), quals);
    hit.insert(
        "HITReviewStatus".into(),
        row.get::<_, String>("review_status")?.into(),
    );
    hit.insert("NumberOfAssignmentsPending".into(), pending.into());
    hit.insert("NumberOfAssignmentsAvailable".into(), available.into());
    hit.insert(
        "NumberOfAssignmentsCompleted".into(),
        row.get::<_, i64>("completed")?.into(),
    );
    Ok(Value::Object(hit))
}

/// The facts about one HIT that the rules of other operations need.
pub struct HitFacts {
    pub status: HitStatus,
    pub deleted: bool,
    /// Whether workers may still take its unused slots: not deleted, not expired.
    pub open: bool,
    pub max_assignments: i64,
    /// What approving one of its assignments pays: reward plus fee.
    pub pay_cents: i64,
    pub auto_approval_delay: i64,
    pub assignment_duration: i64,
    pub expiration_ms: i64,
    /// Slots taken: its assignments and the work accepted on it.
    pub total: i64,
    /// Work accepted on it and not yet submitted.
    pub pending: i64,
    pub json: Value,
}

/// What a HIT's rules need to know to take one more assignment.
#[derive(Debug, Clone, Copy)]
pub struct HitRules {
    pub max_assignments: i64,
    /// Slots taken: the assignments it has already, and the work workers hold on it.
    pub total: i64,
    pub expiration_ms: i64,
    pub assignment_duration: i64,
    pub auto_approval_delay: i64,
    pub pay_cents: i64,
}

impl HitFacts {
    /// Its slots nobody has taken yet.
    pub fn unused_slots(&self) -> i64 {
        (self.max_assignments - self.total).max(0)
    }

    /// What taking one more assignment depends on.
    pub fn rules(&self) -> HitRules {
        HitRules {
            max_assignments: self.max_assignments,
            total: self.total,
            expiration_ms: self.expiration_ms,
            assignment_duration: self.assignment_duration,
            auto_approval_delay: self.auto_approval_delay,
            pay_cents: self.pay_cents,
        }
    }
}

/// The HIT `hit_id` of `account`, deleted or not, or MTurk's does-not-exist error (also for
/// another account's HIT, so that nobody can tell which ids exist).
pub fn hit_facts(
    tx: &Transaction,
    account: &str,
    hit_id: &str,
    now_ms: i64,
) -> ApiResult<HitFacts> {
    let sql = format!("{HIT_SELECT} WHERE id = ?2 AND account_id = ?3");
    let (facts, reward_cents) = tx
        .prepare_cached(&sql)?
        .query_row(params![now_ms, hit_id, account], |row| {
            let deleted: bool = row.get("deleted")?;
            let expiration_ms: i64 = row.get("expiration_ms")?;
            let facts = HitFacts {
                status: row.get("status")?,
                deleted,
                open: !deleted && expiration_ms > now_ms,
                max_assignments: row.get("max_assignments")?,
                pay_cents: 0,
                auto_approval_delay: row.get("auto_approval_delay")?,
                assignment_duration: row.get("assignment_duration")?,
                expiration_ms,
                total: row.get::<_, i64>("taken")? + row.get::<_, i64>("pending")?,
                pending: row.get("pending")?,
                json: hit_json(row)?,
            };
            Ok((facts, row.get::<_, i64>("reward_cents")?))
        })
        .optional()?
        .ok_or_else(|| ApiError::hit_not_found(hit_id))?;
    Ok(HitFacts {
        pay_cents: ledger::pay_cents(reward_cents, facts.max_assignments)?,
        ..facts
    })
}

/// Every assignment column a reply needs; callers add FROM and WHERE.
pub const ASSIGNMENT_COLUMNS: &str = "seq, id, worker_id, hit_id, status, auto_approval_ms,
    accept_ms, submit_ms, approval_ms, rejection_ms, deadline_ms, answer, feedback";

/// The assignment as MTurk writes it, from a row of `ASSIGNMENT_COLUMNS`.
pub fn assignment_json(row: &Row) -> rusqlite::Result<Value> {
    let mut a = Map::new();
    a.insert("AssignmentId".into(), row.get::<_, String>("id")?.into());
    a.insert("WorkerId".into(), row.get::<_, String>("worker_id")?.into());
    a.insert("HITId".into(), row.get::<_, String>("hit_id")?.into());
    a.insert(
        "AssignmentStatus".into(),
        row.get::<_, AssignmentStatus>("status")?.as_str().into(),
    );
    a.insert(
        "AutoApprovalTime".into(),
        time_json(row.get("auto_approval_ms")?),
    );
    a.insert("AcceptTime".into(), time_json(row.get("accept_ms")?));
    a.insert("SubmitTime".into(), time_json(row.get("submit_ms")?));
    put(
        &mut a,
        "ApprovalTime",
        row.get::<_, Option<i64>>("approval_ms")?.map(time_json),
    );
    put(
        &mut a,
        "RejectionTime",
        row.get::<_, Option<i64>>("rejection_ms")?.map(time_json),
    );
    a.insert("Deadline".into(), time_json(row.get("deadline_ms")?));
    a.insert("Answer".into(), row.get::<_, String>("answer")?.into());
    put(
        &mut a,
        "RequesterFeedback",
        row.get::<_, Option<String>>("feedback")?,
    );
    Ok(Value::Object(a))
}

/// The facts about one assignment that the decisions' rules need.
pub struct AssignmentFacts {
    pub hit_id: String,
    pub status: AssignmentStatus,
    pub submit_ms: i64,
    pub json: Value,
}

/// The assignment `id` on a HIT of `account`, or MTurk's does-not-exist error (also for
/// another account's assignment).
pub fn assignment_facts(tx: &Transaction, account: &str, id: &str) -> ApiResult<AssignmentFacts> {
    let sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM assignments
         WHERE id = ?1 AND hit_id IN (SELECT id FROM hits WHERE account_id = ?2)"
    );
    tx.prepare_cached(&sql)?
        .query_row(params![id, account], |row| {
            Ok(AssignmentFacts {
                hit_id: row.get("hit_id")?,
                status: row.get("status")?,
                submit_ms: row.get("submit_ms")?,
                json: assignment_json(row)?,
            })
        })
        .optional()?
        .ok_or_else(|| ApiError::assignment_not_found(id))
}

/// Epoch milliseconds as the JSON number of seconds clients expect (an integer when whole).
pub fn time_json(ms: i64) -> Value {
    if ms % 1000 == 0 {
        Value::from(ms / 1000)
    } else {
        Value::from(ms as f64 / 1000.0)
    }
}

/// Adds `name` to `object` only when there is a value: MTurk leaves absent fields out.
fn put(object: &mut Map<String, Value>, name: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        object.insert(name.to_string(), v.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_are_integers() {
        assert_eq!(time_json(1_700_000_000_000).to_string(), "1700000000");
        assert_eq!(time_json(1_700_000_000_250).to_string(), "1700000000.25");
    }
}
