//! `mturk-review export`: every assignment of the chosen statuses across all HITs (or the
//! chosen ones), loaded with the console's loader, written as CSV or JSON lines (through the
//! sanitiser when they go to a terminal). With `--payments`, one row per worker instead: the
//! approved assignments and the bonuses (ListBonusPayments of each HIT) as money owed.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use tokio::sync::mpsc;

use futures::StreamExt;

use mturk_review::export::{self, Bonus, Format};
use mturk_review::money::parse_cents;
use mturk_review::mturk::domain::{Assignment, AssignmentStatus, Hit};
use mturk_review::mturk::limiter::Limiter;
use mturk_review::mturk::loader::{
    HitSelection, LOAD_CONCURRENCY, LoadError, LoadEvent, LoadRequest, load,
};
use mturk_review::mturk::pagination::Tokens;
use mturk_review::mturk::retry::{Pacing, call, with_retries, without_sdk_retries};
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
    /// One row per worker instead: approved assignments, rewards, bonuses, MTurk's fees on
    /// both, and the total (rewards + bonuses + fees).
    #[arg(long, conflicts_with = "status")]
    pub payments: bool,
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
    if args.payments {
        // Only approved work is paid.
        statuses.push(AssignmentStatus::Approved);
    }
    for status in args.status.iter().filter(|_| !args.payments) {
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
    let bonuses = if args.payments && loaded.failures.is_empty() {
        Some(list_bonuses(&connected.client, &loaded.hit_order).await)
    } else {
        None
    };
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
    let payments = match bonuses {
        None => None,
        Some(Err(failure)) => anyhow::bail!(
            "export failed, nothing was written: {}",
            sanitize_inline(&failure)
        ),
        Some(Ok(bonuses)) => Some(export::payments(&hits, &assignments, &bonuses)?),
    };
    let write = |out: &mut dyn Write, output: Output| match &payments {
        Some(payments) => export::write_payments(format, payments, out, output),
        None => export::write(format, &hits, &assignments, out, output),
    };
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let output = Output::of(&file);
            let mut out = std::io::BufWriter::new(file);
            write(&mut out, output).with_context(|| format!("cannot write {}", path.display()))?;
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
            let mut out = std::io::BufWriter::new(stdout.lock());
            let written = write(&mut out, output).context("cannot write to standard output");
            match written {
                Err(err) if super::is_broken_pipe(&err) => {}
                other => other?,
            }
        }
    }
    Ok(())
}

/// Every bonus paid on these HITs (ListBonusPayments, page by page, retried as the loader's
/// calls are), or what could not be listed.
async fn list_bonuses(
    client: &aws_sdk_mturk::Client,
    hit_ids: &[String],
) -> Result<Vec<Bonus>, String> {
    let calls = without_sdk_retries(client);
    let limiter = Limiter::new(LOAD_CONCURRENCY);
    let lists = futures::stream::iter(hit_ids)
        .map(|hit_id| bonuses_of(&calls, &limiter, hit_id))
        .buffer_unordered(LOAD_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let mut bonuses = Vec::new();
    for list in lists {
        bonuses.extend(list?);
    }
    Ok(bonuses)
}

/// The bonuses of one HIT, page by page until the listing ends (as the loader's listings do).
async fn bonuses_of(
    client: &aws_sdk_mturk::Client,
    limiter: &Limiter,
    hit_id: &str,
) -> Result<Vec<Bonus>, String> {
    let mut bonuses = Vec::new();
    let mut tokens = Tokens::new("ListBonusPayments");
    let mut token: Option<String> = None;
    loop {
        let page = with_retries(Pacing::Slot(limiter), &|_, _: &str| {}, || {
            call(
                client
                    .list_bonus_payments()
                    .hit_id(hit_id)
                    .max_results(BONUS_PAGE)
                    .set_next_token(token.clone())
                    .send(),
            )
        })
        .await
        .map_err(|failure| format!("cannot list the bonuses of HIT {hit_id}: {}", failure.text))?;
        let listed = page.bonus_payments();
        for bonus in listed {
            let amount = bonus.bonus_amount().unwrap_or_default();
            let amount_cents = parse_cents(amount).ok_or_else(|| {
                format!("a bonus of HIT {hit_id} has the amount {amount:?}, which is not money")
            })?;
            bonuses.push(Bonus {
                worker_id: bonus.worker_id().unwrap_or_default().to_string(),
                amount_cents,
            });
        }
        token = tokens
            .after_page(page.next_token(), listed.len(), BONUS_PAGE as usize)
            .map_err(|endless| format!("HIT {hit_id}: {endless}"))?;
        if token.is_none() {
            return Ok(bonuses);
        }
    }
}

const BONUS_PAGE: i32 = 100;

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
