//! Figures 4 and 5: the real console binary in a pseudo-terminal. Peak memory (VmHWM) with
//! 100,000 assignments loaded from `serve --generate 2000:50`, against twice their answers'
//! size plus 50 MB; and `--demo` start to the first complete frame.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use crate::serve::{Serve, binary};
use crate::table::{Row, Table, mb, secs};
use crate::temp::TempPath;

const ROWS: u16 = 60;
const COLS: u16 = 200;

/// Dummy credentials and no config files or instance metadata: nothing real is used.
const DUMMY_AWS_ENV: [(&str, &str); 6] = [
    ("AWS_ACCESS_KEY_ID", "local"),
    ("AWS_SECRET_ACCESS_KEY", "local"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_CONFIG_FILE", "/nonexistent/mturk-review-perf"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/mturk-review-perf",
    ),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

struct PtyConsole {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl PtyConsole {
    fn start(args: &[&str]) -> Result<PtyConsole> {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| anyhow!("openpty: {e}"))?;
        let mut cmd = CommandBuilder::new(binary()?);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        for (name, value) in DUMMY_AWS_ENV {
            cmd.env(name, value);
        }
        let child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| anyhow!("cannot start the console: {e}"))?;
        drop(pair.slave);
        let (rows, cols) = (NonZeroU16::new(ROWS), NonZeroU16::new(COLS));
        let (Some(rows), Some(cols)) = (rows, cols) else {
            bail!("a terminal needs rows and columns");
        };
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| anyhow!("pty reader: {e}"))?;
        let feed = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut parser) = feed.lock() {
                    parser.process(&buf[..n]);
                }
            }
        });
        let writer = pair
            .master
            .take_writer()
            .map_err(|e| anyhow!("pty writer: {e}"))?;
        Ok(PtyConsole {
            screen,
            writer,
            child,
            _master: pair.master,
        })
    }

    fn contents(&self) -> String {
        self.screen
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    /// Waits until the screen satisfies `done`; how long that took from `since`.
    fn wait_until(
        &self,
        since: Instant,
        timeout: Duration,
        done: impl Fn(&str) -> bool,
    ) -> Result<Duration> {
        while since.elapsed() < timeout {
            if done(&self.contents()) {
                return Ok(since.elapsed());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        bail!("the screen never got there:\n{}", self.contents())
    }

    /// Peak resident memory of the console process, from /proc.
    fn peak_rss_bytes(&self) -> Result<u64> {
        let pid = self.child.process_id().context("no pid")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmHWM in /proc/PID/status")?;
        Ok(kb * 1024)
    }

    fn quit(mut self) {
        let _ = self.writer.write_all(b"q");
        let _ = self.writer.flush();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}

/// Every row listed and nothing loading any more.
fn all_listed(screen: &str, total: usize) -> bool {
    screen.contains(&format!("{total} of {total}")) && !screen.contains("loading")
}

/// "generated 100000 assignments (10203 rejected, 220512345 bytes of answers) on 2000 HITs in
/// 4.1 s": the answer bytes and the seconds.
fn generated(line: &str) -> Option<(u64, f64)> {
    let (_, rest) = line.split_once(" rejected, ")?;
    let bytes = rest.split_whitespace().next()?.parse().ok()?;
    let secs = line
        .rsplit(" in ")
        .next()?
        .trim_end_matches(" s")
        .parse()
        .ok()?;
    Some((bytes, secs))
}

pub fn memory(table: &mut Table) -> Result<()> {
    // Generated into a file, so that its time is a durable one.
    let db = TempPath::new("generated");
    let started = Instant::now();
    let serve = Serve::start(&["--db", &db.arg(), "--generate", "2000:50", "--seed", "4"])?;
    let listening = started.elapsed();
    let (answer_bytes, generate_secs) = serve
        .stderr_line("generated ")
        .as_deref()
        .and_then(generated)
        .context("serve did not say what it generated")?;
    table.push(Row {
        figure: "serve --generate 2000:50 into a new file database (100,000 assignments)".into(),
        measured: format!("{generate_secs:.1} s"),
        baseline: format!("start to listening: {}", secs(listening)),
        ratio: String::new(),
        goal: "< 30 s".into(),
        met: generate_secs < 30.0,
    });
    let journal = TempPath::new("console-journal");
    let journal_arg = journal.arg();
    let started = Instant::now();
    let console = PtyConsole::start(&["--endpoint-url", &serve.url, "--journal", &journal_arg])?;
    let loaded = console.wait_until(started, Duration::from_secs(600), |s| {
        all_listed(s, 100_000)
    })?;
    let peak = console.peak_rss_bytes()?;
    console.quit();
    let budget = 2 * answer_bytes + 50_000_000;
    table.push(Row {
        figure: format!(
            "4. console peak RSS, 100,000 assignments loaded ({} of answers; loaded in {})",
            mb(answer_bytes),
            secs(loaded)
        ),
        measured: mb(peak),
        baseline: format!("2 x answers + 50 MB = {}", mb(budget)),
        ratio: format!("{:.2}", peak as f64 / budget as f64),
        goal: "< budget".into(),
        met: peak < budget,
    });
    Ok(())
}

pub fn demo_start(table: &mut Table) -> Result<()> {
    let mut first_paint = Vec::new();
    let mut complete = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let console = PtyConsole::start(&["--demo"])?;
        first_paint.push(console.wait_until(started, Duration::from_secs(20), |s| {
            s.contains("all loaded")
        })?);
        complete.push(console.wait_until(started, Duration::from_secs(20), |s| {
            all_listed(s, 65) && s.contains("balance $")
        })?);
        console.quit();
    }
    first_paint.sort();
    complete.sort();
    let median = complete[complete.len() / 2];
    table.push(Row {
        figure: "5. `--demo` start to first complete frame (65 of 65 listed, balance shown), median of 5".into(),
        measured: secs(median),
        baseline: format!("first frame: {}", secs(first_paint[first_paint.len() / 2])),
        ratio: String::new(),
        goal: "< 300 ms".into(),
        met: median < Duration::from_millis(300),
    });
    Ok(())
}
