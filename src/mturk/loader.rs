//! Loading the review queue: every HIT (or the chosen ones), then each HIT's Submitted and
//! Rejected assignments, several HITs at a time, reporting each page as it arrives so the
//! reviewer can start before loading ends.

use std::sync::Arc;

use aws_sdk_mturk::Client;
use aws_sdk_mturk::types::AssignmentStatus as SdkStatus;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use futures::TryFutureExt;

use super::client::{FailureKind, assignment_from_sdk, hit_from_sdk};
use super::domain::{Assignment, Hit};
use super::limiter::Limiter;
use super::retry::{Failure, once, with_retries};

/// How many HITs' assignments are fetched at once.
pub const LOAD_CONCURRENCY: usize = 16;
const PAGE_SIZE: i32 = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadEvent {
    Hits(Vec<Hit>),
    Assignments {
        hit_id: String,
        assignments: Vec<Assignment>,
    },
    Progress {
        hits_done: usize,
        hits_total: usize,
    },
    /// A page failed for a passing reason (throttling, a fault) and is being tried again.
    Retrying {
        attempt: u32,
        reason: String,
    },
    /// Something could not be loaded, even after retries; the words are for the reviewer.
    Failed(String),
    Finished,
}

/// Which HITs to load.
#[derive(Debug, Clone)]
pub enum HitSelection {
    All,
    Only(Vec<String>),
}

/// Loads everything, sending events until `Finished` (always sent last, even after failures).
pub async fn load(
    client: Client,
    selection: HitSelection,
    events: mpsc::UnboundedSender<LoadEvent>,
) {
    let limiter = Limiter::new(LOAD_CONCURRENCY);
    let permits = Arc::new(Semaphore::new(LOAD_CONCURRENCY));
    let mut tasks = JoinSet::new();
    let mut total = 0;
    let mut done = 0;
    let start_hit = |hit_id: String, tasks: &mut JoinSet<()>| {
        let (client, events, permits, limiter) = (
            client.clone(),
            events.clone(),
            permits.clone(),
            limiter.clone(),
        );
        tasks.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            load_assignments(&client, &limiter, &hit_id, &events).await;
        });
    };
    let retrying = report_retries(&events);
    match selection {
        HitSelection::All => {
            let mut next_token: Option<String> = None;
            loop {
                let page = with_retries(&limiter, &retrying, || {
                    client
                        .list_hits()
                        .max_results(PAGE_SIZE)
                        .set_next_token(next_token.clone())
                        .customize()
                        .config_override(once())
                        .send()
                        .map_err(|e| Failure::from_sdk(&e))
                })
                .await;
                match page {
                    Ok(page) => {
                        let hits: Vec<Hit> = page.hits().iter().map(hit_from_sdk).collect();
                        total += hits.len();
                        for hit in &hits {
                            start_hit(hit.id.clone(), &mut tasks);
                        }
                        let _ = events.send(LoadEvent::Hits(hits));
                        let _ = events.send(LoadEvent::Progress {
                            hits_done: done,
                            hits_total: total,
                        });
                        next_token = page.next_token().map(str::to_string);
                        if next_token.is_none() {
                            break;
                        }
                    }
                    Err(failure) => {
                        let _ = events.send(LoadEvent::Failed(explain_load_failure(&(
                            failure.kind,
                            failure.text,
                        ))));
                        break;
                    }
                }
            }
        }
        HitSelection::Only(ids) => {
            for id in ids {
                let got = with_retries(&limiter, &retrying, || {
                    client
                        .get_hit()
                        .hit_id(&id)
                        .customize()
                        .config_override(once())
                        .send()
                        .map_err(|e| Failure::from_sdk(&e))
                })
                .await;
                match got {
                    Ok(out) => {
                        if let Some(hit) = out.hit() {
                            total += 1;
                            start_hit(id.clone(), &mut tasks);
                            let _ = events.send(LoadEvent::Hits(vec![hit_from_sdk(hit)]));
                        }
                    }
                    Err(failure) => {
                        let _ = events.send(LoadEvent::Failed(match failure.kind {
                            FailureKind::Refused => format!("HIT {id}: {}", failure.text),
                            kind => explain_load_failure(&(kind, failure.text)),
                        }));
                    }
                }
            }
        }
    }
    while tasks.join_next().await.is_some() {
        done += 1;
        let _ = events.send(LoadEvent::Progress {
            hits_done: done,
            hits_total: total,
        });
    }
    let _ = events.send(LoadEvent::Finished);
}

async fn load_assignments(
    client: &Client,
    limiter: &Limiter,
    hit_id: &str,
    events: &mpsc::UnboundedSender<LoadEvent>,
) {
    let retrying = report_retries(events);
    let mut next_token: Option<String> = None;
    loop {
        let page = with_retries(limiter, &retrying, || {
            client
                .list_assignments_for_hit()
                .hit_id(hit_id)
                .assignment_statuses(SdkStatus::Submitted)
                .assignment_statuses(SdkStatus::Rejected)
                .max_results(PAGE_SIZE)
                .set_next_token(next_token.clone())
                .customize()
                .config_override(once())
                .send()
                .map_err(|e| Failure::from_sdk(&e))
        })
        .await;
        match page {
            Ok(page) => {
                let assignments = page.assignments().iter().map(assignment_from_sdk).collect();
                let _ = events.send(LoadEvent::Assignments {
                    hit_id: hit_id.to_string(),
                    assignments,
                });
                next_token = page.next_token().map(str::to_string);
                if next_token.is_none() {
                    return;
                }
            }
            Err(failure) => {
                let _ = events.send(LoadEvent::Failed(format!(
                    "Could not load the assignments of HIT {hit_id}: {}",
                    failure.text
                )));
                return;
            }
        }
    }
}

/// Tells the console that a page is being tried again, and why.
fn report_retries(events: &mpsc::UnboundedSender<LoadEvent>) -> impl Fn(u32, &str) + '_ {
    move |attempt, why| {
        let _ = events.send(LoadEvent::Retrying {
            attempt,
            reason: why.to_string(),
        });
    }
}

/// One paragraph that says what went wrong and what to do about it.
pub fn explain_load_failure((kind, text): &(FailureKind, String)) -> String {
    match kind {
        FailureKind::Setup => format!(
            "Cannot talk to MTurk: {text}. Check your AWS credentials (`aws configure`, the \
             AWS_PROFILE variable or --profile NAME) and the endpoint (--endpoint-url, --sandbox). \
             To explore the console without an account, run `mturk-review --demo`."
        ),
        FailureKind::Transient => format!(
            "MTurk did not answer: {text}. The endpoint may be down or unreachable from here; \
             press R to try again, check --endpoint-url, or run `mturk-review --demo` to explore \
             with built-in data."
        ),
        FailureKind::Refused => format!(
            "MTurk refused to list the HITs: {text}. Check that these credentials belong to a \
             requester account (or try `mturk-review --demo`)."
        ),
    }
}
