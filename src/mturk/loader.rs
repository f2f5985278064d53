//! Loading the review queue: every HIT (or the chosen ones), then each HIT's Submitted and
//! Rejected assignments, several HITs at a time, reporting each page as it arrives so the
//! reviewer can start before loading ends.

use std::sync::Arc;

use aws_sdk_mturk::Client;
use aws_sdk_mturk::types::AssignmentStatus as SdkStatus;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::client::{FailureKind, assignment_from_sdk, describe_error, hit_from_sdk};
use super::domain::{Assignment, Hit};

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
    /// Something could not be loaded; the words are for the reviewer.
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
    let permits = Arc::new(Semaphore::new(LOAD_CONCURRENCY));
    let mut tasks = JoinSet::new();
    let mut total = 0;
    let mut done = 0;
    let start_hit = |hit_id: String, tasks: &mut JoinSet<()>| {
        let (client, events, permits) = (client.clone(), events.clone(), permits.clone());
        tasks.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            load_assignments(&client, &hit_id, &events).await;
        });
    };
    match selection {
        HitSelection::All => {
            let mut pages = client
                .list_hits()
                .max_results(PAGE_SIZE)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
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
                    }
                    Err(err) => {
                        let _ = events.send(LoadEvent::Failed(explain_load_failure(
                            &describe_error(&err),
                        )));
                        break;
                    }
                }
            }
        }
        HitSelection::Only(ids) => {
            for id in ids {
                match client.get_hit().hit_id(&id).send().await {
                    Ok(out) => {
                        if let Some(hit) = out.hit() {
                            total += 1;
                            start_hit(id.clone(), &mut tasks);
                            let _ = events.send(LoadEvent::Hits(vec![hit_from_sdk(hit)]));
                        }
                    }
                    Err(err) => {
                        let (kind, text) = describe_error(&err);
                        let _ = events.send(LoadEvent::Failed(match kind {
                            FailureKind::Refused => format!("HIT {id}: {text}"),
                            _ => explain_load_failure(&(kind, text)),
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
    hit_id: &str,
    events: &mpsc::UnboundedSender<LoadEvent>,
) {
    let mut pages = client
        .list_assignments_for_hit()
        .hit_id(hit_id)
        .assignment_statuses(SdkStatus::Submitted)
        .assignment_statuses(SdkStatus::Rejected)
        .max_results(PAGE_SIZE)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                let assignments = page.assignments().iter().map(assignment_from_sdk).collect();
                let _ = events.send(LoadEvent::Assignments {
                    hit_id: hit_id.to_string(),
                    assignments,
                });
            }
            Err(err) => {
                let (_, text) = describe_error(&err);
                let _ = events.send(LoadEvent::Failed(format!(
                    "Could not load the assignments of HIT {hit_id}: {text}"
                )));
                return;
            }
        }
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
