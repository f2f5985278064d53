//! `mturk-review serve` as a child process on 127.0.0.1, its URL read from the first stdout
//! line (the rest drained) and its stderr kept; killed when dropped.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};

/// The release binary next to this example (target/release/examples/perf -> target/release).
pub fn binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("where is this example?")?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("the example is not under target/<profile>/examples")?;
    let binary = dir.join("mturk-review");
    if !binary.exists() {
        bail!(
            "{} is missing: run `cargo build --release` first",
            binary.display()
        );
    }
    Ok(binary)
}

pub struct Serve {
    child: Child,
    pub url: String,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    /// Starts `serve --listen 127.0.0.1:0 ARGS` and waits for it to listen. The figures
    /// measure the client and the server, not the default rate limit: unless ARGS set
    /// `--rate-limit`, it is off.
    pub fn start(args: &[&str]) -> Result<Serve> {
        let unlimited: &[&str] = if args.contains(&"--rate-limit") {
            &[]
        } else {
            &["--rate-limit", "0"]
        };
        let mut child = Command::new(binary()?)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(unlimited)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start mturk-review serve")?;
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            // Drained on a thread so that the server never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut text) = sink.lock() {
                        text.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
        }
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            let mut stdout = BufReader::new(stdout);
            stdout.read_line(&mut line)?;
            // The rest is drained too: a server whose stdout is closed dies at its next line
            // (the worker site's address follows the first).
            std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        }
        let Some(url) = line.trim_end().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "serve {args:?} did not start: {}",
                stderr.lock().map(|t| t.clone()).unwrap_or_default()
            );
        };
        Ok(Serve {
            url: url.to_string(),
            child,
            stderr,
        })
    }

    /// The line of stderr that starts with `prefix`, waiting a little for it: stderr is
    /// read on another thread and may lag behind stdout.
    pub fn stderr_line(&self, prefix: &str) -> Option<String> {
        for _ in 0..200 {
            let found = self.stderr.lock().ok().and_then(|text| {
                text.lines()
                    .find(|l| l.starts_with(prefix))
                    .map(str::to_string)
            });
            if found.is_some() {
                return found;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
