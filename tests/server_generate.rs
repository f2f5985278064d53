//! `serve --generate`: a generated batch as any MTurk client sees it, through aws-sdk-mturk:
//! counts, statuses, times, answers that parse, pagination across it; and the refusal to
//! generate into a database that holds data.
// As in #[test] functions (clippy.toml): a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::process::Command;

use aws_sdk_mturk::types::{AssignmentStatus, HitStatus};
use common::{TempDb, TestServer, config, now_secs};
use mturk_review::answer::parse;
use mturk_review::server::ServerConfig;
use mturk_review::server::generate::GenerateSpec;

const DAY: i64 = 24 * 3600;

fn generating(hits: usize, per_hit: usize) -> ServerConfig {
    ServerConfig {
        generate: Some(GenerateSpec {
            hits,
            per_hit,
            seed: 5,
        }),
        ..config()
    }
}

#[tokio::test]
async fn a_generated_batch_reads_like_api_made_data() {
    let t = TestServer::start_with(generating(20, 5)).await;
    let generated = t.server.generated.expect("generated");
    assert_eq!((generated.hits, generated.assignments), (20, 100));

    // Small pages, so both lists really paginate.
    let mut hits = Vec::new();
    let mut pages = t.client.list_hits().into_paginator().page_size(7).send();
    while let Some(page) = pages.next().await {
        hits.extend(page.expect("ListHITs").hits().to_vec());
    }
    assert_eq!(hits.len(), 20);

    let now = now_secs();
    let (mut submitted, mut rejected, mut answer_bytes) = (0, 0, 0);
    for hit in &hits {
        assert_eq!(hit.max_assignments(), Some(5));
        assert_eq!(
            hit.hit_status(),
            Some(&HitStatus::Reviewable),
            "every slot is taken"
        );
        assert_eq!(hit.number_of_assignments_available(), Some(0));
        let hit_id = hit.hit_id().expect("HITId");
        let mut workers = HashSet::new();
        let mut pages = t
            .client
            .list_assignments_for_hit()
            .hit_id(hit_id)
            .into_paginator()
            .page_size(2)
            .send();
        while let Some(page) = pages.next().await {
            for a in page.expect("ListAssignmentsForHIT").assignments() {
                assert!(workers.insert(a.worker_id().expect("WorkerId").to_string()));
                let submit = a.submit_time().expect("SubmitTime").secs();
                let accept = a.accept_time().expect("AcceptTime").secs();
                assert!(accept <= submit && submit < now, "{a:?}");
                assert!(now - submit < 30 * DAY, "recent enough to override: {a:?}");
                match a.assignment_status().expect("status") {
                    AssignmentStatus::Submitted => {
                        submitted += 1;
                        let auto = a.auto_approval_time().expect("AutoApprovalTime").secs();
                        assert!(auto > now, "not yet auto-approved: {a:?}");
                    }
                    AssignmentStatus::Rejected => {
                        rejected += 1;
                        assert!(a.requester_feedback().is_some_and(|f| !f.is_empty()));
                        let at = a.rejection_time().expect("RejectionTime").secs();
                        assert!(submit <= at && at <= now, "{a:?}");
                    }
                    other => panic!("unexpected status {other:?}"),
                }
                let answer = a.answer().expect("Answer");
                answer_bytes += answer.len() as u64;
                let parsed = parse(answer);
                assert_eq!(parsed.problem, None, "{answer}");
                assert!(!parsed.fields.is_empty());
            }
        }
        assert_eq!(workers.len(), 5, "one assignment per worker, every slot");
    }
    assert_eq!(submitted + rejected, 100);
    assert_eq!(rejected, generated.rejected);
    assert!(
        (1..40).contains(&rejected),
        "about 10% rejected: {rejected}"
    );
    assert_eq!(answer_bytes, generated.answer_bytes);
    // Submissions move no money.
    assert_eq!(t.balance().await, common::START_BALANCE);
    t.stop().await;
}

#[tokio::test]
async fn generated_work_can_be_approved_like_any_other() {
    let t = TestServer::start_with(generating(2, 3)).await;
    let all = common::all_assignments(&t.client).await;
    let submitted = all
        .iter()
        .find(|a| a.assignment_status() == Some(&AssignmentStatus::Submitted))
        .expect("a submitted assignment");
    let id = submitted.assignment_id().expect("id");
    t.approve(id).await;
    assert_eq!(
        t.assignment(id).await.assignment_status(),
        Some(&AssignmentStatus::Approved)
    );
    assert!(t.balance().await < common::START_BALANCE, "paid");
    t.stop().await;
}

#[tokio::test]
async fn serve_refuses_to_generate_into_a_database_with_data() {
    let db = TempDb::new("generate");
    let demo = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        demo: true,
        ..config()
    })
    .await;
    demo.stop().await;
    let out = Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--generate",
            "3:2",
            "--db",
        ])
        .arg(&db.0)
        .output()
        .expect("run mturk-review");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "it must not start listening");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--generate fills only an empty one"), "{err}");
}
