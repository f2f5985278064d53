//! The server's HTTP edge, over raw TCP: slow and silent connections are closed at their
//! timeouts, the connection cap holds, and stopping has a deadline.
#![allow(clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Raw, TestServer, config};
use mturk_review::server::{EdgeConfig, ServerConfig};
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
