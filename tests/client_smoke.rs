//! Clients nobody here wrote, against the real binary: `scripts/boto3_smoke.py` (boto3) and
//! `scripts/awscli_smoke.sh` (the AWS CLI) list the demo HITs and approve an assignment;
//! `scripts/boto3_signatures.py` and `scripts/awscli_signatures.sh` sign with a real access key
//! and are refused, as AWS refuses, when the signature is wrong. Each is skipped, saying so,
//! when its client is not installed.

// As in #[test] functions: a failed expectation is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{ANSWER, QUESTION, ServeProcess, TempDb, add_account, client_with_key, signed_post};
use serde_json::json;

fn available(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run_script(program: &str, script: &str, args: &[&str], passed: &str) -> Output {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(script);
    let output = Command::new(program)
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} {}: {e}", path.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains(passed), "{stdout}");
    println!("{stdout}");
    output
}

#[test]
fn boto3_and_the_aws_cli_list_hits_and_approve_against_serve_demo() {
    let server = ServeProcess::spawn(&["--listen", "127.0.0.1:0", "--db", ":memory:", "--demo"]);
    assert!(
        server.addr.ip().is_loopback() && server.addr.port() != 0,
        "{}",
        server.url
    );

    if available("python3", &["-c", "import boto3"]) {
        run_script(
            "python3",
            "boto3_smoke.py",
            &[&server.url],
            "smoke test passed",
        );
    } else {
        eprintln!(
            "SKIPPED the boto3 smoke test: `python3 -c \"import boto3\"` fails (pip install boto3)"
        );
    }
    if available("aws", &["--version"]) {
        run_script(
            "bash",
            "awscli_smoke.sh",
            &[&server.url],
            "smoke test passed",
        );
    } else {
        eprintln!("SKIPPED the AWS CLI smoke test: no `aws` on PATH (pip install awscli)");
    }
}

#[test]
fn boto3_and_the_aws_cli_sign_with_a_real_key_and_bad_signatures_are_refused() {
    let db = TempDb::new("signatures");
    let key = add_account(&db.0, "lab", 10_000);
    let server = ServeProcess::spawn(&["--listen", "127.0.0.1:0", "--db", db.0.to_str().unwrap()]);
    let assignment = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = client_with_key(&server.url, &key).await;
        let hit = client
            .create_hit()
            .title("Signed")
            .description("Made with a real key")
            .reward("0.25")
            .max_assignments(1)
            .assignment_duration_in_seconds(600)
            .lifetime_in_seconds(3600)
            .question(QUESTION)
            .send()
            .await
            .expect("CreateHIT signed by aws-sdk-mturk");
        let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
        let body = json!({ "HITId": hit_id, "WorkerId": "AWORKERSIGNED", "Answer": ANSWER });
        let raw = signed_post(server.addr, &key, "MTurkLocal.SubmitAssignment", &body).await;
        assert_eq!(raw.status, 200, "{}", raw.body);
        raw.json()["AssignmentId"].as_str().unwrap().to_string()
    });

    if available("python3", &["-c", "import boto3"]) {
        run_script(
            "python3",
            "boto3_signatures.py",
            &[&server.url, &key.id, &key.secret, &assignment],
            "signature test passed",
        );
    } else {
        eprintln!("SKIPPED the boto3 signature test: `python3 -c \"import boto3\"` fails");
    }
    if available("aws", &["--version"]) {
        // The block `mturk-review accounts add` prints, pasted into a credentials file.
        let credentials = TempDb::new("credentials");
        std::fs::write(
            &credentials.0,
            format!(
                "[lab]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                key.id, key.secret
            ),
        )
        .unwrap();
        run_script(
            "bash",
            "awscli_signatures.sh",
            &[&server.url, "lab", credentials.0.to_str().unwrap()],
            "signature test passed",
        );
    } else {
        eprintln!("SKIPPED the AWS CLI signature test: no `aws` on PATH");
    }
}
