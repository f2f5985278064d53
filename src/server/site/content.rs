//! The content origin: requester HTML (HTMLQuestion, and HIT layouts, which become one) and QuestionForm pages for
//! the site's task frame, with our own versions of the scripts MTurk's pages load. A task URL
//! is signed by the site for the HIT, assignment and worker it showed it to, so content is
//! served only to someone the site let preview the HIT. Every answer says, with
//! `frame-ancestors`, that only the worker site may frame it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rusqlite::{OptionalExtension, params};

use super::Site;
use super::links::{self, Signer};
use super::pages::NOT_AVAILABLE;
use super::question::{TaskKind, task_kind};
use super::question_form::{self, RenderContext};
use super::task_html::{self, Assets};
use crate::server::error::ApiError;

/// `GET /static/{name}`: the scripts and styles task pages use.
pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "externalHIT_v1.js" => (task_html::EXTERNAL_HIT_JS, "text/javascript"),
        "crowd-html-elements.js" => (task_html::CROWD_ELEMENTS_JS, "text/javascript"),
        "question-form.js" => (question_form::JS, "text/javascript"),
        "question-form.css" => (question_form::CSS, "text/css"),
        _ => return (StatusCode::NOT_FOUND, "Not found.").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, format!("{kind}; charset=utf-8")),
            (header::CACHE_CONTROL, "public, max-age=300".to_string()),
        ],
        body,
    )
        .into_response()
}

/// `GET /dynamic/hit?assignmentId&hitId&workerId&turkSubmitTo&signature`.
pub async fn task(
    State(site): State<Arc<Site>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |name: &str| query.get(name).cloned().unwrap_or_default();
    let (hit_id, assignment_id, worker_id, signature) = (
        get("hitId"),
        get("assignmentId"),
        get("workerId"),
        get("signature"),
    );
    let preview = assignment_id == NOT_AVAILABLE || assignment_id.is_empty();
    let found = site
        .run(move |tx, _| {
            let signer = Signer::load(tx)?;
            if !links::task_signature_ok(&signer, &hit_id, &assignment_id, &worker_id, &signature) {
                return Ok(None);
            }
            let question: Option<Option<String>> = tx
                .query_row(
                    "SELECT question FROM hits WHERE id = ?1",
                    params![hit_id],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(question.map(|q| (q, assignment_id)))
        })
        .await;
    let (question, assignment_id) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            return (
                StatusCode::FORBIDDEN,
                "This task link is not one the worker site made.",
            )
                .into_response();
        }
        Err(e) => return fault(e),
    };
    let submit_url = format!("{}/mturk/externalSubmit", site.origin);
    let assets = Assets {
        external_hit_js: format!("{}/static/externalHIT_v1.js", site.content_origin),
        crowd_elements_js: format!("{}/static/crowd-html-elements.js", site.content_origin),
        submit_url: Some(submit_url.clone()),
    };
    let html = match task_kind(question.as_deref()) {
        Some(TaskKind::Html { content, .. }) => task_html::rewrite_html_question(&content, &assets),
        Some(TaskKind::Form { xml }) => match question_form::parse(&xml) {
            Ok(form) => form_page(&site, &form, &assignment_id, preview, &[], &[]),
            Err(e) => {
                return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
            }
        },
        Some(TaskKind::External { .. }) | None => {
            return (
                StatusCode::NOT_FOUND,
                "This HIT has no content served here.",
            )
                .into_response();
        }
    };
    Html(html).into_response()
}

/// A QuestionForm as a page of its own, posting to the site's submit URL; `fields` and
/// `errors` refill it after the server refused a submission.
pub fn form_page(
    site: &Site,
    form: &question_form::QuestionForm,
    assignment_id: &str,
    preview: bool,
    fields: &[question_form::Field],
    errors: &[question_form::FieldError],
) -> String {
    let action = format!("{}/mturk/externalSubmit", site.origin);
    let script = format!("{}/static/question-form.js", site.content_origin);
    let style = format!("{}/static/question-form.css", site.content_origin);
    let page = RenderContext {
        action: &action,
        assignment_id,
        preview,
        script_src: &script,
    };
    let body = question_form::render_refilled(form, &page, fields, errors);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"stylesheet\" href=\"{}\"></head><body>{body}</body></html>",
        task_html::escape(&style)
    )
}

fn fault(err: ApiError) -> Response {
    tracing::error!(message = %err.message, "content origin failure");
    (StatusCode::INTERNAL_SERVER_ERROR, err.message).into_response()
}
