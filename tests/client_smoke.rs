//! Clients nobody here wrote, against the real binary: `scripts/boto3_smoke.py` (boto3) and
//! `scripts/awscli_smoke.sh` (the AWS CLI) list the demo HITs and approve an assignment. Each is
//! skipped, saying so, when its client is not installed.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::ServeProcess;

fn available(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run_script(program: &str, script: &str, url: &str) -> Output {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(script);
    let output = Command::new(program)
        .arg(&path)
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} {}: {e}", path.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("smoke test passed"), "{stdout}");
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
        run_script("python3", "boto3_smoke.py", &server.url);
    } else {
        eprintln!(
            "SKIPPED the boto3 smoke test: `python3 -c \"import boto3\"` fails (pip install boto3)"
        );
    }
    if available("aws", &["--version"]) {
        run_script("bash", "awscli_smoke.sh", &server.url);
    } else {
        eprintln!("SKIPPED the AWS CLI smoke test: no `aws` on PATH (pip install awscli)");
    }
}
