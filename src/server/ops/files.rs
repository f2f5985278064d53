//! GetFileUploadURL: a temporary URL to a file a worker uploaded for a QuestionForm's
//! FileUploadAnswer, valid for 60 seconds, as MTurk's.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::input::req_str;
use crate::server::error::{ApiError, ApiResult};
use crate::server::read_model::assignment_facts;
use crate::server::site;

pub fn get_file_upload_url(tx: &Transaction, ctx: &Ctx, input: &Value) -> ApiResult<Value> {
    let assignment_id = req_str(input, "AssignmentId")?;
    let question = req_str(input, "QuestionIdentifier")?;
    // The account's own assignment, or the same answer as for one that does not exist.
    assignment_facts(tx, &ctx.account, assignment_id)?;
    let key: Option<String> = tx
        .query_row(
            "SELECT key FROM uploaded_files WHERE assignment_id = ?1 AND question_identifier = ?2",
            params![assignment_id, question],
            |r| r.get(0),
        )
        .optional()?;
    let key = key.ok_or_else(|| {
        ApiError::invalid(format!(
            "Assignment {assignment_id} has no uploaded file for the question {question}."
        ))
    })?;
    Ok(json!({ "FileUploadURL": site::file_url(tx, &key, ctx.now_ms)? }))
}
