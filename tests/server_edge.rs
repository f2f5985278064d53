//! The server's HTTP edge, over raw TCP: slow and silent connections are closed at their
//! timeouts and the connection cap holds; stopping has a deadline; requests hyper cannot parse
//! get JSON errors; a truncated body, pipelining with a half-close and a Transfer-Encoding are
//! handled as they should be; and a loopback server answers only loopback names.
#![allow(clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{MTURK, Raw, TestServer, config};
use mturk_review::server::{EdgeConfig, HostCheck, ServerConfig};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BALANCE: &str = "MTurkRequesterServiceV20170117.GetAccountBalance";

async fn start(edge: EdgeConfig) -> TestServer {
    TestServer::start_with(ServerConfig { edge, ..config() }).await
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A request's head: POST / to `target`, addressed to `host`, announcing `length` bytes.
fn head(host: &str, target: &str, length: usize) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {target}\r\nContent-Length: {length}\r\n\r\n"
    )
}

/// GetAccountBalance, whole, addressed to the server's own address.
fn balance_request(addr: SocketAddr) -> String {
    head(&addr.to_string(), BALANCE, 2) + "{}"
}

/// Everything the server sends until it closes the connection; None if it has not closed it
/// within `limit`.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| bytes)
}

/// Sends `bytes` on a new connection (ignoring write errors, so that an early answer can still
/// be heard), optionally shuts the writing side, and reads until the server closes.
async fn exchange(addr: SocketAddr, bytes: &[u8], half_close: bool) -> Vec<Raw> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.split();
    let write = async {
        let _ = writer.write_all(bytes).await;
        if half_close {
            let _ = writer.shutdown().await;
        }
    };
    let read = async {
        let mut answer = Vec::new();
        let _ = reader.read_to_end(&mut answer).await;
        answer
    };
    let ((), answer) =
        tokio::time::timeout(Duration::from_secs(20), async { tokio::join!(write, read) })
            .await
            .expect("the server answers and closes in time");
    responses(&answer)
}

/// The HTTP answers in `bytes`, one after the other.
fn responses(mut bytes: &[u8]) -> Vec<Raw> {
    let mut all = Vec::new();
    while !bytes.is_empty() {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        let Ok(httparse::Status::Complete(head)) = response.parse(bytes) else {
            panic!("not an HTTP answer: {:?}", String::from_utf8_lossy(bytes));
        };
        let headers: Vec<(String, String)> = response
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_string(),
                    String::from_utf8_lossy(h.value).to_string(),
                )
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .expect("every answer has a Content-Length");
        let body = &bytes[head..head + length];
        all.push(Raw {
            status: response.code.expect("a status"),
            headers,
            body: String::from_utf8_lossy(body).to_string(),
        });
        bytes = &bytes[head + length..];
    }
    all
}

/// The one answer to a request sent whole on a fresh connection.
async fn answer(addr: SocketAddr, request: &[u8]) -> Raw {
    let mut answers = exchange(addr, request, false).await;
    assert_eq!(answers.len(), 1, "{answers:?}");
    answers.remove(0)
}

/// A JSON RequestError of this status whose Message names `what`.
fn assert_json_error(raw: &Raw, status: u16, what: &str) {
    assert_eq!(
        raw.header("content-type"),
        Some("application/x-amz-json-1.1"),
        "{raw:?}"
    );
    assert!(raw.header("x-amzn-RequestId").is_some(), "{raw:?}");
    let err = raw.error();
    assert_eq!(
        (err.status, err.error_type.as_str()),
        (status, "RequestError")
    );
    assert!(err.message.contains(what), "{what:?} not named: {err:?}");
}

async fn still_serving(t: &TestServer) {
    let answer = t.client.get_account_balance().send().await;
    assert!(
        answer.is_ok(),
        "GetAccountBalance no longer answers: {answer:?}"
    );
}

// ---- timeouts and the connection cap ----------------------------------------------------------

#[tokio::test]
async fn a_client_that_trickles_its_head_is_cut_off_at_the_header_timeout() {
    let t = start(EdgeConfig {
        header_timeout: ms(300),
        ..EdgeConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(t.addr()).await.expect("connect");
    let (mut reader, mut writer) = stream.split();
    let request = balance_request(t.addr());
    let trickle = async {
        for byte in request.as_bytes() {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(ms(50)).await;
        }
    };
    let started = Instant::now();
    let closed = async {
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest).await;
        rest
    };
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        tokio::select! {
            rest = closed => Some(rest),
            () = trickle => None,
        }
    })
    .await
    .expect("the connection is closed within 5 s");
    let rest = closed.expect("closed before the whole head had trickled in");
    assert!(rest.is_empty(), "no answer: {rest:?}");
    assert!(started.elapsed() >= ms(300), "{:?}", started.elapsed());
    still_serving(&t).await;
}

#[tokio::test]
async fn a_silent_connection_is_closed_at_the_idle_timeout() {
    let t = start(EdgeConfig {
        idle_timeout: ms(300),
        ..EdgeConfig::default()
    })
    .await;
    // One that never sends anything.
    let mut silent = TcpStream::connect(t.addr()).await.expect("connect");
    let closed = until_closed(&mut silent, Duration::from_secs(5)).await;
    assert_eq!(closed.as_deref(), Some(&b""[..]), "closed, without a word");

    // One that asks once, keeps the connection, and says nothing more.
    let mut kept = TcpStream::connect(t.addr()).await.expect("connect");
    kept.write_all(balance_request(t.addr()).as_bytes())
        .await
        .expect("write");
    let answered = until_closed(&mut kept, Duration::from_secs(5))
        .await
        .expect("closed within 5 s");
    let answers = responses(&answered);
    assert_eq!(answers.len(), 1, "answered, then closed: {answers:?}");
    assert_eq!(answers[0].status, 200, "{answers:?}");
    still_serving(&t).await;
}

#[tokio::test]
async fn a_kept_alive_connection_outlives_the_header_timeout() {
    let t = start(EdgeConfig {
        header_timeout: ms(200),
        idle_timeout: Duration::from_secs(10),
        ..EdgeConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(t.addr()).await.expect("connect");
    for _ in 0..2 {
        stream
            .write_all(balance_request(t.addr()).as_bytes())
            .await
            .expect("the connection is still open");
        let mut chunk = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("answered in time")
            .expect("read");
        let answers = responses(&chunk[..n]);
        assert_eq!(answers[0].status, 200, "{answers:?}");
        // Quiet between requests for three header timeouts: idle, not slow.
        tokio::time::sleep(ms(600)).await;
    }
}

#[tokio::test]
async fn a_body_that_stalls_gets_a_json_408_at_the_body_timeout() {
    let t = start(EdgeConfig {
        body_timeout: ms(300),
        ..EdgeConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(t.addr()).await.expect("connect");
    let request = head(&t.addr().to_string(), BALANCE, 100) + "{\"Padding\"";
    stream.write_all(request.as_bytes()).await.expect("write");
    let answer = until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("answered and closed within 5 s");
    let answers = responses(&answer);
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_json_error(&answers[0], 408, "did not arrive within 0.3 s");
    still_serving(&t).await;
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let t = start(EdgeConfig {
        max_connections: 2,
        ..EdgeConfig::default()
    })
    .await;
    let first = TcpStream::connect(t.addr()).await.expect("connect");
    let _second = TcpStream::connect(t.addr()).await.expect("connect");
    tokio::time::sleep(ms(200)).await;
    let mut third = TcpStream::connect(t.addr()).await.expect("connect");
    third
        .write_all(balance_request(t.addr()).as_bytes())
        .await
        .expect("write");
    let mut chunk = vec![0u8; 4096];
    let early = tokio::time::timeout(ms(500), third.read(&mut chunk)).await;
    assert!(early.is_err(), "the third connection waits: {early:?}");
    drop(first);
    let n = tokio::time::timeout(Duration::from_secs(5), third.read(&mut chunk))
        .await
        .expect("served once a slot is free")
        .expect("read");
    assert_eq!(responses(&chunk[..n])[0].status, 200);
}

#[tokio::test]
async fn stopping_drops_a_connection_stuck_mid_request_at_the_shutdown_timeout() {
    let t = start(EdgeConfig {
        shutdown_timeout: ms(300),
        ..EdgeConfig::default()
    })
    .await;
    still_serving(&t).await;
    let mut stuck = TcpStream::connect(t.addr()).await.expect("connect");
    let request = head(&t.addr().to_string(), BALANCE, 100) + "{";
    stuck.write_all(request.as_bytes()).await.expect("write");
    tokio::time::sleep(ms(100)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), t.stop())
        .await
        .expect("stopped within 5 s");
    assert!(started.elapsed() >= ms(300), "{:?}", started.elapsed());
    let closed = until_closed(&mut stuck, Duration::from_secs(1)).await;
    assert!(closed.is_some(), "the stuck connection was dropped");
}

// ---- what hyper refuses, framing, pipelining --------------------------------------------------

#[tokio::test]
async fn requests_hyper_cannot_parse_get_json_errors() {
    let t = TestServer::start().await;
    let host = t.addr().to_string();
    let many_headers: String = (0..200).map(|i| format!("X-Header-{i}: v\r\n")).collect();
    let cases: [(&str, Vec<u8>, u16, &str); 5] = [
        (
            "a Content-Length past u64",
            format!("POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: {BALANCE}\r\nContent-Length: 99999999999999999999999\r\n\r\n{{}}").into_bytes(),
            400,
            "Content-Length",
        ),
        (
            "a garbage request line",
            b"\x16\x03\x01 GARBAGE\r\n\r\n".to_vec(),
            400,
            "not valid HTTP/1.1",
        ),
        (
            "200 headers",
            format!("POST / HTTP/1.1\r\nHost: {host}\r\n{many_headers}Content-Length: 2\r\n\r\n{{}}").into_bytes(),
            431,
            "at most 100 headers",
        ),
        (
            "a 1 MB header",
            format!("POST / HTTP/1.1\r\nHost: {host}\r\nX-Big: {}\r\nContent-Length: 2\r\n\r\n{{}}", "a".repeat(1 << 20)).into_bytes(),
            431,
            "64 KiB",
        ),
        (
            "control bytes in X-Amz-Target",
            format!("POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: {MTURK}\u{1}\u{2}.GetAccountBalance\r\nContent-Length: 2\r\n\r\n{{}}").into_bytes(),
            400,
            "control character",
        ),
    ];
    for (what, request, status, named) in cases {
        let raw = answer(t.addr(), &request).await;
        assert_eq!(raw.status, status, "{what}: {raw:?}");
        assert_json_error(&raw, status, named);
    }
    still_serving(&t).await;
}

#[tokio::test]
async fn a_truncated_body_is_told_as_such() {
    let t = TestServer::start().await;
    let request = head(&t.addr().to_string(), BALANCE, 1_000_000) + "0123456789";
    let answers = exchange(t.addr(), request.as_bytes(), true).await;
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_json_error(
        &answers[0],
        400,
        "ended after 10 of the 1000000 bytes its Content-Length announced",
    );
}

#[tokio::test]
async fn three_pipelined_requests_then_a_half_close_get_three_answers() {
    let t = TestServer::start().await;
    let request = balance_request(t.addr()).repeat(3);
    let answers = exchange(t.addr(), request.as_bytes(), true).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [200, 200, 200], "{answers:?}");
    for answer in &answers {
        assert!(answer.json()["AvailableBalance"].is_string(), "{answer:?}");
    }
}

#[tokio::test]
async fn a_body_framed_by_transfer_encoding_is_refused_with_or_without_content_length() {
    let t = TestServer::start().await;
    let hit = t.hit("1.00", 1).await;
    let before = common::counters(&t.get_hit(&hit).await);
    let body =
        json!({ "HITId": hit, "WorkerId": "AWORKER1", "Answer": common::ANSWER }).to_string();
    let chunked = format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len());
    for content_length in [Some(body.len()), None] {
        let mut request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: MTurkLocal.SubmitAssignment\r\nTransfer-Encoding: chunked\r\n",
            t.addr()
        );
        if let Some(length) = content_length {
            request += &format!("Content-Length: {length}\r\n");
        }
        request += &format!("Connection: close\r\n\r\n{chunked}");
        let raw = answer(t.addr(), request.as_bytes()).await;
        assert_json_error(&raw, 400, "Content-Length only");
    }
    let after = common::counters(&t.get_hit(&hit).await);
    assert_eq!(before, after, "nothing was submitted");
}

// ---- Host ------------------------------------------------------------------------------------

/// GetAccountBalance addressed to `host` (no Host header at all when None).
async fn addressed_to(addr: SocketAddr, host: Option<&str>) -> Raw {
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    let request = format!(
        "POST / HTTP/1.1\r\n{host}X-Amz-Target: {BALANCE}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    answer(addr, request.as_bytes()).await
}

#[tokio::test]
async fn a_loopback_server_answers_loopback_names_and_refuses_others_naming_the_flag() {
    let t = TestServer::start().await;
    let port = t.addr().port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.2".to_string(),
    ] {
        let raw = addressed_to(t.addr(), Some(&host)).await;
        assert_eq!(raw.status, 200, "{host}: {raw:?}");
    }
    let raw = addressed_to(t.addr(), None).await;
    assert_eq!(raw.status, 200, "no Host is not a browser: {raw:?}");

    let raw = addressed_to(t.addr(), Some(&format!("attacker.example:{port}"))).await;
    assert_json_error(&raw, 403, "start it with --allow-host attacker.example");
    assert!(raw.error().message.contains("DNS rebinding"), "{raw:?}");
}

#[tokio::test]
async fn names_allowed_by_flag_and_any_name_with_allow_remote_are_answered() {
    let t = start(EdgeConfig {
        hosts: HostCheck::Loopback {
            also: vec!["review.internal".to_string()],
        },
        ..EdgeConfig::default()
    })
    .await;
    let raw = addressed_to(t.addr(), Some("review.internal:8780")).await;
    assert_eq!(raw.status, 200, "{raw:?}");
    let raw = addressed_to(t.addr(), Some("attacker.example")).await;
    assert_eq!(raw.status, 403, "{raw:?}");

    let any = start(EdgeConfig {
        hosts: HostCheck::Any,
        ..EdgeConfig::default()
    })
    .await;
    let raw = addressed_to(any.addr(), Some("attacker.example")).await;
    assert_eq!(raw.status, 200, "{raw:?}");
}
