//! End to end: the real binary in a pseudo-terminal, reviewing against `mturk-review serve
//! --demo` on a free port, driven by keys like a reviewer; the outcome is then checked on the
//! server through aws-sdk-mturk.

// Test helpers: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use aws_sdk_mturk::Client;
use aws_sdk_mturk::types::{Assignment, AssignmentStatus};

use common::ServeProcess;
use common::pty::Console;

/// Each kind of assignment the test needs, from the demo data as the server lists it.
struct Picks {
    submitted: Vec<Assignment>,
    recent_rejected: Assignment,
    old_rejected: Assignment,
}

async fn pick(client: &Client) -> Picks {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let all = common::all_assignments(client).await;
    let submitted: Vec<Assignment> = all
        .iter()
        .filter(|a| a.assignment_status() == Some(&AssignmentStatus::Submitted))
        .take(2)
        .cloned()
        .collect();
    let rejected = |recent: bool| {
        all.iter()
            .find(|a| {
                let submitted = a.submit_time().map(|t| t.secs()).unwrap_or_default();
                a.assignment_status() == Some(&AssignmentStatus::Rejected)
                    && (now - submitted < 25 * 86_400) == recent
                    && (now - submitted > 35 * 86_400) != recent
            })
            .cloned()
            .unwrap()
    };
    Picks {
        submitted,
        recent_rejected: rejected(true),
        old_rejected: rejected(false),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reviewer_approves_overrides_and_rejects_from_the_keyboard() {
    let server = ServeProcess::spawn(&["--listen", "127.0.0.1:0", "--db", ":memory:", "--demo"]);
    let client = mturk_review::mturk::client::local_client(&server.url).await;
    let picks = pick(&client).await;
    let approve = picks.submitted[0].assignment_id().unwrap().to_string();
    let reject = picks.submitted[1].assignment_id().unwrap().to_string();
    let recent = picks.recent_rejected.assignment_id().unwrap().to_string();
    let old = picks.old_rejected.assignment_id().unwrap().to_string();
    let old_feedback = picks.old_rejected.requester_feedback().unwrap().to_string();

    let url = server.url.clone();
    let (approve_id, reject_id, recent_id, old_id) =
        (approve.clone(), reject.clone(), recent.clone(), old.clone());
    let console = tokio::task::spawn_blocking(move || {
        let mut c = Console::start(&["--endpoint-url", &url]);
        c.wait_for("✓ all loaded");
        c.wait_for("LOCAL");

        // Approve with feedback.
        c.select(&approve_id);
        c.write_feedback("Clear and complete, thank you!");
        c.keys("a");
        c.wait_for(": approved");
        c.keys("/");
        c.esc();

        // Override a recent rejection.
        c.select(&recent_id);
        c.keys("o");
        c.wait_for("[x] override");
        c.keys("a");
        c.wait_for(": approved");
        c.keys("/");
        c.esc();

        // An old rejection cannot be overridden: the console says why and sends nothing.
        c.select(&old_id);
        c.keys("o");
        c.wait_for("cannot override: override window closed");
        c.keys("a");
        c.wait_for("cannot be overridden");
        c.keys("/");
        c.esc();

        // Reject with feedback, after the y/n question.
        c.select(&reject_id);
        c.write_feedback("The answer does not match the photo.");
        c.keys("r");
        c.wait_for("Reject?");
        c.keys("y");
        c.wait_for(": rejected");
        c.wait_for("3 decided this session");

        // Squeezed to nothing and back, it keeps working.
        for (rows, cols) in [(1, 1), (2, 3), (5, 30), (12, 50), (1, 140), (40, 1)] {
            c.resize(rows, cols);
        }
        c.resize(40, 140);
        c.keys("?");
        c.wait_for("Keys");
        c.keys("x");

        c.keys("q");
        let status = c.child.wait().unwrap();
        assert!(status.success(), "the console exited with {status:?}");
    });
    console.await.unwrap();

    let get = |id: String| {
        let client = client.clone();
        async move {
            client
                .get_assignment()
                .assignment_id(id)
                .send()
                .await
                .unwrap()
                .assignment
                .unwrap()
        }
    };
    let approved = get(approve).await;
    assert_eq!(
        approved.assignment_status(),
        Some(&AssignmentStatus::Approved)
    );
    assert_eq!(
        approved.requester_feedback(),
        Some("Clear and complete, thank you!")
    );
    let overridden = get(recent).await;
    assert_eq!(
        overridden.assignment_status(),
        Some(&AssignmentStatus::Approved)
    );
    let unchanged = get(old).await;
    assert_eq!(
        unchanged.assignment_status(),
        Some(&AssignmentStatus::Rejected)
    );
    assert_eq!(unchanged.requester_feedback(), Some(old_feedback.as_str()));
    let rejected = get(reject).await;
    assert_eq!(
        rejected.assignment_status(),
        Some(&AssignmentStatus::Rejected)
    );
    assert_eq!(
        rejected.requester_feedback(),
        Some("The answer does not match the photo.")
    );
}
