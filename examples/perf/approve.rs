//! Figure 2: approving 2,000 assignments with the console's decision runner (journal on disk,
//! adaptive concurrency) against `serve --latency-ms 25`, beside the same runner one decision
//! at a time and a plain ApproveAssignment loop; each approved exactly once (statuses and the
//! balance checked on the server). The runner under throttling is figure 7 (`throttling`).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use aws_sdk_mturk::Client;
use aws_sdk_mturk::types::AssignmentStatus as SdkStatus;
use futures::StreamExt;
use mturk_review::journal::{Journal, Scope};
use mturk_review::money::{approval_cost_cents, parse_cents};
use mturk_review::mturk::client::local_client;
use mturk_review::mturk::decisions::{DECISION_CONCURRENCY, RunnerEvent, spawn_runner};
use mturk_review::mturk::domain::{Decision, DecisionKind, DecisionState};
use mturk_review::mturk::limiter::Limiter;
use tokio::sync::mpsc;

use crate::load::LATENCY_MS;
use crate::serve::Serve;
use crate::table::{Row, Table, secs};
use crate::temp::TempPath;

pub const COUNT: usize = 2_000;

/// A submitted assignment to approve, and what approving it costs.
#[derive(Clone)]
pub struct Target {
    id: String,
    worker: String,
    cost_cents: i64,
}

/// Every Submitted assignment on the server, oldest HIT first.
pub async fn submitted(client: &Client) -> Result<Vec<Target>> {
    let mut targets = Vec::new();
    let mut hits = client.list_hits().max_results(100).into_paginator().send();
    while let Some(page) = hits.next().await {
        for hit in page.context("ListHITs")?.hits() {
            let reward = parse_cents(hit.reward().unwrap_or_default()).unwrap_or_default();
            let cost = approval_cost_cents(reward, i64::from(hit.max_assignments().unwrap_or(1)))
                .context("cost out of range")?;
            let mut pages = client
                .list_assignments_for_hit()
                .hit_id(hit.hit_id().unwrap_or_default())
                .assignment_statuses(SdkStatus::Submitted)
                .max_results(100)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                for a in page.context("ListAssignmentsForHIT")?.assignments() {
                    targets.push(Target {
                        id: a.assignment_id().unwrap_or_default().to_string(),
                        worker: a.worker_id().unwrap_or_default().to_string(),
                        cost_cents: cost,
                    });
                }
            }
        }
    }
    Ok(targets)
}

/// The account's funds: available plus on hold (approvals are paid from the hold).
pub async fn balance(client: &Client) -> Result<i64> {
    let out = client.get_account_balance().send().await?;
    let available = parse_cents(out.available_balance().unwrap_or_default()).context("balance")?;
    let on_hold = parse_cents(out.on_hold_balance().unwrap_or_default()).context("on hold")?;
    available
        .checked_add(on_hold)
        .context("balance out of range")
}

/// Checks on the server that every target is Approved and the balance fell by exactly one
/// approval each.
pub async fn check_exactly_once(client: &Client, targets: &[Target], before: i64) -> Result<()> {
    let after = balance(client).await?;
    let cost: i64 = targets.iter().map(|t| t.cost_cents).sum();
    if before - after != cost {
        bail!(
            "the balance fell by {} cents; {} approvals cost {cost}",
            before - after,
            targets.len()
        );
    }
    // Read back 16 at a time: the check need not take 2,000 round trips in a row.
    let statuses: Vec<(String, Option<SdkStatus>)> = futures::stream::iter(targets)
        .map(|t| async move {
            let out = client.get_assignment().assignment_id(&t.id).send().await;
            let status = out
                .ok()
                .and_then(|o| o.assignment().and_then(|a| a.assignment_status().cloned()));
            (t.id.clone(), status)
        })
        .buffer_unordered(16)
        .collect()
        .await;
    for (id, status) in statuses {
        if status != Some(SdkStatus::Approved) {
            bail!("{id} is {status:?}, not Approved");
        }
    }
    Ok(())
}

pub struct RunnerRun {
    pub elapsed: Duration,
    pub failed: usize,
    /// The limiter's limit, sampled every 10 ms.
    pub limits: Vec<usize>,
}

/// Approves `targets` through the decision runner on `client` (for the server at `url`),
/// journal on disk as in the console.
pub async fn with_runner(
    client: Client,
    url: &str,
    targets: &[Target],
    ceiling: usize,
) -> Result<RunnerRun> {
    let journal_file = TempPath::new(&format!("journal-{ceiling}-{}", targets.len()));
    let scope = Scope {
        endpoint: url.to_string(),
        account: "perf".to_string(),
    };
    let journal = Journal::open(&journal_file.0, scope)?;
    let limiter = Limiter::new(ceiling);
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let started = Instant::now();
    let decisions = spawn_runner(client, journal, limiter.clone(), events_tx);
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let sampler = tokio::spawn(async move {
        let mut limits = Vec::new();
        loop {
            limits.push(limiter.limit());
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(10)) => {}
                _ = &mut stopped => return limits,
            }
        }
    });
    for t in targets {
        let decision = Decision {
            assignment_id: t.id.clone(),
            worker_id: t.worker.clone(),
            kind: DecisionKind::Approve {
                override_rejection: false,
            },
            feedback: None,
        };
        decisions.send(decision).context("the runner stopped")?;
    }
    let (mut done, mut failed) = (0, 0);
    while done + failed < targets.len() {
        match events.recv().await {
            Some(RunnerEvent::Decision { state, .. }) => match state {
                DecisionState::Done(_) => done += 1,
                DecisionState::Failed(_) => failed += 1,
                _ => {}
            },
            Some(_) => {}
            None => bail!("the runner stopped early"),
        }
    }
    let elapsed = started.elapsed();
    let _ = stop.send(());
    let limits = sampler.await.unwrap_or_default();
    drop(decisions);
    Ok(RunnerRun {
        elapsed,
        failed,
        limits,
    })
}

/// What a plain script does: one ApproveAssignment after another.
async fn plain_loop(url: &str, targets: &[Target]) -> Result<Duration> {
    let client = local_client(url).await;
    let started = Instant::now();
    for t in targets {
        client
            .approve_assignment()
            .assignment_id(&t.id)
            .send()
            .await
            .with_context(|| format!("approve {}", t.id))?;
    }
    Ok(started.elapsed())
}

pub async fn figure(table: &mut Table) -> Result<()> {
    let latency = LATENCY_MS.to_string();
    // 400 HITs x 20: about 7,200 submitted, enough for three sets of 2,000.
    let serve = Serve::start(&[
        "--db",
        ":memory:",
        "--generate",
        "400:20",
        "--seed",
        "2",
        "--balance",
        "1000000.00",
        "--latency-ms",
        &latency,
    ])?;
    let client = local_client(&serve.url).await;
    let all = submitted(&client).await?;
    if all.len() < 3 * COUNT {
        bail!("only {} submitted assignments", all.len());
    }
    let (fast_set, rest) = all.split_at(COUNT);
    let (one_set, rest) = rest.split_at(COUNT);
    let plain_set = &rest[..COUNT];

    let before = balance(&client).await?;
    let fast = with_runner(
        local_client(&serve.url).await,
        &serve.url,
        fast_set,
        DECISION_CONCURRENCY,
    )
    .await?;
    check_exactly_once(&client, fast_set, before).await?;
    let before = balance(&client).await?;
    let one = with_runner(local_client(&serve.url).await, &serve.url, one_set, 1).await?;
    check_exactly_once(&client, one_set, before).await?;
    let before = balance(&client).await?;
    let plain = plain_loop(&serve.url, plain_set).await?;
    check_exactly_once(&client, plain_set, before).await?;
    if fast.failed + one.failed > 0 {
        bail!("{} decisions failed", fast.failed + one.failed);
    }
    let ratio = one.elapsed.as_secs_f64() / fast.elapsed.as_secs_f64();
    table.push(Row {
        figure: format!(
            "2. approve 2,000 at {LATENCY_MS} ms latency (decision runner, up to {DECISION_CONCURRENCY} at once; each = approve + confirming read)"
        ),
        measured: secs(fast.elapsed),
        baseline: format!("{} (same runner, 1 at a time)", secs(one.elapsed)),
        ratio: format!("{ratio:.1}x"),
        goal: "≥ 10x, each approved once".into(),
        met: ratio >= 10.0,
    });
    let plain_ratio = plain.as_secs_f64() / fast.elapsed.as_secs_f64();
    table.push(Row {
        figure: "2. same, against a plain ApproveAssignment loop (1 call each, no journal, no confirmation)".into(),
        measured: secs(fast.elapsed),
        baseline: secs(plain),
        ratio: format!("{plain_ratio:.1}x"),
        goal: "≥ 10x".into(),
        met: plain_ratio >= 10.0,
    });
    Ok(())
}
