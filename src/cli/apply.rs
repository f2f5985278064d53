//! `mturk-review apply FILE.csv`: the decisions of a file (read and checked by
//! `decisions_file`), each row checked against its assignment as GetAssignment reports it
//! now. Any problem stops it before anything is sent; without `--yes` it says what it would
//! send and what that costs. With `--yes` the decisions go through the console's journal and
//! decision runner: a run killed half way and started again reconciles what the first left
//! unknown, skips what already took effect, and sends the rest, nothing twice.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use aws_sdk_mturk::Client;
use clap::Args;
use futures::StreamExt;
use tokio::sync::mpsc;

use mturk_review::clock::now_secs;
use mturk_review::decisions_file::{self, Current, Parsed, Plan, Problem};
use mturk_review::journal::{self, Journal};
use mturk_review::money::format_cents;
use mturk_review::mturk::client::{ErrorKind, assignment_from_sdk, hit_from_sdk};
use mturk_review::mturk::decisions::{DECISION_CONCURRENCY, RunnerEvent, spawn_runner};
use mturk_review::mturk::domain::{DecisionKind, DecisionState};
use mturk_review::mturk::limiter::Limiter;
use mturk_review::mturk::retry::{Pacing, call, with_retries, without_sdk_retries};
use mturk_review::sanitize::sanitize_inline;

use super::connect::{Connected, EndpointArgs, connect};
use super::progress::ProgressBar;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The results CSV (as `export` writes it) with an Approve column (x, or override for a
    /// rejected assignment) and a Reject column (the feedback), or a file of
    /// AssignmentId,Decision,Feedback (approve, reject or override).
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    /// Send the decisions; without it, only say what would be sent.
    #[arg(long)]
    pub yes: bool,
    /// The decision journal, the console's (default: journal.sqlite under the user's data
    /// directory; the demo keeps it in memory).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Write logs to this file.
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

pub async fn apply(args: ApplyArgs) -> Result<()> {
    if let Some(path) = &args.log_file {
        super::log_to_file(path)?;
    }
    let name = args.file.display().to_string();
    let file = std::fs::File::open(&args.file).with_context(|| format!("cannot open {name}"))?;
    let parsed = decisions_file::read(std::io::BufReader::new(file))
        .with_context(|| format!("cannot read {name}"))?;
    let connected = connect(&args.endpoint).await?;
    let result = run(&args, &name, &connected, parsed).await;
    connected.close().await;
    result
}

async fn run(args: &ApplyArgs, name: &str, connected: &Connected, parsed: Parsed) -> Result<()> {
    let ids = parsed
        .rows
        .iter()
        .map(|r| r.assignment_id.clone())
        .collect();
    let current = look_up(&connected.client, ids).await;
    let plan = decisions_file::check(&parsed.rows, &current, now_secs());
    let mut problems: Vec<&Problem> = parsed.problems.iter().chain(&plan.problems).collect();
    problems.sort_by_key(|p| p.line);
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!(
                "{name}: line {}: {}",
                problem.line,
                sanitize_inline(&problem.text)
            );
        }
        anyhow::bail!(
            "nothing was sent: {} problem{} in {name}",
            problems.len(),
            plural(problems.len())
        );
    }
    print_plan(name, &plan, parsed.left_alone);
    if !args.yes {
        println!("dry run: nothing was sent; run again with --yes to send these decisions");
        return Ok(());
    }
    if plan.send.is_empty() {
        println!("nothing to send");
        return Ok(());
    }
    let journal_path = match (&args.journal, args.endpoint.demo) {
        (Some(path), _) => path.clone(),
        (None, true) => PathBuf::from(":memory:"),
        (None, false) => journal::default_path()?,
    };
    let journal = Journal::open(&journal_path, connected.scope.clone())?;
    send(connected.client.clone(), journal, &plan).await
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn print_plan(name: &str, plan: &Plan, left_alone: usize) {
    let approve = plan.count(DecisionKind::Approve {
        override_rejection: false,
    });
    let overrides = plan.count(DecisionKind::Approve {
        override_rejection: true,
    });
    let reject = plan.count(DecisionKind::Reject);
    println!(
        "{name}: {} decision{} to send: {approve} approve, {overrides} approve (override), \
         {reject} reject; {} already in effect; {left_alone} row{} left alone",
        plan.send.len(),
        plural(plan.send.len()),
        plan.already.len(),
        plural(left_alone),
    );
    let (cents, unpriced) = plan.cost_cents();
    let unpriced = match unpriced {
        0 => String::new(),
        n => format!(" (and {n} approval{} whose reward is unknown)", plural(n)),
    };
    println!(
        "cost: ${} in rewards and MTurk's fees{unpriced}",
        format_cents(cents)
    );
}

/// Each assignment as GetAssignment reports it, several at once, retried as the runner's
/// calls are.
async fn look_up(client: &Client, ids: Vec<String>) -> HashMap<String, Current> {
    let calls = without_sdk_retries(client);
    let limiter = Limiter::new(DECISION_CONCURRENCY);
    let total = ids.len();
    let mut bar = ProgressBar::counting("assignments looked up");
    let mut found = HashMap::new();
    let mut answers = futures::stream::iter(ids)
        .map(|id| {
            let (calls, limiter) = (&calls, &limiter);
            async move {
                let current = look_up_one(calls, limiter, &id).await;
                (id, current)
            }
        })
        .buffer_unordered(DECISION_CONCURRENCY);
    while let Some((id, current)) = answers.next().await {
        found.insert(id, current);
        bar.update(found.len(), total, "checking");
    }
    bar.finish();
    found
}

async fn look_up_one(client: &Client, limiter: &Limiter, id: &str) -> Current {
    let answer = with_retries(Pacing::Slot(limiter), &|_, _: &str| {}, || async {
        call(client.get_assignment().assignment_id(id).send()).await
    })
    .await;
    match answer {
        Ok(out) => match (out.assignment(), out.hit()) {
            (Some(assignment), Some(hit)) => Current::Found(
                Box::new(assignment_from_sdk(assignment)),
                Box::new(hit_from_sdk(hit)),
            ),
            _ => Current::Unreadable(
                "GetAssignment answered without the assignment or its HIT".to_string(),
            ),
        },
        Err(failure) if failure.kind == ErrorKind::Refused => Current::Unknown(failure.text),
        Err(failure) => Current::Unreadable(failure.text),
    }
}

/// Sends the plan's decisions through the runner and waits until each has settled; fails
/// when any did not take effect.
async fn send(client: Client, journal: Journal, plan: &Plan) -> Result<()> {
    // An earlier run's open entries are reconciled first, so that no entry of theirs is
    // settled after this run's new entry for the same assignment.
    let earlier = journal.unresolved()?.len();
    let (events_tx, mut events) = mpsc::unbounded_channel::<RunnerEvent>();
    let decisions = spawn_runner(
        client,
        journal,
        Limiter::new(DECISION_CONCURRENCY),
        events_tx,
    );
    if earlier > 0 {
        while let Some(event) = events.recv().await {
            if let RunnerEvent::Reconciled { confirmed, pending } = event {
                let in_file = pending
                    .iter()
                    .filter(|d| plan.send.iter().any(|p| p.decision == **d))
                    .count();
                println!(
                    "journal: {earlier} decision{} of an earlier run unsettled: {confirmed} had \
                     taken effect, {in_file} are sent again now, {} left for the console (P)",
                    plural(earlier),
                    pending.len() - in_file
                );
                break;
            }
        }
    }
    let line_of: HashMap<&str, u64> = plan
        .send
        .iter()
        .map(|p| (p.decision.assignment_id.as_str(), p.line))
        .collect();
    for planned in &plan.send {
        decisions
            .send(planned.decision.clone())
            .context("the decision runner stopped")?;
    }
    let total = plan.send.len();
    let mut bar = ProgressBar::counting("decisions");
    let mut failed: Vec<(u64, String, String)> = Vec::new();
    let (mut done, mut retries) = (0, 0);
    while done + failed.len() < total {
        let Some(event) = events.recv().await else {
            break;
        };
        let RunnerEvent::Decision {
            assignment_id,
            state,
        } = event
        else {
            continue;
        };
        match state {
            DecisionState::Done(_) => done += 1,
            DecisionState::Failed(text) => {
                let line = line_of.get(assignment_id.as_str()).copied().unwrap_or(0);
                failed.push((line, assignment_id, text));
            }
            DecisionState::Retrying { .. } => retries += 1,
            _ => {}
        }
        let failed_note = match failed.len() {
            0 => String::new(),
            n => format!(", {n} failed"),
        };
        bar.update(
            done + failed.len(),
            total,
            &format!("{done} applied{failed_note}, {retries} retried"),
        );
    }
    bar.finish();
    drop(decisions);
    println!("applied {done} of {total} decisions ({retries} retries)");
    failed.sort();
    for (line, id, text) in &failed {
        eprintln!("line {line}: {id}: {}", sanitize_inline(text));
    }
    if !failed.is_empty() {
        anyhow::bail!(
            "{} of {total} decisions failed (the journal keeps them; run apply again to retry)",
            failed.len()
        );
    }
    Ok(())
}
