//! What reaches the terminal and the disk: worker-controlled escape sequences never reach
//! the terminal as such, and credentials never reach the screen, the log or the journal.

// Test helpers: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::pty::Console;
use common::{TempDb, TestServer};
use serde_json::json;

/// Sequences a hostile worker might type, each of which a terminal would act on.
const PAYLOADS: [(&str, &str); 8] = [
    ("OSC 52 clipboard write", "\x1b]52;c;ZWNobyBwd25lZA==\x07"),
    ("OSC 0 window title", "\x1b]0;pwned-title\x07"),
    ("OSC 8 hyperlink", "\x1b]8;;http://evil.example/\x1b\\"),
    ("DCS request", "\x1bP+q544e\x1b\\"),
    ("CSI odd SGR", "\x1b[3;7;9;53m"),
    ("C1 CSI", "\u{9b}6n"),
    ("right-to-left override", "\u{202e}"),
    ("left-to-right isolate", "\u{2066}"),
];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_and_titles_never_reach_the_terminal_as_sequences() {
    let server = TestServer::start().await;
    let hostile: String = PAYLOADS
        .iter()
        .map(|(name, payload)| format!("{name}: [{payload}] "))
        .collect();
    let hit = server
        .create_hit()
        .title("Survey \x1b]0;pwned-title\x07 \u{202e}evil")
        .send()
        .await
        .unwrap()
        .hit
        .unwrap()
        .hit_id
        .unwrap();
    let answer = format!(
        "<QuestionFormAnswers><Answer><QuestionIdentifier>comment</QuestionIdentifier><FreeText>{hostile}</FreeText></Answer></QuestionFormAnswers>"
    );
    let id = server
        .submit_ok(&hit, "AHOSTILEWORKER", json!({ "Answer": answer }))
        .await;

    let url = server.url.clone();
    tokio::task::spawn_blocking(move || {
        let mut console = Console::start(&["--endpoint-url", &url]);
        console.wait_for("✓ all loaded");
        console.wait_for("AHOSTILEWORKER");
        // The readable answer, then the raw XML: both draw the payload.
        console.wait_for("OSC 52 clipboard write");
        console.keys("v");
        console.wait_for("Raw answer");
        console.keys("v");
        console.wait_for("comment");
        let screen = console.contents();
        assert!(screen.contains('␛'), "escapes are shown as placeholders");
        console.keys("q");
        console.child.wait().unwrap();
        let bytes = console.bytes();
        for (name, payload) in PAYLOADS {
            assert!(
                !contains(&bytes, payload.as_bytes()),
                "{name} reached the terminal"
            );
        }
        assert!(!contains(&bytes, b"\x1b]0;pwned"), "the title escape");
        assert!(!contains(&bytes, b"\x1b]52"), "any OSC 52");
        assert!(!contains(&bytes, "\u{9b}".as_bytes()), "any C1 CSI");
        assert!(screen.contains(&id[id.len() - 8..]));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_reach_neither_screen_nor_log_nor_journal() {
    const KEY_ID: &str = "AKIAUNIQUEKEYID77X1";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRET77X1";
    const TOKEN: &str = "FwoGZXIvYXdzSESSIONTOKEN77X1";
    let server = TestServer::start().await;
    let hit = server.hit("0.50", 1).await;
    let approved = server.submit(&hit, "AWORKERONE").await;
    let log = TempDb::new("credentials-log");
    let journal = TempDb::new("credentials-journal");

    let url = server.url.clone();
    let (log_path, journal_path) = (log.0.clone(), journal.0.clone());
    tokio::task::spawn_blocking(move || {
        let (log_arg, journal_arg) = (
            log_path.display().to_string(),
            journal_path.display().to_string(),
        );
        let mut console = Console::start_with_env(
            &[
                "--endpoint-url",
                &url,
                "--log-file",
                &log_arg,
                "--journal",
                &journal_arg,
            ],
            &[
                ("AWS_ACCESS_KEY_ID", KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
                ("AWS_SESSION_TOKEN", TOKEN),
                ("RUST_LOG", "trace"),
            ],
        );
        console.wait_for("✓ all loaded");
        console.keys("a");
        console.wait_for(": approved");
        console.keys("q");
        assert!(console.child.wait().unwrap().success());
        let screen_bytes = console.bytes();
        for secret in [KEY_ID, SECRET, TOKEN] {
            assert!(!contains(&screen_bytes, secret.as_bytes()), "on screen");
        }
    })
    .await
    .unwrap();

    let logged = std::fs::read(&log.0).unwrap();
    assert!(
        contains(&logged, approved.as_bytes()),
        "the decision was logged: {}",
        String::from_utf8_lossy(&logged)
    );
    let mut journal_bytes = std::fs::read(&journal.0).unwrap();
    let wal = journal.0.with_extension("db-wal");
    journal_bytes.extend(std::fs::read(wal).unwrap_or_default());
    for secret in [KEY_ID, SECRET, TOKEN] {
        assert!(!contains(&logged, secret.as_bytes()), "{secret} in the log");
        assert!(
            !contains(&journal_bytes, secret.as_bytes()),
            "{secret} in the journal"
        );
    }
}
