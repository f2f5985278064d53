//! The awsJson1_1 framing: `POST /` with `X-Amz-Target: <prefix>.<Operation>`, JSON in and out,
//! `x-amzn-RequestId` on every answer, and errors that are always JSON, whatever went wrong. The
//! checks a request meets before its operation runs are here too: the name it is addressed to,
//! its body's framing, size and time.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde_json::Value;

use super::accounts;
use super::auth::{AuthError, Verifier};
use super::edge::HostCheck;
use super::error::ApiError;
use super::faults::Faults;
use super::model;
use super::ops::{self, Ctx, LOCAL_OPERATIONS, LOCAL_PREFIX, MTURK_PREFIX};
use super::rate::RateLimits;
use super::store::Store;
use crate::clock::now_ms;

pub struct AppState {
    pub store: Store,
    pub verifier: Verifier,
    /// Refuse every request while the database holds no access keys (see
    /// `ServerConfig::require_signatures`).
    pub require_signatures: bool,
    pub faults: Faults,
    pub rate: RateLimits,
    pub max_body_bytes: usize,
    pub body_timeout: Duration,
    pub hosts: HostCheck,
}

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
pub const REQUEST_ID: &str = "x-amzn-RequestId";
/// Milliseconds until a throttled client may call again (read by aws-sdk-rust's retries, and
/// by botocore's in its new retry mode).
pub const RETRY_AFTER: &str = "x-amz-retry-after";

/// Every request, whatever its method or path, comes here.
pub async fn handle(State(app): State<Arc<AppState>>, request: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let latency = app.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (status, body, retry_after_ms) = match answer(&app, request, &request_id).await {
        Ok(value) => (StatusCode::OK, value, None),
        Err((status, err)) => {
            tracing::debug!(status = status.as_u16(), message = %err.message, "error answer");
            (status, err.body(), err.retry_after_ms)
        }
    };
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, id);
    }
    if let Some(millis) = retry_after_ms {
        headers.insert(RETRY_AFTER, HeaderValue::from(millis));
    }
    response
}

type Failure = (StatusCode, ApiError);

fn failure(err: ApiError) -> Failure {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, err)
}

async fn answer(app: &Arc<AppState>, request: Request, request_id: &str) -> Result<Value, Failure> {
    if let Some(refusal) = app.hosts.refusal(request.uri(), request.headers()) {
        return Err((StatusCode::FORBIDDEN, ApiError::invalid(refusal)));
    }
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
    // hyper drops a Content-Length that comes with a Transfer-Encoding, so the handler cannot
    // see the pair a proxy in front may have framed differently (request smuggling): no
    // Transfer-Encoding at all, then. MTurk clients always send a Content-Length.
    if request.headers().contains_key(header::TRANSFER_ENCODING) {
        return Err(failure(ApiError::invalid(
            "This server reads request bodies sent with a Content-Length only, not with a Transfer-Encoding (with both headers, a proxy and this server could disagree on where the request ends).",
        )));
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (parts, body) = request.into_parts();
    let bytes = tokio::time::timeout(
        app.body_timeout,
        read_body(body, declared, app.max_body_bytes),
    )
    .await
    .map_err(|_| {
        (
            StatusCode::REQUEST_TIMEOUT,
            ApiError::invalid(format!(
                "The request body did not arrive within {} s.",
                app.body_timeout.as_secs_f64()
            )),
        )
    })??;
    // Who is calling comes first: nothing else is read, and nothing run, for a caller who
    // cannot say.
    let account = {
        let app = app.clone();
        let bytes = bytes.clone();
        tokio::task::spawn_blocking(move || authenticate(&app, &parts, &bytes))
            .await
            .map_err(|e| {
                failure(ApiError::fault(format!(
                    "The request could not be authenticated: {e}"
                )))
            })?
            .map_err(failure)?
    };
    let Some(target) = target else {
        return Err(failure(ApiError::request(
            "AWS.MissingParameters",
            "The X-Amz-Target header is missing; it names the operation, e.g. MTurkRequesterServiceV20170117.ListHITs.",
        )));
    };
    let (prefix, operation) = target.split_once('.').unwrap_or(("", target.as_str()));
    let handler = match prefix {
        MTURK_PREFIX => ops::mturk_operation(operation).ok_or_else(|| {
            ApiError::request(
                "AWS.MechanicalTurk.UnknownOperation",
                format!("Unknown operation {operation}."),
            )
        }),
        LOCAL_PREFIX => ops::local_operation(operation).ok_or_else(|| {
            ApiError::request(
                "AWS.MechanicalTurk.UnknownOperation",
                format!(
                    "Unknown local operation {operation}; the local operations are: {}.",
                    LOCAL_OPERATIONS.join(", ")
                ),
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
    // Per account, so keyed only by an account a signature has proved.
    app.rate.check(&account).map_err(failure)?;
    if let Some(err) = app.faults.roll() {
        return Err(failure(err));
    }
    if prefix == MTURK_PREFIX {
        model::validate(operation, &input).map_err(failure)?;
    }
    let store = app.store.clone();
    let request_id = request_id.to_string();
    let result = tokio::task::spawn_blocking(move || {
        store.transaction(|tx| {
            let ctx = Ctx::new(account, now_ms(), request_id);
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

/// The account a request acts for: the one whose access key signed it, checked as AWS checks
/// a Signature Version 4. A database without access keys has one account, `default`, which
/// every request acts for, signed or not (unless signatures are required, when it has none).
fn authenticate(app: &AppState, parts: &Parts, body: &[u8]) -> Result<String, ApiError> {
    app.store.transaction(|tx| {
        if !accounts::any_keys(tx)? {
            if app.require_signatures {
                tracing::warn!("refusing a request: the database has no access keys left");
                return Err(AuthError::UnrecognizedClient.into());
            }
            return accounts::default_account(tx);
        }
        let mut owner = None;
        let mut lookup = Ok(());
        let verified = app
            .verifier
            .verify(
                parts,
                body,
                SystemTime::now(),
                |key_id| match accounts::owner_of_key(tx, key_id) {
                    Ok(found) => {
                        let found = found?;
                        owner = Some(found.account_id);
                        Some(found.secret)
                    }
                    Err(err) => {
                        lookup = Err(err);
                        None
                    }
                },
            );
        lookup?;
        verified?;
        owner.ok_or_else(|| AuthError::UnrecognizedClient.into())
    })
}

/// The body, refused when it is (or says it will be) over `max` bytes, or ends before its
/// Content-Length.
async fn read_body(mut body: Body, declared: Option<u64>, max: usize) -> Result<Bytes, Failure> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::invalid(format!(
                "The request is larger than this server accepts ({max} bytes)."
            )),
        )
    };
    if declared.is_some_and(|length| length > max as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| {
            failure(ApiError::invalid(match declared {
                Some(length) => format!(
                    "The request body ended after {} of the {length} bytes its Content-Length announced.",
                    bytes.len()
                ),
                None => format!("The request body could not be read: {err}."),
            }))
        })?;
        if let Some(data) = frame.data_ref() {
            if bytes.len() + data.len() > max {
                return Err(too_large());
            }
            bytes.extend_from_slice(data);
        }
    }
    Ok(bytes.into())
}
