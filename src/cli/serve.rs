//! `mturk-review serve`: the MTurk-compatible server as a long-running process, and
//! `serve backup`, a consistent copy of its database while it runs.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::builder::TypedValueParser;
use clap::{Args, Subcommand};

use mturk_review::money;
use mturk_review::server::generate::GenerateSpec;
use mturk_review::server::notify::{self, NotifyConfig};
use mturk_review::server::store::{self, BackupError};
use mturk_review::server::{
    self, DEFAULT_MAX_BODY_BYTES, EdgeConfig, FaultConfig, HostCheck, RateConfig, ServerConfig,
    SiteConfig,
};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServeArgs {
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8780")]
    listen: SocketAddr,
    /// Allow a --listen address other than loopback, and requests addressed to any name. Needs
    /// access keys in the database (`mturk-review accounts`): every request must then be
    /// signed with one. (Without keys, on loopback, any signature is accepted.)
    #[arg(long)]
    allow_remote: bool,
    /// Also answer requests addressed to NAME (at any port), such as the name a proxy forwards
    /// them under; repeatable. Otherwise only localhost, 127.x.x.x and [::1] are answered, so
    /// that a web page cannot reach the server by DNS rebinding.
    #[arg(long, value_name = "NAME")]
    allow_host: Vec<String>,
    /// The worker site's public URL (scheme://host[:port]) when a proxy serves it elsewhere
    /// than --listen; sign-in links and task pages use it. Its host is answered.
    #[arg(long, value_name = "URL")]
    site_url: Option<String>,
    /// Where the content origin (requester HTML, served apart from the site) listens. Default:
    /// the --listen address on the next port.
    #[arg(long, value_name = "ADDR")]
    content_listen: Option<SocketAddr>,
    /// The content origin's public URL behind a proxy: a different host name than the site's.
    /// Its host is answered.
    #[arg(long, value_name = "URL")]
    content_url: Option<String>,
    /// Let anyone who reaches the worker site become a worker (otherwise only invited ones:
    /// `mturk-review workers invite NAME`).
    #[arg(long)]
    open_signup: bool,
    /// SQLite database file (`:memory:` for a throwaway run). Default: mturk-review/server.db
    /// under the user's data directory.
    #[arg(long)]
    db: Option<PathBuf>,
    /// Send notifications to SQS and SNS at this endpoint instead of AWS's (a local stand-in
    /// such as `moto_server`). Credentials come from the usual AWS chain either way.
    #[arg(long, value_name = "URL")]
    notify_endpoint_url: Option<String>,
    /// After a failed notification send, wait this long before the first retry; each later
    /// failure doubles the wait, up to --notify-retry-max-secs.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    notify_retry_first_ms: u64,
    /// The longest wait between two attempts at one notification.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    notify_retry_max_secs: u64,
    /// Load the bundled demo data set into an empty database.
    #[arg(long, conflicts_with = "generate")]
    demo: bool,
    /// Fill an empty database with HITS HITs of PER_HIT submitted assignments each (about
    /// 10% rejected), realistic answers of varied size; repeatable with --seed.
    #[arg(long, value_name = "HITS:PER_HIT")]
    generate: Option<GenerateSpec>,
    /// Starting prepaid balance of a new database, in US dollars.
    #[arg(long, default_value = "10000.00", value_parser = parse_usd)]
    balance: i64,
    /// Calls per second each account may make on average (fractions allowed); over it, calls
    /// are answered ThrottlingException "Rate exceeded" with the wait in x-amz-retry-after.
    /// 0 turns the limit off.
    #[arg(
        long,
        value_name = "CALLS_PER_SECOND",
        default_value_t = RateConfig::default().calls_per_second,
        value_parser = parse_rate
    )]
    rate_limit: f64,
    /// Calls each account may make at once after a quiet spell (the token bucket's size).
    #[arg(
        long,
        value_name = "CALLS",
        default_value_t = RateConfig::default().burst,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    rate_burst: u32,
    /// Delay every response by this many milliseconds (testing).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Answer this percentage of calls with ThrottlingException "Rate exceeded" (testing).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    throttle_percent: u8,
    /// Answer this percentage of calls with ServiceFault, HTTP 500 (testing).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    fault_percent: u8,
    /// Make this percentage of successful calls answer ServiceFault anyway, as if the
    /// connection dropped after the work was done (testing clients' exactly-once handling).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    lost_reply_percent: u8,
    /// Seed for the throttle and fault dice and for --generate, to make a run repeatable.
    #[arg(long)]
    seed: Option<u64>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,
    /// Connections served at once; more wait until one closes.
    #[arg(
        long,
        default_value_t = EdgeConfig::default().max_connections,
        value_parser = clap::value_parser!(u32).range(1..).map(|n| n as usize)
    )]
    max_connections: usize,
    /// Seconds a request's head may take from its first byte.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = Seconds(EdgeConfig::default().header_timeout)
    )]
    header_timeout: Seconds,
    /// Seconds a request's body may take after its head.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = Seconds(EdgeConfig::default().body_timeout)
    )]
    body_timeout: Seconds,
    /// Seconds a connection may stay silent between requests before it is closed.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = Seconds(EdgeConfig::default().idle_timeout)
    )]
    idle_timeout: Seconds,
    /// Seconds Ctrl-C or SIGTERM waits for open connections before dropping them.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = Seconds(EdgeConfig::default().shutdown_timeout)
    )]
    shutdown_timeout: Seconds,
}

/// A duration given in seconds, fractions allowed.
#[derive(Debug, Clone, Copy)]
struct Seconds(Duration);

impl std::fmt::Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
    }
}

impl std::str::FromStr for Seconds {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        text.parse::<f64>()
            .ok()
            .filter(|secs| *secs > 0.0)
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .map(Seconds)
            .ok_or_else(|| format!("{text:?} is not a number of seconds above 0, like 10 or 0.5"))
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|rate| rate.is_finite() && *rate >= 0.0)
        .ok_or_else(|| {
            format!("{text:?} is not a number of calls per second, like 200 or 0.5 (0: no limit)")
        })
}

fn parse_usd(text: &str) -> Result<i64, String> {
    money::parse_cents(text).ok_or_else(|| format!("{text:?} is not an amount like 10000.00"))
}

pub(super) fn default_db_path() -> Result<PathBuf> {
    let dir = mturk_review::rules::user_data_dir()
        .context("no user data directory is known here; pass --db PATH")?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir.join("server.db"))
}

pub async fn serve(args: ServeArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        anyhow::bail!(
            "{} is not a loopback address. Pass --allow-remote to listen there: it needs access keys in the database (`mturk-review accounts add-key default`), so that anyone who can reach the server must sign with one before acting on the database.",
            args.listen
        );
    }
    let db = match args.db {
        Some(db) => db,
        None => default_db_path()?,
    };
    let mut allow_host = args.allow_host;
    for url in [&args.site_url, &args.content_url].into_iter().flatten() {
        allow_host.push(url_host(url)?);
    }
    let config = ServerConfig {
        listen: args.listen,
        db: db.clone(),
        demo: args.demo,
        generate: args.generate.map(|spec| GenerateSpec {
            seed: args.seed.unwrap_or_else(rand::random),
            ..spec
        }),
        balance_cents: args.balance,
        faults: FaultConfig {
            latency: Duration::from_millis(args.latency_ms),
            throttle_percent: args.throttle_percent,
            fault_percent: args.fault_percent,
            lost_reply_percent: args.lost_reply_percent,
            seed: args.seed,
        },
        rate: RateConfig {
            calls_per_second: args.rate_limit,
            burst: args.rate_burst,
        },
        max_body_bytes: args.max_body_bytes,
        edge: EdgeConfig {
            max_connections: args.max_connections,
            header_timeout: args.header_timeout.0,
            body_timeout: args.body_timeout.0,
            idle_timeout: args.idle_timeout.0,
            shutdown_timeout: args.shutdown_timeout.0,
            hosts: if args.allow_remote {
                HostCheck::Any
            } else {
                HostCheck::Loopback { also: allow_host }
            },
        },
        require_signatures: args.allow_remote,
        site: SiteConfig {
            url: args.site_url,
            content_listen: args.content_listen,
            content_url: args.content_url,
            open_signup: args.open_signup,
        },
    };
    let stop = shutdown_signal();
    let started = std::time::Instant::now();
    let running = server::start(config).await?;
    if let Some(done) = running.generated {
        eprintln!(
            "generated {} assignments ({} rejected, {} bytes of answers) on {} HITs in {:.1} s",
            done.assignments,
            done.rejected,
            done.answer_bytes,
            done.hits,
            started.elapsed().as_secs_f64()
        );
    }
    {
        // One write: a script that reads the first line and closes the pipe must not make
        // the next lines fail.
        let mut text = format!(
            "listening on {}\nworker site: {}/worker/\n",
            running.endpoint_url(),
            running.site_url
        );
        if let Some(invite) = &running.demo_invite {
            text.push_str(&format!(
                "sign in as the demo worker {}: {}\n",
                invite.worker_id, invite.sign_in_url
            ));
        }
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
    }
    eprintln!("content origin: {}", running.content_url);
    eprintln!("database: {}", db.display());
    if !running.addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {} (not loopback): every request must be signed with an access key of this database, but without TLS in front anyone on the way can read the requests and answers (README: Running it for real)",
            running.addr
        );
    }
    let delivery = tokio::spawn(notify::run(
        running.store.clone(),
        NotifyConfig {
            endpoint_url: args.notify_endpoint_url,
            retry_first: Duration::from_millis(args.notify_retry_first_ms),
            retry_max: Duration::from_secs(args.notify_retry_max_secs),
            ..NotifyConfig::default()
        },
    ));
    stop.await;
    eprintln!("shutting down");
    // A message being sent now stays undelivered in the outbox and is sent at the next start.
    delivery.abort();
    running.stop().await;
    Ok(())
}

/// The host of a URL given on the command line, so the server answers requests addressed to it.
fn url_host(url: &str) -> Result<String> {
    let authority = url
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or_default())
        .filter(|a| !a.is_empty())
        .with_context(|| format!("{url} is not a URL of the form scheme://host[:port]"))?;
    let host = authority
        .parse::<axum::http::uri::Authority>()
        .map(|a| a.host().to_string())
        .with_context(|| format!("{url} is not a URL of the form scheme://host[:port]"))?;
    Ok(host)
}

/// Ctrl-C or SIGTERM. SIGTERM is listened for from this call on, not from the first poll, so
/// that one sent right after "listening on" is seen (the default action would kill the
/// process without a clean stop).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        if let Some(mut term) = term {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Copy the database consistently, also while a server runs on it and writes.
    Backup(BackupArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where the copy goes; it is readable by its owner only, as it holds access keys.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// The database to copy. Default: mturk-review/server.db under the user's data
    /// directory, as for `serve`.
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Replace PATH if it exists (only once the new copy is complete).
    #[arg(long)]
    force: bool,
}

pub fn backup(args: BackupArgs) -> Result<()> {
    let db = match args.db {
        Some(db) => db,
        None => default_db_path()?,
    };
    let copied = match store::backup(&db, &args.path, args.force) {
        Err(BackupError::Exists(path)) => anyhow::bail!(
            "{} exists already; pass --force to replace it",
            path.display()
        ),
        other => other.with_context(|| format!("cannot back up {}", db.display()))?,
    };
    println!(
        "copied {} to {}: {} bytes, schema version {}",
        db.display(),
        args.path.display(),
        copied.bytes,
        copied.schema_version
    );
    Ok(())
}
