//! Figure 6: the server's throughput on loopback with a file database (WAL, synchronous
//! FULL: every answered decision is on disk), 8 concurrent clients, each with its own
//! connection: ListAssignmentsForHIT (pages of 100) and ApproveAssignment, per second, beside
//! a single client.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use aws_sdk_mturk::types::AssignmentStatus as SdkStatus;
use mturk_review::mturk::client::local_client;

use crate::serve::Serve;
use crate::table::{Row, Table};
use crate::temp::TempPath;

const CLIENTS: usize = 8;
const SPELL: Duration = Duration::from_secs(5);

/// Requests per second that `clients` clients complete in one spell, each calling `call`
/// with its own client and its index into `items` until the spell or the items run out.
async fn rate<F, Fut>(url: &str, clients: usize, items: Arc<Vec<String>>, call: F) -> Result<f64>
where
    F: Fn(aws_sdk_mturk::Client, String) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let mut each = Vec::new();
    for _ in 0..clients {
        each.push(local_client(url).await);
    }
    rate_of(each, items, call).await
}

/// Like `rate`, with the clients given (one task each), for clients that sign with a key.
pub async fn rate_of<F, Fut>(
    clients: Vec<aws_sdk_mturk::Client>,
    items: Arc<Vec<String>>,
    call: F,
) -> Result<f64>
where
    F: Fn(aws_sdk_mturk::Client, String) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in clients {
        let (items, next, call) = (items.clone(), next.clone(), call.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0usize;
            while started.elapsed() < SPELL {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                call(client.clone(), item.clone()).await?;
                done += 1;
            }
            anyhow::Ok(done)
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// One ListAssignmentsForHIT of a HIT with at least 100 assignments: a full page.
pub async fn list_full_page(client: aws_sdk_mturk::Client, hit: String) -> Result<()> {
    let out = client
        .list_assignments_for_hit()
        .hit_id(hit)
        .max_results(100)
        .send()
        .await?;
    if out.assignments().len() != 100 {
        bail!("a page of {} assignments", out.assignments().len());
    }
    Ok(())
}

pub async fn figure(table: &mut Table) -> Result<()> {
    let db = TempPath::new("server");
    let path = db.arg();
    // 300 HITs of 100: a full page per HIT, and 27,000 submitted to approve.
    let serve = Serve::start(&[
        "--db",
        &path,
        "--generate",
        "300:100",
        "--seed",
        "6",
        "--balance",
        "1000000.00",
    ])?;
    let client = local_client(&serve.url).await;
    let mut hits = Vec::new();
    let mut pages = client.list_hits().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        hits.extend(
            page.context("ListHITs")?
                .hits()
                .iter()
                .filter_map(|h| h.hit_id().map(str::to_string)),
        );
    }
    // Enough HIT ids to keep every client busy for the spell: the HITs, many times over.
    let listing: Arc<Vec<String>> =
        Arc::new(hits.iter().cycle().take(1_000_000).cloned().collect());
    let list = list_full_page;
    let list_one = rate(&serve.url, 1, listing.clone(), list).await?;
    let list_many = rate(&serve.url, CLIENTS, listing, list).await?;

    let mut submitted = Vec::new();
    for hit in &hits {
        let out = client
            .list_assignments_for_hit()
            .hit_id(hit)
            .assignment_statuses(SdkStatus::Submitted)
            .max_results(100)
            .send()
            .await?;
        submitted.extend(
            out.assignments()
                .iter()
                .filter_map(|a| a.assignment_id().map(str::to_string)),
        );
    }
    let approve = |client: aws_sdk_mturk::Client, id: String| async move {
        client.approve_assignment().assignment_id(id).send().await?;
        Ok(())
    };
    let half = submitted.len() / 2;
    let approve_one = rate(&serve.url, 1, Arc::new(submitted[..half].to_vec()), approve).await?;
    let approve_many = rate(
        &serve.url,
        CLIENTS,
        Arc::new(submitted[half..].to_vec()),
        approve,
    )
    .await?;

    table.push(Row {
        figure: format!("6. server: ListAssignmentsForHIT, page of 100, {CLIENTS} clients"),
        measured: format!("{list_many:.0}/s ({:.0} assignments/s)", list_many * 100.0),
        baseline: format!("{list_one:.0}/s with 1 client"),
        ratio: format!("{:.1}x", list_many / list_one),
        goal: "reported".into(),
        met: true,
    });
    table.push(Row {
        figure: format!(
            "6. server: ApproveAssignment, {CLIENTS} clients, file DB, synchronous=FULL"
        ),
        measured: format!("{approve_many:.0}/s"),
        baseline: format!("{approve_one:.0}/s with 1 client"),
        ratio: format!("{:.1}x", approve_many / approve_one),
        goal: "reported".into(),
        met: true,
    });
    Ok(())
}
