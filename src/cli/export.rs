//! `mturk-review export`: every assignment of the chosen statuses across all HITs (or the
//! chosen ones), loaded with the console's loader, written as CSV or JSON lines (through the
//! sanitiser when they go to a terminal).

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use tokio::sync::mpsc;

use mturk_review::export::{self, Format};
use mturk_review::mturk::domain::{Assignment, AssignmentStatus, Hit};
use mturk_review::mturk::loader::{
    HitSelection, LOAD_CONCURRENCY, LoadError, LoadEvent, LoadRequest, load,
};
use mturk_review::sanitize::{Output, sanitize_inline};

use super::connect::{EndpointArgs, connect};
use super::progress::ProgressBar;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    /// Assignment statuses to export, comma-separated (default: all three, like the MTurk
    /// website's "Download CSV").
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "submitted,approved,rejected"
    )]
    pub status: Vec<StatusArg>,
    /// csv: the website's columns plus one Answer.<QuestionIdentifier> column per question;
    /// jsonl: one JSON object per assignment, with an "Answer" object.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Write here instead of standard output (only once everything has loaded).
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Export only this HIT (repeatable).
    #[arg(long = "hit", value_name = "ID")]
    pub hits: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Submitted,
    Approved,
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Csv,
    Jsonl,
}

/// Everything the loader delivered, HITs in the order they were listed.
#[derive(Default)]
struct Loaded {
    hit_order: Vec<String>,
    hits: HashMap<String, Hit>,
    by_hit: HashMap<String, Vec<Assignment>>,
    assignments: usize,
    failures: Vec<LoadError>,
}

pub async fn export(args: ExportArgs) -> Result<()> {
    let mut statuses: Vec<AssignmentStatus> = Vec::new();
    for status in &args.status {
        let status = match status {
            StatusArg::Submitted => AssignmentStatus::Submitted,
            StatusArg::Approved => AssignmentStatus::Approved,
            StatusArg::Rejected => AssignmentStatus::Rejected,
        };
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    let selection = if args.hits.is_empty() {
        HitSelection::All
    } else {
        HitSelection::Only(args.hits.clone())
    };
    let connected = connect(&args.endpoint).await?;
    let request = LoadRequest {
        selection,
        statuses,
        concurrency: LOAD_CONCURRENCY,
    };
    let loaded = load_all(connected.client.clone(), request).await;
    connected.close().await;

    if let Some(first) = loaded.failures.first() {
        let more = match loaded.failures.len() - 1 {
            0 => String::new(),
            n => format!(" (and {n} more failures)"),
        };
        anyhow::bail!(
            "export failed, nothing was written: {}{more}",
            sanitize_inline(&first.for_command())
        );
    }
    let Loaded {
        hit_order,
        hits,
        mut by_hit,
        ..
    } = loaded;
    let assignments: Vec<Assignment> = hit_order
        .iter()
        .flat_map(|id| by_hit.remove(id).unwrap_or_default())
        .collect();
    let format = match args.format {
        FormatArg::Csv => Format::Csv,
        FormatArg::Jsonl => Format::Jsonl,
    };
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let output = Output::of(&file);
            let mut out = std::io::BufWriter::new(file);
            export::write(format, &hits, &assignments, &mut out, output)
                .with_context(|| format!("cannot write {}", path.display()))?;
            out.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "exported {} assignments of {} HITs to {}",
                assignments.len(),
                hit_order.len(),
                path.display()
            );
        }
        None => {
            let stdout = std::io::stdout();
            let output = Output::of(&stdout);
            let out = std::io::BufWriter::new(stdout.lock());
            let written = export::write(format, &hits, &assignments, out, output)
                .context("cannot write to standard output");
            match written {
                Err(err) if super::is_broken_pipe(&err) => {}
                other => other?,
            }
        }
    }
    Ok(())
}

/// Runs the loader to the end, drawing progress as pages arrive.
async fn load_all(client: aws_sdk_mturk::Client, request: LoadRequest) -> Loaded {
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let loader = tokio::spawn(load(client, request, events_tx));
    let mut bar = ProgressBar::on_stderr();
    let mut loaded = Loaded::default();
    let (mut done, mut total, mut retries) = (0, 0, 0);
    while let Some(event) = events.recv().await {
        match event {
            LoadEvent::Hits(hits) => {
                for hit in hits {
                    loaded.hit_order.push(hit.id.clone());
                    loaded.hits.insert(hit.id.clone(), hit);
                }
            }
            LoadEvent::Assignments {
                hit_id,
                assignments,
            } => {
                loaded.assignments += assignments.len();
                loaded.by_hit.entry(hit_id).or_default().extend(assignments);
            }
            LoadEvent::Progress {
                hits_done,
                hits_total,
            } => (done, total) = (hits_done, hits_total),
            LoadEvent::Failed(failure) => loaded.failures.push(failure),
            LoadEvent::Retrying { .. } => retries += 1,
            LoadEvent::Finished => break,
        }
        let retried = if retries > 0 {
            format!(", {retries} retried")
        } else {
            String::new()
        };
        bar.update(
            done,
            total,
            &format!("{} assignments{retried}", loaded.assignments),
        );
    }
    bar.finish();
    let _ = loader.await;
    loaded
}
