//! The decision runner: a background task that owns the SDK client, takes the reviewer's
//! decisions over a channel, journals them, sends them to MTurk (several at once, as many as
//! the service's throttling allows) and reports each one's progress back. At start it
//! reconciles what an earlier session left unknown; it also keeps the balance fresh. Actions
//! on workers (bonuses, blocks, messages: `worker_actions`) run on it too, beside the decisions.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_sdk_mturk::Client;
use futures::StreamExt;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinSet;

use super::client::{ErrorKind, assignment_from_sdk};
use super::domain::{Assignment, AssignmentStatus, Decision, DecisionKind, DecisionState};
use super::limiter::Limiter;
use super::outbox::Outbox;
use super::retry::{CallError, Pacing, call, with_retries, without_sdk_retries};
use super::worker_actions::{self, ActionState, WorkerAction};
use crate::journal::{BonusEntry, Entry, Journal, JournalError, Outcome};

/// The most decisions in flight at once; throttling lowers it for a while.
pub const DECISION_CONCURRENCY: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunnerEvent {
    Decision {
        assignment_id: String,
        state: DecisionState,
    },
    Balance(Result<String, String>),
    /// What the start-up reconciliation found in the journal: decisions of an earlier
    /// session that took effect, and those that did not (or could not be checked).
    Reconciled {
        confirmed: usize,
        pending: Vec<Decision>,
    },
    /// An action on a worker: its progress, then how it ended.
    Worker {
        action: WorkerAction,
        state: ActionState,
    },
    /// The bonuses of an earlier session that were paid, and those that were not (or could
    /// not be checked); a pending one is sent again as `WorkerAction::ResendBonus`.
    BonusesReconciled {
        confirmed: usize,
        pending: Vec<BonusEntry>,
    },
}

pub(super) type SharedJournal = Arc<Mutex<Journal>>;

/// Where the runner's events go.
pub(super) type Events<M> = Outbox<RunnerEvent, M>;

/// Where to send the runner work.
pub struct Runner {
    pub decisions: mpsc::UnboundedSender<Decision>,
    pub worker_actions: mpsc::UnboundedSender<WorkerAction>,
}

/// Runs a journal operation off the async threads (it waits for the disk).
pub(super) async fn with_journal<T: Send + 'static>(
    journal: &SharedJournal,
    f: impl FnOnce(&mut Journal) -> Result<T, JournalError> + Send + 'static,
) -> Result<T, String> {
    let journal = Arc::clone(journal);
    tokio::task::spawn_blocking(move || {
        let mut journal = journal.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut journal).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| format!("the journal task failed: {e}"))?
}

/// Starts the runner and the balance refresher; returns where to send decisions. Both stop
/// when the sender is dropped and their work is done. `limiter` says how many decisions may
/// be in flight (`Limiter::new(DECISION_CONCURRENCY)`, or 1 for one at a time); a caller
/// that keeps a clone can watch it adapt. Events go into a channel of `RunnerEvent`s or of
/// messages made from them.
pub fn spawn_runner<M>(
    client: Client,
    journal: Journal,
    limiter: Limiter,
    events: mpsc::UnboundedSender<M>,
) -> mpsc::UnboundedSender<Decision>
where
    M: From<RunnerEvent> + Send + 'static,
{
    start_runner(client, journal, limiter, events).decisions
}

/// As `spawn_runner`, and takes actions on workers too (the console's bonuses, blocks and
/// messages). Each kind of work stops when its sender is dropped and its work is done.
pub fn start_runner<M>(
    client: Client,
    journal: Journal,
    limiter: Limiter,
    events: mpsc::UnboundedSender<M>,
) -> Runner
where
    M: From<RunnerEvent> + Send + 'static,
{
    let events = Events::new(events);
    // Decisions, the reads that confirm them and the balance retry on their own, paced by
    // the limiter.
    let calls = without_sdk_retries(&client);
    let (decisions_tx, mut decisions) = mpsc::unbounded_channel::<Decision>();
    let (worker_actions_tx, actions) = mpsc::unbounded_channel::<WorkerAction>();
    let journal: SharedJournal = Arc::new(Mutex::new(journal));
    let refresh = Arc::new(Notify::new());
    tokio::spawn(worker_actions::serve(
        calls.clone(),
        limiter.clone(),
        journal.clone(),
        events.clone(),
        refresh.clone(),
        actions,
    ));
    tokio::spawn(refresh_balance(
        calls.clone(),
        limiter.clone(),
        events.clone(),
        refresh.clone(),
    ));
    refresh.notify_one();
    // Reconciliation runs beside the decisions: the reviewer need not wait for it. Only its
    // read of the journal comes first (`read` is dropped once done), so that it finds the
    // entries earlier sessions left open and never one this session is sending.
    let (read, journal_read) = oneshot::channel::<()>();
    tokio::spawn({
        let (calls, limiter, journal, events) = (
            calls.clone(),
            limiter.clone(),
            journal.clone(),
            events.clone(),
        );
        async move { reconcile(&calls, &limiter, &journal, &events, read).await }
    });
    tokio::spawn(async move {
        // Returns once `read` is dropped.
        let _ = journal_read.await;
        let mut running = JoinSet::new();
        while let Some(first) = decisions.recv().await {
            // Everything queued so far is journaled in one transaction: one flush to disk.
            let mut batch = vec![first];
            while let Ok(more) = decisions.try_recv() {
                batch.push(more);
            }
            for decision in &batch {
                report(&events, decision, DecisionState::Queued);
            }
            let intents = batch.clone();
            match with_journal(&journal, move |j| j.record_intents(&intents)).await {
                Err(problem) => {
                    for decision in &batch {
                        report(
                            &events,
                            decision,
                            DecisionState::Failed(format!("not sent: {problem}")),
                        );
                    }
                }
                Ok(seqs) => {
                    for (decision, seq) in batch.into_iter().zip(seqs) {
                        running.spawn(run_one(
                            calls.clone(),
                            limiter.clone(),
                            journal.clone(),
                            events.clone(),
                            refresh.clone(),
                            decision,
                            seq,
                        ));
                    }
                }
            }
            while running.try_join_next().is_some() {}
        }
        while running.join_next().await.is_some() {}
    });
    Runner {
        decisions: decisions_tx,
        worker_actions: worker_actions_tx,
    }
}

fn report<M: From<RunnerEvent>>(events: &Events<M>, decision: &Decision, state: DecisionState) {
    let _ = events.send(RunnerEvent::Decision {
        assignment_id: decision.assignment_id.clone(),
        state,
    });
}

async fn run_one<M: From<RunnerEvent>>(
    client: Client,
    limiter: Limiter,
    journal: SharedJournal,
    events: Events<M>,
    refresh: Arc<Notify>,
    decision: Decision,
    seq: i64,
) {
    let (state, outcome) = send(&client, &limiter, &decision, |state| {
        report(&events, &decision, state);
    })
    .await;
    let detail = match &state {
        DecisionState::Failed(text) => text.clone(),
        _ => String::new(),
    };
    tracing::info!(
        assignment = %decision.assignment_id,
        ?outcome,
        detail = %detail,
        "decision settled"
    );
    if let Err(problem) =
        with_journal(&journal, move |j| j.record_outcome(seq, outcome, &detail)).await
    {
        tracing::warn!(%problem, "could not journal a decision's outcome");
    }
    if matches!(state, DecisionState::Done(_)) {
        refresh.notify_one();
    }
    report(&events, &decision, state);
}

/// The decision's call itself, once.
async fn decide(client: &Client, decision: &Decision) -> Result<(), CallError> {
    let id = decision.assignment_id.as_str();
    match decision.kind {
        DecisionKind::Approve { override_rejection } => {
            let mut approve = client.approve_assignment().assignment_id(id);
            if override_rejection {
                approve = approve.override_rejection(true);
            }
            if let Some(feedback) = &decision.feedback {
                approve = approve.requester_feedback(feedback);
            }
            call(approve.send()).await.map(|_| ())
        }
        DecisionKind::Reject => call(
            client
                .reject_assignment()
                .assignment_id(id)
                .requester_feedback(decision.feedback.clone().unwrap_or_default())
                .send(),
        )
        .await
        .map(|_| ()),
    }
}

/// The assignment as MTurk reports it now, retried like a decision; it holds no slot of the
/// limiter (that would halve how many decisions are in flight) but passes its gate.
/// None when it cannot be read.
async fn current_assignment(client: &Client, limiter: &Limiter, id: &str) -> Option<Assignment> {
    with_retries(Pacing::Beside(limiter), &|_, _: &str| {}, || async {
        let out = call(client.get_assignment().assignment_id(id).send()).await?;
        Ok(out.assignment().map(assignment_from_sdk))
    })
    .await
    .ok()
    .flatten()
}

/// Sends one decision, retrying transient failures with backoff, then confirms the result
/// with GetAssignment (retried the same way). When MTurk refuses because the assignment
/// already has the status we asked for with our feedback (an earlier attempt went through
/// but its answer was lost), that is success. `progress` hears Sending and Retrying.
async fn send(
    client: &Client,
    limiter: &Limiter,
    decision: &Decision,
    progress: impl Fn(DecisionState),
) -> (DecisionState, Outcome) {
    progress(DecisionState::Sending);
    let retrying = |attempt, why: &str| {
        progress(DecisionState::Retrying {
            attempt,
            reason: why.to_string(),
        });
    };
    let result = with_retries(Pacing::Slot(limiter), &retrying, || {
        decide(client, decision)
    })
    .await;
    let current = current_assignment(client, limiter, &decision.assignment_id).await;
    settle(decision, result, current)
}

/// What a sent decision came to, from the call's result and the assignment as read back
/// afterwards: its state for the screen and its outcome for the journal.
fn settle(
    decision: &Decision,
    result: Result<(), CallError>,
    current: Option<Assignment>,
) -> (DecisionState, Outcome) {
    match (result, current) {
        (Ok(()), Some(assignment)) => (DecisionState::Done(Box::new(assignment)), Outcome::Done),
        (Ok(()), None) => (
            DecisionState::Failed(
                "MTurk accepted it, but the new status could not be read back; press R to reload"
                    .to_string(),
            ),
            Outcome::Done,
        ),
        (Err(_), Some(assignment)) if took_effect(decision, &assignment) => {
            (DecisionState::Done(Box::new(assignment)), Outcome::Done)
        }
        (Err(failure), Some(_)) => (DecisionState::Failed(failure.text), Outcome::Failed),
        (Err(failure), None) if failure.kind == ErrorKind::Transient => (
            DecisionState::Failed(format!(
                "{} (whether it took effect is unknown; it is checked again at the next start)",
                failure.text
            )),
            Outcome::Unknown,
        ),
        (Err(failure), None) => (DecisionState::Failed(failure.text), Outcome::Failed),
    }
}

/// Whether the assignment's current state is the one this decision would have produced: the
/// status it asks for, and our feedback when we sent some.
pub fn took_effect(decision: &Decision, assignment: &Assignment) -> bool {
    let wanted = match decision.kind {
        DecisionKind::Approve { .. } => AssignmentStatus::Approved,
        DecisionKind::Reject => AssignmentStatus::Rejected,
    };
    assignment.status == wanted
        && (decision.feedback.is_none() || decision.feedback == assignment.requester_feedback)
}

/// Settles the journal's open entries: each one that took effect is marked done, one that
/// can no longer apply is marked failed, and the rest go to the reviewer as pending. Nothing
/// is sent here.
async fn reconcile<M: From<RunnerEvent>>(
    client: &Client,
    limiter: &Limiter,
    journal: &SharedJournal,
    events: &Events<M>,
    read: oneshot::Sender<()>,
) {
    let open = with_journal(journal, |j| j.unresolved()).await;
    drop(read);
    let open = match open {
        Ok(open) => open,
        Err(problem) => {
            tracing::warn!(%problem, "could not read the journal");
            return;
        }
    };
    if open.is_empty() {
        return;
    }
    let checked: Vec<(Entry, Option<Assignment>)> = futures::stream::iter(open)
        .map(|entry| async move {
            let current = current_assignment(client, limiter, &entry.decision.assignment_id).await;
            (entry, current)
        })
        .buffer_unordered(DECISION_CONCURRENCY)
        .collect()
        .await;
    let mut confirmed = 0;
    let mut pending = Vec::new();
    let mut settled = Vec::new();
    for (entry, current) in checked {
        let verdict = verdict(&entry.decision, current.as_ref());
        let Entry { seq, decision, .. } = entry;
        match verdict {
            Verdict::TookEffect => {
                confirmed += 1;
                settled.push((seq, Outcome::Done, "confirmed at start".to_string()));
            }
            Verdict::NoLongerApplies(why) => settled.push((seq, Outcome::Failed, why)),
            Verdict::Pending => pending.push(decision),
        }
    }
    if let Err(problem) = with_journal(journal, move |j| j.record_outcomes(&settled)).await {
        tracing::warn!(%problem, "could not journal what reconciliation found");
    }
    tracing::info!(confirmed, pending = pending.len(), "journal reconciled");
    let _ = events.send(RunnerEvent::Reconciled { confirmed, pending });
}

/// What reconciliation makes of a decision an earlier session left unknown.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    TookEffect,
    NoLongerApplies(String),
    /// Did not take effect and still could, or could not be checked.
    Pending,
}

fn verdict(decision: &Decision, current: Option<&Assignment>) -> Verdict {
    let Some(assignment) = current else {
        return Verdict::Pending;
    };
    if took_effect(decision, assignment) {
        return Verdict::TookEffect;
    }
    let applies = match (decision.kind, assignment.status) {
        (_, AssignmentStatus::Submitted) => true,
        (DecisionKind::Approve { override_rejection }, AssignmentStatus::Rejected) => {
            override_rejection
        }
        _ => false,
    };
    if applies {
        Verdict::Pending
    } else {
        Verdict::NoLongerApplies(format!(
            "not re-sent: the assignment is now {}",
            assignment.status.as_str()
        ))
    }
}

/// The shortest time between two balance refreshes: decisions settling in a stream would
/// otherwise refresh it once per round trip, and spend a rate-limited account's calls on it.
const BALANCE_EVERY: Duration = Duration::from_secs(1);

/// Reads the balance when woken (a wake during the pause after a read is kept for after it),
/// beside the limiter's slots like the confirming reads.
async fn refresh_balance<M: From<RunnerEvent>>(
    client: Client,
    limiter: Limiter,
    events: Events<M>,
    wake: Arc<Notify>,
) {
    loop {
        wake.notified().await;
        let balance = with_retries(Pacing::Beside(&limiter), &|_, _: &str| {}, || async {
            let out = call(client.get_account_balance().send()).await?;
            Ok(out.available_balance().unwrap_or("0.00").to_string())
        })
        .await
        .map_err(|failure| failure.text);
        if events.send(RunnerEvent::Balance(balance)).is_err() {
            return;
        }
        tokio::time::sleep(BALANCE_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approve(feedback: Option<&str>) -> Decision {
        Decision {
            assignment_id: "3ASSIGNMENT".into(),
            worker_id: "AWORKER".into(),
            kind: DecisionKind::Approve {
                override_rejection: false,
            },
            feedback: feedback.map(str::to_string),
        }
    }

    fn reject(feedback: &str) -> Decision {
        Decision {
            kind: DecisionKind::Reject,
            ..approve(Some(feedback))
        }
    }

    fn override_rejection() -> Decision {
        Decision {
            kind: DecisionKind::Approve {
                override_rejection: true,
            },
            ..approve(None)
        }
    }

    /// The assignment as MTurk would report it now.
    fn now(status: AssignmentStatus, feedback: Option<&str>) -> Assignment {
        Assignment {
            id: "3ASSIGNMENT".into(),
            hit_id: "3HIT".into(),
            worker_id: "AWORKER".into(),
            status,
            accept_time: Some(1),
            submit_time: Some(2),
            auto_approval_time: None,
            approval_time: None,
            rejection_time: None,
            answer: String::new(),
            requester_feedback: feedback.map(str::to_string),
            policy_note: None,
        }
    }

    fn failure(kind: ErrorKind, text: &str) -> CallError {
        CallError {
            kind,
            text: text.into(),
            throttled: false,
            unreachable: false,
            retry_after: None,
        }
    }

    #[test]
    fn a_decision_took_effect_when_status_and_our_feedback_are_there() {
        let approved = now(AssignmentStatus::Approved, Some("thanks"));
        assert!(took_effect(&approve(Some("thanks")), &approved));
        assert!(took_effect(&approve(None), &approved), "no feedback sent");
        assert!(!took_effect(&approve(Some("other words")), &approved));
        assert!(!took_effect(&reject("thanks"), &approved), "wrong status");
        assert!(took_effect(
            &reject("no"),
            &now(AssignmentStatus::Rejected, Some("no"))
        ));
        assert!(!took_effect(
            &approve(None),
            &now(AssignmentStatus::Submitted, None)
        ));
    }

    #[test]
    fn settling_a_sent_decision() {
        let decision = approve(Some("thanks"));
        let approved = now(AssignmentStatus::Approved, Some("thanks"));

        let (state, outcome) = settle(&decision, Ok(()), Some(approved.clone()));
        assert_eq!(state, DecisionState::Done(Box::new(approved.clone())));
        assert_eq!(outcome, Outcome::Done);

        let (state, outcome) = settle(&decision, Ok(()), None);
        assert!(
            matches!(&state, DecisionState::Failed(text) if text.contains("could not be read back")),
            "{state:?}"
        );
        assert_eq!(outcome, Outcome::Done, "MTurk accepted it");

        // The reply was lost, but the read-back shows it went through.
        let lost = failure(ErrorKind::Transient, "ServiceFault: lost");
        let (state, outcome) = settle(&decision, Err(lost.clone()), Some(approved));
        assert_eq!(
            (matches!(state, DecisionState::Done(_)), outcome),
            (true, Outcome::Done)
        );

        let refused = failure(ErrorKind::Refused, "RequestError: not Submitted");
        let (state, outcome) = settle(
            &decision,
            Err(refused.clone()),
            Some(now(AssignmentStatus::Rejected, None)),
        );
        assert_eq!(
            (state, outcome),
            (
                DecisionState::Failed("RequestError: not Submitted".into()),
                Outcome::Failed
            )
        );

        // Nothing could be read back: a passing failure leaves it unknown, a refusal not.
        let (state, outcome) = settle(&decision, Err(lost), None);
        assert_eq!(outcome, Outcome::Unknown);
        assert!(
            matches!(&state, DecisionState::Failed(text) if text.starts_with("ServiceFault: lost (whether it took effect is unknown")),
            "{state:?}"
        );
        let (state, outcome) = settle(&decision, Err(refused), None);
        assert_eq!(
            (state, outcome),
            (
                DecisionState::Failed("RequestError: not Submitted".into()),
                Outcome::Failed
            )
        );
    }

    #[test]
    fn reconciliation_verdicts() {
        assert_eq!(
            verdict(&approve(None), None),
            Verdict::Pending,
            "unreadable"
        );
        assert_eq!(
            verdict(&approve(None), Some(&now(AssignmentStatus::Approved, None))),
            Verdict::TookEffect
        );
        assert_eq!(
            verdict(&reject("no"), Some(&now(AssignmentStatus::Submitted, None))),
            Verdict::Pending,
            "still Submitted: it can be sent again"
        );
        assert_eq!(
            verdict(
                &override_rejection(),
                Some(&now(AssignmentStatus::Rejected, None))
            ),
            Verdict::Pending,
            "an override still applies to a rejection"
        );
        assert_eq!(
            verdict(&approve(None), Some(&now(AssignmentStatus::Rejected, None))),
            Verdict::NoLongerApplies("not re-sent: the assignment is now Rejected".into())
        );
        assert_eq!(
            verdict(&reject("no"), Some(&now(AssignmentStatus::Approved, None))),
            Verdict::NoLongerApplies("not re-sent: the assignment is now Approved".into())
        );
    }
}
