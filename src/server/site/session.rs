//! Signed-in browsers. A session is a random token in an HttpOnly, SameSite=Lax cookie (Secure
//! when the site is on https); the database keeps only the token's SHA-256, the worker and the
//! session's CSRF token, which every state-changing form of the site carries back.

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use super::links::random_token;
use crate::server::error::ApiResult;

pub const COOKIE: &str = "mturk_review_session";
/// How long a session lasts without signing in again.
pub const SESSION_MS: i64 = 30 * 24 * 3600 * 1000;

/// A signed-in worker.
#[derive(Debug, Clone)]
pub struct Session {
    pub worker_id: String,
    pub csrf_token: String,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The session the request's cookie names, if it is live.
pub fn current(tx: &Transaction, headers: &HeaderMap, now_ms: i64) -> ApiResult<Option<Session>> {
    let Some(token) = cookie_token(headers) else {
        return Ok(None);
    };
    Ok(tx
        .query_row(
            "SELECT worker_id, csrf_token FROM worker_sessions
             WHERE token_hash = ?1 AND expires_ms > ?2",
            params![token_hash(&token), now_ms],
            |r| {
                Ok(Session {
                    worker_id: r.get(0)?,
                    csrf_token: r.get(1)?,
                })
            },
        )
        .optional()?)
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_string())
}

/// Starts a session for `worker_id`; the answer is the Set-Cookie header that carries it.
pub fn start(
    tx: &Transaction,
    worker_id: &str,
    now_ms: i64,
    secure: bool,
) -> ApiResult<HeaderValue> {
    let token = random_token::<32>();
    tx.execute(
        "INSERT INTO worker_sessions (token_hash, worker_id, csrf_token, created_ms, expires_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            token_hash(&token),
            worker_id,
            random_token::<32>(),
            now_ms,
            now_ms + SESSION_MS
        ],
    )?;
    Ok(set_cookie(
        Cookie::build((COOKIE, token)).max_age(cookie::time::Duration::milliseconds(SESSION_MS)),
        secure,
    ))
}

/// Ends the request's session; the answer is the Set-Cookie header that clears the cookie.
pub fn end(tx: &Transaction, headers: &HeaderMap, secure: bool) -> ApiResult<HeaderValue> {
    if let Some(token) = cookie_token(headers) {
        tx.execute(
            "DELETE FROM worker_sessions WHERE token_hash = ?1",
            params![token_hash(&token)],
        )?;
    }
    Ok(set_cookie(
        Cookie::build((COOKIE, "")).max_age(cookie::time::Duration::ZERO),
        secure,
    ))
}

fn set_cookie(cookie: cookie::CookieBuilder<'static>, secure: bool) -> HeaderValue {
    let cookie = cookie
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build();
    // A cookie of hex and fixed attributes is always a valid header value.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// Whether a form's CSRF token is the session's, compared in constant time (as digests).
pub fn csrf_ok(session: &Session, submitted: Option<&str>) -> bool {
    let Some(submitted) = submitted else {
        return false;
    };
    let a = Sha256::digest(submitted.as_bytes());
    let b = Sha256::digest(session.csrf_token.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}
