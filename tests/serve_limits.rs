//! `mturk-review serve` as a process, at its edge: slow clients holding more connections than
//! the cap, in a process with few file descriptors, do not keep a normal client from being
//! served; and the Host flags do what they say.
#![cfg(unix)]
#![allow(clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `mturk-review serve ARGS` with at most `files` open file descriptors; killed when dropped.
struct Limited {
    child: Child,
    addr: SocketAddr,
}

impl Limited {
    fn spawn(files: u32, args: &[&str]) -> Limited {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"ulimit -n "$0" && exec "$@""#)
            .arg(files.to_string())
            .arg(env!("CARGO_BIN_EXE_mturk-review"))
            .arg("serve")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mturk-review serve");
        let mut line = String::new();
        let _ = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
        let addr = line
            .trim_end()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("first stdout line {line:?}"));
        Limited { child, addr }
    }
}

impl Drop for Limited {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn slow_clients_over_the_cap_do_not_starve_a_normal_client() {
    // 32 descriptors: without a cap, the 40 slow connections below would take every one left.
    let server = Limited::spawn(
        32,
        &[
            "--listen",
            "127.0.0.1:0",
            "--db",
            ":memory:",
            "--max-connections",
            "12",
            "--header-timeout",
            "0.1",
            "--idle-timeout",
            "0.1",
        ],
    );
    let mut silent = Vec::new();
    let mut trickling = Vec::new();
    for i in 0..40 {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        if i % 2 == 0 {
            silent.push(stream);
        } else {
            // Trickles a head, a byte every 20 ms, for as long as the server listens.
            trickling.push(tokio::spawn(async move {
                let _ = stream.write_all(b"POST / HTTP/1.1\r\n").await;
                while stream.write_all(b"X").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
        }
    }

    let client = common::client(&format!("http://{}", server.addr)).await;
    let served =
        tokio::time::timeout(Duration::from_secs(1), client.get_account_balance().send()).await;
    assert!(
        served.as_ref().is_ok_and(|answer| answer.is_ok()),
        "a normal client is served within a second: {served:?}"
    );
    for task in trickling {
        task.abort();
    }
}

/// The status of GetAccountBalance addressed to `host`.
async fn status_addressed_to(addr: SocketAddr, host: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: {}.GetAccountBalance\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
        common::MTURK
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer)).await;
    answer.lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn allow_host_and_allow_remote_widen_the_names_answered() {
    let names = Limited::spawn(
        256,
        &[
            "--listen",
            "127.0.0.1:0",
            "--db",
            ":memory:",
            "--allow-host",
            "review.internal",
            "--allow-host",
            "proxy.internal",
        ],
    );
    for (host, status) in [
        ("review.internal", "HTTP/1.1 200 OK"),
        ("proxy.internal:8443", "HTTP/1.1 200 OK"),
        ("attacker.example", "HTTP/1.1 403 Forbidden"),
    ] {
        assert_eq!(
            status_addressed_to(names.addr, host).await,
            status,
            "{host}"
        );
    }

    // --allow-remote needs a database with access keys; any name is then answered, and the
    // unsigned request is refused by its (missing) signature, not by its Host (403).
    let db = common::TempDb::new("allow-remote");
    common::add_account(&db.0, "lab", 0);
    let remote = Limited::spawn(
        256,
        &[
            "--listen",
            "127.0.0.1:0",
            "--db",
            db.0.to_str().expect("utf-8 path"),
            "--allow-remote",
        ],
    );
    assert_eq!(
        status_addressed_to(remote.addr, "attacker.example").await,
        "HTTP/1.1 400 Bad Request"
    );
}
