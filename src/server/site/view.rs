//! How the site writes amounts, durations and times for people, and its pages as askama
//! templates (HTML-escaped by default; the templates are in `templates/site/`).

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::session::Session;
use crate::clock::utc_minutes;
use crate::money::format_cents;

pub fn dollars(cents: i64) -> String {
    format!("${}", format_cents(cents))
}

/// "1 hour 30 minutes", "45 seconds".
pub fn allotted(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let unit = |n: i64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(unit(h, "hour"));
    }
    if m > 0 {
        parts.push(unit(m, "minute"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(unit(s, "second"));
    }
    parts.join(" ")
}

pub fn when(ms: i64) -> String {
    utc_minutes(ms.div_euclid(1000))
}

/// A template rendered as a page; a template that fails to render is the server's fault.
pub fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "This page could not be drawn; the server's log says why.",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "site/message.html")]
pub struct Message<'a> {
    pub worker: Option<&'a Session>,
    pub heading: &'a str,
    pub text: &'a str,
    pub links: Vec<(String, String)>,
}

/// A page that says what happened (or why not), with links onward.
pub fn message(
    status: StatusCode,
    worker: Option<&Session>,
    heading: &str,
    text: &str,
    links: &[(&str, &str)],
) -> Response {
    page(
        status,
        &Message {
            worker,
            heading,
            text,
            links: links
                .iter()
                .map(|(href, label)| (href.to_string(), label.to_string()))
                .collect(),
        },
    )
}

pub struct GroupRow {
    pub hit_type_id: String,
    pub title: String,
    pub description: String,
    pub requester: String,
    pub reward: String,
    pub allotted: String,
    pub available: i64,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "site/find.html")]
pub struct Find<'a> {
    pub worker: Option<&'a Session>,
    pub groups: Vec<GroupRow>,
}

pub struct TaskHead {
    pub hit_id: String,
    pub title: String,
    pub requester: String,
    pub reward: String,
    pub allotted: String,
    /// "Expires 2026-12-08 10:00 UTC", "Due by ...".
    pub status_line: String,
    pub acceptable: bool,
}

#[derive(Template)]
#[template(path = "site/task.html")]
pub struct Task<'a> {
    pub worker: Option<&'a Session>,
    pub task: TaskHead,
    pub assignment_id: Option<String>,
    pub csrf: String,
    pub notice: Option<String>,
    pub frame_src: String,
    pub frame_height: u32,
}

#[derive(Template)]
#[template(path = "site/sign_in.html")]
pub struct SignIn<'a> {
    pub worker: Option<&'a Session>,
    pub token: Option<String>,
    pub worker_label: String,
    pub open_signup: bool,
}

pub struct HistoryRow {
    pub assignment_id: String,
    pub title: String,
    pub link: Option<String>,
    pub status: String,
    pub reward: String,
    pub bonus: String,
    pub feedback: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "site/me.html")]
pub struct Me<'a> {
    pub worker: Option<&'a Session>,
    pub worker_id: String,
    pub earned: String,
    pub pending: String,
    pub rows: Vec<HistoryRow>,
}

#[derive(Template)]
#[template(path = "site/submitted.html")]
pub struct Submitted {
    pub text: String,
    /// The assignment id as a JSON string literal, safe inside a script.
    pub assignment_id_json: String,
}

impl Submitted {
    pub fn new(text: &str, assignment_id: &str) -> Submitted {
        let json = serde_json::to_string(assignment_id)
            .unwrap_or_else(|_| "\"\"".into())
            .replace('<', "\\u003c");
        Submitted {
            text: text.to_string(),
            assignment_id_json: json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(allotted(3600), "1 hour");
        assert_eq!(allotted(5430), "1 hour 30 minutes 30 seconds");
        assert_eq!(allotted(120), "2 minutes");
        assert_eq!(allotted(0), "0 seconds");
    }

    #[test]
    fn pages_escape_what_requesters_and_workers_wrote() {
        let html = Find {
            worker: None,
            groups: vec![GroupRow {
                hit_type_id: "T1".into(),
                title: "<script>alert(1)</script>".into(),
                description: "a & b".into(),
                requester: "r".into(),
                reward: dollars(5),
                allotted: allotted(60),
                available: 1,
                expires: when(0),
            }],
        }
        .render()
        .expect("renders");
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("$0.05"));
    }
}
