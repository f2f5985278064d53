//! The site's pages: signing in and out, finding work, previewing, accepting, returning, the
//! worker's own history, and the files GetFileUploadURL links to. Every state-changing form
//! carries the session's CSRF token, and is refused when the browser says it came from
//! another origin.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rusqlite::{OptionalExtension, Transaction, params};

use super::Site;
use super::links::{self, SignInRefusal, Signer};
use super::question::{TaskKind, task_kind, with_parameters};
use super::session::{self, Session};
use super::view::{self, GroupRow, HistoryRow, TaskHead, allotted, dollars, message, when};
use crate::clock::now_ms;
use crate::server::error::{ApiError, ApiResult};
use crate::server::work;

/// The preview's assignmentId, as MTurk sends it.
pub const NOT_AVAILABLE: &str = "ASSIGNMENT_ID_NOT_AVAILABLE";

type Fields = HashMap<String, String>;

impl Site {
    /// Runs `f` in one transaction off the async threads, after catching up with the clock
    /// (abandoned work, auto-approvals), as every API call does.
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Transaction, i64) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        self.off_thread(move |site, now| {
            site.store.transaction(|tx| {
                crate::server::ops::catch_up(tx, now)?;
                f(tx, now)
            })
        })
        .await?
    }

    /// Runs `f` on a blocking thread with the time.
    async fn off_thread<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Site, i64) -> T + Send + 'static,
    ) -> ApiResult<T> {
        let site = self.clone();
        tokio::task::spawn_blocking(move || f(&site, now_ms()))
            .await
            .map_err(|e| ApiError::fault(format!("The request did not finish: {e}")))
    }

    /// Runs `f` for the worker signed in on this request, in the transaction that finds their
    /// session: one transaction per page where a session lookup of its own made two, each
    /// taking the write lock and catching up. The session comes back with whatever `f`
    /// answered (rolled back when it failed), for the page to show; without a live session,
    /// the page that says so (or the fault's).
    async fn signed_in<T: Send + 'static>(
        self: &Arc<Self>,
        headers: &HeaderMap,
        f: impl FnOnce(&Transaction, &Session, i64) -> ApiResult<T> + Send + 'static,
    ) -> Result<(Session, ApiResult<T>), Response> {
        let headers = headers.clone();
        let done = self
            .off_thread(move |site, now| {
                let mut found = None;
                let outcome = site.store.transaction(|tx| {
                    crate::server::ops::catch_up(tx, now)?;
                    let Some(session) = session::current(tx, &headers, now)? else {
                        return Ok(None);
                    };
                    let outcome = f(tx, &session, now);
                    found = Some(session);
                    outcome.map(Some)
                });
                (found, outcome)
            })
            .await;
        match done {
            Ok((Some(session), Ok(Some(value)))) => Ok((session, Ok(value))),
            Ok((Some(session), Err(e))) => Ok((session, Err(e))),
            Ok((None, Err(e))) | Err(e) => Err(fault(e)),
            Ok((_, Ok(_))) => Err(signed_out()),
        }
    }

    async fn session(self: &Arc<Self>, headers: &HeaderMap) -> ApiResult<Option<Session>> {
        let headers = headers.clone();
        self.run(move |tx, now| session::current(tx, &headers, now))
            .await
    }
}

/// A server-side failure, as a page.
fn fault(err: ApiError) -> Response {
    tracing::error!(message = %err.message, "worker site failure");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        None,
        "Something went wrong",
        &err.message,
        &[("/worker/", "Back to the work list")],
    )
}

/// Whether a form post comes from the site itself, as far as the browser says (it always
/// sends Origin on a cross-origin POST).
fn from_site(site: &Site, headers: &HeaderMap) -> bool {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|origin| origin == site.origin)
}

/// The session a state-changing form acts for, or the page that refuses it.
async fn form_session(
    site: &Arc<Site>,
    headers: &HeaderMap,
    fields: &Fields,
) -> Result<Session, Response> {
    let session = match site.session(headers).await {
        Ok(Some(session)) => session,
        Ok(None) => return Err(signed_out()),
        Err(e) => return Err(fault(e)),
    };
    if !from_site(site, headers)
        || !session::csrf_ok(&session, fields.get("csrf").map(String::as_str))
    {
        return Err(stale_form(&session));
    }
    Ok(session)
}

/// The refusal of a form that did not come from the site's own page, or is too old.
fn stale_form(session: &Session) -> Response {
    message(
        StatusCode::FORBIDDEN,
        Some(session),
        "This form has expired",
        "The form was not sent from this site's own page (or the page is too old). Go back, reload the page and try again.",
        &[("/worker/", "Back to the work list")],
    )
}

fn signed_out() -> Response {
    message(
        StatusCode::UNAUTHORIZED,
        None,
        "Please sign in",
        "You are not signed in on this browser. Open the sign-in link your requester gave you.",
        &[("/worker/", "Sign in")],
    )
}

fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../../assets/site/site.css"),
    )
        .into_response()
}

/// `/worker/`: the work a signed-in worker may take, grouped by HIT type; otherwise how to
/// sign in.
pub async fn home(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let session = match site.session(&headers).await {
        Ok(session) => session,
        Err(e) => return fault(e),
    };
    let Some(session) = session else {
        return view::page(
            StatusCode::OK,
            &view::SignIn {
                worker: None,
                token: None,
                worker_label: "You are not signed in on this browser. Open the sign-in link your requester gave you.".into(),
                open_signup: site.open_signup,
            },
        );
    };
    let worker = session.worker_id.clone();
    match site
        .run(move |tx, now| work::find_groups(tx, &worker, now))
        .await
    {
        Ok(groups) => view::page(
            StatusCode::OK,
            &view::Find {
                worker: Some(&session),
                groups: groups
                    .into_iter()
                    .map(|g| GroupRow {
                        hit_type_id: g.hit_type_id,
                        title: g.title,
                        description: g.description,
                        requester: g.requester,
                        reward: dollars(g.reward_cents),
                        allotted: allotted(g.assignment_duration_secs),
                        available: g.hits_available,
                        expires: when(g.latest_expiration_ms),
                    })
                    .collect(),
            },
        ),
        Err(e) => fault(e),
    }
}

/// `GET /worker/sign-in?token=…`: says whom the link signs in, with a button that does it (a
/// GET spends nothing, so mail scanners that open links can't use them up).
pub async fn sign_in_page(State(site): State<Arc<Site>>, Query(query): Query<Fields>) -> Response {
    let token = query.get("token").cloned().unwrap_or_default();
    let checked = {
        let token = token.clone();
        site.run(move |tx, now| {
            Ok(match links::check_sign_in(tx, &token, now, false)? {
                Ok(worker) => Ok((worker.clone(), worker_name(tx, &worker)?)),
                Err(refusal) => Err(refusal),
            })
        })
        .await
    };
    match checked {
        Ok(Ok((worker, name))) => view::page(
            StatusCode::OK,
            &view::SignIn {
                worker: None,
                token: Some(token),
                worker_label: match name {
                    Some(name) => format!("{name} ({worker})"),
                    None => worker,
                },
                open_signup: false,
            },
        ),
        Ok(Err(refusal)) => refused_link(refusal),
        Err(e) => fault(e),
    }
}

fn refused_link(refusal: SignInRefusal) -> Response {
    let status = match refusal {
        SignInRefusal::Forged => StatusCode::FORBIDDEN,
        SignInRefusal::Expired | SignInRefusal::Used => StatusCode::GONE,
    };
    message(
        status,
        None,
        "This link does not sign you in",
        &refusal.to_string(),
        &[],
    )
}

fn worker_name(tx: &Transaction, worker: &str) -> ApiResult<Option<String>> {
    Ok(tx
        .query_row(
            "SELECT name FROM workers WHERE id = ?1",
            params![worker],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// `POST /worker/sign-in`: spends the link and starts a session.
pub async fn sign_in(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    if !from_site(&site, &headers) {
        return message(
            StatusCode::FORBIDDEN,
            None,
            "This form has expired",
            "The sign-in was not sent from this site's own page. Open your sign-in link again.",
            &[],
        );
    }
    let token = fields.get("token").cloned().unwrap_or_default();
    let secure = site.secure();
    let started = site
        .run(
            move |tx, now| match links::check_sign_in(tx, &token, now, true)? {
                Ok(worker) => Ok(Ok(session::start(tx, &worker, now, secure)?)),
                Err(refusal) => Ok(Err(refusal)),
            },
        )
        .await;
    match started {
        Ok(Ok(cookie)) => with_cookie(see_other("/worker/"), cookie),
        Ok(Err(refusal)) => refused_link(refusal),
        Err(e) => fault(e),
    }
}

/// `POST /worker/sign-up` (with `--open-signup`): a new worker, signed in.
pub async fn sign_up(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    if !site.open_signup || !from_site(&site, &headers) {
        return message(
            StatusCode::FORBIDDEN,
            None,
            "Sign-up is closed",
            "This site lets in only the workers its requesters invite. Ask for a sign-in link.",
            &[],
        );
    }
    let secure = site.secure();
    match site
        .run(move |tx, now| {
            let worker = work::create_worker(tx, None, None, now, &mut rand::rng())?;
            session::start(tx, &worker, now, secure)
        })
        .await
    {
        Ok(cookie) => with_cookie(see_other("/worker/"), cookie),
        Err(e) => fault(e),
    }
}

/// `POST /worker/sign-out`.
pub async fn sign_out(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    if let Err(refusal) = form_session(&site, &headers, &fields).await {
        return refusal;
    }
    let secure = site.secure();
    let request_headers = headers.clone();
    match site
        .run(move |tx, _| session::end(tx, &request_headers, secure))
        .await
    {
        Ok(cookie) => with_cookie(
            message(
                StatusCode::OK,
                None,
                "Signed out",
                "You are signed out on this browser.",
                &[],
            ),
            cookie,
        ),
        Err(e) => fault(e),
    }
}

/// `GET /worker/me`: the worker's id, earnings and assignments.
pub async fn me(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let found = site
        .signed_in(&headers, |tx, session, _| {
            work::worker_assignments(tx, &session.worker_id)
        })
        .await;
    let (session, history) = match found {
        Ok((session, Ok(history))) => (session, history),
        Ok((_, Err(e))) => return fault(e),
        Err(page) => return page,
    };
    let rows = history
        .items
        .into_iter()
        .map(|a| HistoryRow {
            link: (a.status == work::WorkStatus::Accepted)
                .then(|| format!("/worker/assignments/{}", a.assignment_id)),
            assignment_id: a.assignment_id,
            title: a.title,
            status: a.status.as_str().to_string(),
            reward: dollars(a.reward_cents),
            bonus: if a.bonus_cents > 0 {
                dollars(a.bonus_cents)
            } else {
                String::new()
            },
            feedback: a.requester_feedback.unwrap_or_default(),
            when: when(a.ended_ms.or(a.submit_ms).unwrap_or(a.accept_ms)),
        })
        .collect();
    view::page(
        StatusCode::OK,
        &view::Me {
            worker: Some(&session),
            worker_id: session.worker_id.clone(),
            earned: dollars(history.earned_cents),
            pending: dollars(history.pending_cents),
            rows,
        },
    )
}

/// `GET /worker/groups/{hit_type_id}`: the preview of that type's next HIT for this worker.
pub async fn group(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Path(hit_type_id): Path<String>,
) -> Response {
    let found = site
        .signed_in(&headers, move |tx, session, now| {
            work::next_hit(tx, &session.worker_id, &hit_type_id, now)
        })
        .await;
    let (session, next) = match found {
        Ok(found) => found,
        Err(page) => return page,
    };
    match next {
        Ok(Some(hit_id)) => see_other(&format!("/worker/hits/{hit_id}")),
        Ok(None) => message(
            StatusCode::NOT_FOUND,
            Some(&session),
            "No more HITs in this group",
            "There are no more HITs of this kind that you can take.",
            &[("/worker/", "Find other work")],
        ),
        Err(e) => fault(e),
    }
}

/// What the task page shows, worked out in one transaction.
struct TaskPage {
    head: TaskHead,
    kind: Option<TaskKind>,
    /// Set when the worker holds an accepted assignment of this HIT.
    assignment_id: Option<String>,
    /// Why the worker can't accept it now.
    cannot_accept: Option<String>,
}

fn task_page(
    tx: &Transaction,
    worker: &str,
    hit_id: &str,
    assignment_id: Option<String>,
    now: i64,
) -> ApiResult<TaskPage> {
    let task = work::preview(tx, Some(worker), hit_id, now)?;
    let status_line = match &assignment_id {
        Some(id) => match work::held(tx, id, now)? {
            Some(held) => format!("Accepted · submit by {}", when(held.deadline_ms)),
            None => "No longer held".to_string(),
        },
        None if task.cannot_accept.is_none() => format!("Expires {}", when(task.expiration_ms)),
        None => "Can't be accepted now".to_string(),
    };
    Ok(TaskPage {
        head: TaskHead {
            hit_id: task.hit_id.clone(),
            title: task.title.clone(),
            requester: task.requester.clone(),
            reward: dollars(task.reward_cents),
            allotted: allotted(task.assignment_duration_secs),
            status_line,
            acceptable: task.cannot_accept.is_none(),
        },
        cannot_accept: task.cannot_accept,
        kind: task_kind(task.question.as_deref()),
        assignment_id,
    })
}

/// The frame's address and height for a task: the requester's page with MTurk's four
/// parameters, or the content origin's page for it, signed.
fn frame(
    site: &Site,
    signer: &Signer,
    kind: &Option<TaskKind>,
    hit_id: &str,
    assignment_id: Option<&str>,
    worker: &str,
) -> (String, u32) {
    let assignment = assignment_id.unwrap_or(NOT_AVAILABLE);
    let mut parameters = vec![("assignmentId", assignment), ("hitId", hit_id)];
    // A preview has no workerId: task pages take its absence to mean preview.
    if assignment_id.is_some() {
        parameters.push(("workerId", worker));
    }
    parameters.push(("turkSubmitTo", site.origin.as_str()));
    match kind {
        Some(TaskKind::External { url, frame_height }) => {
            (with_parameters(url, &parameters), *frame_height)
        }
        other => {
            let height = match other {
                Some(TaskKind::Html { frame_height, .. }) => *frame_height,
                _ => 0,
            };
            let signature = links::task_signature(
                signer,
                hit_id,
                assignment,
                assignment_id.map(|_| worker).unwrap_or_default(),
            );
            parameters.push(("signature", &signature));
            (
                with_parameters(&format!("{}/dynamic/hit", site.content_origin), &parameters),
                height,
            )
        }
    }
}

/// The task page's facts and the signer of its frame, read in the caller's transaction.
fn task_facts(
    tx: &Transaction,
    worker: &str,
    hit_id: &str,
    assignment_id: Option<String>,
    now: i64,
) -> ApiResult<(TaskPage, Signer)> {
    let page = task_page(tx, worker, hit_id, assignment_id, now)?;
    Ok((page, Signer::load(tx)?))
}

fn show_task(site: &Site, session: &Session, built: ApiResult<(TaskPage, Signer)>) -> Response {
    let (page, signer) = match built {
        Ok(built) => built,
        Err(e) if e.status() < 500 => {
            return message(
                StatusCode::FORBIDDEN,
                Some(session),
                "You can't see this HIT",
                &e.message,
                &[("/worker/", "Find other work")],
            );
        }
        Err(e) => return fault(e),
    };
    let notice = match (&page.kind, &page.assignment_id) {
        (None, _) => {
            Some("This HIT's question could not be read, so it can't be shown.".to_string())
        }
        (_, None) => Some(match &page.cannot_accept {
            None => "This is a preview: accept the HIT to work on it.".to_string(),
            Some(why) => format!("This is a preview. {why}"),
        }),
        _ => None,
    };
    let (frame_src, frame_height) = frame(
        site,
        &signer,
        &page.kind,
        &page.head.hit_id,
        page.assignment_id.as_deref(),
        &session.worker_id,
    );
    view::page(
        StatusCode::OK,
        &view::Task {
            worker: Some(session),
            task: page.head,
            assignment_id: page.assignment_id,
            csrf: session.csrf_token.clone(),
            notice,
            frame_src,
            frame_height,
        },
    )
}

/// `GET /worker/hits/{hit_id}`: the preview, or the worker's own assignment of it.
pub async fn preview(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Path(hit_id): Path<String>,
) -> Response {
    let found = site
        .signed_in(&headers, move |tx, session, now| {
            let worker = &session.worker_id;
            // After the catch-up `signed_in` starts with, work still held is within its deadline.
            Ok(match work::rules::worked_on(tx, &hit_id, worker)? {
                Some(work::rules::WorkedOn::Holding(assignment_id)) => Preview::Held(assignment_id),
                _ => Preview::Task(Box::new(task_facts(tx, worker, &hit_id, None, now))),
            })
        })
        .await;
    match found {
        Ok((_, Ok(Preview::Held(assignment_id)))) => {
            see_other(&format!("/worker/assignments/{assignment_id}"))
        }
        Ok((session, Ok(Preview::Task(built)))) => show_task(&site, &session, *built),
        Ok((_, Err(e))) => fault(e),
        Err(page) => page,
    }
}

/// What the preview's transaction found: the worker's own assignment of the HIT, or the
/// task page (or why it can't be shown).
enum Preview {
    Held(String),
    Task(Box<ApiResult<(TaskPage, Signer)>>),
}

/// `POST /worker/hits/{hit_id}/accept`.
pub async fn accept(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Path(hit_id): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let from_site = from_site(&site, &headers);
    let csrf = fields.get("csrf").cloned();
    let hit = hit_id.clone();
    // The form is checked in the accept's own transaction, before anything is written.
    let found = site
        .signed_in(&headers, move |tx, session, now| {
            if !from_site || !session::csrf_ok(session, csrf.as_deref()) {
                return Ok(None);
            }
            work::accept(tx, &mut rand::rng(), &session.worker_id, &hit, now).map(Some)
        })
        .await;
    let (session, accepted) = match found {
        Ok(found) => found,
        Err(page) => return page,
    };
    match accepted {
        Ok(None) => stale_form(&session),
        Ok(Some(accepted)) => see_other(&format!("/worker/assignments/{}", accepted.assignment_id)),
        Err(e) if e.status() < 500 => message(
            StatusCode::CONFLICT,
            Some(&session),
            "You can't accept this HIT",
            &e.message,
            &[
                (&format!("/worker/hits/{hit_id}"), "Back to the HIT"),
                ("/worker/", "Find other work"),
            ],
        ),
        Err(e) => fault(e),
    }
}

/// `GET /worker/assignments/{id}`: the task, accepted.
pub async fn assignment(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Path(assignment_id): Path<String>,
) -> Response {
    let found = site
        .signed_in(&headers, move |tx, session, now| {
            let worker = &session.worker_id;
            Ok(match work::held(tx, &assignment_id, now)? {
                Some(held) if held.worker_id == *worker => Some(task_facts(
                    tx,
                    worker,
                    &held.hit_id,
                    Some(assignment_id),
                    now,
                )),
                _ => None,
            })
        })
        .await;
    let (session, held) = match found {
        Ok(found) => found,
        Err(page) => return page,
    };
    match held {
        Ok(Some(built)) => show_task(&site, &session, built),
        Ok(None) => message(
            StatusCode::NOT_FOUND,
            Some(&session),
            "This assignment is not yours to work on",
            "It may have been submitted or returned already, or its deadline has passed.",
            &[("/worker/me", "My work"), ("/worker/", "Find work")],
        ),
        Err(e) => fault(e),
    }
}

/// `POST /worker/assignments/{id}/return`.
pub async fn return_assignment(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Path(assignment_id): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let session = match form_session(&site, &headers, &fields).await {
        Ok(session) => session,
        Err(refusal) => return refusal,
    };
    let worker = session.worker_id.clone();
    match site
        .run(move |tx, now| work::return_assignment(tx, &worker, &assignment_id, now))
        .await
    {
        Ok(()) => see_other("/worker/"),
        Err(e) if e.status() < 500 => message(
            StatusCode::CONFLICT,
            Some(&session),
            "This assignment can't be returned",
            &e.message,
            &[("/worker/me", "My work")],
        ),
        Err(e) => fault(e),
    }
}

/// `GET /worker/assignments/{id}/done`: after a submission, the next HIT of the same type.
pub async fn done(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Path(assignment_id): Path<String>,
) -> Response {
    let found = site
        .signed_in(&headers, move |tx, session, now| {
            let worker = &session.worker_id;
            let hit_type: Option<String> = tx
                .query_row(
                    "SELECT h.hit_type_id FROM assignments a JOIN hits h ON h.id = a.hit_id
                     WHERE a.id = ?1 AND a.worker_id = ?2",
                    params![assignment_id, worker],
                    |r| r.get(0),
                )
                .optional()?;
            match hit_type {
                Some(hit_type) => Ok(Some(work::next_hit(tx, worker, &hit_type, now)?)),
                None => Ok(None),
            }
        })
        .await;
    let (session, next) = match found {
        Ok(found) => found,
        Err(page) => return page,
    };
    match next {
        Ok(Some(next)) => {
            let next_link = next.map(|hit| format!("/worker/hits/{hit}"));
            let mut links: Vec<(&str, &str)> = Vec::new();
            if let Some(link) = &next_link {
                links.push((link, "Next HIT in this group"));
            }
            links.push(("/worker/", "Find other work"));
            message(
                StatusCode::OK,
                Some(&session),
                "Submitted",
                "Your work has been submitted. The requester will review it.",
                &links,
            )
        }
        Ok(None) => message(
            StatusCode::NOT_FOUND,
            Some(&session),
            "Not submitted",
            "This assignment has no submission of yours.",
            &[("/worker/me", "My work")],
        ),
        Err(e) => fault(e),
    }
}

/// `GET /files/{key}?expires=…&signature=…`: a worker's uploaded file, for the 60 seconds
/// GetFileUploadURL's link lasts.
pub async fn file(
    State(site): State<Arc<Site>>,
    Path(key): Path<String>,
    Query(query): Query<Fields>,
) -> Response {
    let expires = query.get("expires").cloned().unwrap_or_default();
    let signature = query.get("signature").cloned().unwrap_or_default();
    let found = site
        .run(move |tx, now| {
            let signer = Signer::load(tx)?;
            let live = expires.parse::<i64>().is_ok_and(|at| at > now);
            if !live || !signer.verify(&["file", &key, &expires], &signature) {
                return Ok(None);
            }
            Ok(tx
                .query_row(
                    "SELECT file_name, content_type, content FROM uploaded_files WHERE key = ?1",
                    params![key],
                    |r| {
                        Ok((
                            r.get::<_, Option<String>>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, Vec<u8>>(2)?,
                        ))
                    },
                )
                .optional()?)
        })
        .await;
    match found {
        Ok(Some((name, content_type, bytes))) => {
            let disposition = format!(
                "attachment; filename=\"{}\"",
                name.unwrap_or_else(|| "upload".into())
                    .chars()
                    .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\')
                    .collect::<String>()
            );
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                content_type
                    .and_then(|t| HeaderValue::from_str(&t).ok())
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Ok(None) => (
            StatusCode::FORBIDDEN,
            "This file link is not valid, or its 60 seconds are over: ask GetFileUploadURL for a new one.",
        )
            .into_response(),
        Err(e) => fault(e),
    }
}
