//! A real browser for the tests: headless Chromium driven over WebDriver (fantoccini, plain
//! HTTP to a chromedriver on 127.0.0.1). `Browser::start()` is None when chromium or
//! chromedriver is not installed; such a test prints `SKIPPED` and returns:
//!
//! ```ignore
//! let Some(browser) = Browser::start().await else {
//!     eprintln!("{SKIPPED}");
//!     return;
//! };
//! browser.client.goto(&url).await?;
//! ...
//! browser.close().await;
//! ```
//!
//! Each browser has a fresh profile in a temp dir; chromedriver (and with it Chromium) is
//! stopped and the profile removed when the Browser is closed or dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Map, Value, json};

pub const SKIPPED: &str = "skipped: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)";

/// How long a test waits for the page to show what it expects.
pub const WAIT: Duration = Duration::from_secs(15);

/// The window every test sees, so that screenshots and layouts are alike from run to run.
pub const WINDOW: (u32, u32) = (1280, 900);

const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
];

pub struct Browser {
    pub client: Client,
    driver: Driver,
}

/// chromedriver and the profile dir; stopped and removed when dropped, whatever failed.
struct Driver {
    child: Child,
    addr: SocketAddr,
    profile: PathBuf,
}

/// `name` on PATH, else in /usr/bin.
fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Browser {
    /// A new headless Chromium, or None when chromium or chromedriver is not installed.
    /// Anything else that goes wrong fails the test.
    pub async fn start() -> Option<Browser> {
        let chromium = find("chromium")?;
        let chromedriver = find("chromedriver")?;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let profile = std::env::temp_dir().join(format!(
            "mturk-review-chromium-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&profile).expect("a profile dir");
        let port = free_port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(driver.addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {} within 20 s",
                driver.addr
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", driver.profile.display()));
        let mut caps = Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://{}", driver.addr))
            .await
            .unwrap_or_else(|e| panic!("no WebDriver session with {}: {e}", chromium.display()));
        client
            .set_window_size(WINDOW.0, WINDOW.1)
            .await
            .expect("set the window size");
        Some(Browser { client, driver })
    }

    /// A PNG of the viewport, written to `path` (its folder is made when needed).
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("a screenshot");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("the screenshot's folder");
        }
        std::fs::write(path, png).expect("write the screenshot");
    }

    /// Runs `script` in the page (WebDriver's execute: `arguments[i]` are `args`).
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed ({e}): {script}"))
    }

    /// A new browser, or None after saying the test skipped (chromium or chromedriver missing).
    pub async fn start_or_skip() -> Option<Browser> {
        let browser = Browser::start().await;
        if browser.is_none() {
            eprintln!("{SKIPPED}");
        }
        browser
    }

    /// The element `selector` names, waiting up to `WAIT` for it to appear.
    pub async fn css(&self, selector: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(fantoccini::Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no {selector}: {e}"))
    }

    /// Ends the WebDriver session (Chromium quits), then chromedriver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Driver {
    /// chromedriver's `/shutdown` closes its browsers and exits; a driver still there after
    /// two seconds is killed.
    fn drop(&mut self) {
        if let Ok(mut stream) = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let request = format!(
                "GET /shutdown HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                self.addr
            );
            let _ = stream.write_all(request.as_bytes());
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Polls `check` every 50 ms until it gives a value, failing the test with `what` after
/// `timeout`.
pub async fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
