//! The console's event loop and its background tasks: terminal input, the loader and the
//! decision runner all feed one message channel; the loop drains it, applies `update`, hands
//! effects to the tasks, and draws once the queue is empty. It never awaits the network.

use std::time::Duration;

use aws_sdk_mturk::Client;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::message::{Effect, Message};
use super::state::State;
use super::ui::render;
use super::update::update;
use crate::clock::now_secs;
use crate::journal::Journal;
use crate::mturk::client::Endpoint;
use crate::mturk::decisions::{DECISION_CONCURRENCY, RunnerEvent, spawn_runner};
use crate::mturk::domain::{Decision, DecisionState};
use crate::mturk::limiter::Limiter;
use crate::mturk::loader::{HitSelection, LoadEvent, LoadRequest, load};

const TICK: Duration = Duration::from_millis(100);

/// Runs the console until the reviewer quits (or SIGTERM arrives).
pub async fn run(
    terminal: &mut DefaultTerminal,
    client: Client,
    endpoint: Endpoint,
    selection: HitSelection,
    journal: Journal,
) -> std::io::Result<()> {
    let (messages_tx, mut messages) = mpsc::unbounded_channel::<Message>();
    let input = tokio::spawn(read_terminal(messages_tx.clone()));
    let decisions = spawn_runner(
        client.clone(),
        journal,
        Limiter::new(DECISION_CONCURRENCY),
        messages_tx.clone(),
    );
    let mut loader = start_loader(client.clone(), selection.clone(), messages_tx.clone());
    let mut terminate = terminate_signal();

    let mut state = State::new(endpoint, now_secs());
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut quit = false;
    while !quit {
        state.set_now(now_secs());
        terminal.draw(|frame| render(&state, frame))?;
        let first = tokio::select! {
            biased;
            message = messages.recv() => message,
            _ = tick.tick(), if state.is_animating() => Some(Message::Tick),
            _ = terminate.recv() => None,
        };
        let Some(first) = first else { break };
        // Drain what has queued up, then draw once.
        let mut next = Some(first);
        while let Some(message) = next {
            let (message, after) = coalesce_pages(message, &mut messages);
            state.set_now(now_secs());
            for effect in update(&mut state, message) {
                match effect {
                    Effect::Send(decision) => send_decision(&decisions, decision, &messages_tx),
                    Effect::Reload => {
                        loader.abort();
                        loader =
                            start_loader(client.clone(), selection.clone(), messages_tx.clone());
                    }
                    Effect::Quit => quit = true,
                }
            }
            next = if quit {
                None
            } else {
                after.or_else(|| messages.try_recv().ok())
            };
        }
        quit |= state.should_quit();
    }
    input.abort();
    loader.abort();
    Ok(())
}

/// Pages of assignments that queued up are merged as one: every merge re-sorts and re-filters
/// all loaded rows, so one merge per batch keeps a fast load of 100,000 linear, not
/// quadratic. Returns the message to apply and the first other one taken off the queue.
/// The batch keeps the first page's HIT id; the console goes by each assignment's own.
fn coalesce_pages(
    message: Message,
    queue: &mut mpsc::UnboundedReceiver<Message>,
) -> (Message, Option<Message>) {
    let Message::Load(LoadEvent::Assignments {
        hit_id,
        mut assignments,
    }) = message
    else {
        return (message, None);
    };
    let mut after = None;
    while let Ok(more) = queue.try_recv() {
        match more {
            Message::Load(LoadEvent::Assignments {
                assignments: page, ..
            }) => assignments.extend(page),
            other => {
                after = Some(other);
                break;
            }
        }
    }
    let batch = LoadEvent::Assignments {
        hit_id,
        assignments,
    };
    (Message::Load(batch), after)
}

fn send_decision(
    decisions: &mpsc::UnboundedSender<Decision>,
    decision: Decision,
    messages: &mpsc::UnboundedSender<Message>,
) {
    let id = decision.assignment_id.clone();
    if decisions.send(decision).is_err() {
        let stopped = RunnerEvent::Decision {
            assignment_id: id,
            state: DecisionState::Failed("the decision runner has stopped".to_string()),
        };
        let _ = messages.send(stopped.into());
    }
}

/// Terminal keys and resizes as messages. Only key presses count (not releases/repeats
/// reported by some terminals).
async fn read_terminal(messages: mpsc::UnboundedSender<Message>) {
    let mut events = EventStream::new();
    while let Some(event) = events.next().await {
        let message = match event {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => Message::Key(key),
            Ok(Event::Resize(..)) => Message::Resize,
            Ok(_) => continue,
            Err(err) => {
                tracing::warn!(%err, "terminal input failed");
                return;
            }
        };
        if messages.send(message).is_err() {
            return;
        }
    }
}

/// Aborting the task (on reload or quit) drops the loader's per-HIT tasks with it.
fn start_loader(
    client: Client,
    selection: HitSelection,
    messages: mpsc::UnboundedSender<Message>,
) -> JoinHandle<()> {
    tokio::spawn(load(client, LoadRequest::review(selection), messages))
}

/// SIGTERM as a channel; on other platforms a channel that never fires.
fn terminate_signal() -> mpsc::UnboundedReceiver<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            term.recv().await;
            let _ = tx.send(());
        }
    });
    #[cfg(not(unix))]
    drop(tx);
    rx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::fixtures::{NOW, assignment};

    #[test]
    fn queued_pages_merge_into_one_message_and_keep_their_place_in_line() {
        let page = |id: &str| {
            Message::Load(LoadEvent::Assignments {
                hit_id: "H".into(),
                assignments: vec![assignment(id, "H", "W", NOW)],
            })
        };
        let finished = Message::Load(LoadEvent::Finished);
        let (tx, mut queue) = mpsc::unbounded_channel();
        for message in [page("B"), page("C"), finished.clone(), page("D")] {
            tx.send(message).unwrap();
        }
        let (merged, after) = coalesce_pages(page("A"), &mut queue);
        let Message::Load(LoadEvent::Assignments {
            assignments: merged,
            ..
        }) = merged
        else {
            panic!("not a page: {merged:?}");
        };
        let ids: Vec<&str> = merged.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["A", "B", "C"]);
        assert_eq!(after, Some(finished), "taken off the queue, not lost");
        assert_eq!(
            queue.try_recv().ok(),
            Some(page("D")),
            "later pages wait their turn"
        );

        let (other, after) = coalesce_pages(Message::Tick, &mut queue);
        assert_eq!((other, after), (Message::Tick, None));
    }
}
