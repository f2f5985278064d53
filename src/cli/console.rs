//! The review console (the default command): connect, open the journal, run the UI on the
//! real terminal until the reviewer quits or SIGTERM arrives.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use crossterm::event::EventStream;

use mturk_review::console;
use mturk_review::journal::{self, Journal};
use mturk_review::mturk::loader::HitSelection;

use super::connect::{EndpointArgs, connect};

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    /// Review only this HIT (repeatable).
    #[arg(long = "hit", value_name = "ID")]
    pub hits: Vec<String>,
    /// The decision journal (default: journal.sqlite under the user's data directory; the
    /// demo keeps its journal in memory, like its server).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// The feedback templates file (default: mturk-review/templates.toml under the user's
    /// config directory).
    #[arg(long, value_name = "PATH", env = "MTURK_REVIEW_TEMPLATES")]
    pub templates: Option<PathBuf>,
    /// Write logs to this file (the console never logs to the terminal it draws on).
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

pub async fn console(args: ConsoleArgs) -> Result<()> {
    if let Some(path) = &args.log_file {
        super::log_to_file(path)?;
    }
    let selection = if args.hits.is_empty() {
        HitSelection::All
    } else {
        HitSelection::Only(args.hits.clone())
    };
    let connected = connect(&args.endpoint).await?;
    let journal_path = match (&args.journal, args.endpoint.demo) {
        (Some(path), _) => path.clone(),
        (None, true) => PathBuf::from(":memory:"),
        (None, false) => journal::default_path()?,
    };
    let journal = Journal::open(&journal_path, connected.scope.clone())?;
    let session = console::Session {
        client: connected.client.clone(),
        endpoint: connected.endpoint.clone(),
        selection,
        journal,
        worker_site: connected.worker_site.clone(),
        templates: args
            .templates
            .clone()
            .or_else(console::default_templates_path),
    };
    let mut terminal = ratatui::try_init().context("cannot take over the terminal")?;
    let result = console::run(&mut terminal, EventStream::new(), terminated(), session).await;
    ratatui::restore();
    connected.close().await;
    result.context("the terminal failed")
}

/// Resolves when SIGTERM arrives; where there is no SIGTERM, never.
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
                return;
            }
            Err(err) => tracing::warn!(%err, "cannot listen for SIGTERM"),
        }
    }
    std::future::pending::<()>().await
}
