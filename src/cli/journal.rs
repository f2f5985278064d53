//! `mturk-review journal`: the reviewer's history of decisions and bonuses, oldest first, as a
//! table or CSV. The table is always made safe for a terminal; the CSV is, when it goes to one.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use mturk_review::clock::utc_seconds;
use mturk_review::journal::{self, BonusEntry, Entry, Outcome};
use mturk_review::money::format_cents;
use mturk_review::sanitize::{Output, sanitize_inline};

#[derive(Debug, Args)]
pub struct JournalArgs {
    /// The journal file (default: journal.sqlite under the user's data directory).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// CSV instead of a table.
    #[arg(long)]
    pub csv: bool,
}

pub fn print(args: JournalArgs) -> Result<()> {
    let path = match args.journal {
        Some(path) => path,
        None => journal::default_path()?,
    };
    if !path.exists() {
        anyhow::bail!(
            "no journal at {}: no decision has been made with it yet",
            path.display()
        );
    }
    let mut entries: Vec<(i64, [String; 8])> = journal::read_history(&path)?
        .iter()
        .map(|entry| (entry.at_ms, fields(entry)))
        .collect();
    entries.extend(
        journal::read_bonuses(&path)?
            .iter()
            .map(|(endpoint, entry)| (entry.at_ms, bonus_fields(endpoint, entry))),
    );
    // Stable: entries of the same millisecond keep their journal order.
    entries.sort_by_key(|(at_ms, _)| *at_ms);
    let entries: Vec<[String; 8]> = entries.into_iter().map(|(_, fields)| fields).collect();
    let stdout = std::io::stdout();
    let output = Output::of(&stdout);
    let out = stdout.lock();
    let written = if args.csv {
        write_csv(out, output, &entries)
    } else {
        write_table(out, &entries)
    };
    match written {
        // A pager or `head` that stops reading early is not an error.
        Err(err) if super::is_broken_pipe(&err) => Ok(()),
        other => other.context("cannot write the history"),
    }
}

const HEADER: [&str; 8] = [
    "time",
    "endpoint",
    "assignment",
    "worker",
    "decision",
    "feedback",
    "outcome",
    "detail",
];

fn outcome_text(outcome: Option<Outcome>) -> String {
    outcome
        .map_or("unknown (not yet reconciled)", Outcome::as_str)
        .to_string()
}

fn fields(entry: &Entry) -> [String; 8] {
    [
        utc_seconds(entry.at_ms.div_euclid(1000)),
        entry.endpoint.clone(),
        entry.decision.assignment_id.clone(),
        entry.decision.worker_id.clone(),
        entry.decision.kind.label().to_string(),
        entry.decision.feedback.clone().unwrap_or_default(),
        outcome_text(entry.outcome),
        entry.detail.clone(),
    ]
}

/// A bonus as a line of the history: its amount where a decision is named, its reason where
/// a decision's feedback goes.
fn bonus_fields(endpoint: &str, entry: &BonusEntry) -> [String; 8] {
    [
        utc_seconds(entry.at_ms.div_euclid(1000)),
        endpoint.to_string(),
        entry.bonus.assignment_id.clone(),
        entry.bonus.worker_id.clone(),
        format!("bonus ${}", format_cents(entry.bonus.amount_cents)),
        entry.bonus.reason.clone(),
        outcome_text(entry.outcome),
        entry.detail.clone(),
    ]
}

fn write_csv(out: impl Write, output: Output, entries: &[[String; 8]]) -> Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(HEADER)?;
    for entry in entries {
        for field in entry {
            csv.write_field(output.text(field).as_bytes())?;
        }
        // An empty record ends the one the fields above began.
        csv.write_record(None::<&[u8]>)?;
    }
    csv.flush()?;
    Ok(())
}

/// Aligned columns; feedback and details shortened and made safe for the terminal.
fn write_table(mut out: impl Write, entries: &[[String; 8]]) -> Result<()> {
    let rows: Vec<[String; 8]> = entries
        .iter()
        .map(|entry| {
            entry
                .clone()
                .map(|field| shorten(&sanitize_inline(&field), 60))
        })
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (width, field) in widths.iter_mut().zip(row) {
            *width = (*width).max(field.chars().count());
        }
    }
    let line = |fields: &[String]| {
        fields
            .iter()
            .zip(widths)
            .map(|(f, w)| format!("{f:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(out, "{}", line(&HEADER.map(str::to_string)))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    if rows.is_empty() {
        writeln!(out, "(no decisions or bonuses yet)")?;
    }
    Ok(())
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max - 1).collect();
    short.push('…');
    short
}
