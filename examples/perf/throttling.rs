//! Figure 7: the console's decision runner and loader under the two kinds of throttling, side
//! by side, at 25 ms latency. By rate: approving 2,000 against `serve --rate-limit 50
//! --rate-burst 50`, whose throttles say when the next token comes (the limiter waits them
//! out, all calls together); calls per second that got through, as a share of what the
//! limit allowed. At random: approving 2,000 with `--throttle-percent 10`, whose throttles
//! say nothing (the limiter cuts at most once per round trip), beside 2,000 unthrottled.
//! Each approval is checked to have happened exactly once. Then the loader on 2,000 HITs x 10
//! (a call each, beyond the default burst) against the server's default limit, beside none.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Result, bail};
use mturk_review::mturk::client::local_client;
use mturk_review::mturk::decisions::DECISION_CONCURRENCY;
use mturk_review::mturk::loader::LOAD_CONCURRENCY;

use crate::answers::counted_client;
use crate::approve::{
    COUNT, RunnerRun, Target, balance, check_exactly_once, submitted, with_runner,
};
use crate::load::{self, LATENCY_MS};
use crate::serve::Serve;
use crate::table::{Row, Table, secs};
use crate::temp::TempPath;

/// The account's limit in the run by rate: calls per second, and a second's worth of burst.
const RATE: u32 = 50;
const BURST: u32 = 50;

/// The server's defaults (`serve --help`), for the loading run.
const DEFAULT_RATE: u32 = 200;
const DEFAULT_BURST: u32 = 1_000;

pub async fn figure(table: &mut Table) -> Result<()> {
    by_rate(table).await?;
    at_random(table).await?;
    loading(table).await
}

/// Calls that got through per second, and as a share of what the limit allowed in that time
/// (the burst, plus the rate for as long as the run took).
fn use_of_limit(calls: usize, elapsed: Duration, rate: u32, burst: u32) -> (f64, f64) {
    let secs = elapsed.as_secs_f64();
    let allowed = f64::from(burst) + f64::from(rate) * secs;
    (calls as f64 / secs, calls as f64 / allowed)
}

async fn by_rate(table: &mut Table) -> Result<()> {
    // One database, three servers: one makes the data, the limited one is measured, and an
    // unlimited one checks the outcome without spending the account's calls on it.
    let db = TempPath::new("by-rate");
    let (targets, before) = {
        let serve = Serve::start(&[
            "--db",
            &db.arg(),
            "--generate",
            "120:20",
            "--seed",
            "5",
            "--balance",
            "1000000.00",
        ])?;
        let client = local_client(&serve.url).await;
        let targets: Vec<Target> = submitted(&client).await?.into_iter().take(COUNT).collect();
        if targets.len() < COUNT {
            bail!("only {} submitted assignments", targets.len());
        }
        (targets, balance(&client).await?)
    };
    let (rate, burst, latency) = (RATE.to_string(), BURST.to_string(), LATENCY_MS.to_string());
    let limited = Serve::start(&[
        "--db",
        &db.arg(),
        "--latency-ms",
        &latency,
        "--rate-limit",
        &rate,
        "--rate-burst",
        &burst,
    ])?;
    let (client, answers) = counted_client(&limited.url).await;
    let run = with_runner(client, &limited.url, &targets, DECISION_CONCURRENCY).await?;
    drop(limited);
    let check = Serve::start(&["--db", &db.arg()])?;
    check_exactly_once(&local_client(&check.url).await, &targets, before).await?;

    let (per_sec, share) = use_of_limit(answers.ok(), run.elapsed, RATE, BURST);
    table.push(Row {
        figure: format!(
            "7. approve 2,000 against an account limited to {RATE} calls/s (burst {BURST}) at {LATENCY_MS} ms latency (runner; its throttles carry a retry-after hint)"
        ),
        measured: format!(
            "{per_sec:.1} calls/s = {:.0}% of the limit ({} calls in {}); {} failed; {} throttled answers waited out; limit {}",
            share * 100.0,
            answers.ok(),
            secs(run.elapsed),
            run.failed,
            answers.throttled(),
            limits(&run)
        ),
        baseline: format!("{RATE} calls/s"),
        ratio: format!("{share:.2}"),
        goal: "≥ 90% of the limit, none fail, each approved once".into(),
        met: share >= 0.9 && run.failed == 0,
    });
    Ok(())
}

async fn at_random(table: &mut Table) -> Result<()> {
    let latency = LATENCY_MS.to_string();
    let start = |throttle: &str| {
        Serve::start(&[
            "--db",
            ":memory:",
            "--generate",
            "120:20",
            "--seed",
            "3",
            "--balance",
            "1000000.00",
            "--latency-ms",
            &latency,
            "--throttle-percent",
            throttle,
        ])
    };
    let mut runs = Vec::new();
    for throttle in ["0", "10"] {
        let serve = start(throttle)?;
        let client = local_client(&serve.url).await;
        let targets: Vec<Target> = submitted(&client).await?.into_iter().take(COUNT).collect();
        if targets.len() < COUNT {
            bail!("only {} submitted assignments", targets.len());
        }
        let before = balance(&client).await?;
        let (runner_client, answers) = counted_client(&serve.url).await;
        let run = with_runner(runner_client, &serve.url, &targets, DECISION_CONCURRENCY).await?;
        check_exactly_once(&client, &targets, before).await?;
        runs.push((run, answers.throttled()));
    }
    let [(calm, _), (run, throttled)] = &runs[..] else {
        bail!("two runs were made");
    };
    let drops = run.limits.windows(2).filter(|w| w[1] < w[0]).count();
    let ratio = run.elapsed.as_secs_f64() / calm.elapsed.as_secs_f64();
    table.push(Row {
        figure: "7. approve 2,000 with 10% of calls throttled at random, 25 ms latency (runner; no hint)".into(),
        measured: format!(
            "{}; {} failed; {throttled} throttled answers; limit {}, {drops} cuts",
            secs(run.elapsed),
            run.failed,
            limits(run)
        ),
        baseline: format!("{} unthrottled", secs(calm.elapsed)),
        ratio: format!("{ratio:.2}x"),
        goal: "backs off and recovers, none fail".into(),
        met: run.failed == 0 && calm.failed == 0 && drops > 0,
    });
    Ok(())
}

async fn loading(table: &mut Table) -> Result<()> {
    let latency = LATENCY_MS.to_string();
    let (rate, burst) = (DEFAULT_RATE.to_string(), DEFAULT_BURST.to_string());
    let mut runs = Vec::new();
    for limit in [
        &["--rate-limit", "0"][..],
        &["--rate-limit", &rate, "--rate-burst", &burst],
    ] {
        let mut args = vec!["--db", ":memory:", "--generate", "2000:10", "--seed", "1"];
        args.extend(["--latency-ms", &latency]);
        args.extend(limit);
        let serve = Serve::start(&args)?;
        let (client, answers) = counted_client(&serve.url).await;
        let run = load::run(client, LOAD_CONCURRENCY).await?;
        if run.assignments != 20_000 {
            bail!("loaded {} assignments, not 20,000", run.assignments);
        }
        runs.push((run.total, answers.ok()));
    }
    let [(free, _), (limited, calls)] = runs[..] else {
        bail!("two runs were made");
    };
    let (per_sec, share) = use_of_limit(calls, limited, DEFAULT_RATE, DEFAULT_BURST);
    table.push(Row {
        figure: format!(
            "7. load 2,000 HITs x 10 against the default limit ({DEFAULT_RATE} calls/s, burst {DEFAULT_BURST}) at {LATENCY_MS} ms latency (loader)"
        ),
        measured: format!(
            "{}; {per_sec:.0} calls/s = {:.0}% of the limit ({calls} calls)",
            secs(limited),
            share * 100.0
        ),
        baseline: format!("{} with no limit", secs(free)),
        ratio: format!("{share:.2}"),
        goal: "≥ 90% of the limit".into(),
        met: share >= 0.9,
    });
    Ok(())
}

/// The limiter's limit over a run: its range and the value it held longest.
fn limits(run: &RunnerRun) -> String {
    let low = run.limits.iter().min().copied().unwrap_or_default();
    let high = run.limits.iter().max().copied().unwrap_or_default();
    let mut histogram: HashMap<usize, usize> = HashMap::new();
    for l in &run.limits {
        *histogram.entry(*l).or_default() += 1;
    }
    let typical = histogram
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(l, _)| l)
        .unwrap_or_default();
    format!("{low}..{high} (mostly {typical})")
}
