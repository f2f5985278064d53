//! Loading assignments: every HIT (or the chosen ones), then each HIT's assignments of the
//! chosen statuses, several HITs at a time, reporting each page as it arrives so the
//! reviewer can start before loading ends. The console and `export` both load through here.
//! The console then loads, in the background, what the worker and HIT views add: the
//! blocked workers and the same HITs' Approved assignments (`load_history`).

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_mturk::Client;
use aws_sdk_mturk::types::{AssignmentStatus as SdkStatus, ReviewActionStatus, ReviewReport};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::client::{ErrorKind, assignment_from_sdk, hit_from_sdk};
use super::domain::{Assignment, AssignmentStatus, Hit};
use super::limiter::Limiter;
use super::outbox::Outbox;
use super::pagination::Tokens;
use super::retry::{Pacing, call, with_retries, without_sdk_retries};

/// How many HITs' assignments are fetched at once, by default.
pub const LOAD_CONCURRENCY: usize = 16;
const PAGE_SIZE: i32 = 100;

/// What to load, and how many HITs at once.
#[derive(Debug, Clone)]
pub struct LoadRequest {
    pub selection: HitSelection,
    pub statuses: Vec<AssignmentStatus>,
    /// HITs whose assignments are fetched at once (1 is the one-request-at-a-time baseline).
    pub concurrency: usize,
}

impl LoadRequest {
    /// The review queue: Submitted and Rejected work.
    pub fn review(selection: HitSelection) -> LoadRequest {
        LoadRequest {
            selection,
            statuses: vec![AssignmentStatus::Submitted, AssignmentStatus::Rejected],
            concurrency: LOAD_CONCURRENCY,
        }
    }
}

/// What could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub stage: LoadStage,
    pub kind: ErrorKind,
    /// The API's or the transport's words.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadStage {
    ListHits,
    /// GetHIT of a HIT asked for by id.
    GetHit(String),
    Assignments(String),
    /// ListWorkerBlocks, for the worker view.
    WorkerBlocks,
}

impl LoadError {
    /// One paragraph for the console's error box: what went wrong and what to do about it.
    pub fn for_console(&self) -> String {
        match &self.stage {
            LoadStage::GetHit(id) if self.kind == ErrorKind::Refused => {
                format!("HIT {id}: {}", self.text)
            }
            LoadStage::Assignments(hit_id) => format!(
                "Could not load the assignments of HIT {hit_id}: {}",
                self.text
            ),
            LoadStage::WorkerBlocks => {
                format!("Could not list the blocked workers: {}", self.text)
            }
            _ => explain(self.kind, &self.text),
        }
    }

    /// One line for a headless command.
    pub fn for_command(&self) -> String {
        let advice = match self.kind {
            ErrorKind::Setup => {
                " (check the AWS credentials, --profile, and --endpoint-url or --sandbox)"
            }
            ErrorKind::Transient => " (is the endpoint up and reachable? try again later)",
            ErrorKind::Refused => "",
            ErrorKind::Protocol => " (the endpoint does not page as MTurk does)",
        };
        let what = match &self.stage {
            LoadStage::ListHits => "cannot list the HITs".to_string(),
            LoadStage::GetHit(id) => format!("cannot read HIT {id}"),
            LoadStage::Assignments(id) => format!("cannot list the assignments of HIT {id}"),
            LoadStage::WorkerBlocks => "cannot list the blocked workers".to_string(),
        };
        format!("{what}: {}{advice}", self.text)
    }
}

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
    /// Something could not be loaded, even after retries; loading goes on with the rest.
    Failed(LoadError),
    Finished,
}

/// Which HITs to load.
#[derive(Debug, Clone)]
pub enum HitSelection {
    All,
    Only(Vec<String>),
}

/// Where the events of a load go.
type Events<M> = Outbox<LoadEvent, M>;

/// Loads everything, sending events until `Finished` (always sent last, even after failures)
/// into a channel of `LoadEvent`s or of messages made from them. Returns the ids of the HITs
/// whose assignments it listed.
pub async fn load<M>(
    client: Client,
    request: LoadRequest,
    events: mpsc::UnboundedSender<M>,
) -> Vec<String>
where
    M: From<LoadEvent> + Send + 'static,
{
    let client = without_sdk_retries(&client);
    let events = Events::new(events);
    let concurrency = request.concurrency.max(1);
    let limiter = Limiter::new(concurrency);
    let permits = Arc::new(Semaphore::new(concurrency));
    let statuses: Arc<[SdkStatus]> = request.statuses.iter().map(|&s| sdk_status(s)).collect();
    let mut tasks = JoinSet::new();
    let mut total = 0;
    let mut done = 0;
    let mut listed_hits = Vec::new();
    let lane = Lane {
        client: client.clone(),
        limiter: limiter.clone(),
        permits,
        statuses,
    };
    let mut start_hit = |hit_id: String, tasks: &mut JoinSet<()>| {
        listed_hits.push(hit_id.clone());
        lane.spawn(tasks, hit_id, events.clone());
    };
    let retrying = report_retries(&events);
    match request.selection {
        HitSelection::All => {
            let mut next_token: Option<String> = None;
            let mut tokens = Tokens::new("ListHITs");
            loop {
                let page = with_retries(Pacing::Slot(&limiter), &retrying, || {
                    call(
                        client
                            .list_hits()
                            .max_results(PAGE_SIZE)
                            .set_next_token(next_token.clone())
                            .send(),
                    )
                })
                .await;
                match page {
                    Ok(page) => {
                        let hits: Vec<Hit> = page.hits().iter().map(hit_from_sdk).collect();
                        let listed = hits.len();
                        total += hits.len();
                        for hit in &hits {
                            start_hit(hit.id.clone(), &mut tasks);
                        }
                        let _ = events.send(LoadEvent::Hits(hits));
                        let _ = events.send(LoadEvent::Progress {
                            hits_done: done,
                            hits_total: total,
                        });
                        match tokens.after_page(page.next_token(), listed, PAGE_SIZE as usize) {
                            Ok(Some(token)) => next_token = Some(token),
                            Ok(None) => break,
                            Err(endless) => {
                                let _ = events.send(LoadEvent::Failed(LoadError {
                                    stage: LoadStage::ListHits,
                                    kind: ErrorKind::Protocol,
                                    text: endless.to_string(),
                                }));
                                break;
                            }
                        }
                    }
                    Err(failure) => {
                        let _ = events.send(LoadEvent::Failed(LoadError {
                            stage: LoadStage::ListHits,
                            kind: failure.kind,
                            text: failure.text,
                        }));
                        break;
                    }
                }
            }
        }
        HitSelection::Only(ids) => {
            for id in ids {
                let got = with_retries(Pacing::Slot(&limiter), &retrying, || {
                    call(client.get_hit().hit_id(&id).send())
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
                        let _ = events.send(LoadEvent::Failed(LoadError {
                            stage: LoadStage::GetHit(id),
                            kind: failure.kind,
                            text: failure.text,
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
    listed_hits
}

/// What `load_history` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryEvent {
    /// A page of ListWorkerBlocks: these workers are blocked.
    Blocked(Vec<String>),
    /// A page of Approved assignments.
    Assignments(Vec<Assignment>),
    Failed(LoadError),
    Finished,
}

/// What a HIT's pages of assignments are reported as: the review load's events or the
/// history's, which does not report retries.
trait PageEvent: Sized {
    fn page(hit_id: &str, assignments: Vec<Assignment>) -> Self;
    fn failed(error: LoadError) -> Self;
    fn retrying(attempt: u32, reason: &str) -> Option<Self>;
}

impl PageEvent for LoadEvent {
    fn page(hit_id: &str, assignments: Vec<Assignment>) -> Self {
        LoadEvent::Assignments {
            hit_id: hit_id.to_string(),
            assignments,
        }
    }

    fn failed(error: LoadError) -> Self {
        LoadEvent::Failed(error)
    }

    fn retrying(attempt: u32, reason: &str) -> Option<Self> {
        Some(LoadEvent::Retrying {
            attempt,
            reason: reason.to_string(),
        })
    }
}

impl PageEvent for HistoryEvent {
    fn page(_: &str, assignments: Vec<Assignment>) -> Self {
        HistoryEvent::Assignments(assignments)
    }

    fn failed(error: LoadError) -> Self {
        HistoryEvent::Failed(error)
    }

    fn retrying(_: u32, _: &str) -> Option<Self> {
        None
    }
}

/// The second phase, after `load`: the blocked workers, then the Approved assignments of
/// these HITs, several HITs at a time, until `Finished` (always sent last). Without HITs
/// (none listed, or the listing failed) there is no one to say anything about.
pub async fn load_history<M>(client: Client, hit_ids: Vec<String>, events: mpsc::UnboundedSender<M>)
where
    M: From<HistoryEvent> + Send + 'static,
{
    let events: Outbox<HistoryEvent, M> = Outbox::new(events);
    if hit_ids.is_empty() {
        let _ = events.send(HistoryEvent::Finished);
        return;
    }
    let client = without_sdk_retries(&client);
    let limiter = Limiter::new(LOAD_CONCURRENCY);
    load_blocks(&client, &limiter, &events).await;
    let permits = Arc::new(Semaphore::new(LOAD_CONCURRENCY));
    let statuses: Arc<[SdkStatus]> = Arc::new([SdkStatus::Approved]);
    let mut tasks = JoinSet::new();
    let lane = Lane {
        client,
        limiter,
        permits,
        statuses,
    };
    for hit_id in hit_ids {
        lane.spawn(&mut tasks, hit_id, events.clone());
    }
    while tasks.join_next().await.is_some() {}
    let _ = events.send(HistoryEvent::Finished);
}

/// Every page of ListWorkerBlocks.
async fn load_blocks<M: From<HistoryEvent>>(
    client: &Client,
    limiter: &Limiter,
    events: &Outbox<HistoryEvent, M>,
) {
    let mut next_token: Option<String> = None;
    let mut tokens = Tokens::new("ListWorkerBlocks");
    let quiet = |_: u32, _: &str| {};
    loop {
        let page = with_retries(Pacing::Slot(limiter), &quiet, || {
            call(
                client
                    .list_worker_blocks()
                    .max_results(PAGE_SIZE)
                    .set_next_token(next_token.clone())
                    .send(),
            )
        })
        .await;
        let failed = |kind, text| {
            HistoryEvent::Failed(LoadError {
                stage: LoadStage::WorkerBlocks,
                kind,
                text,
            })
        };
        match page {
            Ok(page) => {
                let blocked: Vec<String> = page
                    .worker_blocks()
                    .iter()
                    .filter_map(|b| b.worker_id().map(str::to_string))
                    .collect();
                let listed = blocked.len();
                let _ = events.send(HistoryEvent::Blocked(blocked));
                match tokens.after_page(page.next_token(), listed, PAGE_SIZE as usize) {
                    Ok(Some(token)) => next_token = Some(token),
                    Ok(None) => return,
                    Err(endless) => {
                        let _ = events.send(failed(ErrorKind::Protocol, endless.to_string()));
                        return;
                    }
                }
            }
            Err(failure) => {
                let _ = events.send(failed(failure.kind, failure.text));
                return;
            }
        }
    }
}

fn sdk_status(status: AssignmentStatus) -> SdkStatus {
    match status {
        AssignmentStatus::Submitted => SdkStatus::Submitted,
        AssignmentStatus::Approved => SdkStatus::Approved,
        AssignmentStatus::Rejected => SdkStatus::Rejected,
    }
}

/// Every page of one HIT's assignments of these statuses.
/// What loading one HIT's assignments needs, shared by every HIT of a phase: at most as many
/// at once as `permits` allows.
#[derive(Clone)]
struct Lane {
    client: Client,
    limiter: Limiter,
    permits: Arc<Semaphore>,
    statuses: Arc<[SdkStatus]>,
}

impl Lane {
    /// Loads `hit_id`'s assignments on a task of `tasks`, once a permit is free.
    fn spawn<E, M>(&self, tasks: &mut JoinSet<()>, hit_id: String, events: Outbox<E, M>)
    where
        E: PageEvent + Send + 'static,
        M: From<E> + Send + 'static,
    {
        let lane = self.clone();
        tasks.spawn(async move {
            let Ok(_permit) = lane.permits.clone().acquire_owned().await else {
                return;
            };
            load_assignments(
                &lane.client,
                &lane.limiter,
                &hit_id,
                &lane.statuses,
                &events,
            )
            .await;
        });
    }
}

async fn load_assignments<E: PageEvent, M: From<E>>(
    client: &Client,
    limiter: &Limiter,
    hit_id: &str,
    statuses: &[SdkStatus],
    events: &Outbox<E, M>,
) {
    let retrying = |attempt: u32, why: &str| {
        if let Some(event) = E::retrying(attempt, why) {
            let _ = events.send(event);
        }
    };
    let mut next_token: Option<String> = None;
    let mut tokens = Tokens::new("ListAssignmentsForHIT");
    // Read once, when the HIT first shows decided work.
    let mut notes: Option<HashMap<String, String>> = None;
    loop {
        let page = with_retries(Pacing::Slot(limiter), &retrying, || {
            call(
                client
                    .list_assignments_for_hit()
                    .hit_id(hit_id)
                    .set_assignment_statuses(Some(statuses.to_vec()))
                    .max_results(PAGE_SIZE)
                    .set_next_token(next_token.clone())
                    .send(),
            )
        })
        .await;
        match page {
            Ok(page) => {
                let mut assignments: Vec<_> =
                    page.assignments().iter().map(assignment_from_sdk).collect();
                let decided = |a: &Assignment| a.status != AssignmentStatus::Submitted;
                if notes.is_none() && assignments.iter().any(decided) {
                    notes = Some(policy_notes(client, limiter, hit_id).await);
                }
                if let Some(notes) = &notes {
                    for a in &mut assignments {
                        a.policy_note = notes.get(&a.id).cloned();
                    }
                }
                let listed = assignments.len();
                let _ = events.send(E::page(hit_id, assignments));
                match tokens.after_page(page.next_token(), listed, PAGE_SIZE as usize) {
                    Ok(Some(token)) => next_token = Some(token),
                    Ok(None) => return,
                    Err(endless) => {
                        let _ = events.send(E::failed(LoadError {
                            stage: LoadStage::Assignments(hit_id.to_string()),
                            kind: ErrorKind::Protocol,
                            text: endless.to_string(),
                        }));
                        return;
                    }
                }
            }
            Err(failure) => {
                let _ = events.send(E::failed(LoadError {
                    stage: LoadStage::Assignments(hit_id.to_string()),
                    kind: failure.kind,
                    text: failure.text,
                }));
                return;
            }
        }
    }
}

/// What the HIT's review policies did to its assignments: a line for each one a policy
/// approved or rejected. A server without ListReviewPolicyResultsForHIT, or any failure, leaves
/// no notes: they are a courtesy, never a reason for loading to fail.
async fn policy_notes(client: &Client, limiter: &Limiter, hit_id: &str) -> HashMap<String, String> {
    // Per level: every page's results and actions, so an action finds its score on any page.
    let mut levels = [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())];
    let mut next_token: Option<String> = None;
    let mut tokens = Tokens::new("ListReviewPolicyResultsForHIT");
    loop {
        let page = with_retries(Pacing::Beside(limiter), &|_, _| {}, || {
            call(
                client
                    .list_review_policy_results_for_hit()
                    .hit_id(hit_id)
                    .retrieve_actions(true)
                    .retrieve_results(true)
                    .max_results(PAGE_SIZE)
                    .set_next_token(next_token.clone())
                    .send(),
            )
        })
        .await;
        let Ok(page) = page else {
            return HashMap::new();
        };
        let mut listed = 0;
        let reports = [page.assignment_review_report(), page.hit_review_report()];
        for (report, (results, actions)) in reports.into_iter().zip(&mut levels) {
            if let Some(report) = report {
                listed += report.review_results().len() + report.review_actions().len();
                results.extend_from_slice(report.review_results());
                actions.extend_from_slice(report.review_actions());
            }
        }
        match tokens.after_page(page.next_token(), listed, PAGE_SIZE as usize) {
            Ok(Some(token)) => next_token = Some(token),
            Ok(None) | Err(_) => break,
        }
    }
    let [
        (known_results, known_actions),
        (plurality_results, plurality_actions),
    ] = levels;
    let mut notes = HashMap::new();
    for (results, actions, score_key) in [
        (known_results, known_actions, "KnownAnswerScore"),
        (plurality_results, plurality_actions, "WorkerAgreementScore"),
    ] {
        let report = ReviewReport::builder()
            .set_review_results(Some(results))
            .set_review_actions(Some(actions))
            .build();
        notes.extend(notes_of(&report, score_key));
    }
    notes
}

/// The notes one report gives: for each approval or rejection that did something, the verdict
/// and the score (`score_key`) the policy gave that assignment.
fn notes_of(report: &ReviewReport, score_key: &str) -> Vec<(String, String)> {
    let score_of = |id: &str| {
        report
            .review_results()
            .iter()
            .rev()
            .find(|r| r.subject_id() == Some(id) && r.key() == Some(score_key))
            .and_then(|r| r.value())
    };
    let what = match score_key {
        "KnownAnswerScore" => "known-answer score",
        _ => "worker agreement",
    };
    report
        .review_actions()
        .iter()
        .filter(|a| a.status() == Some(&ReviewActionStatus::Succeeded))
        // "Already approved": the policy changed nothing.
        .filter(|a| !a.result().unwrap_or_default().starts_with("Already"))
        .filter_map(|a| {
            let verdict = match a.action_name()? {
                "approve" => "auto-approved",
                "reject" => "auto-rejected",
                _ => return None,
            };
            let id = a.target_id()?;
            let note = match score_of(id) {
                Some(score) => format!("{verdict} by policy: {what} {score}%"),
                None => format!("{verdict} by policy"),
            };
            Some((id.to_string(), note))
        })
        .collect()
}

/// Tells the console that a page is being tried again, and why.
fn report_retries<M: From<LoadEvent>>(events: &Events<M>) -> impl Fn(u32, &str) + '_ {
    move |attempt, why| {
        let _ = events.send(LoadEvent::Retrying {
            attempt,
            reason: why.to_string(),
        });
    }
}

/// A failure to list the HITs (or to reach MTurk at all), and what to do about it.
fn explain(kind: ErrorKind, text: &str) -> String {
    // The text is a sentence of its own (AWS's messages end with a full stop), continued here.
    let text = text.trim_end_matches('.');
    match kind {
        ErrorKind::Setup => format!(
            "Cannot talk to MTurk: {text}. Check your AWS credentials (`aws configure`, the \
             AWS_PROFILE variable or --profile NAME; for `mturk-review serve`, a key from \
             `mturk-review accounts add`), the clock, and the endpoint (--endpoint-url, \
             --sandbox). To explore the console without an account, run `mturk-review --demo`."
        ),
        ErrorKind::Transient => format!(
            "MTurk did not answer: {text}. The endpoint may be down or unreachable from here; \
             press R to try again, check --endpoint-url, or run `mturk-review --demo` to explore \
             with built-in data."
        ),
        ErrorKind::Refused => format!(
            "MTurk refused to list the HITs: {text}. Check that these credentials belong to a \
             requester account (or try `mturk-review --demo`)."
        ),
        ErrorKind::Protocol => format!(
            "The endpoint does not page as MTurk does: {text}. Retrying will not help; the \
             MTurk-compatible server behind --endpoint-url needs fixing."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(stage: LoadStage, kind: ErrorKind) -> LoadError {
        LoadError {
            stage,
            kind,
            text: "the words".into(),
        }
    }

    #[test]
    fn the_console_hears_what_failed_and_what_to_do() {
        let setup = error(LoadStage::ListHits, ErrorKind::Setup).for_console();
        assert!(setup.starts_with("Cannot talk to MTurk: the words. Check your AWS credentials"));
        assert!(setup.contains("mturk-review --demo"));
        let down = error(LoadStage::ListHits, ErrorKind::Transient).for_console();
        assert!(
            down.starts_with("MTurk did not answer: the words."),
            "{down}"
        );
        assert!(down.contains("press R to try again"), "{down}");
        let refused = error(LoadStage::ListHits, ErrorKind::Refused).for_console();
        assert!(refused.starts_with("MTurk refused to list the HITs: the words."));
        let endless = error(LoadStage::ListHits, ErrorKind::Protocol).for_console();
        assert!(
            endless.starts_with("The endpoint does not page as MTurk does: the words.")
                && !endless.contains("credentials"),
            "a listing that never ends is the endpoint's fault, not the account's: {endless}"
        );

        assert_eq!(
            error(LoadStage::GetHit("3H".into()), ErrorKind::Refused).for_console(),
            "HIT 3H: the words"
        );
        assert!(
            error(LoadStage::GetHit("3H".into()), ErrorKind::Transient)
                .for_console()
                .starts_with("MTurk did not answer"),
            "a HIT that cannot be read for a passing reason is about the endpoint"
        );
        assert_eq!(
            error(LoadStage::Assignments("3H".into()), ErrorKind::Transient).for_console(),
            "Could not load the assignments of HIT 3H: the words"
        );
    }

    #[test]
    fn a_command_gets_one_line_with_advice() {
        assert_eq!(
            error(LoadStage::ListHits, ErrorKind::Setup).for_command(),
            "cannot list the HITs: the words (check the AWS credentials, --profile, and --endpoint-url or --sandbox)"
        );
        assert_eq!(
            error(LoadStage::GetHit("3H".into()), ErrorKind::Transient).for_command(),
            "cannot read HIT 3H: the words (is the endpoint up and reachable? try again later)"
        );
        assert_eq!(
            error(LoadStage::Assignments("3H".into()), ErrorKind::Refused).for_command(),
            "cannot list the assignments of HIT 3H: the words"
        );
    }

    #[test]
    fn policy_notes_name_the_verdict_and_its_score_and_skip_what_changed_nothing() {
        use aws_sdk_mturk::types::{ReviewActionDetail, ReviewResultDetail};
        let result = |id: &str, value: &str| {
            ReviewResultDetail::builder()
                .subject_id(id)
                .key("WorkerAgreementScore")
                .value(value)
                .build()
        };
        let action = |id: &str, name: &str, status: ReviewActionStatus, text: &str| {
            ReviewActionDetail::builder()
                .action_name(name)
                .target_id(id)
                .status(status)
                .result(text)
                .build()
        };
        let report = ReviewReport::builder()
            .review_results(result("A1", "100"))
            .review_results(result("A2", "0"))
            .review_actions(action(
                "A1",
                "approve",
                ReviewActionStatus::Succeeded,
                "Approved",
            ))
            .review_actions(action(
                "A2",
                "reject",
                ReviewActionStatus::Succeeded,
                "Rejected",
            ))
            .review_actions(action(
                "A3",
                "approve",
                ReviewActionStatus::Succeeded,
                "Already approved",
            ))
            .review_actions(action(
                "A4",
                "approve",
                ReviewActionStatus::Failed,
                "Not allowed",
            ))
            .review_actions(action(
                "H1",
                "extend",
                ReviewActionStatus::Succeeded,
                "Extended",
            ))
            .build();
        let notes: HashMap<_, _> = notes_of(&report, "WorkerAgreementScore")
            .into_iter()
            .collect();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(
            notes["A1"],
            "auto-approved by policy: worker agreement 100%"
        );
        assert_eq!(notes["A2"], "auto-rejected by policy: worker agreement 0%");
    }
}
