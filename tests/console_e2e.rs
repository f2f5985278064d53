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

/// The available balance in cents.
async fn balance_cents(client: &Client) -> i64 {
    let out = client.get_account_balance().send().await.unwrap();
    mturk_review::money::parse_cents(out.available_balance().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bonus_survives_a_kill_and_is_paid_once_and_a_worker_is_blocked_and_unblocked() {
    // Slow answers, so that the console is killed while the bonus is on its way.
    let server = ServeProcess::spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        ":memory:",
        "--demo",
        "--latency-ms",
        "300",
    ]);
    let client = mturk_review::mturk::client::local_client(&server.url).await;
    let picks = pick(&client).await;
    let assignment = picks.submitted[0].assignment_id().unwrap().to_string();
    let worker = picks.submitted[0].worker_id().unwrap().to_string();
    let start_balance = balance_cents(&client).await;
    let journal = common::TempDb::new("e2e-bonus-journal");
    let journal_path = journal.0.clone();

    let url = server.url.clone();
    let (id, who) = (assignment.clone(), worker.clone());
    let runtime = tokio::runtime::Handle::current();
    let blocks_client = client.clone();
    tokio::task::spawn_blocking(move || {
        let journal_arg = journal_path.display().to_string();
        let args = ["--endpoint-url", url.as_str(), "--journal", &journal_arg];

        // Bonus, and kill the console as soon as the bonus is journaled.
        let mut c = Console::start(&args);
        c.wait_for("✓ all loaded");
        c.select(&id);
        c.ask_bonus("2", "Great attention to detail");
        c.wait_for("Cost with MTurk's 20% fee: $2.40");
        c.keys("y");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while mturk_review::journal::read_bonuses(&journal_path)
            .unwrap()
            .is_empty()
        {
            assert!(std::time::Instant::now() < deadline, "never journaled");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        c.child.kill().unwrap();
        c.child.wait().unwrap();

        // Restarted: the journal is reconciled; a bonus that did not go through is paid
        // with P, under the same entry.
        let mut c = Console::start(&args);
        c.wait_for("✓ all loaded");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let screen = c.contents();
            if screen.contains("bonus(es) of the last session were paid") {
                break;
            }
            if screen.contains("pending: P pays them") {
                c.keys("P");
                c.wait_for("bonus of $2.00 paid");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never reconciled:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        c.select(&id);
        c.wait_for("✓ $2.00");

        // Block, with a reason; then the same key unblocks.
        c.keys("B");
        c.wait_for("Block worker");
        c.keys("\r");
        c.wait_for("a reason is required");
        c.keys("Copied answers from elsewhere");
        c.keys("\r");
        c.wait_for("Block?");
        c.keys("y");
        c.wait_for(&format!("{who}: blocked"));
        let blocked = runtime.block_on(async {
            let out = blocks_client.list_worker_blocks().send().await.unwrap();
            out.worker_blocks()
                .iter()
                .map(|b| {
                    (
                        b.worker_id().unwrap().to_string(),
                        b.reason().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        });
        assert_eq!(
            blocked,
            [(who.clone(), "Copied answers from elsewhere".to_string())]
        );
        c.keys("B");
        c.wait_for("is blocked. Unblock them?");
        c.keys("y");
        c.wait_for(&format!("{who}: unblocked"));

        c.keys("q");
        assert!(c.child.wait().unwrap().success());
    })
    .await
    .unwrap();

    let paid = client
        .list_bonus_payments()
        .assignment_id(&assignment)
        .send()
        .await
        .unwrap();
    let amounts: Vec<(&str, &str)> = paid
        .bonus_payments()
        .iter()
        .map(|b| (b.worker_id().unwrap(), b.bonus_amount().unwrap()))
        .collect();
    assert_eq!(amounts, [(worker.as_str(), "2.00")], "paid once");
    assert_eq!(
        start_balance - balance_cents(&client).await,
        240,
        "$2.00 and the 20% fee, once"
    );
    let blocks = client.list_worker_blocks().send().await.unwrap();
    assert!(blocks.worker_blocks().is_empty(), "unblocked again");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_accounts_the_console_signs_with_the_profile_it_is_given() {
    let db = common::TempDb::new("console-profile");
    let path = db.0.to_str().unwrap().to_string();
    let server = ServeProcess::spawn(&["--listen", "127.0.0.1:0", "--db", &path]);
    // `accounts add` on the file the server is running on; its block pasted into a
    // credentials file.
    let added = std::process::Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .args(["accounts", "add", "lab", "--balance", "100", "--db", &path])
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    let block = String::from_utf8(added.stdout).unwrap();
    let credentials = common::TempDb::new("console-credentials");
    std::fs::write(&credentials.0, &block).unwrap();
    let (id, secret) = common::credentials(&block, "lab");
    let key = common::Key { id, secret };

    let client = common::client_with_key(&server.url, &key).await;
    let hit = client
        .create_hit()
        .title("Reviewed with a profile")
        .description("d")
        .reward("0.50")
        .max_assignments(1)
        .assignment_duration_in_seconds(600)
        .lifetime_in_seconds(3600)
        .question(common::QUESTION)
        .send()
        .await
        .unwrap()
        .hit
        .unwrap()
        .hit_id
        .unwrap();
    let submitted = common::signed_post(
        server.addr,
        &key,
        "MTurkLocal.SubmitAssignment",
        &serde_json::json!({ "HITId": hit, "WorkerId": "AWORKERPROFILE", "Answer": common::ANSWER }),
    )
    .await;
    let assignment = submitted.json()["AssignmentId"]
        .as_str()
        .unwrap()
        .to_string();

    let url = server.url.clone();
    let file = credentials.0.to_str().unwrap().to_string();
    let id = assignment.clone();
    tokio::task::spawn_blocking(move || {
        // The environment's dummy key is not the server's: refused, in the server's words.
        let mut c = Console::start(&["--endpoint-url", &url]);
        c.wait_for("Cannot talk to MTurk: UnrecognizedClientException");
        // Not retried: credentials that were refused will be refused again.
        c.wait_for("Ready.");
        c.keys("x"); // dismisses the error box
        c.keys("q");
        let status = c.child.wait().unwrap();
        assert!(status.success(), "the console exited with {status:?}");

        // --profile wins over the environment, as it does for the AWS CLI.
        let mut c = Console::start_with_env(
            &["--endpoint-url", &url, "--profile", "lab"],
            &[("AWS_SHARED_CREDENTIALS_FILE", &file)],
        );
        c.wait_for("✓ all loaded");
        c.select(&id);
        c.write_feedback("Signed and approved.");
        c.keys("a");
        c.wait_for(": approved");
        c.keys("q");
        let status = c.child.wait().unwrap();
        assert!(status.success(), "the console exited with {status:?}");
    })
    .await
    .unwrap();

    let got = client
        .get_assignment()
        .assignment_id(&assignment)
        .send()
        .await
        .unwrap()
        .assignment
        .unwrap();
    assert_eq!(got.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(got.requester_feedback(), Some("Signed and approved."));
}
