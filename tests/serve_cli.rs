//! The `serve` command line: refusing to listen beyond loopback unless asked.

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
