//! `mturk-review serve` as a process: the first stdout line names the real port, and SIGTERM
//! stops it cleanly (exit 0) with every answered request on disk, including one in flight.
#![cfg(unix)]

mod common;

use aws_sdk_mturk::types::AssignmentStatus;
use common::{ServeProcess, TempDb, TestServer, config, post};
use mturk_review::server::ServerConfig;
use serde_json::json;

#[tokio::test]
async fn sigterm_exits_0_and_keeps_everything() {
    let db = TempDb::new("sigterm");
    let path = db.0.to_string_lossy().to_string();
    let mut server = ServeProcess::spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        &path,
        "--balance",
        "50.00",
        "--latency-ms",
        "300",
    ]);
    let client = common::client(&server.url).await;
    let hit = client
        .create_hit()
        .title("Survives SIGTERM")
        .description("d")
        .reward("1.00")
        .max_assignments(2)
        .assignment_duration_in_seconds(600)
        .lifetime_in_seconds(3600)
        .question(common::QUESTION)
        .send()
        .await
        .expect("CreateHIT");
    let hit = hit
        .hit()
        .and_then(|h| h.hit_id())
        .expect("HITId")
        .to_string();
    let mut ids = Vec::new();
    for worker in ["AWORKER1", "AWORKER2"] {
        let body = json!({ "HITId": hit, "WorkerId": worker, "Answer": common::ANSWER });
        let raw = post(server.addr, "MTurkLocal.SubmitAssignment", &body).await;
        ids.push(raw.json()["AssignmentId"].as_str().expect("id").to_string());
    }
    client
        .approve_assignment()
        .assignment_id(&ids[0])
        .send()
        .await
        .expect("approve");

    // SIGTERM while an approval is in flight (the server holds each answer 300 ms).
    let in_flight = tokio::spawn({
        let client = client.clone();
        let id = ids[1].clone();
        async move { client.approve_assignment().assignment_id(id).send().await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "{status}");
    let approved = in_flight.await.expect("task");
    assert!(
        approved.is_ok(),
        "the request in flight was answered: {approved:?}"
    );
    assert!(server.stderr_text().contains("shutting down"));

    let t = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    for id in &ids {
        assert_eq!(
            t.assignment(id).await.assignment_status(),
            Some(&AssignmentStatus::Approved)
        );
    }
    assert_eq!(t.balance().await, 5_000 - 2 * 120);
    assert_eq!(t.get_hit(&hit).await.title(), Some("Survives SIGTERM"));
}
