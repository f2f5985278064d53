//! The awsJson1_1 framing: `POST /` with `X-Amz-Target: <prefix>.<Operation>`, JSON in and out,
//! `x-amzn-RequestId` on every answer, and errors that are always JSON, whatever went wrong.

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error::ApiError;
use super::faults::Faults;
use super::model;
use super::ops::{self, Ctx, LOCAL_PREFIX, MTURK_PREFIX};
use super::store::Store;
use crate::clock::now_ms;

pub struct AppState {
    pub store: Store,
    pub faults: Faults,
    pub max_body_bytes: usize,
}

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Every request, whatever its method or path, comes here.
pub async fn handle(State(app): State<Arc<AppState>>, request: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let latency = app.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (status, body) = match answer(&app, request, &request_id).await {
        Ok(value) => (StatusCode::OK, value),
        Err((status, err)) => {
            tracing::debug!(status = status.as_u16(), message = %err.message, "error answer");
            (status, err.body())
        }
    };
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-RequestId", id);
    }
    response
}

type Failure = (StatusCode, ApiError);

fn failure(err: ApiError) -> Failure {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, err)
}

async fn answer(app: &AppState, request: Request, request_id: &str) -> Result<Value, Failure> {
    if request.method() != Method::POST || request.uri().path() != "/" {
        return Err((
            if request.uri().path() == "/" {
                StatusCode::METHOD_NOT_ALLOWED
            } else {
                StatusCode::NOT_FOUND
            },
            ApiError::invalid(format!(
                "This is an MTurk-compatible endpoint: send `POST /` with an X-Amz-Target header, not `{} {}`.",
                request.method(),
                request.uri().path()
            )),
        ));
    }
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = to_bytes(request.into_body(), app.max_body_bytes)
        .await
        .map_err(|_| {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiError::invalid(format!(
                    "The request is larger than this server accepts ({} bytes).",
                    app.max_body_bytes
                )),
            )
        })?;
    let Some(target) = target else {
        return Err(failure(ApiError::request(
            "AWS.MissingParameters",
            "The X-Amz-Target header is missing; it names the operation, e.g. MTurkRequesterServiceV20170117.ListHITs.",
        )));
    };
    let (prefix, operation) = target.split_once('.').unwrap_or(("", target.as_str()));
    let handler = match prefix {
        MTURK_PREFIX => ops::mturk_operation(operation).ok_or_else(|| {
            if model::is_model_operation(operation) {
                ApiError::request(
                    "AWS.MechanicalTurk.UnsupportedOperation",
                    format!("The operation {operation} is part of MTurk's API but this server does not implement it."),
                )
            } else {
                ApiError::request(
                    "AWS.MechanicalTurk.UnknownOperation",
                    format!("Unknown operation {operation}."),
                )
            }
        }),
        LOCAL_PREFIX => ops::local_operation(operation).ok_or_else(|| {
            ApiError::request(
                "AWS.MechanicalTurk.UnknownOperation",
                format!("Unknown local operation {operation}; the local operations are: SubmitAssignment."),
            )
        }),
        _ => Err(ApiError::request(
            "AWS.MechanicalTurk.UnknownOperation",
            format!("Unknown target \"{target}\": expected {MTURK_PREFIX}.<Operation> or {LOCAL_PREFIX}.<Operation>."),
        )),
    }
    .map_err(failure)?;
    let input: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            failure(ApiError::invalid(format!(
                "The request body is not valid JSON: {e}."
            )))
        })?
    };
    if !input.is_object() {
        return Err(failure(ApiError::invalid(
            "The request body must be a JSON object.",
        )));
    }
    if let Some(err) = app.faults.roll() {
        return Err(failure(err));
    }
    if prefix == MTURK_PREFIX {
        model::validate(operation, &input).map_err(failure)?;
    }
    let store = app.store.clone();
    let ctx = Ctx::new(now_ms(), request_id);
    let result = tokio::task::spawn_blocking(move || {
        store.transaction(|tx| {
            ops::catch_up(tx, ctx.now_ms)?;
            handler(tx, &ctx, &input)
        })
    })
    .await
    .map_err(|e| {
        failure(ApiError::fault(format!(
            "The request could not be completed: {e}"
        )))
    })?;
    let answer = result.map_err(failure)?;
    match app.faults.lose_reply() {
        Some(err) => Err(failure(err)),
        None => Ok(answer),
    }
}
