//! The decision runner: a background task that owns the SDK client, takes the reviewer's
//! decisions over a channel, sends them to MTurk (several at once, up to a bound) and reports
//! each one's progress back. It also keeps the account balance fresh after payments.

use std::sync::Arc;

use aws_sdk_mturk::Client;
use tokio::sync::{Notify, Semaphore, mpsc};

use super::client::{FailureKind, assignment_from_sdk, describe_error};
use super::domain::{AssignmentStatus, Decision, DecisionKind, DecisionState};

/// How many decisions are in flight at once.
pub const DECISION_CONCURRENCY: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunnerEvent {
    Decision {
        assignment_id: String,
        state: DecisionState,
    },
    Balance(Result<String, String>),
}

/// Starts the runner and the balance refresher; returns where to send decisions. Both stop
/// when the sender is dropped and their work is done.
pub fn spawn_runner(
    client: Client,
    events: mpsc::UnboundedSender<RunnerEvent>,
) -> mpsc::UnboundedSender<Decision> {
    let (decisions_tx, mut decisions) = mpsc::unbounded_channel::<Decision>();
    let refresh = Arc::new(Notify::new());
    tokio::spawn(refresh_balance(
        client.clone(),
        events.clone(),
        refresh.clone(),
    ));
    refresh.notify_one();
    tokio::spawn(async move {
        let permits = Arc::new(Semaphore::new(DECISION_CONCURRENCY));
        while let Some(decision) = decisions.recv().await {
            let id = decision.assignment_id.clone();
            let _ = events.send(RunnerEvent::Decision {
                assignment_id: id.clone(),
                state: DecisionState::Queued,
            });
            let (client, events, permits, refresh) = (
                client.clone(),
                events.clone(),
                permits.clone(),
                refresh.clone(),
            );
            tokio::spawn(async move {
                let Ok(_permit) = permits.acquire_owned().await else {
                    return;
                };
                let _ = events.send(RunnerEvent::Decision {
                    assignment_id: id.clone(),
                    state: DecisionState::Sending,
                });
                let state = send(&client, &decision).await;
                if matches!(state, DecisionState::Done(_)) {
                    refresh.notify_one();
                }
                let _ = events.send(RunnerEvent::Decision {
                    assignment_id: id,
                    state,
                });
            });
        }
    });
    decisions_tx
}

/// Sends one decision and confirms the result with GetAssignment. When MTurk refuses because
/// the assignment already has the status we asked for (an earlier attempt went through but
/// its answer was lost), that is success, not failure.
pub async fn send(client: &Client, decision: &Decision) -> DecisionState {
    let id = decision.assignment_id.as_str();
    let (wanted, result) = match decision.kind {
        DecisionKind::Approve { override_rejection } => {
            let mut call = client.approve_assignment().assignment_id(id);
            if override_rejection {
                call = call.override_rejection(true);
            }
            if let Some(feedback) = &decision.feedback {
                call = call.requester_feedback(feedback);
            }
            (
                AssignmentStatus::Approved,
                call.send()
                    .await
                    .map(|_| ())
                    .map_err(|e| describe_error(&e)),
            )
        }
        DecisionKind::Reject => {
            let call = client
                .reject_assignment()
                .assignment_id(id)
                .requester_feedback(decision.feedback.clone().unwrap_or_default());
            (
                AssignmentStatus::Rejected,
                call.send()
                    .await
                    .map(|_| ())
                    .map_err(|e| describe_error(&e)),
            )
        }
    };
    let confirmed = client.get_assignment().assignment_id(id).send().await;
    let current = confirmed
        .as_ref()
        .ok()
        .and_then(|out| out.assignment())
        .map(assignment_from_sdk);
    match (result, current) {
        (Ok(()), Some(assignment)) => DecisionState::Done(Box::new(assignment)),
        (Ok(()), None) => DecisionState::Failed(
            "sent, but MTurk's answer could not be confirmed; press R to reload".to_string(),
        ),
        (Err((FailureKind::Refused, _)), Some(assignment))
            if assignment.status == wanted && already_ours(decision, &assignment) =>
        {
            DecisionState::Done(Box::new(assignment))
        }
        (Err((_, text)), _) => DecisionState::Failed(text),
    }
}

/// Whether the assignment's current state is the one this decision would have produced: the
/// same status, and our feedback when we sent some.
fn already_ours(decision: &Decision, assignment: &super::domain::Assignment) -> bool {
    decision.feedback.is_none() || decision.feedback == assignment.requester_feedback
}

async fn refresh_balance(
    client: Client,
    events: mpsc::UnboundedSender<RunnerEvent>,
    wake: Arc<Notify>,
) {
    loop {
        wake.notified().await;
        let balance = client
            .get_account_balance()
            .send()
            .await
            .map(|out| out.available_balance().unwrap_or("0.00").to_string())
            .map_err(|e| describe_error(&e).1);
        if events.send(RunnerEvent::Balance(balance)).is_err() {
            return;
        }
    }
}
