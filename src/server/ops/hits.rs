//! HIT types and HITs: creating, reading, listing, reviewing, expiring, extending, deleting.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::input::{check_range, money_at_most, opt_i64, opt_str, opt_time_ms, req_str};
use super::layouts;
use super::page::{page, page_answer};
use crate::clock::DAY_SECS;
use crate::money::MAX_REWARD_CENTS;
use crate::server::eligibility;
use crate::server::error::{ApiError, ApiResult};
use crate::server::events::{self, EventType, Subject};
use crate::server::ledger;
use crate::server::policies;
use crate::server::read_model::{HIT_SELECT, hit_facts, hit_json};
use crate::server::site::question_form;
use crate::server::status::{AssignmentStatus, HitStatus};

const DEFAULT_AUTO_APPROVAL_DELAY: i64 = 30 * DAY_SECS;
const MAX_QUESTION_BYTES: usize = 65_535;

/// The fields that make a HIT type; MTurk gives equal ones the same HITTypeId.
struct HitTypeSpec {
    title: String,
    description: String,
    keywords: Option<String>,
    reward_cents: i64,
    assignment_duration: i64,
    auto_approval_delay: i64,
    qualification_requirements: Option<String>,
}

impl HitTypeSpec {
    fn from_input(input: &Value) -> ApiResult<Self> {
        let title = req_str(input, "Title")?;
        let description = req_str(input, "Description")?;
        if title.trim().is_empty() {
            return Err(ApiError::invalid("The Title parameter must not be empty."));
        }
        if title.chars().count() > 128 {
            return Err(ApiError::invalid(
                "The Title parameter can be at most 128 characters.",
            ));
        }
        if description.chars().count() > 2000 {
            return Err(ApiError::invalid(
                "The Description parameter can be at most 2000 characters.",
            ));
        }
        let assignment_duration = opt_i64(input, "AssignmentDurationInSeconds").unwrap_or(0);
        check_range(
            "AssignmentDurationInSeconds",
            assignment_duration,
            30,
            31_536_000,
        )?;
        let auto_approval_delay =
            opt_i64(input, "AutoApprovalDelayInSeconds").unwrap_or(DEFAULT_AUTO_APPROVAL_DELAY);
        check_range(
            "AutoApprovalDelayInSeconds",
            auto_approval_delay,
            0,
            2_592_000,
        )?;
        // At most 10 of them is the model's check; what each says is checked on `register`.
        let quals = input.get("QualificationRequirements");
        Ok(HitTypeSpec {
            title: title.to_string(),
            description: description.to_string(),
            keywords: opt_str(input, "Keywords").map(str::to_string),
            reward_cents: money_at_most("Reward", req_str(input, "Reward")?, MAX_REWARD_CENTS)?,
            assignment_duration,
            auto_approval_delay,
            qualification_requirements: quals.filter(|q| !q.is_null()).map(Value::to_string),
        })
    }

    /// The HITTypeId for these fields, registering a new type when none matches. Its
    /// QualificationRequirements are checked every time: a type they name may have been
    /// deactivated or deleted since an equal HIT type was registered.
    fn register(&self, tx: &Transaction, ctx: &Ctx) -> ApiResult<String> {
        let required = self.checked_requirements(tx, ctx)?;
        let fingerprint = json!([
            self.title,
            self.description,
            self.keywords,
            self.reward_cents,
            self.assignment_duration,
            self.auto_approval_delay,
            self.qualification_requirements
        ])
        .to_string();
        let existing: Option<String> = tx
            .query_row(
                "SELECT id FROM hit_types WHERE account_id = ?1 AND fingerprint = ?2",
                params![ctx.account, fingerprint],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let id = ctx.new_id();
        tx.execute(
            "INSERT INTO hit_types (id, account_id, group_id, fingerprint, title, description,
               keywords, reward_cents, assignment_duration, auto_approval_delay,
               qualification_requirements)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                id,
                ctx.account,
                ctx.new_id(),
                fingerprint,
                self.title,
                self.description,
                self.keywords,
                self.reward_cents,
                self.assignment_duration,
                self.auto_approval_delay,
                self.qualification_requirements
            ],
        )?;
        let mut link = tx.prepare_cached(
            "INSERT OR IGNORE INTO hit_type_requirements (qualification_type_id, hit_type_id)
             VALUES (?1, ?2)",
        )?;
        for qualification_type_id in required {
            link.execute(params![qualification_type_id, id])?;
        }
        Ok(id)
    }

    /// The qualification type ids its requirements name, once they pass MTurk's rules.
    fn checked_requirements(&self, tx: &Transaction, ctx: &Ctx) -> ApiResult<Vec<String>> {
        match &self.qualification_requirements {
            None => Ok(Vec::new()),
            Some(text) => {
                let list: Value = serde_json::from_str(text)
                    .map_err(|e| ApiError::fault(format!("QualificationRequirements: {e}")))?;
                eligibility::check_requirements(tx, &ctx.account, &list)
            }
        }
    }
}

pub fn create_hit_type(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let id = HitTypeSpec::from_input(input)?.register(tx, ctx)?;
    Ok(json!({ "HITTypeId": id }))
}

pub fn create_hit(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let hit_type_id = HitTypeSpec::from_input(input)?.register(tx, ctx)?;
    insert_hit(tx, ctx, input, &hit_type_id)
}

pub fn create_hit_with_hit_type(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let hit_type_id = req_str(input, "HITTypeId")?;
    let requirements: Option<Option<String>> = tx
        .query_row(
            "SELECT qualification_requirements FROM hit_types WHERE id = ?1 AND account_id = ?2",
            params![hit_type_id, ctx.account],
            |r| r.get(0),
        )
        .optional()?;
    let Some(requirements) = requirements else {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.HITTypeDoesNotExist",
            format!("Hit type {hit_type_id} does not exist."),
        ));
    };
    // A type it requires may have been deactivated or deleted since the HIT type was made.
    if let Some(text) = requirements
        && let Ok(list) = serde_json::from_str::<Value>(&text)
    {
        eligibility::check_requirements(tx, &ctx.account, &list)?;
    }
    insert_hit(tx, ctx, input, hit_type_id)
}

/// The part of CreateHIT and CreateHITWithHITType that makes the HIT itself.
fn insert_hit(tx: &Transaction, ctx: &Ctx, input: &Value, hit_type_id: &str) -> ApiResult<Value> {
    let lifetime = opt_i64(input, "LifetimeInSeconds").unwrap_or(0);
    check_range("LifetimeInSeconds", lifetime, 30, 31_536_000)?;
    let max_assignments = opt_i64(input, "MaxAssignments").unwrap_or(1);
    check_range("MaxAssignments", max_assignments, 1, 1_000_000_000)?;
    let question = opt_str(input, "Question");
    let layout = opt_str(input, "HITLayoutId");
    match (question, layout) {
        (None, None) => {
            return Err(ApiError::invalid(
                "Either a Question parameter or a HITLayoutId parameter must be provided.",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "Provide either a Question parameter or a HITLayoutId parameter, not both.",
            ));
        }
        (Some(q), None) => check_question(q)?,
        (None, Some(_)) => {}
    }
    // A HIT made from a layout gets the HTMLQuestion it fills, as MTurk generated one.
    let generated = match layout {
        Some(layout_id) => {
            let question = layouts::question_from_layout(tx, ctx, layout_id, input)?;
            check_question(&question)?;
            Some(question)
        }
        None => None,
    };
    let question = generated.as_deref().or(question);
    let layout_parameters = layout
        .and(input.get("HITLayoutParameters"))
        .filter(|p| !p.is_null())
        .map(Value::to_string);
    let (assignment_policy, hit_policy) = policies::checked(input)?;
    let token = opt_str(input, "UniqueRequestToken");
    if let Some(token) = token {
        let existing: Option<String> = tx
            .query_row(
                "SELECT id FROM hits WHERE account_id = ?1 AND unique_request_token = ?2",
                params![ctx.account, token],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(hit_id) = existing {
            return Err(ApiError::request(
                "AWS.MechanicalTurk.HitAlreadyExists",
                format!(
                    "The HIT with ID \"{hit_id}\" already exists. (UniqueRequestToken {token}, request {})",
                    ctx.request_id
                ),
            ));
        }
    }
    let id = ctx.new_id();
    tx.execute(
        "INSERT INTO hits (id, account_id, hit_type_id, creation_ms, expiration_ms, question,
           hit_layout_id, hit_layout_parameters, requester_annotation, max_assignments,
           unique_request_token, assignment_review_policy, hit_review_policy)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            id,
            ctx.account,
            hit_type_id,
            ctx.now_ms,
            ctx.now_ms + lifetime * 1000,
            question,
            layout,
            layout_parameters,
            opt_str(input, "RequesterAnnotation"),
            max_assignments,
            token,
            assignment_policy,
            hit_policy
        ],
    )?;
    // Publishing holds every slot's pay; a HIT the available balance cannot cover is refused.
    let hit = hit_facts(tx, &ctx.account, &id, ctx.now_ms)?;
    ledger::hold_slots(
        tx,
        &id,
        ledger::slots_cents(hit.pay_cents, max_assignments)?,
    )?;
    events::emit(tx, EventType::HitCreated, Subject::hit(&id), ctx.now_ms)?;
    Ok(json!({ "HIT": hit.json }))
}

/// MTurk takes a QuestionForm, ExternalQuestion or HTMLQuestion document of at most 64 KB.
fn check_question(question: &str) -> ApiResult<()> {
    if question.len() > MAX_QUESTION_BYTES {
        return Err(ApiError::invalid(format!(
            "The Question is {} bytes; it must not be larger than {MAX_QUESTION_BYTES} bytes.",
            question.len()
        )));
    }
    let mut reader = quick_xml::Reader::from_str(question);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) | Ok(quick_xml::events::Event::Empty(e)) => {
                let root = e.local_name();
                return match root.as_ref() {
                    // The worker site renders a QuestionForm itself: one it could not honour
                    // is refused now, as MTurk refused one its schema did not allow.
                    b"QuestionForm" => question_form::parse(question).map(|_| ()).map_err(|e| {
                        ApiError::request(
                            "AWS.MechanicalTurk.XMLParseError",
                            format!("The QuestionForm is not valid: {e}"),
                        )
                    }),
                    b"ExternalQuestion" | b"HTMLQuestion" => Ok(()),
                    other => Err(ApiError::request(
                        "AWS.MechanicalTurk.XMLParseError",
                        format!(
                            "The Question must be a QuestionForm, ExternalQuestion or HTMLQuestion data structure, not <{}>.",
                            String::from_utf8_lossy(other)
                        ),
                    )),
                };
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => {
                return Err(ApiError::request(
                    "AWS.MechanicalTurk.XMLParseError",
                    "The Question parameter is not a well-formed XML document.",
                ));
            }
            Ok(_) => {}
        }
    }
}

pub fn get_hit(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let facts = hit_facts(tx, &ctx.account, req_str(input, "HITId")?, ctx.now_ms)?;
    Ok(json!({ "HIT": facts.json }))
}

pub fn list_hits(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let page = page(input, "hits")?;
    let sql = format!(
        "{HIT_SELECT} WHERE account_id = ?2 AND deleted = 0 AND seq > ?3 ORDER BY seq LIMIT ?4"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(
            params![ctx.now_ms, ctx.account, page.after_seq, page.limit],
            |row| Ok((row.get("seq")?, hit_json(row)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_answer(&page, "hits", "HITs", rows))
}

pub fn list_reviewable_hits(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    // The model allows only Reviewable and Reviewing here.
    let status = match opt_str(input, "Status") {
        Some(word) => word
            .parse()
            .ok()
            .filter(|s| [HitStatus::Reviewable, HitStatus::Reviewing].contains(s))
            .ok_or_else(|| ApiError::invalid(format!("{word} is not a HIT status.")))?,
        None => HitStatus::Reviewable,
    };
    let hit_type = opt_str(input, "HITTypeId");
    let kind = format!("reviewable:{status}:{}", hit_type.unwrap_or(""));
    let page = page(input, &kind)?;
    let sql = format!(
        "{HIT_SELECT} WHERE account_id = ?2 AND status = ?3 AND (?4 IS NULL OR hit_type_id = ?4)
           AND seq > ?5
         ORDER BY seq LIMIT ?6"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(
            params![
                ctx.now_ms,
                ctx.account,
                status,
                hit_type,
                page.after_seq,
                page.limit
            ],
            |row| Ok((row.get("seq")?, hit_json(row)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_answer(&page, &kind, "HITs", rows))
}

pub fn update_hit_review_status(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let hit_id = req_str(input, "HITId")?;
    let revert = input
        .get("Revert")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let facts = hit_facts(tx, &ctx.account, hit_id, ctx.now_ms)?;
    let (from, to) = if revert {
        (HitStatus::Reviewing, false)
    } else {
        (HitStatus::Reviewable, true)
    };
    if facts.status != from {
        return Err(ApiError::hit_state(from.as_str()));
    }
    tx.execute(
        "UPDATE hits SET reviewing = ?2 WHERE id = ?1",
        params![hit_id, to],
    )?;
    Ok(json!({}))
}

pub fn update_expiration_for_hit(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let hit_id = req_str(input, "HITId")?;
    let facts = hit_facts(tx, &ctx.account, hit_id, ctx.now_ms)?;
    if facts.deleted {
        return Err(ApiError::hit_state(
            "Assignable, Unassignable, Reviewable, Reviewing",
        ));
    }
    let expire_at = opt_time_ms(input, "ExpireAt").unwrap_or(ctx.now_ms);
    // A time in the past expires the HIT at once (and the next call's catch-up gives back
    // what its unused slots held).
    let expiration_ms = expire_at.max(ctx.now_ms);
    if expiration_ms > ctx.now_ms + 31_536_000_000 {
        return Err(ApiError::request(
            "AWS.ParameterOutOfRange",
            "ExpireAt may be at most one year from now.",
        ));
    }
    // An expired HIT given a new life offers its unused slots again, so they are held again.
    if !facts.open && expiration_ms > ctx.now_ms {
        let slots = ledger::slots_cents(facts.pay_cents, facts.unused_slots())?;
        ledger::hold_slots(tx, hit_id, slots)?;
    }
    tx.execute(
        "UPDATE hits SET expiration_ms = ?2 WHERE id = ?1",
        params![hit_id, expiration_ms],
    )?;
    if expiration_ms > facts.expiration_ms && expiration_ms > ctx.now_ms {
        events::emit(tx, EventType::HitExtended, Subject::hit(hit_id), ctx.now_ms)?;
    } else if facts.open && expiration_ms <= ctx.now_ms {
        // Expired by this call, after its catch-up looked for expirations: reported here.
        events::expired_now(tx, hit_id, ctx.now_ms)?;
    }
    Ok(json!({}))
}

pub fn delete_hit(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let hit_id = req_str(input, "HITId")?;
    let facts = hit_facts(tx, &ctx.account, hit_id, ctx.now_ms)?;
    if facts.deleted {
        // Deleting twice changes nothing; MTurk treats the HIT as gone.
        return Err(ApiError::hit_not_found(hit_id));
    }
    let deletable = [HitStatus::Reviewing, HitStatus::Reviewable];
    if !deletable.contains(&facts.status) {
        return Err(ApiError::hit_state("Reviewing, Reviewable"));
    }
    // MTurk: a HIT that still has active assignments cannot be deleted (a Reviewing HIT
    // given more assignments may have some).
    if facts.pending > 0 {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.InvalidHITState",
            format!(
                "This HIT has {} assignment(s) in progress. This operation can be called with a status of: Reviewing, Reviewable",
                facts.pending
            ),
        ));
    }
    let unreviewed: i64 = tx.query_row(
        "SELECT COUNT(*) FROM assignments WHERE hit_id = ?1 AND status = ?2",
        params![hit_id, AssignmentStatus::Submitted],
        |r| r.get(0),
    )?;
    if unreviewed > 0 {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.InvalidHITState",
            format!(
                "This HIT has {unreviewed} submitted assignment(s) that have not been approved or rejected. This operation can be called with a status of: Reviewing, Reviewable"
            ),
        ));
    }
    tx.execute("UPDATE hits SET deleted = 1 WHERE id = ?1", params![hit_id])?;
    events::emit(tx, EventType::HitDisposed, Subject::hit(hit_id), ctx.now_ms)?;
    // Slots filled by imported history are still held until now.
    ledger::release_slots(tx, hit_id)?;
    Ok(json!({}))
}

pub fn create_additional_assignments_for_hit(
    tx: &Transaction,
    ctx: &Ctx,
    input: &Value,
) -> ApiResult<Value> {
    let hit_id = req_str(input, "HITId")?;
    let extra = opt_i64(input, "NumberOfAdditionalAssignments").unwrap_or(0);
    check_range("NumberOfAdditionalAssignments", extra, 1, 1_000_000_000)?;
    let facts = hit_facts(tx, &ctx.account, hit_id, ctx.now_ms)?;
    if facts.deleted {
        return Err(ApiError::hit_state(
            "Assignable, Unassignable, Reviewable, Reviewing",
        ));
    }
    if let Some(token) = opt_str(input, "UniqueRequestToken") {
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO extension_tokens (account_id, token, hit_id)
             VALUES (?1, ?2, ?3)",
            params![ctx.account, token, hit_id],
        )?;
        if inserted == 0 {
            return Err(ApiError::request(
                "AWS.MechanicalTurk.DuplicateRequest",
                format!(
                    "The request with UniqueRequestToken \"{token}\" has already been processed. (request {})",
                    ctx.request_id
                ),
            ));
        }
    }
    if facts.max_assignments < 10 && facts.max_assignments + extra >= 10 {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease",
            "HITs created with fewer than 10 assignments cannot be extended to have 10 or more assignments.",
        ));
    }
    tx.execute(
        "UPDATE hits SET max_assignments = max_assignments + ?2 WHERE id = ?1",
        params![hit_id, extra],
    )?;
    // New slots of an open HIT are held as they are offered; an expired one's are held if it
    // is given a new life (UpdateExpirationForHIT).
    if facts.open {
        ledger::hold_slots(tx, hit_id, ledger::slots_cents(facts.pay_cents, extra)?)?;
    }
    events::emit(tx, EventType::HitExtended, Subject::hit(hit_id), ctx.now_ms)?;
    Ok(json!({}))
}

/// UpdateHITTypeOfHIT: the HIT takes the title, description, keywords, reward, durations,
/// auto-approval delay and QualificationRequirements of another HIT type of the account. Its
/// work not yet paid is paid at the new reward, so what is held for it moves with the reward:
/// unused slots, work in progress, and Submitted work not yet decided. A raise the available
/// balance cannot cover is refused, and nothing changes.
pub fn update_hit_type_of_hit(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let hit_id = req_str(input, "HITId")?;
    let hit_type_id = req_str(input, "HITTypeId")?;
    let facts = hit_facts(tx, &ctx.account, hit_id, ctx.now_ms)?;
    if facts.deleted {
        return Err(ApiError::hit_state(
            "Assignable, Unassignable, Reviewable, Reviewing",
        ));
    }
    let new_type: Option<(i64, Option<String>)> = tx
        .query_row(
            "SELECT reward_cents, qualification_requirements FROM hit_types
             WHERE id = ?1 AND account_id = ?2",
            params![hit_type_id, ctx.account],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((reward_cents, requirements)) = new_type else {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.HITTypeDoesNotExist",
            format!("Hit type {hit_type_id} does not exist."),
        ));
    };
    // As CreateHITWithHITType: a type it requires may have been deactivated or deleted since.
    if let Some(text) = requirements
        && let Ok(list) = serde_json::from_str::<Value>(&text)
    {
        eligibility::check_requirements(tx, &ctx.account, &list)?;
    }
    let new_pay = ledger::pay_cents(reward_cents, facts.max_assignments)?;
    let held: i64 = tx.query_row(
        "SELECT slot_hold_cents FROM hits WHERE id = ?1",
        params![hit_id],
        |r| r.get(0),
    )?;
    // Every slot hold is a whole number of the old pay; a free HIT holds nothing, so count
    // the slots it would hold.
    let held_slots = match facts.pay_cents {
        0 if facts.open => facts.unused_slots() + facts.pending,
        0 => facts.pending,
        old_pay => held / old_pay,
    };
    let undecided: i64 = tx.query_row(
        "SELECT COUNT(*) FROM assignments WHERE hit_id = ?1 AND status = ?2",
        params![hit_id, AssignmentStatus::Submitted],
        |r| r.get(0),
    )?;
    ledger::reprice_hit(tx, hit_id, facts.pay_cents, new_pay, held_slots, undecided)?;
    tx.execute(
        "UPDATE hits SET hit_type_id = ?2 WHERE id = ?1",
        params![hit_id, hit_type_id],
    )?;
    Ok(json!({}))
}
