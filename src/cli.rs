//! Command-line parsing and the binary's edges: turning library errors into messages for
//! people, and setting up logging.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use mturk_review::console::{self, Connection};
use mturk_review::money;
use mturk_review::mturk::client::{ClientOptions, Endpoint, load_config, local_client};
use mturk_review::mturk::loader::HitSelection;
use mturk_review::server::{self, DEFAULT_MAX_BODY_BYTES, FaultConfig, ServerConfig};

#[derive(Debug, Parser)]
#[command(
    name = "mturk-review",
    version,
    about = "Review MTurk assignments from the terminal, or serve an MTurk-compatible API",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    console: ConsoleArgs,
}

/// The review console (the default command).
#[derive(Debug, Args)]
struct ConsoleArgs {
    /// Review the bundled demo data on a private in-process server: no account, no network.
    #[arg(long, conflicts_with_all = ["endpoint_url", "sandbox", "profile"])]
    demo: bool,
    /// Any MTurk-compatible endpoint, e.g. a running `mturk-review serve`.
    #[arg(long, value_name = "URL", conflicts_with = "sandbox")]
    endpoint_url: Option<String>,
    /// MTurk's requester sandbox. Without --sandbox or --endpoint-url: MTurk production.
    #[arg(long)]
    sandbox: bool,
    /// AWS profile to take credentials from (default: the standard credential chain).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// AWS region (MTurk lives in us-east-1).
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Review only this HIT (repeatable).
    #[arg(long = "hit", value_name = "ID")]
    hits: Vec<String>,
    /// Write logs to this file (the console never logs to the terminal it draws on).
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a local MTurk-compatible server backed by SQLite.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8780")]
    listen: SocketAddr,
    /// Allow a --listen address other than loopback. The server accepts any signature, so
    /// anyone who can reach it can act on its database.
    #[arg(long)]
    allow_remote: bool,
    /// SQLite database file (`:memory:` for a throwaway run). Default: mturk-review/server.db
    /// under the user's data directory.
    #[arg(long)]
    db: Option<PathBuf>,
    /// Load the bundled demo data set into an empty database.
    #[arg(long)]
    demo: bool,
    /// Starting prepaid balance of a new database, in US dollars.
    #[arg(long, default_value = "10000.00", value_parser = parse_usd)]
    balance: i64,
    /// Delay every response by this many milliseconds (testing).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Answer this percentage of calls with ThrottlingException "Rate exceeded" (testing).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    throttle_percent: u8,
    /// Answer this percentage of calls with ServiceFault, HTTP 500 (testing).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    fault_percent: u8,
    /// Seed for the throttle and fault dice, to make a run repeatable.
    #[arg(long)]
    seed: Option<u64>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,
}

fn parse_usd(text: &str) -> Result<i64, String> {
    money::parse_cents(text).ok_or_else(|| format!("{text:?} is not an amount like 10000.00"))
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Serve(args)) => run_async(serve(args)),
        None => run_async(console(cli.console)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mturk-review: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_async(future: impl std::future::Future<Output = Result<()>>) -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(future)
}

fn default_db_path() -> Result<PathBuf> {
    let dir = dirs::data_dir()
        .context("no user data directory is known here; pass --db PATH")?
        .join("mturk-review");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir.join("server.db"))
}

async fn serve(args: ServeArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        anyhow::bail!(
            "{} is not a loopback address; this server accepts any signature, so anyone who can reach it could pay and reject on its database. Pass --allow-remote to listen there anyway.",
            args.listen
        );
    }
    let db = match args.db {
        Some(db) => db,
        None => default_db_path()?,
    };
    let config = ServerConfig {
        listen: args.listen,
        db: db.clone(),
        demo: args.demo,
        balance_cents: args.balance,
        faults: FaultConfig {
            latency: Duration::from_millis(args.latency_ms),
            throttle_percent: args.throttle_percent,
            fault_percent: args.fault_percent,
            seed: args.seed,
        },
        max_body_bytes: args.max_body_bytes,
    };
    let running = server::start(config).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", running.endpoint_url())?;
        out.flush()?;
    }
    eprintln!("database: {}", db.display());
    if !running.addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {} (not loopback): this server accepts any signature, so anyone who can reach it can act on this database",
            running.addr
        );
    }
    shutdown_signal().await;
    eprintln!("shutting down");
    running.stop().await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Logs go to a file or nowhere: never to the terminal the console draws on.
fn log_to_file(path: &std::path::Path) -> Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the log file {}", path.display()))?;
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    Ok(())
}

async fn console(args: ConsoleArgs) -> Result<()> {
    if let Some(path) = &args.log_file {
        log_to_file(path)?;
    }
    let selection = if args.hits.is_empty() {
        HitSelection::All
    } else {
        HitSelection::Only(args.hits.clone())
    };
    let mut demo_server = None;
    let (client, connection) = if args.demo {
        let server = server::start(ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: PathBuf::from(":memory:"),
            demo: true,
            balance_cents: 1_000_000,
            faults: FaultConfig::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        })
        .await
        .context("cannot start the demo server")?;
        let client = local_client(&server.endpoint_url()).await;
        demo_server = Some(server);
        (client, Connection::Demo)
    } else {
        let endpoint = match (&args.endpoint_url, args.sandbox) {
            (Some(url), _) => Endpoint::Custom(url.clone()),
            (None, true) => Endpoint::Sandbox,
            (None, false) => Endpoint::Production,
        };
        let connection = match &endpoint {
            Endpoint::Production => Connection::Production,
            Endpoint::Sandbox => Connection::Sandbox,
            Endpoint::Custom(url) => Connection::Local(url.clone()),
        };
        let mut options = ClientOptions {
            endpoint,
            profile: args.profile.clone(),
            region: Some(args.region.clone()),
            local_credentials: false,
            max_attempts: 5,
        };
        let mut config = load_config(&options).await;
        if let Err(err) = check_credentials(&config).await {
            // A self-hosted server such as `mturk-review serve` accepts any signature, so a
            // custom endpoint works without an AWS account; MTurk itself does not.
            if !matches!(options.endpoint, Endpoint::Custom(_)) {
                return Err(err);
            }
            tracing::info!(
                "no AWS credentials; using dummy ones for {}",
                options.endpoint.url()
            );
            options.local_credentials = true;
            config = load_config(&options).await;
        }
        (aws_sdk_mturk::Client::new(&config), connection)
    };
    let mut terminal = ratatui::try_init().context("cannot take over the terminal")?;
    let result = console::run(&mut terminal, client, connection, selection).await;
    ratatui::restore();
    if let Some(server) = demo_server {
        server.stop().await;
    }
    result.context("the terminal failed")
}

/// Fails early, in plain words, when the credential chain has nothing to offer.
async fn check_credentials(config: &aws_config::SdkConfig) -> Result<()> {
    use aws_sdk_mturk::config::ProvideCredentials;
    let Some(provider) = config.credentials_provider() else {
        anyhow::bail!("{}", NO_CREDENTIALS);
    };
    match provider.provide_credentials().await {
        Ok(_) => Ok(()),
        Err(err) => anyhow::bail!(
            "{NO_CREDENTIALS} (The credential chain said: {})",
            aws_sdk_mturk::error::DisplayErrorContext(&err)
        ),
    }
}

const NO_CREDENTIALS: &str = "No AWS credentials were found, so MTurk cannot be reached. Set them up with `aws configure` (or the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY variables), choose a profile with --profile NAME, or point --endpoint-url at an MTurk-compatible server such as `mturk-review serve`. To try the console without an account, run `mturk-review --demo`.";
