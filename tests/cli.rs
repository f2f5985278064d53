//! The command line's edges: clear refusals before anything starts.

use std::process::Command;

#[test]
fn serve_refuses_a_non_loopback_address_without_allow_remote() {
    let out = Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .args(["serve", "--listen", "0.0.0.0:0", "--db", ":memory:"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "it must not start listening");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address"), "{err}");
    assert!(err.contains("--allow-remote"), "{err}");
}

#[test]
fn without_credentials_the_console_says_what_to_do_in_one_paragraph() {
    let out = Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .arg("--sandbox")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/nonexistent/mturk-review-test")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/mturk-review-test",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "the terminal was not taken over");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No AWS credentials were found"), "{err}");
    assert!(err.contains("mturk-review --demo"), "{err}");
    assert!(err.contains("--profile"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one paragraph: {err}");
    assert!(!err.contains("panicked"), "{err}");
}
