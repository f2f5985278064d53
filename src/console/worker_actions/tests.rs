//! Tests of `b`, `B`, `n` and `t` through `update`: keys to forms, questions and effects, and
//! the runner's reports back to the rows.
use std::path::PathBuf;

use crossterm::event::KeyCode;

use super::BonusProgress;
use crate::console::message::{Effect, Message};
use crate::console::state::{Confirm, Focus, State};
use crate::console::templates::Templates;
use crate::console::test_support::*;
use crate::console::update::update;
use crate::journal::BonusEntry;
use crate::mturk::client::Endpoint;
use crate::mturk::decisions::RunnerEvent;
use crate::mturk::domain::Bonus;
use crate::mturk::loader::HistoryEvent;
use crate::mturk::worker_actions::{ActionState, WorkerAction};

const WORKER: &str = "A1CROWDWORKER";

/// The sample data with the crowd-form assignment selected.
fn on_crowd(state: &mut State) {
    update(state, key('/'));
    press(state, CROWD);
    update(state, code(KeyCode::Enter));
    assert_eq!(selected_id(state), CROWD);
}

fn status(state: &State) -> String {
    state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn worker_effects(effects: Vec<Effect>) -> Vec<WorkerAction> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Worker(action) => Some(action),
            _ => None,
        })
        .collect()
}

fn bonus(amount_cents: i64) -> Bonus {
    Bonus {
        assignment_id: CROWD.into(),
        worker_id: WORKER.into(),
        amount_cents,
        reason: "Extra care".into(),
    }
}

fn report(state: &mut State, action: WorkerAction, progress: ActionState) {
    update(
        state,
        Message::Runner(RunnerEvent::Worker {
            action,
            state: progress,
        }),
    );
}

#[test]
fn a_bonus_is_asked_with_its_cost_and_sent_once_confirmed() {
    let mut state = loaded_state();
    on_crowd(&mut state);
    update(&mut state, key('b'));
    assert!(state.worker_form.is_some(), "b opens the form");

    // Not an amount: the form stays, with what was typed, and says why.
    press(&mut state, "1,50");
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    let form = state.worker_form.clone().unwrap();
    assert_eq!(form.fields[0].1, "1,50");
    assert!(form.problem.unwrap().contains("not an amount"));

    update(&mut state, code(KeyCode::Backspace));
    update(&mut state, code(KeyCode::Backspace));
    update(&mut state, code(KeyCode::Backspace));
    press(&mut state, ".50");
    // No reason yet: required.
    update(&mut state, code(KeyCode::Enter));
    assert!(
        status(&state).contains("reason is required"),
        "{}",
        status(&state)
    );
    assert!(state.confirm.is_none());

    update(&mut state, code(KeyCode::Tab));
    press(&mut state, "Extra care");
    assert!(
        update(&mut state, code(KeyCode::Enter)).is_empty(),
        "asks first"
    );
    let Some(Confirm::Worker(question)) = &state.confirm else {
        panic!("no question: {:?}", state.confirm);
    };
    assert_eq!(question.cost_cents, Some(180), "$1.50 plus MTurk's 20%");
    assert_eq!(question.typed, None, "y is enough outside PRODUCTION");

    let sent = worker_effects(update(&mut state, key('y')));
    assert_eq!(sent, [WorkerAction::Bonus(bonus(150))]);
    assert_eq!(
        state.worker_actions.bonus(CROWD).map(|b| &b.progress),
        Some(&BonusProgress::Sending)
    );
    report(&mut state, sent[0].clone(), ActionState::Done);
    let mark = state.worker_actions.bonus(CROWD).unwrap();
    assert_eq!(
        (mark.amount_cents, &mark.progress),
        (150, &BonusProgress::Paid)
    );
    assert!(
        status(&state).contains("bonus of $1.50 paid"),
        "{}",
        status(&state)
    );
}

#[test]
fn esc_cancels_a_form_and_nothing_is_sent() {
    let mut state = loaded_state();
    on_crowd(&mut state);
    update(&mut state, key('b'));
    press(&mut state, "2");
    assert!(update(&mut state, code(KeyCode::Esc)).is_empty());
    assert!(state.worker_form.is_none());
    assert!(state.worker_actions.bonus(CROWD).is_none());
    // Keys are the list's again.
    update(&mut state, key('j'));
    assert_ne!(selected_id(&state), "", "still a selection");
}

#[test]
fn in_production_a_bonus_is_confirmed_by_typing_its_amount() {
    let mut state = loaded_state();
    state.endpoint = Endpoint::Production;
    on_crowd(&mut state);
    update(&mut state, key('b'));
    press(&mut state, "2");
    update(&mut state, code(KeyCode::Tab));
    press(&mut state, "Extra care");
    update(&mut state, code(KeyCode::Enter));
    assert!(
        worker_effects(update(&mut state, key('y'))).is_empty(),
        "y is not enough"
    );
    press(&mut state, "3.00");
    assert!(worker_effects(update(&mut state, code(KeyCode::Enter))).is_empty());
    assert!(
        status(&state).contains("type the amount (2.00)"),
        "{}",
        status(&state)
    );
    press(&mut state, "2.00");
    let sent = worker_effects(update(&mut state, code(KeyCode::Enter)));
    assert_eq!(sent, [WorkerAction::Bonus(bonus(200))]);
}

#[test]
fn block_needs_a_reason_and_a_blocked_worker_is_asked_to_be_unblocked() {
    let mut state = loaded_state();
    on_crowd(&mut state);
    update(&mut state, key('B'));
    update(&mut state, code(KeyCode::Enter));
    assert!(
        status(&state).contains("reason is required"),
        "{}",
        status(&state)
    );
    press(&mut state, "Copied answers");
    update(&mut state, code(KeyCode::Enter));
    let sent = worker_effects(update(&mut state, key('y')));
    let block = WorkerAction::Block {
        worker_id: WORKER.into(),
        reason: "Copied answers".into(),
    };
    assert_eq!(sent, std::slice::from_ref(&block));
    assert!(!state.views.workers.is_blocked(WORKER), "not until done");
    report(&mut state, block, ActionState::Done);
    assert!(state.views.workers.is_blocked(WORKER));

    // The same key on a blocked worker asks to unblock.
    update(&mut state, key('B'));
    assert!(state.worker_form.is_none());
    let unblock = WorkerAction::Unblock {
        worker_id: WORKER.into(),
    };
    assert!(matches!(&state.confirm, Some(Confirm::Worker(q)) if q.action == unblock));
    assert_eq!(
        worker_effects(update(&mut state, key('y'))),
        std::slice::from_ref(&unblock)
    );
    report(&mut state, unblock, ActionState::Done);
    assert!(!state.views.workers.is_blocked(WORKER));
}

#[test]
fn workers_blocked_before_the_session_are_known() {
    let mut state = loaded_state();
    update(
        &mut state,
        Message::History(HistoryEvent::Blocked(vec![WORKER.to_string()])),
    );
    on_crowd(&mut state);
    update(&mut state, key('B'));
    assert!(matches!(
        &state.confirm,
        Some(Confirm::Worker(q)) if matches!(q.action, WorkerAction::Unblock { .. })
    ));
}

#[test]
fn a_message_is_checked_against_mturks_limits_before_it_is_asked() {
    let mut state = loaded_state();
    on_crowd(&mut state);
    update(&mut state, key('n'));
    press(&mut state, &"s".repeat(201));
    update(&mut state, code(KeyCode::Tab));
    press(&mut state, "Thanks for the careful work.");
    update(&mut state, code(KeyCode::Enter));
    assert!(state.confirm.is_none());
    assert!(status(&state).contains("at most 200"), "{}", status(&state));

    update(&mut state, code(KeyCode::Tab));
    for _ in 0..190 {
        update(&mut state, code(KeyCode::Backspace));
    }
    update(&mut state, code(KeyCode::Enter));
    let sent = worker_effects(update(&mut state, key('y')));
    assert_eq!(
        sent,
        [WorkerAction::Notify {
            worker_id: WORKER.into(),
            subject: "s".repeat(11),
            text: "Thanks for the careful work.".into(),
        }]
    );
    report(
        &mut state,
        sent[0].clone(),
        ActionState::Failed("HardFailure".into()),
    );
    assert!(status(&state).contains("HardFailure"));
}

#[test]
fn a_bonus_of_an_earlier_session_comes_back_pending_and_p_pays_it_under_its_entry() {
    let mut state = loaded_state();
    let entry = BonusEntry {
        seq: 7,
        at_ms: 1,
        token: "mturk-review-token".into(),
        bonus: bonus(150),
        prior_matches: Some(0),
        outcome: None,
        detail: String::new(),
    };
    update(
        &mut state,
        Message::Runner(RunnerEvent::BonusesReconciled {
            confirmed: 1,
            pending: vec![entry.clone()],
        }),
    );
    assert_eq!(
        state.worker_actions.bonus(CROWD).map(|b| &b.progress),
        Some(&BonusProgress::Pending)
    );
    assert!(status(&state).contains("1 bonus(es) of the last session were paid"));
    let sent = worker_effects(update(&mut state, key('P')));
    assert_eq!(sent, [WorkerAction::ResendBonus(entry)]);
    assert!(
        worker_effects(update(&mut state, key('P'))).is_empty(),
        "sent once"
    );
}

fn templates_at(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mturk-review-update-templates-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("templates.toml")
}

#[test]
fn a_template_goes_into_the_editor_and_the_draft_becomes_one() {
    let path = templates_at("insert");
    let mut state = loaded_state();
    state.templates = Templates::load(Some(path.clone()));
    on_crowd(&mut state);
    update(&mut state, key('t'));
    update(&mut state, key('j'));
    let second = state.templates.texts[1].clone();
    update(&mut state, code(KeyCode::Enter));
    assert_eq!(state.drafts.text(CROWD), second);
    assert_eq!(state.focus, Focus::Feedback, "ready to edit");

    press(&mut state, " See you soon.");
    update(&mut state, code(KeyCode::Esc));
    update(&mut state, key('t'));
    let effects = update(&mut state, key('a'));
    let wanted = format!("{second} See you soon.");
    assert_eq!(
        effects,
        [Effect::SaveTemplates {
            path: path.clone(),
            texts: state.templates.texts.clone()
        }]
    );
    assert_eq!(state.templates.texts.last(), Some(&wanted));

    let count = state.templates.texts.len();
    let effects = update(&mut state, key('d'));
    assert!(
        matches!(&effects[..], [Effect::SaveTemplates { texts, .. }] if texts.len() == count - 1)
    );
    assert!(
        !state.templates.texts.contains(&wanted),
        "the one under the cursor"
    );
    update(&mut state, code(KeyCode::Esc));
    assert!(!state.templates.open);
}

#[test]
fn a_broken_templates_file_is_said_and_never_saved_over() {
    let path = templates_at("broken");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "template = [").unwrap();
    let mut state = loaded_state();
    state.templates = Templates::load(Some(path.clone()));
    on_crowd(&mut state);
    update(&mut state, code(KeyCode::Tab));
    update(&mut state, code(KeyCode::Tab));
    press(&mut state, "My own words");
    update(&mut state, code(KeyCode::Esc));
    update(&mut state, key('t'));
    assert!(
        status(&state).contains("not a valid templates file"),
        "{}",
        status(&state)
    );
    assert!(update(&mut state, key('a')).is_empty(), "nothing written");
    assert!(
        status(&state).starts_with("not saved"),
        "{}",
        status(&state)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "template = [");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
