//! JSON errors for the requests hyper refuses itself. hyper answers a head it cannot parse (a
//! garbage request line, a control character in a header, an unreadable Content-Length, too
//! many or too large headers) on its own, with an empty body, before any handler runs, and has
//! no hook to choose that body. MTurk clients treat a non-JSON error as an unhandled failure, so
//! the connection's writer sends a JSON error of the same status in its place.
//!
//! hyper's own answer is told from ours by its shape: an error status that closes the
//! connection, with no `x-amzn-RequestId` (every API answer has one), no `content-type` and an
//! empty body (the worker site's pages have a typed body; axum's bare 404 and 405 keep the
//! connection open). It is recognised at the start of a write, which is where hyper puts it, except when earlier
//! answers are still unsent because the client is not reading them: then it goes out as hyper
//! wrote it. Our bodies are compact JSON, without line breaks, so no part of one can pass for a
//! whole head.

use axum::http::StatusCode;

use super::super::error::ApiError;
use super::super::http::{CONTENT_TYPE, REQUEST_ID};

/// The most headers a request may have.
pub const MAX_HEADERS: usize = 100;
/// The largest head a request may have: request line and headers.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// When `bytes` begin with an error answer hyper wrote on its own: how long that answer is, and
/// the JSON answer to send instead.
pub fn replacement(bytes: &[u8]) -> Option<(usize, Vec<u8>)> {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut head = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(length) = head.parse(bytes).ok()? else {
        return None;
    };
    let status = StatusCode::from_u16(head.code?).ok()?;
    let header = |name: &str| {
        head.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    };
    let ours = header(REQUEST_ID).is_some()
        || header("content-type").is_some()
        || header("content-length").is_some_and(|length| length != b"0")
        || !header("connection").is_some_and(|value| value.eq_ignore_ascii_case(b"close"));
    if ours || !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    let date = header("date").and_then(|value| std::str::from_utf8(value).ok());
    Some((length, answer(status, date)))
}

fn answer(status: StatusCode, date: Option<&str>) -> Vec<u8> {
    let message = match status {
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => format!(
            "The request's headers are too many or too large: this server reads at most {MAX_HEADERS} headers and {} KiB of request line and headers.",
            MAX_HEAD_BYTES / 1024
        ),
        StatusCode::URI_TOO_LONG => "The request's path is too long.".to_string(),
        _ => "The request is not valid HTTP/1.1: its request line or one of its headers is malformed (such as a control character in a header value, or a Content-Length that is not a number of bytes this server can read).".to_string(),
    };
    let body = ApiError::invalid(message).body().to_string();
    let date = date.map(|d| format!("date: {d}\r\n")).unwrap_or_default();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {CONTENT_TYPE}\r\n{REQUEST_ID}: {}\r\ncontent-length: {}\r\nconnection: close\r\n{date}\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default(),
        uuid::Uuid::new_v4(),
        body.len(),
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_of_ours_is_left_alone() {
        let ours =
            format!("HTTP/1.1 400 Bad Request\r\n{REQUEST_ID}: 1\r\ncontent-length: 2\r\n\r\n{{}}");
        assert!(replacement(ours.as_bytes()).is_none());
        assert!(replacement(b"HTTP/1.1 100 Continue\r\n\r\n").is_none());
        // A worker site page: no request id, but a typed body.
        let page = b"HTTP/1.1 409 Conflict\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: 5\r\n\r\n<p>x";
        assert!(replacement(page).is_none());
        // axum's own bare answer (no route, wrong method): the connection stays open.
        assert!(
            replacement(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n").is_none()
        );
        assert!(replacement(b"{\"Message\":\"HTTP/1.1 400 Bad Request\"}").is_none());
    }

    #[test]
    fn hypers_own_error_answer_becomes_json_of_the_same_status() {
        let hypers = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 17:03:36 GMT\r\n\r\n";
        let (length, answer) = replacement(hypers).expect("replaced");
        assert_eq!(length, hypers.len());
        let answer = String::from_utf8(answer).expect("text");
        let (head, body) = answer.split_once("\r\n\r\n").expect("a head");
        assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
        assert!(
            head.contains("date: Tue, 01 Dec 2026 17:03:36 GMT"),
            "{head}"
        );
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let json: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(json["__type"], "RequestError");
        assert!(
            json["Message"]
                .as_str()
                .is_some_and(|m| m.contains("100 headers"))
        );
    }
}
