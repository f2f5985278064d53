//! Figure 9: the worker site under 200 simulated workers on a file database (WAL,
//! synchronous FULL), each a plain HTTP/1.1 client on its own keep-alive connection, looping
//! for one spell: the group's next HIT, its preview (for the CSRF token), Accept, submit.
//! In the same run 8 requester clients approve what they submit with ApproveAssignment. Two
//! runs: HITs of 10 slots, which workers race for, and of more slots than workers.
//!
//! The clients are hyper's own (its low-level HTTP/1.1 connection, one per worker): it keeps
//! the connection alive and frames bodies correctly, so nothing here parses HTTP by hand.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use aws_sdk_mturk::Client;
use futures::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use mturk_review::mturk::client::local_client;
use tokio::sync::{Mutex, mpsc};

use crate::serve::Serve;
use crate::table::{Row, Table};
use crate::temp::TempPath;

const WORKERS: usize = 200;
const APPROVERS: usize = 8;
const SPELL: Duration = Duration::from_secs(10);

/// How the work is cut: `hits` HITs of one HIT type, `slots` assignments each; more than a
/// spell can fill either way.
#[derive(Clone, Copy)]
struct Shape {
    hits: usize,
    slots: i32,
}

/// 10 slots a HIT: the site offers every worker the group's oldest open HIT, so 200 workers
/// race for its 10 slots and most accepts lose.
const RACING: Shape = Shape {
    hits: 2_000,
    slots: 10,
};
/// More slots a HIT than workers: nobody loses a race, so every loop ends in a submission.
const ROOMY: Shape = Shape {
    hits: 200,
    slots: 250,
};

const QUESTION: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId"/><textarea name="text"></textarea><input type="submit"/></form></body></html>]]></HTMLContent><FrameHeight>600</FrameHeight></HTMLQuestion>"#;

/// One answer: status, the headers a worker follows, the body.
struct Reply {
    status: u16,
    location: Option<String>,
    set_cookie: Option<String>,
    body: String,
}

/// One keep-alive HTTP/1.1 connection to the server, with the session cookie once signed in.
struct Conn {
    send: SendRequest<Full<Bytes>>,
    host: String,
    cookie: Option<String>,
}

impl Conn {
    async fn open(host: &str) -> Result<Conn> {
        let stream = tokio::net::TcpStream::connect(host).await?;
        stream.set_nodelay(true)?;
        let (send, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Conn {
            send,
            host: host.to_string(),
            cookie: None,
        })
    }

    async fn call(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<Reply> {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("Host", &self.host);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(cookie) = &self.cookie {
            request = request.header("Cookie", cookie);
        }
        // A connection the server closed fails here: every worker keeps one for the spell.
        self.send
            .ready()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let response = self
            .send
            .send_request(request.body(Full::new(Bytes::from(body)))?)
            .await
            .with_context(|| format!("{method} {path}"))?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (location, set_cookie) = (header("location"), header("set-cookie"));
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Reply {
            status,
            location,
            set_cookie,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    async fn get(&mut self, path: &str) -> Result<Reply> {
        self.call("GET", path, &[], String::new()).await
    }

    async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Result<Reply> {
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let content_type = [("Content-Type", "application/x-www-form-urlencoded")];
        self.call("POST", path, &content_type, form).await
    }
}

/// The path and query of an absolute URL.
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/", |i| &rest[i..])
}

/// The CSRF token a page of the site carries in its forms.
fn csrf(page: &str) -> Option<&str> {
    let marker = "name=\"csrf\" value=\"";
    let rest = &page[page.find(marker)? + marker.len()..];
    Some(&rest[..rest.find('"')?])
}

/// A new worker (MTurkLocal.CreateWorker), signed in on a connection of their own.
async fn signed_in_worker(host: &str, n: usize) -> Result<Conn> {
    let mut conn = Conn::open(host).await?;
    let invited = conn
        .call(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "MTurkLocal.CreateWorker"),
            ],
            serde_json::json!({ "Name": format!("worker {n}") }).to_string(),
        )
        .await?;
    let link: serde_json::Value = serde_json::from_str(&invited.body)?;
    let link = link["SignInUrl"]
        .as_str()
        .with_context(|| format!("CreateWorker answered {}", invited.body))?
        .to_string();
    conn.get(path_of(&link)).await?;
    let token = link.split("token=").nth(1).context("a sign-in token")?;
    let signed = conn
        .post_form("/worker/sign-in", &[("token", token)])
        .await?;
    let cookie = signed.set_cookie.context("no session cookie")?;
    conn.cookie = cookie.split(';').next().map(str::to_string);
    Ok(conn)
}

/// What one worker did in the spell.
#[derive(Default)]
struct Worked {
    accepts: Vec<Duration>,
    submits: Vec<Duration>,
    /// Accepts refused because the HIT filled up between the preview and the accept.
    refused: usize,
    /// When its last iteration ended.
    ended: Option<Instant>,
}

/// One worker's loop until the spell ends; each submitted assignment goes to `submitted`.
async fn work(
    mut conn: Conn,
    hit_type: Arc<String>,
    until: Instant,
    submitted: mpsc::UnboundedSender<String>,
) -> Result<Worked> {
    let mut worked = Worked::default();
    while Instant::now() < until {
        let next = conn.get(&format!("/worker/groups/{hit_type}")).await?;
        let Some(hit_page) = next.location.filter(|_| next.status == 303) else {
            bail!("no next HIT ({}): seed more HITs", next.status);
        };
        let preview = conn.get(&hit_page).await?;
        let token = csrf(&preview.body)
            .with_context(|| format!("no CSRF token on the preview ({})", preview.status))?
            .to_string();
        let started = Instant::now();
        let accepted = conn
            .post_form(&format!("{hit_page}/accept"), &[("csrf", &token)])
            .await?;
        worked.accepts.push(started.elapsed());
        let assignment = match (accepted.status, accepted.location) {
            (303, Some(location)) => location.rsplit('/').next().unwrap_or_default().to_string(),
            (409, _) => {
                worked.refused += 1;
                continue;
            }
            (status, _) => bail!("accept answered {status}: {}", accepted.body),
        };
        let started = Instant::now();
        let done = conn
            .post_form(
                "/mturk/externalSubmit",
                &[("assignmentId", &assignment), ("text", "a cat on a mat")],
            )
            .await?;
        worked.submits.push(started.elapsed());
        if done.status != 200 {
            bail!("submit answered {}: {}", done.status, done.body);
        }
        let _ = submitted.send(assignment);
    }
    worked.ended = Some(Instant::now());
    Ok(worked)
}

/// One requester client approving submitted work until the spell ends; how many it approved,
/// and when it stopped.
async fn approve(
    client: Client,
    submitted: Arc<Mutex<mpsc::UnboundedReceiver<String>>>,
    until: Instant,
) -> Result<(usize, Instant)> {
    let mut approved = 0;
    loop {
        let next =
            tokio::time::timeout_at(until.into(), async { submitted.lock().await.recv().await })
                .await;
        let Ok(Some(id)) = next else {
            return Ok((approved, Instant::now()));
        };
        client
            .approve_assignment()
            .assignment_id(&id)
            .send()
            .await
            .with_context(|| format!("approve {id}"))?;
        approved += 1;
    }
}

/// The HIT type of the new HITs, cut as `shape` says.
async fn seed(client: &Client, shape: Shape) -> Result<String> {
    let create = |_| async {
        client
            .create_hit()
            .title("Describe the picture")
            .description("One sentence about what the picture shows.")
            .reward("0.05")
            .max_assignments(shape.slots)
            .lifetime_in_seconds(3600)
            .assignment_duration_in_seconds(600)
            .question(QUESTION)
            .send()
            .await
    };
    let created: Vec<_> = futures::stream::iter(0..shape.hits)
        .map(create)
        .buffer_unordered(8)
        .collect()
        .await;
    let mut hit_type = None;
    for out in created {
        let out = out.context("CreateHIT")?;
        hit_type = out.hit().and_then(|h| h.hit_type_id()).map(str::to_string);
    }
    hit_type.context("no HIT type")
}

/// The `q`-quantile of `times` (sorted here).
fn quantile(times: &mut [Duration], q: f64) -> Duration {
    times.sort();
    let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len().max(1)) - 1;
    times.get(i).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Submitted, approved or rejected assignments on the server, from ListHITs: every slot
/// neither available nor pending.
async fn recorded(client: &Client) -> Result<i64> {
    let mut total = 0;
    let mut pages = client.list_hits().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        for hit in page.context("ListHITs")?.hits() {
            total += i64::from(hit.max_assignments().unwrap_or_default())
                - i64::from(hit.number_of_assignments_available().unwrap_or_default())
                - i64::from(hit.number_of_assignments_pending().unwrap_or_default());
        }
    }
    Ok(total)
}

pub async fn figure(table: &mut Table) -> Result<()> {
    run(table, RACING, "10 slots a HIT: workers race").await?;
    run(table, ROOMY, "250 slots a HIT: no races").await
}

/// One spell on a new server with the work cut as `shape` says; its two rows.
async fn run(table: &mut Table, shape: Shape, label: &str) -> Result<()> {
    let db = TempPath::new(&format!("worker-site-{}", shape.slots));
    let path = db.arg();
    let serve = Serve::start(&["--db", &path, "--balance", "1000000.00"])?;
    let host = serve
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let client = local_client(&serve.url).await;
    let hit_type = Arc::new(seed(&client, shape).await?);
    let workers: Vec<Conn> = futures::stream::iter(0..WORKERS)
        .map(|n| signed_in_worker(&host, n))
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    let mut approvers = Vec::new();
    for _ in 0..APPROVERS {
        approvers.push(local_client(&serve.url).await);
    }

    let (tx, rx) = mpsc::unbounded_channel();
    let rx = Arc::new(Mutex::new(rx));
    let started = Instant::now();
    let until = started + SPELL;
    let working: Vec<_> = workers
        .into_iter()
        .map(|conn| tokio::spawn(work(conn, hit_type.clone(), until, tx.clone())))
        .collect();
    drop(tx);
    let approving: Vec<_> = approvers
        .into_iter()
        .map(|client| tokio::spawn(approve(client, rx.clone(), until)))
        .collect();
    let mut all = Worked::default();
    for task in working {
        let worked = task.await??;
        all.accepts.extend(worked.accepts);
        all.submits.extend(worked.submits);
        all.refused += worked.refused;
        all.ended = all.ended.max(worked.ended);
    }
    let (mut approved, mut approvals_ended) = (0, started);
    for task in approving {
        let (n, ended) = task.await??;
        approved += n;
        approvals_ended = approvals_ended.max(ended);
    }
    let worked_for = all.ended.unwrap_or(until) - started;
    let approved_for = approvals_ended - started;

    let submissions = all.submits.len();
    let on_server = recorded(&client).await?;
    if on_server != submissions as i64 {
        bail!("{submissions} submissions answered 200, the server recorded {on_server}");
    }
    let per_sec = submissions as f64 / worked_for.as_secs_f64();
    let approvals = approved as f64 / approved_for.as_secs_f64();
    let accept_p50 = quantile(&mut all.accepts, 0.5);
    let accept_p99 = quantile(&mut all.accepts, 0.99);
    let submit_p50 = quantile(&mut all.submits, 0.5);
    let submit_p99 = quantile(&mut all.submits, 0.99);
    let fast = accept_p99 < Duration::from_millis(100) && submit_p99 < Duration::from_millis(100);
    table.push(Row {
        figure: format!(
            "9. worker site, {label}: {WORKERS} workers (next HIT, preview, accept, submit), file DB, synchronous=FULL; {} s spell",
            SPELL.as_secs()
        ),
        measured: format!(
            "{per_sec:.0} submissions/s ({submissions}; {} accepts lost the race)",
            all.refused
        ),
        baseline: format!("ApproveAssignment, {APPROVERS} clients, same run: {approvals:.0}/s"),
        ratio: String::new(),
        goal: "≥ 500 submissions/s".into(),
        met: per_sec >= 500.0,
    });
    table.push(Row {
        figure: format!("9. worker site, {label}: latency of accept (POST) and submit (POST)"),
        measured: format!(
            "accept p50 {} / p99 {}; submit p50 {} / p99 {}",
            ms(accept_p50),
            ms(accept_p99),
            ms(submit_p50),
            ms(submit_p99)
        ),
        baseline: String::new(),
        ratio: String::new(),
        goal: "p99 < 100 ms".into(),
        met: fast,
    });
    Ok(())
}
