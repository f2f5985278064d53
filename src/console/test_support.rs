//! Driving the console in tests: a state with the sample data loaded, key presses, the
//! background tasks' messages, and a frame drawn on a `TestBackend`. The data itself is in
//! `fixtures`.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub use super::fixtures::*;
use super::message::{Effect, Message};
use super::state::State;
use super::ui::render;
use super::update::update;
use crate::mturk::client::Endpoint;
use crate::mturk::decisions::RunnerEvent;
use crate::mturk::domain::{Assignment, DecisionState};
use crate::mturk::loader::LoadEvent;

/// The whole console drawn once on a `TestBackend` of this size.
pub fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| render(state, frame)).expect("draw");
    terminal
}

/// The sample data with the crowd (taskAnswers JSON) assignment selected.
pub fn crowd_selected() -> State {
    let mut state = loaded_state();
    press(&mut state, "jjj");
    assert_eq!(selected_id(&state), CROWD);
    state
}

/// A state with the sample data loaded, on the sandbox, at `NOW`.
pub fn loaded_state() -> State {
    let mut state = State::new(Endpoint::Sandbox, NOW);
    update(&mut state, Message::Load(LoadEvent::Hits(sample_hits())));
    update(&mut state, page(sample_assignments()));
    update(&mut state, Message::Load(LoadEvent::Finished));
    let balance = RunnerEvent::Balance(Ok("10000.00".to_string()));
    update(&mut state, Message::Runner(balance));
    state
}

/// Assignments from the loader, as one page (of the first one's HIT).
pub fn page(assignments: Vec<Assignment>) -> Message {
    let hit_id = assignments
        .first()
        .map(|a| a.hit_id.clone())
        .unwrap_or_default();
    Message::Load(LoadEvent::Assignments {
        hit_id,
        assignments,
    })
}

/// The loader's progress.
pub fn progress(hits_done: usize, hits_total: usize) -> Message {
    Message::Load(LoadEvent::Progress {
        hits_done,
        hits_total,
    })
}

/// The decision runner's report on one assignment.
pub fn decision(assignment_id: &str, state: DecisionState) -> Message {
    Message::Runner(RunnerEvent::Decision {
        assignment_id: assignment_id.to_string(),
        state,
    })
}

/// A load that failed with this paragraph, as the error box shows it.
pub fn fail_loading(state: &mut State, reason: &str) {
    state.loading.fail(reason.to_string());
}

pub fn key(c: char) -> Message {
    Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(code: KeyCode) -> Message {
    Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Message {
    Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Types each character as a key press and collects the effects.
pub fn press(state: &mut State, keys: &str) -> Vec<Effect> {
    keys.chars().flat_map(|c| update(state, key(c))).collect()
}

/// The selected assignment's id.
pub fn selected_id(state: &State) -> String {
    state
        .selected_row()
        .map(|row| row.assignment.id.clone())
        .unwrap_or_default()
}
