//! Figure 1: loading 1,000 HITs x 20 assignments from `serve --latency-ms 25` with the
//! console's loader, against the same loader one HIT at a time, and how many round trips
//! pass before the first rows could be on screen.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use aws_sdk_mturk::Client;
use mturk_review::mturk::client::local_client;
use mturk_review::mturk::loader::{HitSelection, LOAD_CONCURRENCY, LoadEvent, LoadRequest, load};
use tokio::sync::mpsc;

use crate::serve::Serve;
use crate::table::{Row, Table, secs};

pub const LATENCY_MS: u64 = 25;

pub struct Run {
    pub total: Duration,
    pub first_rows: Duration,
    pub assignments: usize,
}

/// Loads everything on `client`'s server with the console's loader.
pub async fn run(client: Client, concurrency: usize) -> Result<Run> {
    let (tx, mut events) = mpsc::unbounded_channel();
    let request = LoadRequest {
        concurrency,
        ..LoadRequest::review(HitSelection::All)
    };
    let started = Instant::now();
    tokio::spawn(load(client, request, tx));
    let mut first_rows = None;
    let mut assignments = 0;
    while let Some(event) = events.recv().await {
        match event {
            LoadEvent::Assignments { assignments: a, .. } => {
                first_rows.get_or_insert_with(|| started.elapsed());
                assignments += a.len();
            }
            LoadEvent::Failed(failure) => bail!("loading failed: {}", failure.for_command()),
            LoadEvent::Finished => break,
            _ => {}
        }
    }
    Ok(Run {
        total: started.elapsed(),
        first_rows: first_rows.unwrap_or_default(),
        assignments,
    })
}

/// One round trip to this server: the median of a few cheap calls.
pub async fn round_trip(url: &str) -> Duration {
    let client = local_client(url).await;
    let mut times = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let _ = client.get_account_balance().send().await;
        times.push(started.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

pub async fn figure(table: &mut Table) -> Result<()> {
    let latency = LATENCY_MS.to_string();
    let serve = Serve::start(&[
        "--db",
        ":memory:",
        "--generate",
        "1000:20",
        "--seed",
        "1",
        "--latency-ms",
        &latency,
    ])?;
    let rtt = round_trip(&serve.url).await;
    // The fast load is short: the median of three steadies it.
    let mut fast_runs = Vec::new();
    for _ in 0..3 {
        fast_runs.push(run(local_client(&serve.url).await, LOAD_CONCURRENCY).await?);
    }
    fast_runs.sort_by_key(|r| r.total);
    let mut firsts: Vec<Duration> = fast_runs.iter().map(|r| r.first_rows).collect();
    firsts.sort();
    let fast = Run {
        first_rows: firsts[1],
        ..fast_runs.swap_remove(1)
    };
    let slow = run(local_client(&serve.url).await, 1).await?;
    if fast.assignments != 20_000 || slow.assignments != 20_000 {
        bail!(
            "expected 20,000 assignments, loaded {} and {}",
            fast.assignments,
            slow.assignments
        );
    }
    let ratio = slow.total.as_secs_f64() / fast.total.as_secs_f64();
    table.push(Row {
        figure: format!(
            "1. load 1,000 HITs x 20 at {LATENCY_MS} ms latency (loader, {LOAD_CONCURRENCY} HITs at once, median of 3)"
        ),
        measured: secs(fast.total),
        baseline: format!("{} (1 HIT at a time)", secs(slow.total)),
        ratio: format!("{ratio:.1}x"),
        goal: "≥ 10x".into(),
        met: ratio >= 10.0,
    });
    // Two requests in sequence (ListHITs, then a HIT's first page), then local work: decoding,
    // and the first of 16 concurrent pages. A third request in sequence would pass 3 x RTT.
    let trips = fast.first_rows.as_secs_f64() / rtt.as_secs_f64();
    table.push(Row {
        figure: "1. first rows on screen (loader, median of 3)".into(),
        measured: format!("{trips:.1} round trips ({})", secs(fast.first_rows)),
        baseline: format!("1 round trip = {}", secs(rtt)),
        ratio: String::new(),
        goal: "2 round trips, then local work (< 3 x RTT)".into(),
        met: trips < 3.0,
    });
    Ok(())
}
