//! Command-line parsing and the binary's edges: turning library errors into messages for
//! people, and setting up logging.

mod accounts;
mod apply;
mod connect;
mod console;
mod export;
mod journal;
mod notifications;
mod progress;
mod serve;
mod workers;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

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
    console: console::ConsoleArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a local MTurk-compatible server backed by SQLite (`serve backup` copies its
    /// database).
    Serve(Box<serve::ServeArgs>),
    /// Requester accounts and their access keys, on the server's database.
    Accounts(accounts::AccountsArgs),
    /// Workers of the worker site: `workers invite NAME` prints a sign-in link.
    Workers(workers::WorkersArgs),
    /// Notifications on the server's database not yet delivered, with their last error.
    Notifications(notifications::NotificationsArgs),
    /// Print the history of decisions from the journal.
    Journal(journal::JournalArgs),
    /// Write every assignment (of the chosen statuses) as CSV or JSON lines.
    Export(export::ExportArgs),
    /// Send the decisions of a CSV (the results CSV with Approve and Reject columns, or
    /// AssignmentId,Decision,Feedback); without --yes, only say what would be sent.
    Apply(apply::ApplyArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Serve(args)) => match *args {
            serve::ServeArgs {
                command: Some(serve::ServeCommand::Backup(backup)),
                ..
            } => serve::backup(backup),
            args => run_async(serve::serve(args)),
        },
        Some(Command::Accounts(args)) => accounts::run(args),
        Some(Command::Workers(args)) => workers::run(args),
        Some(Command::Notifications(args)) => notifications::run(args),
        Some(Command::Journal(args)) => journal::print(args),
        Some(Command::Export(args)) => run_async(export::export(args)),
        Some(Command::Apply(args)) => run_async(apply::apply(args)),
        None => run_async(console::console(cli.console)),
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
        .with_env_filter(log_filter())
        .init();
    Ok(())
}

/// RUST_LOG (default info), except that the AWS SDK's internals never log below info: their
/// debug and trace output carries access key ids and session tokens.
fn log_filter() -> tracing_subscriber::EnvFilter {
    let mut filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    for target in [
        "aws_config",
        "aws_runtime",
        "aws_sdk_mturk",
        "aws_sigv4",
        "aws_smithy_http_client",
        "aws_smithy_runtime",
        "aws_smithy_runtime_api",
        "aws_smithy_types",
        "hyper",
        "hyper_util",
    ] {
        if let Ok(directive) = format!("{target}=info").parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// Whether writing failed only because the reader went away (a pager or `head` that stops
/// reading early), which is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().or_else(|| {
            match cause.downcast_ref::<csv::Error>()?.kind() {
                csv::ErrorKind::Io(io) => Some(io),
                _ => None,
            }
        });
        io.is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
