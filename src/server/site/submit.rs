//! `/mturk/externalSubmit` (and `//mturk/externalSubmit`, as pages that append to a
//! `turkSubmitTo` with a trailing slash build it), by GET or POST, form-encoded or multipart:
//! where every task page submits. The assignment id is the authority: it must be an accepted,
//! unexpired assignment, of the signed-in worker when the browser has a session here (a page
//! on another origin, such as an ExternalQuestion's, can't send the site's cookies, so the
//! unguessable id bound to its worker is what lets it submit). Anything else is refused with a
//! page that says why, and records nothing.
//!
//! Every field but the four reserved names becomes one FreeText answer, in the order sent; a
//! name sent more than once (a group of checkboxes) is one answer, its values joined with `|`,
//! as the export writes selections. A QuestionForm HIT's fields are checked against the form
//! and answered as MTurk did (see `question_form`).

use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rusqlite::{OptionalExtension, Transaction, params};

use super::Site;
use super::content;
use super::pages::NOT_AVAILABLE;
use super::question::{TaskKind, task_kind};
use super::question_form::{self, Field, Upload};
use super::session;
use super::view::{self, Submitted};
use crate::answer::write::AnswersWriter;
use crate::server::error::{ApiError, ApiResult};
use crate::server::work::{self, SubmitOutcome};

/// The names MTurk gives its own parameters: never answers.
const RESERVED: [&str; 4] = ["assignmentId", "hitId", "workerId", "turkSubmitTo"];

/// The most a submission (its files included) may carry.
pub const MAX_SUBMISSION_BYTES: usize = 20 * 1024 * 1024;

/// What a submission carried.
#[derive(Default)]
struct Submission {
    fields: Vec<Field>,
    uploads: Vec<Upload>,
}

impl Submission {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }
}

fn refuse(status: StatusCode, text: &str) -> Response {
    view::message(
        status,
        None,
        "Your work was not submitted",
        text,
        &[("/worker/", "Back to the work list")],
    )
}

pub async fn external_submit(State(site): State<Arc<Site>>, request: Request) -> Response {
    let headers = request.headers().clone();
    let submission = match read(request).await {
        Ok(submission) => submission,
        Err(text) => return refuse(StatusCode::BAD_REQUEST, &text),
    };
    let Some(assignment_id) = submission.get("assignmentId").map(str::to_string) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "The submission carries no assignmentId, so it can't be matched to your work. The task page must send the assignmentId it was given.",
        );
    };
    if assignment_id == NOT_AVAILABLE {
        return refuse(
            StatusCode::BAD_REQUEST,
            "This is a preview: you must ACCEPT the HIT before you can submit the results.",
        );
    }
    let id = assignment_id.clone();
    let in_site = site.clone();
    let outcome = site
        .run(move |tx, now| record(&in_site, tx, &headers, &id, submission, now))
        .await;
    match outcome {
        Ok(Ok(SubmitOutcome::Submitted { .. })) => view::page(
            StatusCode::OK,
            &Submitted::new("Thank you: your work has been submitted.", &assignment_id),
        ),
        Ok(Ok(SubmitOutcome::AlreadySubmitted { .. })) => view::page(
            StatusCode::OK,
            &Submitted::new(
                "This work was submitted already; it was recorded once.",
                &assignment_id,
            ),
        ),
        // The form again, with what the worker typed and what is wrong with it.
        Ok(Err(refilled)) => (StatusCode::UNPROCESSABLE_ENTITY, Html(refilled)).into_response(),
        Err(e) if e.status() < 500 => refuse(StatusCode::CONFLICT, &e.message),
        Err(e) => {
            tracing::error!(message = %e.message, "a submission failed");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, &e.message)
        }
    }
}

/// Checks the submission against its assignment and HIT and records it; `Ok(Err(page))` when
/// the answers break the HIT's QuestionForm: the form refilled, each problem shown.
fn record(
    site: &Site,
    tx: &Transaction,
    headers: &HeaderMap,
    assignment_id: &str,
    submission: Submission,
    now: i64,
) -> ApiResult<Result<SubmitOutcome, String>> {
    let owner = match work::held(tx, assignment_id, now)? {
        Some(held) => held.worker_id,
        None => match submitted_by(tx, assignment_id)? {
            Some(worker) => worker,
            None => {
                return Err(ApiError::invalid(
                    "This assignment is not one you hold: it was never accepted, was returned, or its deadline has passed.",
                ));
            }
        },
    };
    if let Some(session) = session::current(tx, headers, now)?
        && session.worker_id != owner
    {
        return Err(ApiError::invalid(
            "This assignment belongs to another worker than the one signed in on this browser.",
        ));
    }
    let question: Option<Option<String>> = tx
        .query_row(
            "SELECT h.question FROM hits h
             JOIN accepted_assignments w ON w.hit_id = h.id WHERE w.id = ?1
             UNION ALL
             SELECT h.question FROM hits h
             JOIN assignments a ON a.hit_id = h.id WHERE a.id = ?1",
            params![assignment_id],
            |r| r.get(0),
        )
        .optional()?;
    let kind = task_kind(question.flatten().as_deref());
    let (answer, files) = match kind {
        Some(TaskKind::Form { xml }) => {
            let form = question_form::parse(&xml).map_err(|e| {
                ApiError::fault(format!("The HIT's QuestionForm is unreadable: {e}"))
            })?;
            let mut keys = || crate::rules::new_id(&mut rand::rng());
            match question_form::answer(&form, &submission.fields, &submission.uploads, &mut keys) {
                Ok(answered) => (answered.xml, answered.files),
                Err(problems) => {
                    return Ok(Err(content::form_page(
                        site,
                        &form,
                        assignment_id,
                        false,
                        &submission.fields,
                        &problems,
                    )));
                }
            }
        }
        _ => (free_text_answers(&submission.fields), Vec::new()),
    };
    let outcome = work::submit(tx, &owner, assignment_id, &answer, now)?;
    if matches!(outcome, SubmitOutcome::Submitted { .. }) {
        for file in files {
            tx.execute(
                "INSERT INTO uploaded_files (key, assignment_id, question_identifier, file_name,
                   content_type, size_bytes, content, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    file.key,
                    assignment_id,
                    file.question_identifier,
                    file.file_name,
                    file.content_type,
                    file.bytes.len() as i64,
                    file.bytes,
                    now
                ],
            )?;
        }
    }
    Ok(Ok(outcome))
}

fn submitted_by(tx: &Transaction, assignment_id: &str) -> ApiResult<Option<String>> {
    Ok(tx
        .query_row(
            "SELECT worker_id FROM assignments WHERE id = ?1",
            params![assignment_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// One FreeText answer per field name, in the order first sent; repeated names joined by `|`.
fn free_text_answers(fields: &[Field]) -> String {
    let mut answers: Vec<(&str, Vec<&str>)> = Vec::new();
    for field in fields {
        if RESERVED.contains(&field.name.as_str()) {
            continue;
        }
        match answers.iter_mut().find(|(name, _)| *name == field.name) {
            Some((_, values)) => values.push(&field.value),
            None => answers.push((&field.name, vec![&field.value])),
        }
    }
    let mut writer = AnswersWriter::new();
    for (name, values) in answers {
        writer.free_text(name, &values.join("|"));
    }
    writer.finish()
}

/// The fields (and files) of a GET's query or a POST's body.
async fn read(request: Request) -> Result<Submission, String> {
    let mut submission = Submission::default();
    let pairs = |text: &[u8], out: &mut Vec<Field>| {
        for (name, value) in form_urlencoded::parse(text) {
            out.push(Field {
                name: name.into_owned(),
                value: value.into_owned(),
            });
        }
    };
    if let Some(query) = request.uri().query() {
        pairs(query.as_bytes(), &mut submission.fields);
    }
    if request.method() != Method::POST {
        return Ok(submission);
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| format!("The form could not be read: {e}."))?;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| format!("The form could not be read: {e}."))?
        {
            let name = field.name().unwrap_or_default().to_string();
            let file_name = field.file_name().map(str::to_string);
            let field_type = field.content_type().map(str::to_string);
            let bytes = field
                .bytes()
                .await
                .map_err(|e| format!("The form could not be read: {e}."))?;
            match file_name {
                Some(file_name) => submission.uploads.push(Upload {
                    field: name,
                    file_name: Some(file_name),
                    content_type: field_type,
                    bytes: bytes.to_vec(),
                }),
                None => submission.fields.push(Field {
                    name,
                    value: String::from_utf8_lossy(&bytes).into_owned(),
                }),
            }
        }
    } else {
        let body = axum::body::to_bytes(request.into_body(), MAX_SUBMISSION_BYTES)
            .await
            .map_err(|_| {
                format!(
                    "The submission is larger than this server takes ({} MB).",
                    MAX_SUBMISSION_BYTES / (1024 * 1024)
                )
            })?;
        pairs(&body, &mut submission.fields);
    }
    Ok(submission)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_names_are_dropped_and_repeats_joined() {
        let field = |name: &str, value: &str| Field {
            name: name.into(),
            value: value.into(),
        };
        let xml = free_text_answers(&[
            field("assignmentId", "A1"),
            field("colour", "red"),
            field("hitId", "H1"),
            field("comment", "ok & fine"),
            field("colour", "blue"),
            field("workerId", "W"),
            field("turkSubmitTo", "x"),
        ]);
        assert!(xml.ends_with(
            "<Answer><QuestionIdentifier>colour</QuestionIdentifier><FreeText>red|blue</FreeText></Answer><Answer><QuestionIdentifier>comment</QuestionIdentifier><FreeText>ok &amp; fine</FreeText></Answer></QuestionFormAnswers>"
        ), "{xml}");
        assert!(!xml.contains("A1"));
    }
}
