//! The real console binary in a pseudo-terminal: keys in, a vt100 screen (and the raw bytes)
//! out.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const ROWS: u16 = 40;
const COLS: u16 = 140;

/// The console running in a pty, with a vt100 screen fed by a reader thread. It also keeps
/// every byte the program wrote, to check what reached the terminal.
pub struct Console {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    bytes: Arc<Mutex<Vec<u8>>>,
    master: Box<dyn MasterPty + Send>,
}

impl Console {
    /// `mturk-review ARGS` in a 140x40 pty, with dummy AWS credentials.
    pub fn start(args: &[&str]) -> Console {
        Console::start_with_env(args, &[])
    }

    /// Like `start`, with more environment (set after the dummy credentials, so it wins).
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Console {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mturk-review"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        // Feedback templates of its own, never the user's file.
        let templates = std::env::temp_dir().join(format!(
            "mturk-review-pty-templates-{}.toml",
            std::process::id()
        ));
        cmd.env("MTURK_REVIEW_TEMPLATES", templates);
        for (name, value) in super::DUMMY_AWS_ENV.iter().chain(env) {
            cmd.env(name, value);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            ROWS.try_into().unwrap(),
            COLS.try_into().unwrap(),
            0,
        )));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let (feed, raw) = (Arc::clone(&screen), Arc::clone(&bytes));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                raw.lock().unwrap().extend_from_slice(&buf[..n]);
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Console {
            screen,
            writer,
            child,
            bytes,
            master: pair.master,
        }
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text`; fails with the screen when it never does.
    pub fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.contents().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the screen never showed {text:?}:\n{}", self.contents());
    }

    /// Types keys. A pause after each write keeps Esc from merging with the next key into Alt+key.
    pub fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(60));
    }

    pub fn esc(&mut self) {
        self.keys("\x1b");
    }

    /// Resizes the terminal (the program gets SIGWINCH).
    pub fn resize(&self, rows: u16, cols: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        self.screen
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows.try_into().unwrap(), cols.try_into().unwrap());
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Every byte the program has written to the terminal so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }

    /// Filters the list down to one assignment by its id (the selection moves to it).
    pub fn select(&mut self, assignment_id: &str) {
        self.keys("/");
        self.keys(assignment_id);
        self.keys("\r");
        self.wait_for("Assignments 1 of");
        self.wait_for(&assignment_id[assignment_id.len() - 8..]);
    }

    /// Fills the bonus form (`b`) and asks; the question is on screen when this returns.
    pub fn ask_bonus(&mut self, amount: &str, reason: &str) {
        self.keys("b");
        self.wait_for("Bonus worker");
        self.keys(amount);
        self.keys("\t");
        self.keys(reason);
        self.keys("\r");
        self.wait_for("Bonus?");
    }

    pub fn write_feedback(&mut self, text: &str) {
        self.keys("e");
        self.wait_for("editing");
        self.keys(text);
        self.esc();
        self.wait_for("Feedback (e edits)");
    }
}
