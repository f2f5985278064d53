//! `mturk-review export`, the real binary against a server started in-process: the website's
//! CSV columns with one Answer.* column per question, quoting of hostile text, JSON lines,
//! the status and HIT filters, clear failures, the demo, an endpoint whose NextTokens never
//! end (export and the loader it shares with the console both stop), and worker text that
//! drives terminals: sanitised on a terminal (a pty), exact through a pipe.
// As in #[test] functions (clippy.toml): a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, header};
use common::pty::Console;
use common::{DUMMY_AWS_ENV, TestServer, now_secs};
use mturk_review::export::COLUMNS;
use mturk_review::mturk::client::ErrorKind;
use mturk_review::mturk::loader::{HitSelection, LoadError, LoadEvent, LoadRequest, load};
use serde_json::{Value, json};

const NS: &str = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd";

/// Text a worker could send that breaks naive CSV: quotes, commas, newlines, a formula,
/// markup, an escape sequence, and non-ASCII.
const HOSTILE: &str =
    "He said \"hi\", then left\nsecond line, =SUM(A1:A9) <b>&</b> \u{1b}[31mred ünïcødé 日本語";

fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn answer(fields: &[(&str, &str)]) -> String {
    let inner: String = fields
        .iter()
        .map(|(id, text)| {
            format!(
                "<Answer><QuestionIdentifier>{id}</QuestionIdentifier><FreeText>{}</FreeText></Answer>",
                xml_text(text)
            )
        })
        .collect();
    format!(r#"<QuestionFormAnswers xmlns="{NS}">{inner}</QuestionFormAnswers>"#)
}

/// Two HITs with different questions: a submitted hostile answer, a rejected one (with
/// hostile feedback), an approved one, and a crowd-form JSON answer.
struct Batch {
    t: TestServer,
    survey_hit: String,
    crowd_hit: String,
    hostile: String,
    rejected: String,
    approved: String,
    crowd: String,
}

async fn batch() -> Batch {
    let t = TestServer::start().await;
    let survey_hit = t
        .create_hit()
        .title("Survey, \"quoted\" title")
        .max_assignments(3)
        .send()
        .await
        .expect("CreateHIT")
        .hit()
        .and_then(|h| h.hit_id())
        .expect("HITId")
        .to_string();
    let crowd_hit = t.hit("0.10", 1).await;
    let submit = now_secs() - 600;
    let hostile = t
        .submit_ok(
            &survey_hit,
            "AHOSTILE",
            json!({
                "Answer": answer(&[("comment", HOSTILE), ("age", "41")]),
                "AcceptTime": submit - 75,
                "SubmitTime": submit,
            }),
        )
        .await;
    let rejected = t
        .submit_ok(
            &survey_hit,
            "AREJECTED",
            json!({
                "Answer": answer(&[("age", "12"), ("extra", "x")]),
                "AssignmentStatus": "Rejected",
                "RequesterFeedback": "Wrong, \"see\" rules",
                "SubmitTime": submit,
            }),
        )
        .await;
    let approved = t
        .submit_ok(
            &survey_hit,
            "AAPPROVED",
            json!({ "Answer": answer(&[("age", "30")]) }),
        )
        .await;
    t.approve(&approved).await;
    let crowd = t
        .submit_ok(
            &crowd_hit,
            "ACROWD",
            json!({ "Answer": answer(&[("taskAnswers", r#"[{"label": "Positive", "n": 1.50}]"#)]) }),
        )
        .await;
    Batch {
        t,
        survey_hit,
        crowd_hit,
        hostile,
        rejected,
        approved,
        crowd,
    }
}

async fn export(url: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .arg("export")
        .args(["--endpoint-url", url])
        .args(args)
        .envs(DUMMY_AWS_ENV)
        .output()
        .await
        .expect("run mturk-review export")
}

fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

/// The CSV as header and rows of (column -> value), keyed by AssignmentId.
fn read_csv(text: &str) -> (Vec<String>, HashMap<String, HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = HashMap::new();
    for record in reader.records() {
        let record = record.expect("a well-formed CSV record");
        assert_eq!(record.len(), header.len(), "every row has every column");
        let row: HashMap<String, String> = header
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_string))
            .collect();
        rows.insert(row["AssignmentId"].clone(), row);
    }
    (header, rows)
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_has_the_website_columns_and_survives_hostile_text() {
    let b = batch().await;
    let out = export(&b.t.url, &[]).await;
    let (header, rows) = read_csv(&stdout_ok(&out));

    let mut expected: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    // The union of question identifiers, once each, in the order first seen.
    let answers: Vec<&str> = header[COLUMNS.len()..].iter().map(String::as_str).collect();
    let mut sorted = answers.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "Answer.age",
            "Answer.comment",
            "Answer.extra",
            "Answer.taskAnswers"
        ]
    );
    expected.extend(answers.iter().map(|a| a.to_string()));
    assert_eq!(header, expected);
    assert_eq!(rows.len(), 4, "all statuses by default");

    let hostile = &rows[&b.hostile];
    assert_eq!(hostile["Answer.comment"], HOSTILE, "round-trips exactly");
    assert_eq!(hostile["Answer.age"], "41");
    assert_eq!(hostile["Answer.extra"], "");
    assert_eq!(hostile["HITId"], b.survey_hit);
    assert_eq!(hostile["HITTitle"], "Survey, \"quoted\" title");
    assert_eq!(hostile["WorkerId"], "AHOSTILE");
    assert_eq!(hostile["AssignmentStatus"], "Submitted");
    assert_eq!(hostile["WorkTimeInSeconds"], "75");
    assert!(hostile["SubmitTime"].ends_with('Z') && hostile["SubmitTime"].contains('T'));
    assert_eq!(hostile["ApprovalTime"], "");

    let rejected = &rows[&b.rejected];
    assert_eq!(rejected["AssignmentStatus"], "Rejected");
    assert_eq!(rejected["RequesterFeedback"], "Wrong, \"see\" rules");
    assert!(!rejected["RejectionTime"].is_empty());
    assert_eq!(rejected["Answer.extra"], "x");
    assert_eq!(rejected["Answer.comment"], "");

    let approved = &rows[&b.approved];
    assert_eq!(approved["AssignmentStatus"], "Approved");
    assert!(!approved["ApprovalTime"].is_empty());

    let crowd = &rows[&b.crowd];
    assert_eq!(crowd["HITId"], b.crowd_hit);
    assert_eq!(
        crowd["Answer.taskAnswers"],
        r#"[{"label":"Positive","n":1.50}]"#
    );
    b.t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_status_and_hit_filters_choose_what_is_exported() {
    let b = batch().await;
    let ids = |text: String| {
        let (_, rows) = read_csv(&text);
        let mut ids: Vec<String> = rows.into_keys().collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let rejected = ids(stdout_ok(
        &export(&b.t.url, &["--status", "rejected"]).await,
    ));
    assert_eq!(rejected, std::slice::from_ref(&b.rejected));
    let two = ids(stdout_ok(
        &export(&b.t.url, &["--status", "approved,submitted"]).await,
    ));
    assert_eq!(
        two,
        sorted(vec![b.hostile.clone(), b.approved.clone(), b.crowd.clone()])
    );
    let one_hit = ids(stdout_ok(&export(&b.t.url, &["--hit", &b.crowd_hit]).await));
    assert_eq!(one_hit, std::slice::from_ref(&b.crowd));
    b.t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_lines_carry_the_same_fields_and_an_answer_object() {
    let b = batch().await;
    let dir = common::TempDb::new("export");
    let path = dir.0.with_extension("jsonl");
    let out = export(
        &b.t.url,
        &[
            "--format",
            "jsonl",
            "--output",
            path.to_str().expect("path"),
        ],
    )
    .await;
    stdout_ok(&out);
    assert!(out.stdout.is_empty(), "the file, not stdout");
    let text = std::fs::read_to_string(&path).expect("the output file");
    let _ = std::fs::remove_file(&path);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 4);
    let hostile = lines
        .iter()
        .find(|l| l["AssignmentId"] == b.hostile.as_str())
        .expect("the hostile assignment");
    let keys: Vec<&str> = hostile
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: Vec<&str> = COLUMNS.to_vec();
    expected.push("Answer");
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    expected.sort();
    assert_eq!(sorted_keys, expected);
    assert_eq!(
        hostile["Answer"],
        json!({ "comment": HOSTILE, "age": "41" })
    );
    assert_eq!(hostile["WorkTimeInSeconds"], 75);
    assert_eq!(hostile["ApprovalTime"], Value::Null);
    assert_eq!(hostile["HITTitle"], "Survey, \"quoted\" title");
    b.t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_clear_and_write_nothing() {
    let t = TestServer::start().await;
    let bad_status = export(&t.url, &["--status", "submitted,pending"]).await;
    assert!(!bad_status.status.success());
    let err = String::from_utf8_lossy(&bad_status.stderr);
    assert!(err.contains("invalid value 'pending'"), "{err}");
    assert!(err.contains("submitted, approved, rejected"), "{err}");

    let missing = export(&t.url, &["--hit", "NOSUCHHIT"]).await;
    assert!(!missing.status.success());
    assert!(missing.stdout.is_empty());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("nothing was written"), "{err}");
    assert!(err.contains("NOSUCHHIT"), "{err}");

    // A port nothing listens on any more.
    let url = t.url.clone();
    t.stop().await;
    let unreachable = export(&url, &[]).await;
    assert!(!unreachable.status.success());
    assert!(unreachable.stdout.is_empty());
    let err = String::from_utf8_lossy(&unreachable.stderr);
    assert!(err.contains("cannot list the HITs"), "{err}");
    assert!(err.contains("reachable"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_exports_without_an_account() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .args(["export", "--demo", "--status", "approved"])
        .envs(DUMMY_AWS_ENV)
        .output()
        .await
        .expect("run mturk-review export --demo");
    let (header, rows) = read_csv(&stdout_ok(&out));
    assert_eq!(rows.len(), 10, "the demo's approved assignments");
    assert!(rows.values().all(|r| r["AssignmentStatus"] == "Approved"));
    assert!(header.len() > COLUMNS.len(), "{header:?}");
}

/// An endpoint on 127.0.0.1 that answers each operation (the last part of X-Amz-Target) with
/// `answer`'s status and JSON body.
async fn fake_endpoint<F>(answer: F) -> String
where
    F: Fn(&str) -> (StatusCode, Value) + Clone + Send + Sync + 'static,
{
    let respond = move |headers: HeaderMap| {
        let answer = answer.clone();
        async move {
            let target = headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let (status, body) = answer(target.rsplit('.').next().unwrap_or_default());
            (
                status,
                [(header::CONTENT_TYPE, "application/x-amz-json-1.1")],
                body.to_string(),
            )
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, axum::Router::new().fallback(respond)).await;
    });
    url
}

/// An endpoint whose `repeating` operation (ListHITs or ListAssignmentsForHIT) answers every
/// page, full (100, as the loader asks: a short page would end the listing anyway), with the
/// same NextToken, as a broken MTurk stand-in did; the other answers one item. Returns its
/// URL and how many pages of `repeating` it has served.
async fn repeating_endpoint(repeating: &'static str) -> (String, Arc<AtomicUsize>) {
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let url = fake_endpoint(move |operation| {
        let n = if operation == repeating { 100 } else { 1 };
        let mut page = match operation {
            "ListHITs" => json!({
                "NumResults": n,
                "HITs": (0..n).map(|i| json!({
                    "HITId": format!("3LOOPHIT{i:022}"),
                    "Title": "looping",
                })).collect::<Vec<_>>(),
            }),
            "ListAssignmentsForHIT" => json!({
                "NumResults": n,
                "Assignments": (0..n).map(|i| json!({
                    "AssignmentId": format!("3LOOPASSIGNMENT{i:015}"),
                    "HITId": "3LOOPHIT0000000000000000000000",
                    "WorkerId": "ALOOPWORKER",
                    "AssignmentStatus": "Submitted",
                })).collect::<Vec<_>>(),
            }),
            _ => json!({}),
        };
        if operation == repeating {
            count.fetch_add(1, Ordering::SeqCst);
            page["NextToken"] = json!("THE-SAME-TOKEN");
        }
        (StatusCode::OK, page)
    })
    .await;
    (url, served)
}

/// The loader's failures against `url`, once it has finished (or after a minute, as a failure).
async fn load_failures(url: &str) -> Vec<LoadError> {
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let request = LoadRequest::review(HitSelection::All);
    tokio::spawn(load(common::client(url).await, request, events_tx));
    let mut failures = Vec::new();
    let finished = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(event) = events.recv().await {
            match event {
                LoadEvent::Failed(failure) => failures.push(failure),
                LoadEvent::Finished => return true,
                _ => {}
            }
        }
        false
    })
    .await;
    assert_eq!(finished, Ok(true), "the loader never finished");
    failures
}

#[tokio::test(flavor = "multi_thread")]
async fn the_loader_stops_on_a_repeated_next_token_and_names_the_operation() {
    for operation in ["ListHITs", "ListAssignmentsForHIT"] {
        let (url, served) = repeating_endpoint(operation).await;
        let failures = load_failures(&url).await;
        assert_eq!(failures.len(), 1, "{operation}: {failures:?}");
        assert_eq!(failures[0].kind, ErrorKind::Protocol, "{operation}");
        let text = failures[0].for_command();
        assert!(
            text.contains(operation) && text.contains("NextToken"),
            "{operation}: {text}"
        );
        assert_eq!(
            served.load(Ordering::SeqCst),
            2,
            "{operation}: the second page repeats the first one's token"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn export_stops_on_a_repeated_next_token_and_writes_nothing() {
    for operation in ["ListHITs", "ListAssignmentsForHIT"] {
        let (url, _) = repeating_endpoint(operation).await;
        let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_mturk-review"))
            .args(["export", "--endpoint-url", &url])
            .envs(DUMMY_AWS_ENV)
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .expect("export never finished")
            .expect("run mturk-review export");
        assert!(!out.status.success(), "{operation}");
        assert!(out.stdout.is_empty(), "{operation}: nothing is written");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("nothing was written") && err.contains(operation),
            "{operation}: {err}"
        );
    }
}

/// Sequences a terminal acts on: a window title, a clipboard write, a colour, a C1 CSI (one
/// character), a right-to-left override.
const LIVE: [&str; 5] = [
    "\x1b]0;pwned-title\x07",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "\x1b[31m",
    "\u{9b}6n",
    "\u{202e}",
];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// UTF-8 encodes U+0080..U+009F as C2 80..C2 9F.
fn has_c1(bytes: &[u8]) -> bool {
    bytes
        .windows(2)
        .any(|w| w[0] == 0xC2 && (0x80..=0x9F).contains(&w[1]))
}

/// A HIT titled with every LIVE sequence and one assignment whose `comment` is all of them,
/// followed by an `end` answer that is the last thing export writes.
async fn live_batch() -> (TestServer, String) {
    let t = TestServer::start().await;
    let live = LIVE.concat();
    let hit = t
        .create_hit()
        .title(format!("Title {live}"))
        .send()
        .await
        .expect("CreateHIT")
        .hit()
        .and_then(|h| h.hit_id())
        .expect("HITId")
        .to_string();
    let answer = answer(&[("comment", &live), ("end", "THE-END")]);
    t.submit_ok(&hit, "ALIVEWORKER", json!({ "Answer": answer }))
        .await;
    (t, live)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_export_passes_worker_text_through_the_sanitiser() {
    let (t, _) = live_batch().await;
    let url = t.url.clone();
    tokio::task::spawn_blocking(move || {
        for (format, shown) in [("csv", "␛]52;c;"), ("jsonl", "\\u001b]52;c;")] {
            let mut export =
                Console::start(&["export", "--endpoint-url", &url, "--format", format]);
            export.wait_for("THE-END");
            assert!(export.child.wait().expect("wait").success(), "{format}");
            assert!(
                export.contents().contains(shown),
                "{format}: {}",
                export.contents()
            );
            let bytes = export.bytes();
            for live in LIVE {
                assert!(
                    !contains(&bytes, live.as_bytes()),
                    "{format}: {live:?} reached the terminal"
                );
            }
            assert!(
                !has_c1(&bytes),
                "{format}: a C1 control reached the terminal"
            );
            // The only escape sequence written is the progress bar's erase-line, on stderr.
            let escapes = bytes.iter().filter(|&&b| b == 0x1b).count();
            let erases = bytes.windows(3).filter(|w| w == b"\x1b[K").count();
            assert_eq!(
                escapes,
                erases,
                "{format}: {:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
    })
    .await
    .expect("the pty checks");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn through_a_pipe_export_keeps_worker_text_exactly() {
    let (t, live) = live_batch().await;
    let csv = stdout_ok(&export(&t.url, &[]).await);
    let (_, rows) = read_csv(&csv);
    let row = rows.values().next().expect("one row");
    assert_eq!(row["Answer.comment"], live);
    assert_eq!(row["HITTitle"], format!("Title {live}"));

    let jsonl = export(&t.url, &["--format", "jsonl"]).await;
    assert!(
        !has_c1(&jsonl.stdout),
        "C1 controls are escaped in JSON too"
    );
    let line: Value = serde_json::from_str(&stdout_ok(&jsonl)).expect("one JSON line");
    assert_eq!(line["Answer"]["comment"], live.as_str(), "the same data");
    assert_eq!(line["HITTitle"], format!("Title {live}"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_message_that_would_drive_the_terminal_is_shown_defused() {
    let url = fake_endpoint(|_| {
        let refusal = json!({
            "__type": "RequestError",
            "Message": "No \x1b]0;pwned\x07 \u{9b}6n",
            "TurkErrorCode": "AWS.MechanicalTurk.InvalidParameterValue",
        });
        (StatusCode::BAD_REQUEST, refusal)
    })
    .await;
    let out = export(&url, &[]).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.stderr.contains(&0x1b) && !has_c1(&out.stderr),
        "{err:?}"
    );
    assert!(err.contains("No ␛]0;pwned␇ <U+009B>6n"), "{err}");
}
