//! The console's event loop. It draws, then sleeps until a key, a message from the loader or
//! the decision runner, or a tick arrives; applies what has queued up through `update`;
//! hands the effects to the loader and the runner; and draws once the queue is empty. It
//! never awaits the network. Any ratatui backend and any stream of terminal events will do:
//! the binary gives it the real terminal, tests a `TestBackend` and scripted keys.

use std::future::Future;
use std::path::PathBuf;
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
use super::state::{State, WorkerSite};
use super::templates::{self, Templates};
use super::ui::render;
use super::update::update;
use crate::clock::now_secs;
use crate::journal::Journal;
use crate::mturk::client::Endpoint;
use crate::mturk::decisions::{DECISION_CONCURRENCY, Runner, RunnerEvent, start_runner};
use crate::mturk::domain::{Decision, DecisionState};
use crate::mturk::limiter::Limiter;
use crate::mturk::loader::{HitSelection, LoadEvent, LoadRequest, load, load_history};

const TICK: Duration = Duration::from_millis(100);

/// What the console reviews, and how it gets there.
pub struct Session {
    pub client: Client,
    /// Where `client` is connected, for the header.
    pub endpoint: Endpoint,
    pub selection: HitSelection,
    pub journal: Journal,
    /// The worker site, for the help (the demo knows it).
    pub worker_site: Option<WorkerSite>,
    /// The feedback templates file; None where no config directory is known.
    pub templates: Option<PathBuf>,
}

/// Runs the console on `terminal`, reading `input`, until the reviewer quits or `stop`
/// resolves (the binary's SIGTERM).
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    input: impl Stream<Item = std::io::Result<Event>> + Send + 'static,
    stop: impl Future<Output = ()>,
    session: Session,
) -> Result<(), B::Error> {
    let Session {
        client,
        endpoint,
        selection,
        journal,
        worker_site,
        templates: templates_path,
    } = session;
    let (messages_tx, mut messages) = mpsc::unbounded_channel::<Message>();
    let Runner {
        decisions,
        worker_actions,
    } = start_runner(
        client.clone(),
        journal,
        Limiter::new(DECISION_CONCURRENCY),
        messages_tx.clone(),
    );
    let mut loader = Loader::start(client.clone(), selection.clone(), &messages_tx);
    let mut keys = read_keys(input);
    let mut stop = pin!(stop);

    let mut state = State::new(endpoint, now_secs());
    state.worker_site = worker_site;
    state.templates = Templates::load(templates_path);
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        state.set_now(now_secs());
        terminal.draw(|frame| render(&state, frame))?;
        // Keys first: they are few, and must not wait behind a stream of pages.
        let first = tokio::select! {
            biased;
            Some(key) = keys.recv() => key,
            Some(message) = messages.recv() => message,
            Some(event) = loader.next() => Message::Load(event),
            _ = tick.tick(), if state.is_animating() => Message::Tick,
            () = &mut stop => break,
        };
        // Apply what has queued up, then draw once.
        let mut quit = false;
        let mut next = Some(first);
        while let Some(message) = next {
            let message = match message {
                Message::Load(event) => Message::Load(loader.coalesce(event)),
                other => other,
            };
            state.set_now(now_secs());
            for effect in update(&mut state, message) {
                match effect {
                    Effect::Send(decision) => send_decision(&decisions, decision, &messages_tx),
                    Effect::Reload => {
                        loader = Loader::start(client.clone(), selection.clone(), &messages_tx)
                    }
                    Effect::Worker(action) => {
                        if worker_actions.send(action).is_err() {
                            tracing::warn!("the decision runner has stopped");
                        }
                    }
                    // A small file, written at once: the reviewer asked for it.
                    Effect::SaveTemplates { path, texts } => {
                        let saved = templates::write(&path, &texts).map_err(|e| e.to_string());
                        let _ = messages_tx.send(Message::TemplatesSaved(saved));
                    }
                    Effect::Quit => quit = true,
                }
            }
            next = if quit {
                None
            } else {
                messages
                    .try_recv()
                    .ok()
                    .or_else(|| loader.try_next().map(Message::Load))
            };
        }
        if quit || state.should_quit() {
            break;
        }
    }
    Ok(())
}

/// Reads the terminal on a task of its own; the loop takes keys off the channel ahead of
/// anything else. (When the loop polled crossterm's stream itself, loading 100,000 rows in
/// a pty took a median 4.6 s instead of 3.7 s.)
fn read_keys(
    input: impl Stream<Item = std::io::Result<Event>> + Send + 'static,
) -> mpsc::UnboundedReceiver<Message> {
    let (keys_tx, keys) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut input = pin!(input);
        while let Some(event) = input.next().await {
            match event {
                Ok(event) => {
                    if let Some(message) = from_terminal(event)
                        && keys_tx.send(message).is_err()
                    {
                        return;
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, "terminal input failed");
                    return;
                }
            }
        }
    });
    keys
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

/// The running loader and the channel only it reports into. A reload replaces both: the old
/// task is aborted (its per-HIT tasks with it) and the events it had already queued, a stale
/// `Finished` among them, are dropped with its channel instead of ending the new load early.
struct Loader {
    task: JoinHandle<()>,
    events: mpsc::UnboundedReceiver<LoadEvent>,
    /// An event taken off the channel while merging pages, applied next.
    held: Option<LoadEvent>,
}

impl Loader {
    /// The review queue first, then (reporting into `history`) the worker and HIT views'
    /// blocks and Approved assignments, which no one waits for.
    fn start(
        client: Client,
        selection: HitSelection,
        history: &mpsc::UnboundedSender<Message>,
    ) -> Loader {
        let (events_tx, events) = mpsc::unbounded_channel();
        let history = history.clone();
        let task = tokio::spawn(async move {
            let hits = load(client.clone(), LoadRequest::review(selection), events_tx).await;
            load_history(client, hits, history).await;
        });
        Loader {
            task,
            events,
            held: None,
        }
    }

    /// The next event, once there is one; None when the loader has ended and all is applied.
    async fn next(&mut self) -> Option<LoadEvent> {
        match self.held.take() {
            Some(event) => Some(event),
            None => self.events.recv().await,
        }
    }

    fn try_next(&mut self) -> Option<LoadEvent> {
        self.held.take().or_else(|| self.events.try_recv().ok())
    }

    /// Pages of assignments that queued up behind `first` are merged as one: every merge
    /// re-sorts and re-filters all loaded rows, so one merge per batch keeps a fast load of
    /// 100,000 linear, not quadratic. The first other event is held, in its place in line.
    /// The batch keeps the first page's HIT id; the console goes by each assignment's own.
    fn coalesce(&mut self, first: LoadEvent) -> LoadEvent {
        let LoadEvent::Assignments {
            hit_id,
            mut assignments,
        } = first
        else {
            return first;
        };
        while let Some(more) = self.try_next() {
            match more {
                LoadEvent::Assignments {
                    assignments: page, ..
                } => assignments.extend(page),
                other => {
                    self.held = Some(other);
                    break;
                }
            }
        }
        LoadEvent::Assignments {
            hit_id,
            assignments,
        }
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::fixtures::{NOW, assignment};
    use crossterm::event::{KeyCode, KeyEvent, KeyEventState, KeyModifiers, MouseEvent};

    /// A loader fed by the test through `tx`, with no real task behind it.
    fn scripted_loader() -> (Loader, mpsc::UnboundedSender<LoadEvent>) {
        let (tx, events) = mpsc::unbounded_channel();
        let loader = Loader {
            task: tokio::spawn(async {}),
            events,
            held: None,
        };
        (loader, tx)
    }

    fn page(id: &str) -> LoadEvent {
        LoadEvent::Assignments {
            hit_id: "H".into(),
            assignments: vec![assignment(id, "H", "W", NOW)],
        }
    }

    #[tokio::test]
    async fn queued_pages_merge_into_one_message_and_keep_their_place_in_line() {
        let (mut loader, tx) = scripted_loader();
        for event in [page("B"), page("C"), LoadEvent::Finished, page("D")] {
            tx.send(event).unwrap();
        }
        let LoadEvent::Assignments {
            assignments: merged,
            ..
        } = loader.coalesce(page("A"))
        else {
            panic!("not a page");
        };
        let ids: Vec<&str> = merged.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["A", "B", "C"]);
        assert_eq!(
            loader.try_next(),
            Some(LoadEvent::Finished),
            "taken off the queue, not lost"
        );
        assert_eq!(
            loader.try_next(),
            Some(page("D")),
            "later pages wait their turn"
        );

        assert_eq!(loader.coalesce(LoadEvent::Finished), LoadEvent::Finished);
        assert_eq!(loader.try_next(), None);
    }

    #[tokio::test]
    async fn a_reload_drops_what_the_old_loader_had_queued() {
        let (mut loader, old_tx) = scripted_loader();
        for event in [page("A"), LoadEvent::Finished, page("B")] {
            old_tx.send(event).unwrap();
        }
        // One event already held back while merging, as when a reload key comes mid-batch.
        let _ = loader.coalesce(page("0"));
        assert_eq!(loader.held, Some(LoadEvent::Finished));

        // What Effect::Reload does: the old loader is replaced, and so dropped.
        let (fresh, new_tx) = scripted_loader();
        loader = fresh;
        new_tx.send(page("NEW")).unwrap();

        assert_eq!(
            loader.try_next(),
            Some(page("NEW")),
            "only the new load's events"
        );
        assert_eq!(
            loader.try_next(),
            None,
            "no stale Finished ends the new load"
        );
        assert!(
            old_tx.send(LoadEvent::Finished).is_err(),
            "the old loader's channel is gone"
        );
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
