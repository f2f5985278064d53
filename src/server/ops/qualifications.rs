//! Qualification types and workers' qualifications, MTurk's 13 operations: types (create, get,
//! update, delete, list), scores (associate, disassociate, get, list workers), requests (list,
//! accept, reject) and the HITs that require a type. Every type is its account's: another
//! account's type id answers as one that does not exist. `grant` and `request_qualification`
//! are shared with the local operations.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::input::{check_range, opt_bool, opt_i64, opt_str, req_str};
use super::page::{page, page_answer};
use crate::server::answer_key::AnswerKey;
use crate::server::eligibility::type_not_found;
use crate::server::error::{ApiError, ApiResult};
use crate::server::read_model::{HIT_SELECT, hit_json, time_json};
use crate::server::system_quals::SystemQual;
use crate::server::worker_records;

const MAX_XML_BYTES: usize = 65_535;
const MAX_DESCRIPTION_CHARS: usize = 2000;
const MAX_NAME_CHARS: usize = 255;
const MAX_KEYWORDS_CHARS: usize = 1000;
const MAX_SECONDS: i64 = 31_536_000;

/// Columns a QualificationType reply needs; `disposed` is whether a deleted type is no longer
/// required by any HIT that is not deleted (until then it is Disposing).
const TYPE_COLUMNS: &str = "q.seq, q.id, q.name, q.description, q.keywords, q.status,
    q.creation_ms, q.retry_delay, q.test, q.test_duration, q.answer_key, q.auto_granted,
    q.auto_granted_value, q.deleted_ms,
    NOT EXISTS (SELECT 1 FROM hit_type_requirements r JOIN hits h ON h.hit_type_id = r.hit_type_id
                WHERE r.qualification_type_id = q.id AND h.deleted = 0) AS disposed";

/// A type as stored; `status` is Active, Inactive, Disposing or Disposed.
struct QualType {
    id: String,
    name: String,
    status: String,
    deleted: bool,
    retry_delay: Option<i64>,
    test: Option<String>,
    test_duration: Option<i64>,
    answer_key: Option<String>,
    auto_granted: bool,
    auto_granted_value: Option<i64>,
    json: Value,
}

fn type_from_row(row: &Row) -> rusqlite::Result<QualType> {
    let deleted = row.get::<_, Option<i64>>("deleted_ms")?.is_some();
    let status = match (deleted, row.get::<_, bool>("disposed")?) {
        (true, true) => "Disposed".to_string(),
        (true, false) => "Disposing".to_string(),
        (false, _) => row.get("status")?,
    };
    let t = QualType {
        id: row.get("id")?,
        name: row.get("name")?,
        status,
        deleted,
        retry_delay: row.get("retry_delay")?,
        test: row.get("test")?,
        test_duration: row.get("test_duration")?,
        answer_key: row.get("answer_key")?,
        auto_granted: row.get("auto_granted")?,
        auto_granted_value: row.get("auto_granted_value")?,
        json: Value::Null,
    };
    let mut j = Map::new();
    j.insert("QualificationTypeId".into(), t.id.clone().into());
    j.insert("CreationTime".into(), time_json(row.get("creation_ms")?));
    j.insert("Name".into(), t.name.clone().into());
    j.insert(
        "Description".into(),
        row.get::<_, String>("description")?.into(),
    );
    if let Some(k) = row.get::<_, Option<String>>("keywords")? {
        j.insert("Keywords".into(), k.into());
    }
    j.insert("QualificationTypeStatus".into(), t.status.clone().into());
    for (name, value) in [("Test", &t.test), ("AnswerKey", &t.answer_key)] {
        if let Some(v) = value {
            j.insert(name.into(), v.clone().into());
        }
    }
    for (name, value) in [
        ("TestDurationInSeconds", t.test_duration),
        ("RetryDelayInSeconds", t.retry_delay),
    ] {
        if let Some(v) = value {
            j.insert(name.into(), v.into());
        }
    }
    j.insert("IsRequestable".into(), (t.status == "Active").into());
    j.insert("AutoGranted".into(), t.auto_granted.into());
    if t.auto_granted {
        j.insert(
            "AutoGrantedValue".into(),
            t.auto_granted_value.unwrap_or(1).into(),
        );
    }
    Ok(QualType {
        json: Value::Object(j),
        ..t
    })
}

/// The account's type `id`, deleted or not, or MTurk's does-not-exist error.
fn own_type(tx: &Transaction, ctx: &Ctx, id: &str) -> ApiResult<QualType> {
    let sql = format!(
        "SELECT {TYPE_COLUMNS} FROM qualification_types q WHERE q.id = ?1 AND q.account_id = ?2"
    );
    tx.prepare_cached(&sql)?
        .query_row(params![id, ctx.account], type_from_row)
        .optional()?
        .ok_or_else(|| type_not_found(id))
}

/// The account's type `id` for an operation that changes or grants it: not deleted, and not
/// a system type (those are computed, never assigned).
fn live_type(tx: &Transaction, ctx: &Ctx, id: &str) -> ApiResult<QualType> {
    let t = scored_type(tx, ctx, id)?;
    if t.deleted {
        return Err(ApiError::invalid(format!(
            "QualificationType {id} has been deleted ({}); it can no longer be used.",
            t.status
        )));
    }
    Ok(t)
}

/// The account's type `id` whose workers' scores are asked for: system types have none
/// stored (the server computes them), so they are refused.
fn scored_type(tx: &Transaction, ctx: &Ctx, id: &str) -> ApiResult<QualType> {
    if SystemQual::from_id(id).is_some() {
        return Err(ApiError::invalid(format!(
            "QualificationType {id} is a system Qualification: the server computes its values, and they cannot be assigned, revoked, read or requested."
        )));
    }
    own_type(tx, ctx, id)
}

/// The fields of a type whose combination MTurk constrains.
struct TypeRules<'a> {
    test: Option<&'a str>,
    test_duration: Option<i64>,
    answer_key: Option<&'a str>,
    auto_granted: bool,
}

impl TypeRules<'_> {
    fn check(&self) -> ApiResult<()> {
        if self.test.is_some() && self.auto_granted {
            return Err(ApiError::invalid(
                "A QualificationType with a Test cannot be AutoGranted.",
            ));
        }
        if self.test.is_some() && self.test_duration.is_none() {
            return Err(ApiError::invalid(
                "TestDurationInSeconds must be specified with a Test.",
            ));
        }
        if self.answer_key.is_some() && self.test.is_none() {
            return Err(ApiError::invalid(
                "An AnswerKey can be specified only with a Test.",
            ));
        }
        if let Some(test) = self.test {
            check_test(test)?;
        }
        if let Some(key) = self.answer_key {
            if key.len() > MAX_XML_BYTES {
                return Err(ApiError::invalid(format!(
                    "The AnswerKey must not be longer than {MAX_XML_BYTES} bytes."
                )));
            }
            AnswerKey::parse(key).map_err(|e| {
                ApiError::request("AWS.MechanicalTurk.XMLParseError", e.to_string())
            })?;
        }
        if let Some(d) = self.test_duration {
            check_range("TestDurationInSeconds", d, 1, MAX_SECONDS)?;
        }
        Ok(())
    }
}

/// A Test is a QuestionForm of at most 64 KB.
fn check_test(test: &str) -> ApiResult<()> {
    if test.len() > MAX_XML_BYTES {
        return Err(ApiError::invalid(format!(
            "The Test must not be longer than {MAX_XML_BYTES} bytes."
        )));
    }
    let mut reader = quick_xml::Reader::from_str(test);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) | Ok(quick_xml::events::Event::Empty(e)) => {
                return if e.local_name().as_ref() == b"QuestionForm" {
                    Ok(())
                } else {
                    Err(ApiError::request(
                        "AWS.MechanicalTurk.XMLParseError",
                        "The Test must be a QuestionForm data structure.",
                    ))
                };
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => {
                return Err(ApiError::request(
                    "AWS.MechanicalTurk.XMLParseError",
                    "The Test is not a well-formed XML document.",
                ));
            }
            Ok(_) => {}
        }
    }
}

fn check_description(description: &str) -> ApiResult<()> {
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ApiError::invalid(format!(
            "The Description can be at most {MAX_DESCRIPTION_CHARS} characters."
        )));
    }
    Ok(())
}

fn check_retry_delay(delay: Option<i64>) -> ApiResult<()> {
    match delay {
        Some(d) => check_range("RetryDelayInSeconds", d, 0, MAX_SECONDS),
        None => Ok(()),
    }
}

pub fn create_qualification_type(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let name = req_str(input, "Name")?;
    let description = req_str(input, "Description")?;
    let status = req_str(input, "QualificationTypeStatus")?;
    let keywords = opt_str(input, "Keywords");
    if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid(format!(
            "The Name must be between 1 and {MAX_NAME_CHARS} characters."
        )));
    }
    check_description(description)?;
    if keywords.is_some_and(|k| k.chars().count() > MAX_KEYWORDS_CHARS) {
        return Err(ApiError::invalid(format!(
            "The Keywords can be at most {MAX_KEYWORDS_CHARS} characters."
        )));
    }
    let auto_granted = opt_bool(input, "AutoGranted").unwrap_or(false);
    let rules = TypeRules {
        test: opt_str(input, "Test"),
        test_duration: opt_i64(input, "TestDurationInSeconds"),
        answer_key: opt_str(input, "AnswerKey"),
        auto_granted,
    };
    rules.check()?;
    let retry_delay = opt_i64(input, "RetryDelayInSeconds");
    check_retry_delay(retry_delay)?;
    // A deleted type's name is free again once it is Disposed.
    let sql = format!(
        "SELECT {TYPE_COLUMNS} FROM qualification_types q WHERE q.account_id = ?1 AND q.name = ?2"
    );
    let taken = tx
        .prepare_cached(&sql)?
        .query_map(params![ctx.account, name], type_from_row)?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .any(|t| t.status != "Disposed");
    if taken {
        return Err(ApiError::request(
            "AWS.MechanicalTurk.QualificationTypeAlreadyExists",
            format!(
                "You have already created a QualificationType with this name: \"{name}\". A QualificationType's name must be unique among all of the QualificationTypes created by the same user."
            ),
        ));
    }
    let id = ctx.new_id();
    tx.execute(
        "INSERT INTO qualification_types (id, account_id, name, description, keywords, status,
           creation_ms, retry_delay, test, test_duration, answer_key, auto_granted,
           auto_granted_value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            id,
            ctx.account,
            name,
            description,
            keywords,
            status,
            ctx.now_ms,
            retry_delay,
            rules.test,
            rules.test_duration,
            rules.answer_key,
            auto_granted,
            auto_granted.then(|| opt_i64(input, "AutoGrantedValue").unwrap_or(1)),
        ],
    )?;
    Ok(json!({ "QualificationType": own_type(tx, ctx, &id)?.json }))
}

pub fn get_qualification_type(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let id = req_str(input, "QualificationTypeId")?;
    let json = match SystemQual::from_id(id) {
        Some(system) => system.type_json(),
        None => own_type(tx, ctx, id)?.json,
    };
    Ok(json!({ "QualificationType": json }))
}

pub fn update_qualification_type(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let id = req_str(input, "QualificationTypeId")?;
    let t = live_type(tx, ctx, id)?;
    let description = opt_str(input, "Description");
    if let Some(d) = description {
        check_description(d)?;
    }
    let retry_delay = opt_i64(input, "RetryDelayInSeconds");
    check_retry_delay(retry_delay)?;
    let test = opt_str(input, "Test").or(t.test.as_deref());
    let auto_granted = opt_bool(input, "AutoGranted").unwrap_or(t.auto_granted);
    let rules = TypeRules {
        test,
        test_duration: opt_i64(input, "TestDurationInSeconds").or(t.test_duration),
        answer_key: opt_str(input, "AnswerKey").or(t.answer_key.as_deref()),
        auto_granted,
    };
    rules.check()?;
    let auto_granted_value = auto_granted.then(|| {
        opt_i64(input, "AutoGrantedValue")
            .or(t.auto_granted_value)
            .unwrap_or(1)
    });
    tx.execute(
        "UPDATE qualification_types
         SET description = COALESCE(?2, description), status = COALESCE(?3, status),
             retry_delay = COALESCE(?4, retry_delay), test = ?5, test_duration = ?6,
             answer_key = ?7, auto_granted = ?8, auto_granted_value = ?9
         WHERE id = ?1",
        params![
            id,
            description,
            opt_str(input, "QualificationTypeStatus"),
            retry_delay,
            rules.test,
            rules.test_duration,
            rules.answer_key,
            auto_granted,
            auto_granted_value
        ],
    )?;
    Ok(json!({ "QualificationType": own_type(tx, ctx, id)?.json }))
}

/// Disposes of a type as MTurk does: it can no longer be used or requested, pending requests
/// are rejected, workers keep their scores (HITs still running may need them), and it is
/// Disposing until no HIT that requires it remains, then Disposed (and its name free).
pub fn delete_qualification_type(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let id = req_str(input, "QualificationTypeId")?;
    let t = own_type(tx, ctx, id)?;
    if t.deleted {
        return Err(type_not_found(id));
    }
    tx.execute(
        "UPDATE qualification_types SET deleted_ms = ?2 WHERE id = ?1",
        params![id, ctx.now_ms],
    )?;
    tx.execute(
        "UPDATE qualification_requests SET status = 'Rejected',
           reason = 'The Qualification type was deleted.'
         WHERE qualification_type_id = ?1 AND status = 'Pending'",
        params![id],
    )?;
    Ok(json!({}))
}

/// System types come first in the list (keys 1 to 10), the account's after them (key 100 +
/// their seq), so one token pages through both.
const OWN_KEY_BASE: i64 = 100;

pub fn list_qualification_types(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let requestable = opt_bool(input, "MustBeRequestable").unwrap_or(false);
    let owned = opt_bool(input, "MustBeOwnedByCaller").unwrap_or(false);
    let query = opt_str(input, "Query").map(str::to_lowercase);
    let kind = format!(
        "qualtypes:{requestable}:{owned}:{}",
        query.as_deref().unwrap_or("")
    );
    let page = page(input, &kind)?;
    let matches = |t: &Value| {
        query.as_deref().is_none_or(|q| {
            ["Name", "Description", "Keywords"].iter().any(|f| {
                t[f].as_str()
                    .is_some_and(|text| text.to_lowercase().contains(q))
            })
        })
    };
    let mut rows: Vec<(i64, Value)> = Vec::new();
    if !requestable && !owned {
        rows.extend(
            SystemQual::all_json()
                .into_iter()
                .zip(1..)
                .map(|(t, key)| (key, t))
                .filter(|(key, t)| *key > page.after_seq && matches(t)),
        );
    }
    // Matching the query here, after the page's rows are read, would cut pages short; the
    // account's types are few enough to filter as they are read.
    let sql = format!(
        "SELECT {TYPE_COLUMNS} FROM qualification_types q
         WHERE q.account_id = ?1 AND q.deleted_ms IS NULL AND q.seq + {OWN_KEY_BASE} > ?2
           AND (?3 = 0 OR q.status = 'Active')
         ORDER BY q.seq"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    let mut own = stmt.query(params![ctx.account, page.after_seq, requestable])?;
    while (rows.len() as i64) < page.limit {
        let Some(row) = own.next()? else { break };
        let seq: i64 = row.get("seq")?;
        let t = type_from_row(row)?;
        if matches(&t.json) {
            rows.push((seq + OWN_KEY_BASE, t.json));
        }
    }
    Ok(page_answer(&page, &kind, "QualificationTypes", rows))
}

/// A worker's qualification as MTurk writes it.
fn qualification_json(row: &Row) -> rusqlite::Result<Value> {
    Ok(json!({
        "QualificationTypeId": row.get::<_, String>("qualification_type_id")?,
        "WorkerId": row.get::<_, String>("worker_id")?,
        "GrantTime": time_json(row.get("grant_ms")?),
        "IntegerValue": row.get::<_, i64>("integer_value")?,
        "Status": row.get::<_, String>("status")?,
    }))
}

/// Gives `worker_id` the qualification with `value` (again, if it was revoked).
pub fn grant(
    tx: &Transaction,
    type_id: &str,
    worker_id: &str,
    value: i64,
    now_ms: i64,
) -> ApiResult<()> {
    worker_records::ensure(tx, worker_id, now_ms)?;
    tx.execute(
        "INSERT INTO qualifications (qualification_type_id, worker_id, integer_value, status, grant_ms)
         VALUES (?1, ?2, ?3, 'Granted', ?4)
         ON CONFLICT (qualification_type_id, worker_id)
         DO UPDATE SET integer_value = ?3, status = 'Granted', grant_ms = ?4",
        params![type_id, worker_id, value, now_ms],
    )?;
    Ok(())
}

/// Records a message to a worker, as NotifyWorkers records them (never delivered).
fn record_message(
    tx: &Transaction,
    ctx: &Ctx,
    worker_id: &str,
    subject: &str,
    text: &str,
) -> ApiResult<()> {
    tx.execute(
        "INSERT INTO notifications (account_id, worker_id, subject, message_text, sent_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![ctx.account, worker_id, subject, text, ctx.now_ms],
    )?;
    Ok(())
}

pub fn associate_qualification_with_worker(
    tx: &Transaction,
    ctx: &Ctx,
    input: &Value,
) -> ApiResult<Value> {
    let t = live_type(tx, ctx, req_str(input, "QualificationTypeId")?)?;
    let worker_id = req_str(input, "WorkerId")?;
    let value = opt_i64(input, "IntegerValue").unwrap_or(1);
    grant(tx, &t.id, worker_id, value, ctx.now_ms)?;
    if opt_bool(input, "SendNotification").unwrap_or(true) {
        record_message(
            tx,
            ctx,
            worker_id,
            &format!("You have been granted the Qualification \"{}\"", t.name),
            &format!(
                "A requester has granted you the Qualification \"{}\" with the value {value}.",
                t.name
            ),
        )?;
    }
    Ok(json!({}))
}

fn qualification_not_found(type_id: &str, worker_id: &str) -> ApiError {
    ApiError::request(
        "AWS.MechanicalTurk.QualificationDoesNotExist",
        format!(
            "You requested a Qualification that does not exist: worker {worker_id} has no Qualification of type {type_id}."
        ),
    )
}

pub fn disassociate_qualification_from_worker(
    tx: &Transaction,
    ctx: &Ctx,
    input: &Value,
) -> ApiResult<Value> {
    let t = live_type(tx, ctx, req_str(input, "QualificationTypeId")?)?;
    let worker_id = req_str(input, "WorkerId")?;
    let revoked = tx.execute(
        "UPDATE qualifications SET status = 'Revoked'
         WHERE qualification_type_id = ?1 AND worker_id = ?2 AND status = 'Granted'",
        params![t.id, worker_id],
    )?;
    if revoked == 0 {
        return Err(qualification_not_found(&t.id, worker_id));
    }
    if let Some(reason) = opt_str(input, "Reason").filter(|r| !r.trim().is_empty()) {
        record_message(
            tx,
            ctx,
            worker_id,
            &format!("Your Qualification \"{}\" has been revoked", t.name),
            reason,
        )?;
    }
    Ok(json!({}))
}

pub fn get_qualification_score(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let type_id = req_str(input, "QualificationTypeId")?;
    let worker_id = req_str(input, "WorkerId")?;
    scored_type(tx, ctx, type_id)?;
    tx.prepare_cached(
        "SELECT qualification_type_id, worker_id, integer_value, status, grant_ms
         FROM qualifications WHERE qualification_type_id = ?1 AND worker_id = ?2",
    )?
    .query_row(params![type_id, worker_id], qualification_json)
    .optional()?
    .map(|q| json!({ "Qualification": q }))
    .ok_or_else(|| qualification_not_found(type_id, worker_id))
}

pub fn list_workers_with_qualification_type(
    tx: &Transaction,
    ctx: &Ctx,
    input: &Value,
) -> ApiResult<Value> {
    let type_id = req_str(input, "QualificationTypeId")?;
    scored_type(tx, ctx, type_id)?;
    let status = opt_str(input, "Status");
    let kind = format!("qualworkers:{type_id}:{}", status.unwrap_or(""));
    let page = page(input, &kind)?;
    let rows = tx
        .prepare_cached(
            "SELECT seq, qualification_type_id, worker_id, integer_value, status, grant_ms
             FROM qualifications
             WHERE qualification_type_id = ?1 AND (?2 IS NULL OR status = ?2) AND seq > ?3
             ORDER BY seq LIMIT ?4",
        )?
        .query_map(params![type_id, status, page.after_seq, page.limit], |r| {
            Ok((r.get("seq")?, qualification_json(r)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_answer(&page, &kind, "Qualifications", rows))
}

pub fn list_hits_for_qualification_type(
    tx: &Transaction,
    ctx: &Ctx,
    input: &Value,
) -> ApiResult<Value> {
    let type_id = req_str(input, "QualificationTypeId")?;
    if SystemQual::from_id(type_id).is_none() {
        own_type(tx, ctx, type_id)?;
    }
    let kind = format!("qualhits:{type_id}");
    let page = page(input, &kind)?;
    let sql = format!(
        "{HIT_SELECT} WHERE account_id = ?2 AND deleted = 0 AND seq > ?4
           AND hit_type_id IN (SELECT hit_type_id FROM hit_type_requirements
                               WHERE qualification_type_id = ?3)
         ORDER BY seq LIMIT ?5"
    );
    let rows = tx
        .prepare_cached(&sql)?
        .query_map(
            params![ctx.now_ms, ctx.account, type_id, page.after_seq, page.limit],
            |row| Ok((row.get("seq")?, hit_json(row)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_answer(&page, &kind, "HITs", rows))
}

pub fn list_qualification_requests(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let type_id = opt_str(input, "QualificationTypeId");
    if let Some(id) = type_id {
        own_type(tx, ctx, id)?;
    }
    let kind = format!("qualrequests:{}", type_id.unwrap_or(""));
    let page = page(input, &kind)?;
    let rows = tx
        .prepare_cached(
            "SELECT r.seq, r.id, r.qualification_type_id, r.worker_id, r.test, r.answer,
                    r.submit_ms
             FROM qualification_requests r JOIN qualification_types q
               ON q.id = r.qualification_type_id
             WHERE q.account_id = ?1 AND (?2 IS NULL OR r.qualification_type_id = ?2)
               AND r.status = 'Pending' AND r.seq > ?3
             ORDER BY r.seq LIMIT ?4",
        )?
        .query_map(
            params![ctx.account, type_id, page.after_seq, page.limit],
            |r| {
                let mut j = Map::new();
                j.insert(
                    "QualificationRequestId".into(),
                    r.get::<_, String>(1)?.into(),
                );
                j.insert("QualificationTypeId".into(), r.get::<_, String>(2)?.into());
                j.insert("WorkerId".into(), r.get::<_, String>(3)?.into());
                if let Some(test) = r.get::<_, Option<String>>(4)? {
                    j.insert("Test".into(), test.into());
                }
                if let Some(answer) = r.get::<_, Option<String>>(5)? {
                    j.insert("Answer".into(), answer.into());
                }
                j.insert("SubmitTime".into(), time_json(r.get(6)?));
                Ok((r.get(0)?, Value::Object(j)))
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_answer(&page, &kind, "QualificationRequests", rows))
}

/// The account's pending request `id`: its type id and worker.
fn pending_request(tx: &Transaction, ctx: &Ctx, id: &str) -> ApiResult<(String, String)> {
    let row: Option<(String, String, String)> = tx
        .query_row(
            "SELECT r.qualification_type_id, r.worker_id, r.status
             FROM qualification_requests r JOIN qualification_types q
               ON q.id = r.qualification_type_id
             WHERE r.id = ?1 AND q.account_id = ?2",
            params![id, ctx.account],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        None => Err(ApiError::request(
            "AWS.MechanicalTurk.QualificationRequestDoesNotExist",
            format!("QualificationRequest {id} does not exist."),
        )),
        Some((_, _, status)) if status != "Pending" => Err(ApiError::request(
            "AWS.MechanicalTurk.InvalidQualificationRequestState",
            format!(
                "QualificationRequest {id} has already been {}.",
                status.to_lowercase()
            ),
        )),
        Some((type_id, worker, _)) => Ok((type_id, worker)),
    }
}

pub fn accept_qualification_request(
    tx: &Transaction,
    ctx: &Ctx,
    input: &Value,
) -> ApiResult<Value> {
    let id = req_str(input, "QualificationRequestId")?;
    let (type_id, worker) = pending_request(tx, ctx, id)?;
    grant(
        tx,
        &type_id,
        &worker,
        opt_i64(input, "IntegerValue").unwrap_or(1),
        ctx.now_ms,
    )?;
    tx.execute(
        "UPDATE qualification_requests SET status = 'Granted' WHERE id = ?1",
        params![id],
    )?;
    Ok(json!({}))
}

pub fn reject_qualification_request(
    tx: &Transaction,
    ctx: &Ctx,
    input: &Value,
) -> ApiResult<Value> {
    let id = req_str(input, "QualificationRequestId")?;
    pending_request(tx, ctx, id)?;
    tx.execute(
        "UPDATE qualification_requests SET status = 'Rejected', reason = ?2 WHERE id = ?1",
        params![id, opt_str(input, "Reason")],
    )?;
    Ok(json!({}))
}

/// A worker's request for a qualification (`MTurkLocal.RequestQualification`): it obeys the
/// retry delay, then scores a test answer with the answer key, or grants an AutoGranted type,
/// or leaves a pending request for the requester. Answers the request id and what became of it.
pub fn request_qualification(
    tx: &Transaction,
    ctx: &Ctx,
    worker_id: &str,
    type_id: &str,
    answer: Option<&str>,
) -> ApiResult<Value> {
    worker_records::check_worker_id(worker_id)?;
    let t = live_type(tx, ctx, type_id)?;
    if t.status != "Active" {
        return Err(ApiError::invalid(format!(
            "QualificationType {type_id} is {}: it cannot be requested.",
            t.status
        )));
    }
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT submit_ms, status FROM qualification_requests
             WHERE qualification_type_id = ?1 AND worker_id = ?2 ORDER BY seq DESC LIMIT 1",
            params![type_id, worker_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((at_ms, status)) = last {
        if status == "Pending" {
            return Err(ApiError::invalid(format!(
                "Worker {worker_id} already has a pending request for QualificationType {type_id}."
            )));
        }
        match t.retry_delay {
            None => {
                return Err(ApiError::invalid(format!(
                    "QualificationType {type_id} does not allow retries, and worker {worker_id} has already requested it."
                )));
            }
            Some(delay) if ctx.now_ms < at_ms + delay * 1000 => {
                return Err(ApiError::invalid(format!(
                    "Worker {worker_id} can request QualificationType {type_id} again {} seconds after the last request, at {}.",
                    delay,
                    (at_ms + delay * 1000) / 1000
                )));
            }
            Some(_) => {}
        }
    }
    match (&t.test, answer) {
        (Some(_), None) => {
            return Err(ApiError::invalid(format!(
                "QualificationType {type_id} has a Test: an Answer (a QuestionFormAnswers document) is required."
            )));
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(format!(
                "QualificationType {type_id} has no Test: send no Answer."
            )));
        }
        _ => {}
    }
    worker_records::ensure(tx, worker_id, ctx.now_ms)?;
    let value = match (&t.answer_key, answer) {
        (Some(key), Some(answer)) => Some(
            AnswerKey::parse(key)
                .map_err(|e| ApiError::fault(format!("The stored AnswerKey is unreadable: {e}")))?
                .score(answer),
        ),
        _ if t.auto_granted => Some(t.auto_granted_value.unwrap_or(1)),
        _ => None,
    };
    let id = ctx.new_id();
    let status = if value.is_some() {
        "Granted"
    } else {
        "Pending"
    };
    tx.execute(
        "INSERT INTO qualification_requests (id, qualification_type_id, worker_id, test, answer,
           submit_ms, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, type_id, worker_id, t.test, answer, ctx.now_ms, status],
    )?;
    let mut out = json!({ "QualificationRequestId": id, "Status": status });
    if let Some(value) = value {
        grant(tx, type_id, worker_id, value, ctx.now_ms)?;
        out["IntegerValue"] = value.into();
    }
    Ok(out)
}
