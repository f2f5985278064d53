//! The console's event loop. It draws, then sleeps until a key, a message from the loader or
//! the decision runner, or a tick arrives; applies what has queued up through `update`;
//! hands the effects to the loader and the runner; and draws once the queue is empty. It
//! never awaits the network. Any ratatui backend and any stream of terminal events will do:
//! the binary gives it the real terminal, tests a `TestBackend` and scripted keys.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use aws_sdk_mturk::Client;
use crossterm::event::{Event, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
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

/// What the console reviews, and how it gets there.
pub struct Session {
    pub client: Client,
    /// Where `client` is connected, for the header.
    pub endpoint: Endpoint,
    pub selection: HitSelection,
    pub journal: Journal,
}

/// Runs the console on `terminal`, reading `input`, until the reviewer quits or `stop`
/// resolves (the binary's SIGTERM).
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    input: impl Stream<Item = std::io::Result<Event>>,
    stop: impl Future<Output = ()>,
    session: Session,
) -> Result<(), B::Error> {
    let Session {
        client,
        endpoint,
        selection,
        journal,
    } = session;
    let (messages_tx, mut messages) = mpsc::unbounded_channel::<Message>();
    let decisions = spawn_runner(
        client.clone(),
        journal,
        Limiter::new(DECISION_CONCURRENCY),
        messages_tx.clone(),
    );
    let mut loader = start_loader(client.clone(), selection.clone(), messages_tx.clone());
    let mut input = pin!(input);
    let mut reading = true;
    let mut stop = pin!(stop);

    let mut state = State::new(endpoint, now_secs());
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    'running: loop {
        state.set_now(now_secs());
        terminal.draw(|frame| render(&state, frame))?;
        // Keys first: they are few, and must not wait behind a stream of pages.
        let first = loop {
            tokio::select! {
                biased;
                event = input.next(), if reading => match event {
                    Some(Ok(event)) => {
                        if let Some(message) = from_terminal(event) {
                            break message;
                        }
                    }
                    Some(Err(err)) => {
                        tracing::warn!(%err, "terminal input failed");
                        reading = false;
                    }
                    None => reading = false,
                },
                Some(message) = messages.recv() => break message,
                _ = tick.tick(), if state.is_animating() => break Message::Tick,
                () = &mut stop => break 'running,
            }
        };
        // Apply what has queued up, then draw once.
        let mut quit = false;
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
        if quit || state.should_quit() {
            break;
        }
    }
    loader.abort();
    Ok(())
}

/// A terminal event as a message: key presses (and repeats, which some terminals report
/// for a held key) and resizes; key releases and everything else are not for the console.
fn from_terminal(event: Event) -> Option<Message> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Message::Key(key)),
        Event::Resize(..) => Some(Message::Resize),
        _ => None,
    }
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

/// Aborting the task (on reload or quit) drops the loader's per-HIT tasks with it.
fn start_loader(
    client: Client,
    selection: HitSelection,
    messages: mpsc::UnboundedSender<Message>,
) -> JoinHandle<()> {
    tokio::spawn(load(client, LoadRequest::review(selection), messages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::fixtures::{NOW, assignment};
    use crossterm::event::{KeyCode, KeyEvent, KeyEventState, KeyModifiers, MouseEvent};

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

    #[test]
    fn presses_repeats_and_resizes_reach_the_console_and_releases_do_not() {
        let key = |kind| KeyEvent {
            code: KeyCode::Char('j'),
            modifiers: KeyModifiers::NONE,
            kind,
            state: KeyEventState::NONE,
        };
        for kind in [KeyEventKind::Press, KeyEventKind::Repeat] {
            assert_eq!(
                from_terminal(Event::Key(key(kind))),
                Some(Message::Key(key(kind)))
            );
        }
        assert_eq!(from_terminal(Event::Key(key(KeyEventKind::Release))), None);
        assert_eq!(from_terminal(Event::Resize(80, 24)), Some(Message::Resize));
        let mouse = MouseEvent {
            kind: crossterm::event::MouseEventKind::Moved,
            column: 0,
            row: 0,
            modifiers: KeyModifiers::NONE,
        };
        assert_eq!(from_terminal(Event::Mouse(mouse)), None);
        assert_eq!(from_terminal(Event::FocusGained), None);
    }
}
