//! Acting on a worker rather than an assignment: bonuses (SendBonus), blocks
//! (CreateWorkerBlock, DeleteWorkerBlock) and messages (NotifyWorkers), run on the decision
//! runner's task beside the decisions, sharing its client, limiter and journal.
//!
//! A bonus is money, so it is handled like a decision: journaled before it is sent, with a
//! UniqueRequestToken taken from its journal entry that every attempt sends, so MTurk never
//! pays it twice; confirmed afterwards through ListBonusPayments; and what an earlier session
//! left unknown is reconciled at start. Whether a bonus took effect is read as "the assignment
//! now has more payments like it (worker, amount, reason) than just before the first attempt",
//! a count journaled before anything is sent: that tells a bonus apart from an identical one
//! granted earlier, and needs nothing of MTurk's error texts.
//!
//! Blocks, unblocks and messages are not journaled: repeating a block or an unblock changes
//! nothing, and a message repeated after a lost reply is at worst a second email, so they are
//! retried like any call and their outcome only reported.

use aws_sdk_mturk::Client;
use futures::StreamExt;
use tokio::sync::{Notify, mpsc};

use super::decisions::{DECISION_CONCURRENCY, Events, RunnerEvent, SharedJournal, with_journal};
use super::domain::Bonus;
use super::limiter::Limiter;
use super::retry::{CallError, Pacing, call, with_retries};
use crate::journal::{BonusEntry, Outcome};
use crate::money::format_cents;
use std::sync::Arc;

/// What the reviewer asks of a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerAction {
    Bonus(Bonus),
    /// A bonus of an earlier session that did not take effect, sent again under its own
    /// journal entry (and so its own token).
    ResendBonus(BonusEntry),
    Block {
        worker_id: String,
        reason: String,
    },
    Unblock {
        worker_id: String,
    },
    Notify {
        worker_id: String,
        subject: String,
        text: String,
    },
}

impl WorkerAction {
    pub fn worker_id(&self) -> &str {
        match self {
            WorkerAction::Bonus(bonus) | WorkerAction::ResendBonus(BonusEntry { bonus, .. }) => {
                &bonus.worker_id
            }
            WorkerAction::Block { worker_id, .. }
            | WorkerAction::Unblock { worker_id }
            | WorkerAction::Notify { worker_id, .. } => worker_id,
        }
    }

    /// The bonus this action pays, if it is one.
    pub fn bonus(&self) -> Option<&Bonus> {
        match self {
            WorkerAction::Bonus(bonus) | WorkerAction::ResendBonus(BonusEntry { bonus, .. }) => {
                Some(bonus)
            }
            _ => None,
        }
    }
}

/// Where an action on a worker stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionState {
    Sending,
    Retrying { attempt: u32, reason: String },
    Done,
    Failed(String),
}

/// Serves the actions sent on `actions` until its sender is dropped; first reconciles the
/// bonuses an earlier session left unknown and reads who is blocked.
pub(super) async fn serve<M: From<RunnerEvent> + Send + 'static>(
    client: Client,
    limiter: Limiter,
    journal: SharedJournal,
    events: Events<M>,
    refresh: Arc<Notify>,
    mut actions: mpsc::UnboundedReceiver<WorkerAction>,
) {
    // As for decisions: the reconciliation's read of the journal comes first, so that it finds
    // only bonuses of earlier sessions (`read` is dropped once done).
    let (read, journal_read) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn({
        let (client, limiter, journal, events) = (
            client.clone(),
            limiter.clone(),
            journal.clone(),
            events.clone(),
        );
        async move {
            reconcile_bonuses(&client, &limiter, &journal, &events, read).await;
        }
    });
    let _ = journal_read.await;
    let mut running = tokio::task::JoinSet::new();
    while let Some(action) = actions.recv().await {
        running.spawn(run_one(
            client.clone(),
            limiter.clone(),
            journal.clone(),
            events.clone(),
            refresh.clone(),
            action,
        ));
        while running.try_join_next().is_some() {}
    }
    while running.join_next().await.is_some() {}
}

async fn run_one<M: From<RunnerEvent>>(
    client: Client,
    limiter: Limiter,
    journal: SharedJournal,
    events: Events<M>,
    refresh: Arc<Notify>,
    action: WorkerAction,
) {
    let report = |state: ActionState| {
        let _ = events.send(RunnerEvent::Worker {
            action: action.clone(),
            state,
        });
    };
    report(ActionState::Sending);
    let retrying = |attempt, why: &str| {
        report(ActionState::Retrying {
            attempt,
            reason: why.to_string(),
        });
    };
    let state = match &action {
        WorkerAction::Bonus(bonus) => {
            let wanted = bonus.clone();
            match with_journal(&journal, move |j| j.record_bonus(&wanted)).await {
                Ok(entry) => pay(&client, &limiter, &journal, entry, &retrying).await,
                Err(problem) => ActionState::Failed(format!("not sent: {problem}")),
            }
        }
        WorkerAction::ResendBonus(entry) => {
            pay(&client, &limiter, &journal, entry.clone(), &retrying).await
        }
        other => {
            match with_retries(Pacing::Slot(&limiter), &retrying, || act(&client, other)).await {
                Ok(()) => ActionState::Done,
                Err(failure) => ActionState::Failed(failure.text),
            }
        }
    };
    tracing::info!(worker = %action.worker_id(), ?state, "worker action settled");
    if action.bonus().is_some() && state == ActionState::Done {
        refresh.notify_one();
    }
    report(state);
}

/// One block, unblock or message, once.
async fn act(client: &Client, action: &WorkerAction) -> Result<(), CallError> {
    match action {
        WorkerAction::Block { worker_id, reason } => call(
            client
                .create_worker_block()
                .worker_id(worker_id)
                .reason(reason)
                .send(),
        )
        .await
        .map(|_| ()),
        WorkerAction::Unblock { worker_id } => call(
            client
                .delete_worker_block()
                .worker_id(worker_id)
                .reason("unblocked from mturk-review")
                .send(),
        )
        .await
        .map(|_| ()),
        WorkerAction::Notify {
            worker_id,
            subject,
            text,
        } => {
            let out = call(
                client
                    .notify_workers()
                    .worker_ids(worker_id)
                    .subject(subject)
                    .message_text(text)
                    .send(),
            )
            .await?;
            // The call succeeds as a whole; a worker it could not reach is listed.
            match out.notify_workers_failure_statuses().first() {
                None => Ok(()),
                Some(failure) => Err(CallError {
                    kind: super::client::ErrorKind::Refused,
                    text: failure
                        .notify_workers_failure_message()
                        .unwrap_or("the message was not delivered")
                        .to_string(),
                    throttled: false,
                    unreachable: false,
                    retry_after: None,
                }),
            }
        }
        WorkerAction::Bonus(_) | WorkerAction::ResendBonus(_) => Ok(()),
    }
}

/// Pays a journaled bonus: counts the payments like it first (journaled, so a restart can
/// tell whether it went through), sends it under its token, then counts again.
async fn pay(
    client: &Client,
    limiter: &Limiter,
    journal: &SharedJournal,
    entry: BonusEntry,
    retrying: &impl Fn(u32, &str),
) -> ActionState {
    let seq = entry.seq;
    let Some(prior) = matching_payments(client, limiter, &entry.bonus).await else {
        let detail = "not sent: the bonuses already paid could not be read".to_string();
        let state = ActionState::Failed(detail.clone());
        record(journal, seq, Outcome::Failed, detail).await;
        return state;
    };
    if let Err(problem) = with_journal(journal, move |j| j.record_bonus_prior(seq, prior)).await {
        let detail = format!("not sent: {problem}");
        record(journal, seq, Outcome::Failed, detail.clone()).await;
        return ActionState::Failed(detail);
    }
    let result = with_retries(Pacing::Slot(limiter), retrying, || async {
        call(
            client
                .send_bonus()
                .worker_id(&entry.bonus.worker_id)
                .assignment_id(&entry.bonus.assignment_id)
                .bonus_amount(format_cents(entry.bonus.amount_cents))
                .reason(&entry.bonus.reason)
                .unique_request_token(&entry.token)
                .send(),
        )
        .await
        .map(|_| ())
    })
    .await;
    let after = matching_payments(client, limiter, &entry.bonus).await;
    let (state, outcome) = settle(result, &entry.token, prior, after);
    let detail = match &state {
        ActionState::Failed(text) => text.clone(),
        _ => String::new(),
    };
    record(journal, seq, outcome, detail).await;
    state
}

async fn record(journal: &SharedJournal, seq: i64, outcome: Outcome, detail: String) {
    if let Err(problem) = with_journal(journal, move |j| {
        j.record_bonus_outcome(seq, outcome, &detail)
    })
    .await
    {
        tracing::warn!(%problem, "could not journal a bonus's outcome");
    }
}

/// What a sent bonus came to, from the call's result and the payments counted before and
/// after (None: they could not be read).
fn settle(
    result: Result<(), CallError>,
    token: &str,
    prior: i64,
    after: Option<i64>,
) -> (ActionState, Outcome) {
    match (result, after) {
        (_, Some(after)) if after > prior => (ActionState::Done, Outcome::Done),
        // MTurk said yes; not seeing it yet is no reason to doubt it.
        (Ok(()), _) => (ActionState::Done, Outcome::Done),
        // Refused as a repeat of our own token: an earlier attempt, whose reply was lost,
        // paid it. MTurk documents the refusal but not its words (*unconfirmed*); this
        // server's name the token. Needed when the payments cannot be read back.
        (Err(failure), None)
            if failure.kind == super::client::ErrorKind::Refused
                && failure.text.contains(token) =>
        {
            (ActionState::Done, Outcome::Done)
        }
        (Err(failure), Some(_)) => (ActionState::Failed(failure.text), Outcome::Failed),
        (Err(failure), None) if failure.kind == super::client::ErrorKind::Transient => (
            ActionState::Failed(format!(
                "{} (whether it was paid is unknown; it is checked again at the next start)",
                failure.text
            )),
            Outcome::Unknown,
        ),
        (Err(failure), None) => (ActionState::Failed(failure.text), Outcome::Failed),
    }
}

/// How many of the assignment's bonus payments are like this one: same worker, amount and
/// reason. None when they cannot be read.
async fn matching_payments(client: &Client, limiter: &Limiter, bonus: &Bonus) -> Option<i64> {
    let amount = format_cents(bonus.amount_cents);
    with_retries(Pacing::Beside(limiter), &|_, _: &str| {}, || async {
        let mut count = 0;
        let mut next: Option<String> = None;
        loop {
            let out = call(
                client
                    .list_bonus_payments()
                    .assignment_id(&bonus.assignment_id)
                    .max_results(100)
                    .set_next_token(next.take())
                    .send(),
            )
            .await?;
            let page = out.bonus_payments();
            count += page
                .iter()
                .filter(|p| {
                    p.worker_id() == Some(bonus.worker_id.as_str())
                        && p.bonus_amount() == Some(amount.as_str())
                        && p.reason() == Some(bonus.reason.as_str())
                })
                .count() as i64;
            // MTurk returns a token on the last page too; the page after it is empty.
            match out.next_token() {
                Some(token) if !page.is_empty() => next = Some(token.to_string()),
                _ => return Ok(count),
            }
        }
    })
    .await
    .ok()
}

/// What reconciliation makes of a bonus an earlier session left unknown.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Paid,
    /// Not paid (or not checkable): the reviewer may send it again, under the same token.
    Pending,
}

fn verdict(prior: Option<i64>, now: Option<i64>) -> Verdict {
    match (prior, now) {
        (Some(prior), Some(now)) if now > prior => Verdict::Paid,
        _ => Verdict::Pending,
    }
}

/// Settles the journal's open bonuses: each one paid is marked done, the rest go to the
/// reviewer as pending. Nothing is sent here.
async fn reconcile_bonuses<M: From<RunnerEvent>>(
    client: &Client,
    limiter: &Limiter,
    journal: &SharedJournal,
    events: &Events<M>,
    read: tokio::sync::oneshot::Sender<()>,
) {
    let open = with_journal(journal, |j| j.unresolved_bonuses()).await;
    drop(read);
    let open = match open {
        Ok(open) => open,
        Err(problem) => {
            tracing::warn!(%problem, "could not read the journal's bonuses");
            return;
        }
    };
    if open.is_empty() {
        return;
    }
    let checked: Vec<(BonusEntry, Option<i64>)> = futures::stream::iter(open)
        .map(|entry| async move {
            // Never sent (no count journaled): nothing to read.
            let now = match entry.prior_matches {
                Some(_) => matching_payments(client, limiter, &entry.bonus).await,
                None => None,
            };
            (entry, now)
        })
        .buffer_unordered(DECISION_CONCURRENCY)
        .collect()
        .await;
    let mut confirmed = 0;
    let mut pending = Vec::new();
    for (entry, now) in checked {
        match verdict(entry.prior_matches, now) {
            Verdict::Paid => {
                confirmed += 1;
                record(
                    journal,
                    entry.seq,
                    Outcome::Done,
                    "confirmed at start".to_string(),
                )
                .await;
            }
            Verdict::Pending => pending.push(entry),
        }
    }
    // In journal order, as they were granted.
    pending.sort_by_key(|entry| entry.seq);
    tracing::info!(confirmed, pending = pending.len(), "bonuses reconciled");
    let _ = events.send(RunnerEvent::BonusesReconciled { confirmed, pending });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mturk::client::ErrorKind;

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
    fn a_bonus_is_paid_when_the_assignment_has_one_more_like_it() {
        let token = "mturk-review-1";
        assert_eq!(
            settle(Ok(()), token, 0, Some(1)),
            (ActionState::Done, Outcome::Done)
        );
        // The reply was lost, but the payment is there.
        let lost = failure(ErrorKind::Transient, "ServiceFault: lost");
        assert_eq!(
            settle(Err(lost.clone()), token, 1, Some(2)),
            (ActionState::Done, Outcome::Done)
        );
        // An identical bonus granted earlier does not count as this one.
        let (state, outcome) = settle(Err(lost.clone()), token, 1, Some(1));
        assert_eq!(outcome, Outcome::Failed);
        assert_eq!(state, ActionState::Failed("ServiceFault: lost".into()));
        let (_, outcome) = settle(Err(lost), token, 0, None);
        assert_eq!(outcome, Outcome::Unknown, "nothing could be read back");
        let refused = failure(ErrorKind::Refused, "RequestError: insufficient funds");
        let (_, outcome) = settle(Err(refused), token, 0, None);
        assert_eq!(outcome, Outcome::Failed, "MTurk said no");
        // A retry refused as a repeat of our token, with nothing readable: paid before.
        let repeat = failure(
            ErrorKind::Refused,
            "RequestError: The bonus with UniqueRequestToken \"mturk-review-1\" has already been granted.",
        );
        assert_eq!(
            settle(Err(repeat), token, 0, None),
            (ActionState::Done, Outcome::Done)
        );
    }

    #[test]
    fn reconciling_a_bonus() {
        assert_eq!(verdict(Some(0), Some(1)), Verdict::Paid);
        assert_eq!(verdict(Some(1), Some(1)), Verdict::Pending, "not paid");
        assert_eq!(verdict(Some(0), None), Verdict::Pending, "unreadable");
        assert_eq!(verdict(None, None), Verdict::Pending, "never sent");
    }
}
