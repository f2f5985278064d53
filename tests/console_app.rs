//! The whole console in-process: `console::run` drawing on a `TestBackend`, driven by
//! scripted keys, against an in-process `mturk_review::server` on 127.0.0.1, with the outcome
//! checked on the screen and on the server. The pty tests keep what needs a real terminal
//! or process (the bytes a terminal receives, resizes by SIGWINCH, a killed console).

// Test helpers: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::convert::Infallible;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_mturk::types::AssignmentStatus;
use common::{TestServer, config};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

use mturk_review::console::{self, Session};
use mturk_review::journal::{Journal, Scope};
use mturk_review::mturk::client::{Endpoint, local_client};
use mturk_review::mturk::loader::HitSelection;
use mturk_review::server::{FaultConfig, ServerConfig};

const WIDTH: u16 = 140;
const HEIGHT: u16 = 40;

/// A `TestBackend` the test reads while the console draws on it.
#[derive(Clone)]
struct SharedBackend(Arc<Mutex<TestBackend>>);

impl Backend for SharedBackend {
    type Error = Infallible;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Infallible>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.0.lock().unwrap().draw(content)
    }

    fn hide_cursor(&mut self) -> Result<(), Infallible> {
        self.0.lock().unwrap().hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Infallible> {
        self.0.lock().unwrap().show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Infallible> {
        self.0.lock().unwrap().get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Infallible> {
        self.0.lock().unwrap().set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Infallible> {
        self.0.lock().unwrap().clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Infallible> {
        self.0.lock().unwrap().clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Infallible> {
        self.0.lock().unwrap().size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Infallible> {
        self.0.lock().unwrap().window_size()
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        self.0.lock().unwrap().flush()
    }
}

/// The running console as the script sees it: its screen, and a keyboard.
struct Console {
    screen: SharedBackend,
    keyboard: mpsc::UnboundedSender<std::io::Result<Event>>,
}

impl Console {
    fn screen(&self) -> String {
        let backend = self.screen.0.lock().unwrap();
        let buffer = backend.buffer();
        let width = usize::from(buffer.area.width);
        buffer
            .content
            .chunks(width)
            .map(|line| line.iter().map(Cell::symbol).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until `check` holds on the screen; fails with the screen when it never does.
    async fn wait_until(&self, what: &str, check: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if check(&self.screen()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the screen never showed {what}:\n{}", self.screen());
    }

    async fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?}"), |screen| screen.contains(text))
            .await;
    }

    fn press(&self, code: KeyCode) {
        let key = KeyEvent::new(code, KeyModifiers::NONE);
        self.keyboard.unbounded_send(Ok(Event::Key(key))).unwrap();
    }

    /// Types each character as a key.
    fn keys(&self, keys: &str) {
        for c in keys.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    /// Filters the list down to one assignment by its id (the selection moves to it).
    async fn select(&self, assignment_id: &str) {
        self.keys("/");
        self.keys(assignment_id);
        self.press(KeyCode::Enter);
        self.wait_for("Assignments 1 of").await;
        self.wait_for(&assignment_id[assignment_id.len() - 8..])
            .await;
    }

    /// Clears the filter again.
    fn show_all(&self) {
        self.keys("/");
        self.press(KeyCode::Esc);
    }

    async fn write_feedback(&self, text: &str) {
        self.keys("e");
        self.wait_for("editing").await;
        self.keys(text);
        self.press(KeyCode::Esc);
        self.wait_for("Feedback (e edits)").await;
    }
}

/// Runs the console against `url` (its journal in memory) while `script` drives it, until
/// both are done: the script must end by quitting, or by firing `stop`.
async fn with_console<F, Fut>(url: &str, stop: impl Future<Output = ()>, script: F)
where
    F: FnOnce(Console) -> Fut,
    Fut: Future<Output = ()>,
{
    let backend = SharedBackend(Arc::new(Mutex::new(TestBackend::new(WIDTH, HEIGHT))));
    let mut terminal = Terminal::new(backend.clone()).unwrap();
    let (keyboard, input) = mpsc::unbounded();
    let scope = Scope {
        endpoint: url.to_string(),
        account: "test".to_string(),
    };
    let session = Session {
        client: local_client(url).await,
        endpoint: Endpoint::Custom(url.to_string()),
        selection: HitSelection::All,
        journal: Journal::open(Path::new(":memory:"), scope).unwrap(),
        worker_site: None,
        templates: None,
    };
    let app = console::run(&mut terminal, input, stop, session);
    let console = Console {
        screen: backend,
        keyboard,
    };
    let (ran, ()) = tokio::time::timeout(Duration::from_secs(120), async {
        tokio::join!(app, script(console))
    })
    .await
    .expect("the console and its script finished");
    ran.unwrap();
}

async fn status(server: &TestServer, id: &str) -> AssignmentStatus {
    server
        .assignment(id)
        .await
        .assignment_status()
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_approves_overrides_rejects_and_is_told_what_cannot_be_done() {
    let server = TestServer::start().await;
    let hit = server.hit("0.50", 5).await;
    let approve = server.submit(&hit, "AWORKERAPPROVE").await;
    let reject = server.submit(&hit, "AWORKERREJECT").await;
    let recent = server.rejected_days_ago(&hit, "AWORKERRECENT", 3).await;
    let old = server.rejected_days_ago(&hit, "AWORKEROLD", 40).await;

    let (approve_id, reject_id, recent_id, old_id) =
        (approve.clone(), reject.clone(), recent.clone(), old.clone());
    with_console(&server.url, std::future::pending(), |c| async move {
        c.wait_for("✓ all loaded").await;
        c.wait_for("LOCAL").await;
        c.wait_for("2 to review · 2 submitted · 2 rejected").await;

        c.select(&approve_id).await;
        c.write_feedback("Clear and complete, thank you!").await;
        c.keys("a");
        c.wait_for(": approved").await;
        c.show_all();

        c.select(&recent_id).await;
        c.keys("o");
        c.wait_for("[x] override").await;
        c.keys("a");
        c.wait_for("2 decided this session").await;
        c.show_all();

        c.select(&old_id).await;
        c.keys("o");
        c.wait_for("cannot override: override window closed").await;
        c.keys("a");
        c.wait_for("cannot be overridden").await;
        c.show_all();

        c.select(&reject_id).await;
        c.keys("r");
        c.wait_for("rejecting needs feedback").await;
        c.write_feedback("The answer does not match the photo.")
            .await;
        c.keys("r");
        c.wait_for("Reject?").await;
        c.keys("y");
        c.wait_for(": rejected").await;
        c.wait_for("0 to review · 0 submitted").await;
        c.wait_for("3 decided this session").await;
        c.keys("q");
    })
    .await;

    let approved = server.assignment(&approve).await;
    assert_eq!(
        approved.assignment_status(),
        Some(&AssignmentStatus::Approved)
    );
    assert_eq!(
        approved.requester_feedback(),
        Some("Clear and complete, thank you!")
    );
    assert_eq!(status(&server, &recent).await, AssignmentStatus::Approved);
    assert_eq!(status(&server, &old).await, AssignmentStatus::Rejected);
    let rejected = server.assignment(&reject).await;
    assert_eq!(
        rejected.assignment_status(),
        Some(&AssignmentStatus::Rejected)
    );
    assert_eq!(
        rejected.requester_feedback(),
        Some("The answer does not match the photo.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_approval_asks_with_the_cost_and_pays_each_once() {
    let server = TestServer::start().await;
    let hit = server.hit("0.50", 3).await;
    let mut ids = Vec::new();
    for w in 0..3 {
        ids.push(server.submit(&hit, &format!("AWORKER{w}")).await);
    }
    let before = server.balance().await;

    with_console(&server.url, std::future::pending(), |c| async move {
        c.wait_for("✓ all loaded").await;
        c.keys("*");
        c.wait_for("3 marked").await;
        c.keys("A");
        c.wait_for("Approve marked?").await;
        // $0.50 and MTurk's 20% fee, three times.
        c.wait_for("Total cost with MTurk fees: $1.80").await;
        c.keys("y");
        c.wait_for("3 decided this session").await;
        c.keys("q");
    })
    .await;

    for id in &ids {
        assert_eq!(status(&server, id).await, AssignmentStatus::Approved);
    }
    assert_eq!(before - server.balance().await, 180);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_waits_for_the_decisions_in_flight() {
    let server = TestServer::start_with(ServerConfig {
        faults: FaultConfig {
            latency: Duration::from_millis(300),
            ..FaultConfig::default()
        },
        ..config()
    })
    .await;
    let hit = server.hit("0.50", 1).await;
    let id = server.submit(&hit, "AWORKERSLOW").await;

    with_console(&server.url, std::future::pending(), |c| async move {
        c.wait_for("✓ all loaded").await;
        c.keys("aq");
        c.wait_for("1 decision(s) are still being sent").await;
        c.keys("y");
        c.wait_for("waiting for 1 decision(s) to finish before quitting")
            .await;
        // The console ends by itself once the approval is confirmed.
    })
    .await;

    assert_eq!(status(&server, &id).await, AssignmentStatus::Approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_does_not_answer_gets_an_error_box_until_a_key() {
    // A port that was free a moment ago: nothing listens there.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    with_console(&url, std::future::pending(), |c| async move {
        c.wait_for("MTurk did not answer: cannot reach the endpoint")
            .await;
        c.wait_for("Press any key to dismiss; R reloads.").await;
        c.keys("q");
        c.wait_until("the box dismissed, the console still there", |screen| {
            !screen.contains("Press any key to dismiss")
                && screen.contains("Loading failed, so nothing is listed (R tries again).")
        })
        .await;
        assert!(!c.screen().contains("all loaded"), "{}", c.screen());
        c.keys("q");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_brings_new_work_and_drops_what_was_decided_elsewhere() {
    let server = TestServer::start().await;
    let hit = server.hit("0.50", 5).await;
    let elsewhere = server.submit(&hit, "AWORKERELSEWHERE").await;
    let kept = server.submit(&hit, "AWORKERKEPT").await;

    let (server_ref, elsewhere_id, kept_id) = (&server, elsewhere.clone(), kept.clone());
    with_console(&server.url, std::future::pending(), |c| async move {
        c.wait_for("✓ all loaded").await;
        c.wait_for("Assignments 2 of 2").await;
        c.select(&kept_id).await;
        c.write_feedback("kept draft").await;
        c.show_all();
        server_ref.approve(&elsewhere_id).await;
        let new = server_ref.submit(&hit, "AWORKERNEW").await;
        c.keys("R");
        c.wait_for("AWORKERNEW").await;
        c.wait_for("✓ all loaded").await;
        c.wait_for("Assignments 2 of 2").await;
        assert!(!c.screen().contains("AWORKERELSEWHERE"), "{}", c.screen());
        c.select(&kept_id).await;
        c.wait_for("kept draft").await;
        c.show_all();
        c.select(&new).await;
        c.keys("q");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_ends_when_told_to_stop() {
    let server = TestServer::start().await;
    let hit = server.hit("0.50", 1).await;
    server.submit(&hit, "AWORKER").await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let stopped = async {
        let _ = stopped.await;
    };
    with_console(&server.url, stopped, |c| async move {
        c.wait_for("✓ all loaded").await;
        stop.send(()).unwrap();
    })
    .await;
}

/// A copy of the database release 0.1.0 wrote (tests/fixtures), with every time moved forward
/// by as long as has passed since it was made, so that its work is as fresh as it was then.
fn fresh_copy_of_the_release_0_1_fixture() -> common::TempDb {
    let db = common::TempDb::new("console-fixture");
    std::fs::copy("tests/fixtures/server-0.1.0.db", &db.0).unwrap();
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    let made_ms: i64 = conn
        .query_row("SELECT MAX(grant_ms) FROM bonuses", [], |r| r.get(0))
        .unwrap();
    let shift = mturk_review::clock::now_ms() - made_ms;
    conn.execute_batch(&format!(
        "UPDATE hits SET creation_ms = creation_ms + {shift}, expiration_ms = expiration_ms + {shift};
         UPDATE assignments SET accept_ms = accept_ms + {shift}, submit_ms = submit_ms + {shift},
           auto_approval_ms = auto_approval_ms + {shift}, deadline_ms = deadline_ms + {shift},
           approval_ms = approval_ms + {shift}, rejection_ms = rejection_ms + {shift};"
    ))
    .unwrap();
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_release_0_1_is_reviewed_as_before() {
    let db = fresh_copy_of_the_release_0_1_fixture();
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    let submitted = "WW1EW4NLKCV8Z5I22OPKR3C0SSB0TX";
    with_console(&server.url, std::future::pending(), |c| async move {
        c.wait_for("✓ all loaded").await;
        c.wait_for("51 submitted · 13 rejected").await;
        c.select(submitted).await;
        c.write_feedback("Thanks, migrated.").await;
        c.keys("a");
        c.wait_for(": approved").await;
        c.keys("q");
    })
    .await;
    let approved = server.assignment(submitted).await;
    assert_eq!(
        approved.assignment_status(),
        Some(&AssignmentStatus::Approved)
    );
    assert_eq!(approved.requester_feedback(), Some("Thanks, migrated."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_and_hit_views_count_earlier_approvals_and_blocks() {
    let server = TestServer::start().await;
    let hit = server.hit("0.50", 4).await;
    let earlier = server.submit(&hit, "AWORKEREARLIER").await;
    server.approve(&earlier).await;
    for w in ["AWORKERONE", "AWORKERTWO", "AWORKERBLOCKED"] {
        server.submit(&hit, w).await;
    }
    server
        .client
        .create_worker_block()
        .worker_id("AWORKERBLOCKED")
        .reason("Spam")
        .send()
        .await
        .unwrap();

    with_console(&server.url, std::future::pending(), |c| async move {
        c.wait_for("✓ all loaded").await;
        c.wait_for("Assignments 3 of 3").await;
        c.keys("w");
        // The Approved assignment and the block come from the second, background phase.
        c.wait_until("four workers, one blocked, history loaded", |screen| {
            screen.contains("Workers 4 of 4")
                && screen.contains("blocked")
                && !screen.contains("still loading")
        })
        .await;
        c.wait_until("the earlier worker's approval", |screen| {
            screen
                .lines()
                .any(|line| line.contains("AWORKEREARLIER") && line.contains("100%"))
        })
        .await;
        c.keys("/");
        c.keys("blocked");
        c.press(KeyCode::Enter);
        c.wait_for("Workers 1 of 4").await;
        c.press(KeyCode::Enter);
        c.wait_for("worker AWORKERBLOCKED").await;
        c.wait_for("Assignments 1 of 3").await;
        c.keys("h");
        c.wait_for("4 assignment(s)").await;
        c.wait_for("approved").await;
        c.press(KeyCode::Esc);
        c.press(KeyCode::Esc);
        c.wait_for("Workers 1 of 4").await;
        c.keys("w");
        c.wait_for("Assignments 3 of 3").await;
        c.keys("q");
    })
    .await;
}
