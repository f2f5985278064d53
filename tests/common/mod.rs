//! Shared setup for the server tests: a server started in-process on 127.0.0.1 port 0, the
//! aws-sdk-mturk client pointed at it, a raw HTTP/1.1 helper (for the local SubmitAssignment
//! operation the SDK cannot call, and for malformed requests), and small builders.
// Each test file uses a part of this; a failed expectation here is a failed test.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

pub mod browser;
pub mod pty;
pub mod site;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_mturk::Client;
use aws_sdk_mturk::config::Credentials;
use aws_sdk_mturk::config::http::HttpResponse;
use aws_sdk_mturk::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_mturk::operation::create_hit::builders::CreateHITFluentBuilder;
use aws_sdk_mturk::primitives::DateTime;
use aws_sdk_mturk::types::{Assignment, AssignmentStatus, Hit, HitStatus, ReviewableHitStatus};
use mturk_review::money;
use mturk_review::server::{
    self, DEFAULT_MAX_BODY_BYTES, EdgeConfig, FaultConfig, RateConfig, RunningServer, ServerConfig,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const MTURK: &str = "MTurkRequesterServiceV20170117";
pub const QUESTION: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<html><body><form><input name="q1"/></form></body></html>]]></HTMLContent><FrameHeight>400</FrameHeight></HTMLQuestion>"#;
pub const ANSWER: &str = r#"<?xml version="1.0" encoding="UTF-8"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"><Answer><QuestionIdentifier>q1</QuestionIdentifier><FreeText>yes</FreeText></Answer></QuestionFormAnswers>"#;
use mturk_review::clock::DAY_SECS as DAY;

/// The balance every test server starts with: $100.00.
pub const START_BALANCE: i64 = 10_000;

/// The config every test starts from: in memory, no demo, START_BALANCE, no faults.
pub fn config() -> ServerConfig {
    ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        db: ":memory:".into(),
        demo: false,
        generate: None,
        balance_cents: START_BALANCE,
        faults: FaultConfig::default(),
        rate: RateConfig::default(),
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        edge: EdgeConfig::default(),
        require_signatures: false,
        site: Default::default(),
    }
}

/// A running server and a client for it.
pub struct TestServer {
    pub server: RunningServer,
    pub client: Client,
    pub url: String,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(config()).await
    }

    pub async fn with_balance(cents: i64) -> TestServer {
        Self::start_with(ServerConfig {
            balance_cents: cents,
            ..config()
        })
        .await
    }

    pub async fn start_with(config: ServerConfig) -> TestServer {
        let server = server::start(config).await.expect("server starts");
        let url = server.endpoint_url();
        let client = client(&url).await;
        TestServer {
            server,
            client,
            url,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }

    /// A HIT with this reward and number of assignments, one hour to live, defaults elsewhere.
    pub async fn hit(&self, reward: &str, max_assignments: i32) -> String {
        self.hit_with(reward, max_assignments, 3600).await
    }

    /// A HIT with this reward, number of assignments and auto-approval delay.
    pub async fn hit_with(&self, reward: &str, max_assignments: i32, auto_approval: i64) -> String {
        let out = self
            .create_hit()
            .reward(reward)
            .max_assignments(max_assignments)
            .auto_approval_delay_in_seconds(auto_approval)
            .send()
            .await
            .expect("CreateHIT");
        out.hit()
            .and_then(|h| h.hit_id())
            .expect("HITId")
            .to_string()
    }

    /// CreateHIT with every required member filled in (reward 0.50, one assignment, ten
    /// minutes to work, one hour to live); tests override what they need.
    pub fn create_hit(&self) -> CreateHITFluentBuilder {
        self.client
            .create_hit()
            .title("Test HIT")
            .description("A HIT made by a test")
            .reward("0.50")
            .max_assignments(1)
            .assignment_duration_in_seconds(600)
            .lifetime_in_seconds(3600)
            .question(QUESTION)
    }

    /// Submits work as `worker`; `extra` adds or overrides members of the request.
    pub async fn submit_with(&self, hit_id: &str, worker: &str, extra: Value) -> Raw {
        let mut body = json!({ "HITId": hit_id, "WorkerId": worker, "Answer": ANSWER });
        if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
            b.extend(extra);
        }
        post(self.addr(), "MTurkLocal.SubmitAssignment", &body).await
    }

    /// Submits work now and returns the new AssignmentId.
    pub async fn submit(&self, hit_id: &str, worker: &str) -> String {
        self.submit_ok(hit_id, worker, json!({})).await
    }

    pub async fn submit_ok(&self, hit_id: &str, worker: &str, extra: Value) -> String {
        let raw = self.submit_with(hit_id, worker, extra).await;
        assert_eq!(raw.status, 200, "SubmitAssignment failed: {}", raw.body);
        raw.json()["AssignmentId"]
            .as_str()
            .expect("AssignmentId")
            .to_string()
    }

    /// Imports a Rejected assignment submitted `days_ago` and rejected right after.
    pub async fn rejected_days_ago(&self, hit_id: &str, worker: &str, days_ago: i64) -> String {
        let submit = now_secs() - days_ago * DAY;
        self.submit_ok(
            hit_id,
            worker,
            json!({
                "AcceptTime": submit - 60,
                "SubmitTime": submit,
                "AssignmentStatus": "Rejected",
                "RejectionTime": submit + 10,
                "RequesterFeedback": "Answers were random.",
            }),
        )
        .await
    }

    pub async fn approve(&self, id: &str) {
        self.client
            .approve_assignment()
            .assignment_id(id)
            .send()
            .await
            .expect("ApproveAssignment");
    }

    pub async fn reject(&self, id: &str) {
        self.client
            .reject_assignment()
            .assignment_id(id)
            .requester_feedback("Not what was asked")
            .send()
            .await
            .expect("RejectAssignment");
    }

    pub async fn bonus(&self, worker: &str, id: &str, amount: &str, token: Option<&str>) {
        self.client
            .send_bonus()
            .worker_id(worker)
            .assignment_id(id)
            .bonus_amount(amount)
            .reason("Thanks for the careful work")
            .set_unique_request_token(token.map(str::to_string))
            .send()
            .await
            .expect("SendBonus");
    }

    pub async fn expire(&self, hit_id: &str, at_secs: i64) {
        self.client
            .update_expiration_for_hit()
            .hit_id(hit_id)
            .expire_at(DateTime::from_secs(at_secs))
            .send()
            .await
            .expect("UpdateExpirationForHIT");
    }

    /// The ids on the first ListHITs page of 100.
    pub async fn listed_hits(&self) -> Vec<String> {
        let out = self
            .client
            .list_hits()
            .max_results(100)
            .send()
            .await
            .expect("ListHITs");
        out.hits()
            .iter()
            .filter_map(|h| h.hit_id().map(str::to_string))
            .collect()
    }

    /// The ids ListReviewableHITs answers with.
    pub async fn reviewable(
        &self,
        status: Option<ReviewableHitStatus>,
        hit_type: Option<&str>,
    ) -> Vec<String> {
        let out = self
            .client
            .list_reviewable_hits()
            .set_status(status)
            .set_hit_type_id(hit_type.map(str::to_string))
            .send()
            .await
            .expect("ListReviewableHITs");
        out.hits()
            .iter()
            .filter_map(|h| h.hit_id().map(str::to_string))
            .collect()
    }

    /// The requester's funds, in cents: available plus on hold. Approvals are paid from what
    /// publishing held, so this is what every payment lowers (and what AvailableBalance alone
    /// was before holds existed).
    pub async fn balance(&self) -> i64 {
        let (available, on_hold) = self.balances().await;
        available + on_hold
    }

    /// The available balance, in cents.
    pub async fn available(&self) -> i64 {
        self.balances().await.0
    }

    /// The balance on hold, in cents.
    pub async fn on_hold(&self) -> i64 {
        self.balances().await.1
    }

    /// AvailableBalance and OnHoldBalance, in cents.
    pub async fn balances(&self) -> (i64, i64) {
        let out = self
            .client
            .get_account_balance()
            .send()
            .await
            .expect("GetAccountBalance");
        let cents = |text: Option<&str>| {
            let text = text.expect("an amount");
            money::parse_cents(text).unwrap_or_else(|| panic!("balance {text:?} is not money"))
        };
        (cents(out.available_balance()), cents(out.on_hold_balance()))
    }

    pub async fn assignment(&self, id: &str) -> aws_sdk_mturk::types::Assignment {
        self.client
            .get_assignment()
            .assignment_id(id)
            .send()
            .await
            .expect("GetAssignment")
            .assignment()
            .cloned()
            .expect("Assignment")
    }

    pub async fn get_hit(&self, id: &str) -> aws_sdk_mturk::types::Hit {
        self.client
            .get_hit()
            .hit_id(id)
            .send()
            .await
            .expect("GetHIT")
            .hit()
            .cloned()
            .expect("HIT")
    }
}

pub fn hit_status(hit: &Hit) -> &HitStatus {
    hit.hit_status().expect("HITStatus")
}

/// (Pending, Available, Completed)
pub fn counters(hit: &Hit) -> (i32, i32, i32) {
    (
        hit.number_of_assignments_pending().expect("Pending"),
        hit.number_of_assignments_available().expect("Available"),
        hit.number_of_assignments_completed().expect("Completed"),
    )
}

/// aws-sdk-mturk set up as MTURK_API.md advises for a local server, independently of the
/// console's own client code: region us-east-1, static dummy credentials, standard retries
/// with 5 attempts and a short backoff.
pub async fn client(url: &str) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "static"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(5)
                .with_initial_backoff(Duration::from_millis(20)),
        )
        .endpoint_url(url)
        .load()
        .await;
    Client::new(&config)
}

pub fn now_secs() -> i64 {
    now_f64().floor() as i64
}

pub fn now_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// MTurk's id shape: 30 characters of [A-Z0-9].
pub fn assert_mturk_id(id: &str) {
    assert!(
        id.len() == 30
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
        "not an MTurk-shaped id: {id:?}"
    );
}

// ---- errors as the SDK sees them -------------------------------------------------------------

/// An error answer as it came over the wire, and as the SDK understood it.
#[derive(Debug)]
pub struct WireError {
    pub status: u16,
    pub error_type: String,
    /// The Message without MTurk's ` (<millis>)` suffix (checked to be there).
    pub message: String,
    pub turk_code: Option<String>,
    /// `ProvideErrorMetadata::code()` and `message()` of the SDK's error (None for raw calls).
    pub sdk_code: Option<String>,
    pub sdk_message: Option<String>,
}

/// The service error of an SDK call that must have failed with one.
pub fn wire_error<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E, HttpResponse>>,
) -> WireError {
    let err = result.expect_err("the call should have failed");
    let SdkError::ServiceError(service) = &err else {
        panic!("expected a service error, got {err:?}");
    };
    let raw = service.raw();
    let body: Value = serde_json::from_slice(raw.body().bytes().expect("a body in memory"))
        .expect("error bodies are JSON");
    let mut wire = wire_error_from(raw.status().as_u16(), &body);
    wire.sdk_code = service.err().code().map(str::to_string);
    wire.sdk_message = service.err().message().map(str::to_string);
    wire
}

fn wire_error_from(status: u16, body: &Value) -> WireError {
    let message = body["Message"].as_str().expect("Message").to_string();
    WireError {
        status,
        error_type: body["__type"].as_str().expect("__type").to_string(),
        message: strip_millis(&message),
        turk_code: body["TurkErrorCode"].as_str().map(str::to_string),
        sdk_code: None,
        sdk_message: None,
    }
}

/// Checks that a Message ends in ` (<13-digit epoch millis>)` and returns it without that.
fn strip_millis(message: &str) -> String {
    let (text, suffix) = message
        .rsplit_once(" (")
        .unwrap_or_else(|| panic!("no millis suffix in {message:?}"));
    let digits = suffix
        .strip_suffix(')')
        .unwrap_or_else(|| panic!("no closing parenthesis in {message:?}"));
    assert!(
        digits.len() == 13 && digits.bytes().all(|b| b.is_ascii_digit()),
        "suffix is not 13-digit millis: {message:?}"
    );
    let millis: i64 = digits.parse().expect("digits");
    assert!(
        (millis / 1000 - now_secs()).abs() < 60,
        "millis far from now: {message:?}"
    );
    text.to_string()
}

impl WireError {
    /// A 400 RequestError with this TurkErrorCode, seen the same way by the SDK when it was
    /// an SDK call.
    pub fn assert_request_error(&self, turk_code: &str) {
        assert_eq!(self.status, 400, "{self:?}");
        assert_eq!(self.error_type, "RequestError", "{self:?}");
        assert_eq!(self.turk_code.as_deref(), Some(turk_code), "{self:?}");
        if let Some(code) = &self.sdk_code {
            assert_eq!(code, "RequestError", "{self:?}");
            let sdk_message = self.sdk_message.as_deref().unwrap_or_default();
            assert!(sdk_message.starts_with(&self.message), "{self:?}");
        }
    }

    /// A 400 InvalidParameterValue whose message names `what`.
    pub fn assert_invalid(&self, what: &str) {
        self.assert_request_error("AWS.MechanicalTurk.InvalidParameterValue");
        assert!(self.message.contains(what), "{what:?} not named: {self:?}");
    }

    /// MTurk's refusal for an assignment in the wrong state.
    pub fn assert_invalid_state(&self) {
        self.assert_request_error("AWS.MechanicalTurk.InvalidAssignmentState");
        assert_eq!(
            self.message, "This operation can be called with a status of: Submitted",
            "{self:?}"
        );
    }
}

// ---- raw HTTP ----------------------------------------------------------------------------------

/// An HTTP answer read off the socket.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }

    pub fn error(&self) -> WireError {
        wire_error_from(self.status, &self.json())
    }
}

/// `POST /` with the awsJson1_1 headers and `body` as JSON.
pub async fn post(addr: SocketAddr, target: &str, body: &Value) -> Raw {
    let text = body.to_string();
    request(
        addr,
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", target),
        ],
        text.as_bytes(),
    )
    .await
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`), read to the end. Write
/// errors are ignored so that a server refusing a large body early can still be heard.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Raw {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let (mut reader, mut writer) = stream.split();
    let write = async {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(body).await;
        let _ = writer.flush().await;
    };
    let read = async {
        let mut bytes = Vec::new();
        let _ = reader.read_to_end(&mut bytes).await;
        bytes
    };
    let ((), bytes) =
        tokio::time::timeout(Duration::from_secs(20), async { tokio::join!(write, read) })
            .await
            .expect("the server answers in time");
    parse_response(&bytes)
}

fn parse_response(bytes: &[u8]) -> Raw {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Raw {
        status,
        headers,
        body: body.to_string(),
    }
}

/// Dummy credentials and no config files or instance metadata: nothing real is ever used.
pub const DUMMY_AWS_ENV: [(&str, &str); 6] = [
    ("AWS_ACCESS_KEY_ID", "local"),
    ("AWS_SECRET_ACCESS_KEY", "local"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_CONFIG_FILE", "/nonexistent/mturk-review-test"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/mturk-review-test",
    ),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

/// Every Submitted and Rejected assignment on the server, across all HITs and pages.
pub async fn all_assignments(client: &Client) -> Vec<Assignment> {
    let mut hits = Vec::new();
    let mut pages = client.list_hits().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        hits.extend(page.unwrap().hits.unwrap_or_default());
    }
    let mut all = Vec::new();
    for hit in hits {
        let mut pages = client
            .list_assignments_for_hit()
            .hit_id(hit.hit_id().unwrap())
            .assignment_statuses(AssignmentStatus::Submitted)
            .assignment_statuses(AssignmentStatus::Rejected)
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            all.extend(page.unwrap().assignments.unwrap_or_default());
        }
    }
    all
}

// ---- the real binary ---------------------------------------------------------------------------

/// `mturk-review serve ARGS` as a child process, its URL read from the first stdout line;
/// killed when dropped.
pub struct ServeProcess {
    pub child: Child,
    pub url: String,
    pub addr: SocketAddr,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl ServeProcess {
    pub fn spawn(args: &[&str]) -> ServeProcess {
        Self::spawn_with_env(args, &[])
    }

    /// `spawn`, with these environment variables set for the process.
    pub fn spawn_with_env(args: &[&str], env: &[(&str, &str)]) -> ServeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mturk-review"))
            .arg("serve")
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mturk-review serve");
        // Drained on a thread, so that the server never blocks on a full pipe.
        let mut stderr_pipe = child.stderr.take().expect("stderr");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            text
        });
        let mut line = String::new();
        let _ = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
        let mut process = ServeProcess {
            child,
            url: String::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr: Some(stderr),
        };
        let Some(url) = line.trim_end().strip_prefix("listening on ") else {
            let _ = process.child.kill();
            panic!(
                "first stdout line {line:?}, stderr: {}",
                process.stderr_text()
            );
        };
        process.url = url.to_string();
        process.addr = url
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("not http://HOST:PORT: {line:?}"));
        process
    }

    /// Sends SIGTERM and waits (at most 10 s) for the process to end.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not stop within 10 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything the process wrote to stderr; waits for it to end.
    pub fn stderr_text(&mut self) -> String {
        let _ = self.child.wait();
        self.stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- files -------------------------------------------------------------------------------------

/// A database path under the temp dir, unique to this process and call, removed (with SQLite's
/// side files) when dropped.
pub struct TempDb(pub PathBuf);

impl TempDb {
    pub fn new(tag: &str) -> TempDb {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!(
            "mturk-review-test-{tag}-{}-{n}-{nanos}.db",
            std::process::id()
        );
        TempDb(std::env::temp_dir().join(name))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// An access key of a server's database, for tests that sign their requests.
pub use mturk_review::server::accounts::AccessKey as Key;

/// A new account `name` with `cents` deposited in the database file `db` (created when
/// needed), and its access key.
pub fn add_account(db: &std::path::Path, name: &str, cents: i64) -> Key {
    let store = mturk_review::server::store::Store::open(db, 0).expect("open the database");
    let (_, key) = store
        .transaction(|tx| mturk_review::server::accounts::add(tx, name, cents, 1))
        .expect("a new account");
    key
}

/// The key id and secret of a credentials block, checked to have AWS's shapes.
pub fn credentials(block: &str, profile: &str) -> (String, String) {
    let shape = regex::Regex::new(&format!(
        r"^\[{profile}\]\naws_access_key_id = (AKIA[A-Z2-7]{{16}})\naws_secret_access_key = ([A-Za-z0-9+/]{{40}})\n$"
    ))
    .expect("a pattern");
    let caps = shape
        .captures(block)
        .unwrap_or_else(|| panic!("not a credentials block: {block:?}"));
    (caps[1].to_string(), caps[2].to_string())
}

/// Counts the HTTP attempts the SDK makes, retries included.
#[derive(Debug, Clone, Default)]
pub struct Attempts(pub std::sync::Arc<AtomicUsize>);

impl aws_sdk_mturk::config::Intercept for Attempts {
    fn name(&self) -> &'static str {
        "Attempts"
    }

    fn read_before_transmit(
        &self,
        _context: &aws_sdk_mturk::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_sdk_mturk::config::RuntimeComponents,
        _cfg: &mut aws_sdk_mturk::config::ConfigBag,
    ) -> Result<(), aws_sdk_mturk::error::BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// The headers of `POST /` to `target` with `body`, signed with `key` by AWS's own signer
/// (aws-sigv4) at `time`, as aws-sdk-mturk signs them (the Host is the request's).
pub fn signed_headers(
    addr: SocketAddr,
    key: &Key,
    target: &str,
    body: &[u8],
    time: SystemTime,
) -> Vec<(String, String)> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let host = addr.to_string();
    let headers = [
        ("host", host.as_str()),
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", target),
    ];
    let identity = Credentials::new(&key.id, &key.secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("mturk-requester")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let signable = SignableRequest::new(
        "POST",
        format!("http://{host}/"),
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("signed").into_parts();
    let mut all: Vec<(String, String)> = headers[1..]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    all.extend(
        instructions
            .headers()
            .map(|(n, v)| (n.to_string(), v.to_string())),
    );
    all
}

/// `POST /` as `post` sends it, signed with `key` at `time`.
pub async fn signed_post_at(
    addr: SocketAddr,
    key: &Key,
    target: &str,
    body: &Value,
    time: SystemTime,
) -> Raw {
    let text = body.to_string();
    let headers = signed_headers(addr, key, target, text.as_bytes(), time);
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    request(addr, "POST", "/", &headers, text.as_bytes()).await
}

pub async fn signed_post(addr: SocketAddr, key: &Key, target: &str, body: &Value) -> Raw {
    signed_post_at(addr, key, target, body, SystemTime::now()).await
}

/// aws-sdk-mturk as `client` sets it up, signing with `key`.
pub async fn client_with_key(url: &str, key: &Key) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(&key.id, &key.secret, None, None, "static"))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .endpoint_url(url)
        .load()
        .await;
    Client::new(&config)
}
