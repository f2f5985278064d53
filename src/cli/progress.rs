//! A one-line progress bar on stderr for headless commands, drawn only when stderr is a
//! terminal (never into a pipe or a log file), redrawn at most ten times a second.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

const WIDTH: usize = 30;
const EVERY: Duration = Duration::from_millis(100);

pub struct ProgressBar {
    /// What is counted: "HITs", "decisions".
    unit: &'static str,
    shown: bool,
    last_drawn: Option<Instant>,
}

impl ProgressBar {
    pub fn on_stderr() -> ProgressBar {
        ProgressBar::counting("HITs")
    }

    /// A bar that counts `unit`s.
    pub fn counting(unit: &'static str) -> ProgressBar {
        ProgressBar {
            unit,
            shown: std::io::stderr().is_terminal(),
            last_drawn: None,
        }
    }

    /// Redraws the bar (when due) as `done` of `total` with a note after it.
    pub fn update(&mut self, done: usize, total: usize, note: &str) {
        if !self.shown || self.last_drawn.is_some_and(|t| t.elapsed() < EVERY) {
            return;
        }
        self.last_drawn = Some(Instant::now());
        let filled = (WIDTH * done.min(total)).checked_div(total).unwrap_or(0);
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(WIDTH - filled));
        let mut err = std::io::stderr().lock();
        // \r and erase-line: the bar redraws itself in place.
        let unit = self.unit;
        let _ = write!(err, "\r\x1b[K[{bar}] {done}/{total} {unit} · {note}");
        let _ = err.flush();
    }

    /// Erases the bar, leaving the line clean for what follows.
    pub fn finish(&mut self) {
        if self.shown && self.last_drawn.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }
}
