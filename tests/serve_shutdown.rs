//! `mturk-review serve` as a process: SIGTERM stops it cleanly (exit 0) with everything on
//! disk, including the answer to a request that was in flight when the signal came, and without
//! waiting past the shutdown deadline for a client that stalled mid-request.
#![cfg(unix)]

mod common;

use std::time::{Duration, Instant};

use aws_sdk_mturk::types::AssignmentStatus;
use common::{START_BALANCE, ServeProcess, TempDb, TestServer, config};
use mturk_review::server::ServerConfig;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test]
async fn sigterm_exits_0_and_keeps_everything() {
    let db = TempDb::new("sigterm");
    let on_file = || ServerConfig {
        db: db.0.clone(),
        ..config()
    };
    let t = TestServer::start_with(on_file()).await;
    let hit = t.hit("1.00", 2).await;
    let first = t.submit(&hit, "AWORKER1").await;
    let second = t.submit(&hit, "AWORKER2").await;
    t.approve(&first).await;
    t.stop().await;

    // The binary holds each answer 500 ms, so the approval below is in flight at SIGTERM.
    let path = db.0.to_string_lossy().to_string();
    let mut server = ServeProcess::spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        &path,
        "--latency-ms",
        "500",
    ]);
    assert!(
        server.addr.ip().is_loopback() && server.addr.port() != 0,
        "{}",
        server.url
    );
    let client = common::client(&server.url).await;
    let in_flight = tokio::spawn(async move {
        client
            .approve_assignment()
            .assignment_id(second)
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "{status}");
    let approved = in_flight.await.expect("task");
    assert!(
        approved.is_ok(),
        "the request in flight was answered: {approved:?}"
    );
    assert!(server.stderr_text().contains("shutting down"));

    let t = TestServer::start_with(on_file()).await;
    let assignments = t
        .client
        .list_assignments_for_hit()
        .hit_id(&hit)
        .send()
        .await
        .expect("ListAssignmentsForHIT");
    let statuses: Vec<_> = assignments
        .assignments()
        .iter()
        .map(|a| a.assignment_status())
        .collect();
    assert_eq!(
        statuses,
        [
            Some(&AssignmentStatus::Approved),
            Some(&AssignmentStatus::Approved)
        ]
    );
    assert_eq!(t.balance().await, START_BALANCE - 2 * 120);
    assert_eq!(t.get_hit(&hit).await.max_assignments(), Some(2));
}

#[tokio::test]
async fn sigterm_drops_a_slow_client_at_the_shutdown_deadline_and_keeps_what_was_answered() {
    let db = TempDb::new("deadline");
    let on_file = || ServerConfig {
        db: db.0.clone(),
        ..config()
    };
    let t = TestServer::start_with(on_file()).await;
    let hit = t.hit("1.00", 1).await;
    let assignment = t.submit(&hit, "AWORKER1").await;
    t.stop().await;

    let path = db.0.to_string_lossy().to_string();
    let mut server = ServeProcess::spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        &path,
        "--shutdown-timeout",
        "1",
    ]);
    let client = common::client(&server.url).await;
    client
        .approve_assignment()
        .assignment_id(&assignment)
        .send()
        .await
        .expect("ApproveAssignment is answered");

    // A client that sent the head of a request and a byte of its 100-byte body, then stalled.
    let mut slow = TcpStream::connect(server.addr).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: {}.GetAccountBalance\r\nContent-Length: 100\r\n\r\n{{",
        server.addr,
        common::MTURK
    );
    slow.write_all(head.as_bytes()).await.expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let status = server.terminate();
    let took = started.elapsed();
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(
        took >= Duration::from_secs(1),
        "the slow client had its deadline: {took:?}"
    );
    assert!(
        took < Duration::from_secs(4),
        "stopped at the 1 s deadline, not waiting for the slow client: {took:?}"
    );
    let stderr = server.stderr_text();
    assert!(stderr.contains("shutdown deadline"), "{stderr}");

    let t = TestServer::start_with(on_file()).await;
    assert_eq!(
        t.assignment(&assignment).await.assignment_status(),
        Some(&AssignmentStatus::Approved)
    );
    assert_eq!(t.balance().await, START_BALANCE - 120);
}
