//! Helpers for tests that run the real binary: `mturk-review serve` as a child process on a
//! free loopback port, and the environment that keeps the AWS SDK away from real credentials.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use aws_sdk_mturk::Client;
use aws_sdk_mturk::types::{Assignment, AssignmentStatus};

/// Dummy credentials and no config files or instance metadata: nothing real is ever used.
pub const DUMMY_AWS_ENV: [(&str, &str); 6] = [
    ("AWS_ACCESS_KEY_ID", "local"),
    ("AWS_SECRET_ACCESS_KEY", "local"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_CONFIG_FILE", "/nonexistent/mturk-review-test"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/mturk-review-test",
    ),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

/// `mturk-review serve --listen 127.0.0.1:0 ARGS...`, killed on drop.
pub struct ServeProcess {
    pub child: Child,
    pub url: String,
}

impl ServeProcess {
    pub fn start(args: &[&str]) -> ServeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mturk-review"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first).unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_string();
        ServeProcess { child, url }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every Submitted and Rejected assignment on the server, across all HITs and pages.
pub async fn all_assignments(client: &Client) -> Vec<Assignment> {
    let mut hits = Vec::new();
    let mut pages = client.list_hits().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        hits.extend(page.unwrap().hits.unwrap_or_default());
    }
    let mut all = Vec::new();
    for hit in hits {
        let mut pages = client
            .list_assignments_for_hit()
            .hit_id(hit.hit_id().unwrap())
            .assignment_statuses(AssignmentStatus::Submitted)
            .assignment_statuses(AssignmentStatus::Rejected)
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            all.extend(page.unwrap().assignments.unwrap_or_default());
        }
    }
    all
}
