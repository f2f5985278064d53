//! Tests of `update` without a terminal: keys to state and effects.
use crossterm::event::KeyCode;

use crate::console::message::{Effect, Message};
use crate::console::state::{Confirm, Focus, State, StatusFilter, Tone};
use crate::console::test_support::*;
use crate::console::update::update;
use crate::mturk::client::{Endpoint, ErrorKind};
use crate::mturk::decisions::RunnerEvent;
use crate::mturk::domain::{AssignmentStatus, Decision, DecisionKind, DecisionState};
use crate::mturk::loader::{LoadError, LoadEvent, LoadStage};

/// Moves the selection to an assignment by pressing j/k like a reviewer.
fn go_to(state: &mut State, id: &str) {
    update(state, key('g'));
    for _ in 0..state.selection.visible().len() {
        if selected_id(state) == id {
            return;
        }
        update(state, key('j'));
    }
    panic!("{id} is not in the list");
}

/// Opens the editor, types the text and leaves with Esc.
fn write_feedback(state: &mut State, text: &str) {
    update(state, key('e'));
    press(state, text);
    update(state, code(KeyCode::Esc));
}

fn status_text(state: &State) -> String {
    state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn sends(effects: &[Effect]) -> Vec<&Decision> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(d) => Some(d),
            _ => None,
        })
        .collect()
}

#[test]
fn list_is_sorted_oldest_first_and_first_row_selected() {
    let state = loaded_state();
    let ids: Vec<&str> = state
        .selection
        .visible()
        .iter()
        .map(|&i| state.table.row(i).assignment.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [OLD_REJECTED, RECENT_REJECTED, SURVEY, CROWD, MALFORMED]
    );
    assert_eq!(selected_id(&state), OLD_REJECTED);
    assert!(!state.is_animating(), "loading finished, nothing in flight");
}

#[test]
fn approve_sends_feedback_and_marks_the_row_queued() {
    let mut state = loaded_state();
    go_to(&mut state, CROWD);
    write_feedback(&mut state, "Great work, thanks!");
    let effects = update(&mut state, key('a'));
    assert_eq!(
        effects,
        [Effect::Send(Decision {
            assignment_id: CROWD.to_string(),
            worker_id: "A1CROWDWORKER".to_string(),
            kind: DecisionKind::Approve {
                override_rejection: false
            },
            feedback: Some("Great work, thanks!".to_string()),
        })]
    );
    assert_eq!(state.decisions.get(CROWD), Some(&DecisionState::Queued));
    assert!(state.is_animating());
    assert!(
        update(&mut state, key('a')).is_empty(),
        "no second decision while queued"
    );
    assert!(status_text(&state).contains("already queued"));
}

#[test]
fn blank_feedback_is_sent_as_none() {
    let mut state = loaded_state();
    go_to(&mut state, SURVEY);
    write_feedback(&mut state, "   ");
    let effects = update(&mut state, key('a'));
    assert_eq!(sends(&effects)[0].feedback, None);
}

#[test]
fn invalid_feedback_is_not_sent_and_the_draft_is_kept() {
    let mut state = loaded_state();
    go_to(&mut state, SURVEY);
    let long = "x".repeat(1025);
    write_feedback(&mut state, &long);
    assert!(update(&mut state, key('a')).is_empty());
    assert!(status_text(&state).contains("1025 characters"));
    assert_eq!(state.status.as_ref().map(|s| s.tone), Some(Tone::Error));
    assert_eq!(state.drafts.text(SURVEY), long);
    assert!(!state.decisions.contains(SURVEY));
}

#[test]
fn approving_a_rejected_assignment_needs_override() {
    let mut state = loaded_state();
    go_to(&mut state, RECENT_REJECTED);
    assert!(update(&mut state, key('a')).is_empty());
    assert!(status_text(&state).contains("press o to override"));

    update(&mut state, key('o'));
    assert!(state.decisions.has_override(RECENT_REJECTED));
    let effects = update(&mut state, key('a'));
    assert_eq!(
        sends(&effects)[0].kind,
        DecisionKind::Approve {
            override_rejection: true
        }
    );
}

#[test]
fn override_only_toggles_on_rejected_and_open_window() {
    let mut state = loaded_state();
    go_to(&mut state, SURVEY);
    update(&mut state, key('o'));
    assert!(state.decisions.no_overrides());
    assert!(status_text(&state).contains("rejected assignments only"));

    go_to(&mut state, OLD_REJECTED);
    update(&mut state, key('o'));
    assert!(state.decisions.no_overrides(), "window closed 10 days ago");
    assert!(status_text(&state).contains("override window closed"));
    assert!(update(&mut state, key('a')).is_empty());

    go_to(&mut state, RECENT_REJECTED);
    update(&mut state, key('o'));
    update(&mut state, key('o'));
    assert!(state.decisions.no_overrides(), "o toggles back off");
}

#[test]
fn override_impossible_when_the_hit_is_deleted() {
    let mut state = loaded_state();
    let mut disposed = sample_hits().remove(2);
    disposed.status = "Disposed".to_string();
    update(&mut state, Message::Load(LoadEvent::Hits(vec![disposed])));
    go_to(&mut state, RECENT_REJECTED);
    update(&mut state, key('o'));
    assert!(state.decisions.no_overrides());
    assert!(status_text(&state).contains("HIT deleted"));
}

#[test]
fn reject_without_feedback_sends_nothing_and_says_why() {
    let mut state = loaded_state();
    go_to(&mut state, CROWD);
    assert!(update(&mut state, key('r')).is_empty());
    assert!(state.confirm.is_none());
    assert!(status_text(&state).contains("needs feedback"));
}

#[test]
fn reject_asks_first_and_only_y_sends() {
    let mut state = loaded_state();
    go_to(&mut state, CROWD);
    write_feedback(
        &mut state,
        "The comment field is copied from another review.",
    );
    assert!(update(&mut state, key('r')).is_empty());
    assert!(matches!(state.confirm, Some(Confirm::Reject(_))));
    assert!(
        update(&mut state, key('x')).is_empty(),
        "other keys do nothing"
    );
    assert!(update(&mut state, key('n')).is_empty());
    assert!(state.confirm.is_none());
    assert!(!state.decisions.contains(CROWD));

    update(&mut state, key('r'));
    let effects = update(&mut state, key('y'));
    assert_eq!(
        effects,
        [Effect::Send(Decision {
            assignment_id: CROWD.to_string(),
            worker_id: "A1CROWDWORKER".to_string(),
            kind: DecisionKind::Reject,
            feedback: Some("The comment field is copied from another review.".to_string()),
        })]
    );
}

#[test]
fn drafts_are_kept_per_assignment() {
    let mut state = loaded_state();
    go_to(&mut state, SURVEY);
    write_feedback(&mut state, "survey note");
    go_to(&mut state, CROWD);
    write_feedback(&mut state, "crowd note");
    update(&mut state, key('k'));
    assert_eq!(selected_id(&state), SURVEY);
    assert_eq!(state.drafts.text(SURVEY), "survey note");
    assert_eq!(state.drafts.text(CROWD), "crowd note");
    assert_eq!(state.drafts.text(MALFORMED), "");
}

#[test]
fn typing_in_the_editor_does_not_trigger_list_keys() {
    let mut state = loaded_state();
    go_to(&mut state, SURVEY);
    update(&mut state, key('e'));
    assert_eq!(state.focus, Focus::Feedback);
    let effects = press(&mut state, "aq jr?");
    assert!(effects.is_empty());
    assert!(!state.should_quit());
    assert!(state.decisions.is_empty());
    assert!(!state.help_visible);
    assert_eq!(selected_id(&state), SURVEY);
    assert_eq!(state.drafts.text(SURVEY), "aq jr?");
    update(&mut state, code(KeyCode::Esc));
    assert_eq!(state.focus, Focus::List);
    assert_eq!(state.drafts.text(SURVEY), "aq jr?", "Esc keeps the text");
}

#[test]
fn tab_cycles_focus_into_the_editor() {
    let mut state = loaded_state();
    update(&mut state, code(KeyCode::Tab));
    assert_eq!(state.focus, Focus::Answer);
    update(&mut state, key('j'));
    assert_eq!(
        selected_id(&state),
        OLD_REJECTED,
        "j scrolls the answer, not the list"
    );
    assert_eq!(state.detail_scroll, 1);
    update(&mut state, code(KeyCode::Tab));
    assert_eq!(state.focus, Focus::Feedback);
}

#[test]
fn filter_narrows_moves_selection_and_esc_clears() {
    let mut state = loaded_state();
    go_to(&mut state, MALFORMED);
    update(&mut state, key('/'));
    press(&mut state, "battery");
    assert_eq!(state.selection.visible().len(), 1, "answer text matches");
    assert_eq!(
        selected_id(&state),
        CROWD,
        "selection moves to the first match"
    );
    update(&mut state, code(KeyCode::Enter));
    assert!(!state.filter_editing);
    assert_eq!(state.filter, "battery");
    assert_eq!(state.selection.visible().len(), 1, "Enter keeps the filter");
    assert!(
        update(&mut state, key('q')).contains(&Effect::Quit),
        "keys work again"
    );

    let mut state = loaded_state();
    update(&mut state, key('/'));
    press(&mut state, "receipt");
    assert_eq!(state.selection.visible().len(), 2, "HIT title matches");
    assert_eq!(selected_id(&state), OLD_REJECTED);
    update(&mut state, code(KeyCode::Backspace));
    assert_eq!(state.filter, "receip");
    press(&mut state, "xyz");
    assert!(state.selection.visible().is_empty());
    update(&mut state, code(KeyCode::Esc));
    assert_eq!(state.filter, "");
    assert_eq!(state.selection.visible().len(), 5);

    let mut state = loaded_state();
    update(&mut state, key('/'));
    press(&mut state, "a9survey");
    assert_eq!(selected_id(&state), SURVEY, "worker id matches");
}

#[test]
fn status_cycles_through_the_views() {
    let mut state = loaded_state();
    update(&mut state, key('s'));
    assert_eq!(state.status_filter, StatusFilter::Submitted);
    assert_eq!(state.selection.visible().len(), 3);
    assert_eq!(selected_id(&state), SURVEY);
    update(&mut state, key('s'));
    assert_eq!(state.status_filter, StatusFilter::Rejected);
    assert_eq!(state.selection.visible().len(), 2);
    update(&mut state, key('s'));
    assert_eq!(state.status_filter, StatusFilter::Decided);
    assert!(state.selection.visible().is_empty());
    update(&mut state, key('s'));
    assert_eq!(state.status_filter, StatusFilter::All);
    assert_eq!(state.selection.visible().len(), 5);
}

#[test]
fn marked_approval_asks_with_count_and_cost_and_sends_each() {
    let mut state = loaded_state();
    go_to(&mut state, SURVEY);
    // Space marks and moves down: survey, crowd, malformed.
    press(&mut state, "   ");
    assert_eq!(state.decisions.marked_count(), 3);
    go_to(&mut state, CROWD);
    write_feedback(&mut state, "Thanks!");
    assert!(update(&mut state, key('A')).is_empty());
    let Some(Confirm::ApproveMarked {
        decisions,
        total_cents,
        unpriced,
        skipped,
        typed: None,
    }) = &state.confirm
    else {
        panic!("expected the bulk question, got {:?}", state.confirm);
    };
    assert_eq!(decisions.len(), 3);
    // Survey HIT: 1.20 with 12 assignments (40% fee) twice; sentiment: 0.50 (20%).
    assert_eq!(*total_cents, 168 + 168 + 60);
    assert_eq!((*unpriced, skipped.len()), (0, 0));
    let effects = update(&mut state, key('y'));
    let sent = sends(&effects);
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].assignment_id, SURVEY);
    assert_eq!(sent[1].feedback.as_deref(), Some("Thanks!"));
    assert_eq!(state.decisions.marked_count(), 0);
    assert_eq!(state.decisions.in_flight(), 3);
}

#[test]
fn in_production_a_bulk_approval_is_confirmed_by_typing_the_count() {
    let mut state = loaded_state();
    state.endpoint = Endpoint::Production;
    go_to(&mut state, SURVEY);
    press(&mut state, "  ");
    update(&mut state, key('A'));
    assert!(update(&mut state, key('y')).is_empty(), "y is not enough");
    assert!(state.confirm.is_some());
    press(&mut state, "3");
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    assert!(
        status_text(&state).contains("type 2"),
        "{}",
        status_text(&state)
    );
    assert!(state.confirm.is_some(), "a wrong number sends nothing");
    press(&mut state, "2");
    let effects = update(&mut state, code(KeyCode::Enter));
    assert_eq!(sends(&effects).len(), 2);
    assert!(state.confirm.is_none());
}

#[test]
fn in_production_esc_cancels_the_typed_question() {
    let mut state = loaded_state();
    state.endpoint = Endpoint::Production;
    go_to(&mut state, SURVEY);
    press(&mut state, " ");
    update(&mut state, key('A'));
    press(&mut state, "1");
    assert!(update(&mut state, code(KeyCode::Esc)).is_empty());
    assert!(state.confirm.is_none());
    assert_eq!(state.decisions.marked_count(), 1, "marks are kept");
}

#[test]
fn marked_approval_skips_what_cannot_be_approved() {
    let mut state = loaded_state();
    go_to(&mut state, OLD_REJECTED);
    press(&mut state, "  ");
    update(&mut state, key('A'));
    assert!(
        state.confirm.is_none(),
        "neither rejected one can be approved"
    );
    assert!(status_text(&state).contains("no marked assignment"));
}

#[test]
fn quit_asks_while_decisions_are_in_flight() {
    let mut state = loaded_state();
    go_to(&mut state, SURVEY);
    update(&mut state, key('a'));
    assert!(update(&mut state, key('q')).is_empty());
    assert!(matches!(
        state.confirm,
        Some(Confirm::Quit { in_flight: 1 })
    ));
    update(&mut state, key('n'));
    assert!(!state.should_quit());
    update(&mut state, key('q'));
    assert!(
        update(&mut state, key('y')).is_empty(),
        "waits for the decision"
    );
    assert!(!state.should_quit());
    assert!(status_text(&state).contains("waiting for 1 decision"));
    let effects = update(
        &mut state,
        decision(SURVEY, DecisionState::Failed("ServiceFault".into())),
    );
    assert_eq!(effects, [Effect::Quit], "quits once nothing is in flight");
    assert!(state.should_quit());
}

#[test]
fn ctrl_c_while_waiting_to_quit_quits_at_once() {
    let mut state = loaded_state();
    go_to(&mut state, SURVEY);
    update(&mut state, key('a'));
    update(&mut state, key('q'));
    update(&mut state, key('y'));
    assert!(!state.should_quit());
    assert_eq!(update(&mut state, ctrl('c')), [Effect::Quit]);
}

#[test]
fn pending_decisions_come_back_with_their_draft_and_p_resends_them() {
    let mut state = loaded_state();
    let earlier = Decision {
        assignment_id: RECENT_REJECTED.to_string(),
        worker_id: "AWORKER".to_string(),
        kind: DecisionKind::Approve {
            override_rejection: true,
        },
        feedback: Some("Sorry, our mistake.".to_string()),
    };
    update(
        &mut state,
        Message::Runner(RunnerEvent::Reconciled {
            confirmed: 2,
            pending: vec![earlier.clone()],
        }),
    );
    let said = status_text(&state);
    assert!(
        said.contains("2 decision(s) of the last session took effect"),
        "{said}"
    );
    assert!(said.contains("1 did not and are pending"), "{said}");
    assert_eq!(state.drafts.text(RECENT_REJECTED), "Sorry, our mistake.");
    assert!(state.decisions.has_override(RECENT_REJECTED));
    assert!(matches!(
        state.decisions.get(RECENT_REJECTED),
        Some(DecisionState::Pending(_))
    ));
    let effects = update(&mut state, key('P'));
    assert_eq!(effects, [Effect::Send(earlier)]);
    assert_eq!(
        state.decisions.get(RECENT_REJECTED),
        Some(&DecisionState::Queued)
    );
    assert!(
        update(&mut state, key('P')).is_empty(),
        "nothing pending any more"
    );
}

#[test]
fn star_marks_everything_shown_and_again_unmarks() {
    let mut state = loaded_state();
    update(&mut state, key('*'));
    assert_eq!(
        state.decisions.marked_count(),
        state.selection.visible().len()
    );
    update(&mut state, key('*'));
    assert_eq!(state.decisions.marked_count(), 0);
}

#[test]
fn ctrl_c_quits_from_the_editor_and_a_second_one_forces() {
    let mut state = loaded_state();
    update(&mut state, key('e'));
    assert_eq!(update(&mut state, ctrl('c')), [Effect::Quit]);
    assert!(state.should_quit());

    let mut state = loaded_state();
    go_to(&mut state, SURVEY);
    update(&mut state, key('a'));
    update(&mut state, key('e'));
    assert!(update(&mut state, ctrl('c')).is_empty(), "asks first");
    assert_eq!(update(&mut state, ctrl('c')), [Effect::Quit]);
    assert!(state.should_quit());
}

#[test]
fn q_quits_at_once_when_idle() {
    let mut state = loaded_state();
    assert_eq!(update(&mut state, key('q')), [Effect::Quit]);
    assert!(state.should_quit());
}

#[test]
fn done_decision_updates_the_row_and_counts() {
    let mut state = loaded_state();
    assert_eq!((state.counts().to_review, state.counts().submitted), (3, 3));
    go_to(&mut state, CROWD);
    update(&mut state, key('a'));
    assert_eq!(state.counts().to_review, 2, "queued is no longer to review");
    update(&mut state, decision(CROWD, DecisionState::Sending));
    let mut approved = sample_assignments().remove(2);
    approved.status = AssignmentStatus::Approved;
    approved.approval_time = Some(NOW);
    update(
        &mut state,
        decision(CROWD, DecisionState::Done(Box::new(approved))),
    );
    let row = state.selected_row().map(|r| r.assignment.status);
    assert_eq!(row, Some(AssignmentStatus::Approved));
    assert_eq!(selected_id(&state), CROWD);
    assert_eq!(state.counts().submitted, 2);
    assert_eq!(state.counts().decided, 1);
    assert!(!state.is_animating());
    assert!(update(&mut state, key('a')).is_empty(), "not sent twice");
}

#[test]
fn failed_decision_shows_the_error_and_can_be_retried() {
    let mut state = loaded_state();
    go_to(&mut state, CROWD);
    update(&mut state, key('a'));
    update(
        &mut state,
        decision(
            CROWD,
            DecisionState::Failed(
                "This operation can be called with a status of: Submitted".into(),
            ),
        ),
    );
    assert_eq!(state.status.as_ref().map(|s| s.tone), Some(Tone::Error));
    assert!(status_text(&state).contains("can be called with a status of"));
    assert_eq!(sends(&update(&mut state, key('a'))).len(), 1, "a retries");
}

#[test]
fn arriving_rows_keep_the_selection_on_its_assignment() {
    let mut state = loaded_state();
    go_to(&mut state, CROWD);
    let earlier = assignment(
        "3EARLIER000000000000000000001",
        SURVEY_HIT,
        "A5EARLY",
        NOW - 60 * DAY,
    );
    update(&mut state, page(vec![earlier]));
    assert_eq!(selected_id(&state), CROWD);
    assert_eq!(state.selection.cursor(), 4);
}

#[test]
fn arriving_rows_keep_the_first_row_selected_until_the_reviewer_moves() {
    let mut state = loaded_state();
    let earlier = assignment(
        "3EARLIER000000000000000000001",
        SURVEY_HIT,
        "A5EARLY",
        NOW - 60 * DAY,
    );
    update(&mut state, page(vec![earlier]));
    assert_eq!(state.selection.cursor(), 0);
    assert_eq!(selected_id(&state), "3EARLIER000000000000000000001");
}

#[test]
fn approving_an_old_rejection_says_it_cannot_be_overridden() {
    let mut state = loaded_state();
    go_to(&mut state, OLD_REJECTED);
    assert!(update(&mut state, key('a')).is_empty());
    let said = status_text(&state);
    assert!(said.contains("cannot be overridden"), "{said}");
    assert!(said.contains("window closed"), "{said}");
}

#[test]
fn reload_keeps_drafts_and_drops_rows_no_longer_listed() {
    let mut state = loaded_state();
    go_to(&mut state, SURVEY);
    write_feedback(&mut state, "keep me");
    assert_eq!(update(&mut state, key('R')), [Effect::Reload]);
    assert!(state.is_animating());
    let mut again = sample_assignments();
    again.retain(|a| a.id != MALFORMED);
    update(&mut state, page(again));
    update(&mut state, Message::Load(LoadEvent::Finished));
    assert_eq!(state.selection.visible().len(), 4);
    assert_eq!(selected_id(&state), SURVEY);
    assert_eq!(state.drafts.text(SURVEY), "keep me");
}

#[test]
fn load_failure_shows_until_a_key_dismisses_it() {
    let mut state = State::new(Endpoint::Production, NOW);
    assert!(state.is_animating(), "loading at start");
    let failed = LoadError {
        stage: LoadStage::ListHits,
        kind: ErrorKind::Refused,
        text: "The security token is invalid.".into(),
    };
    update(&mut state, Message::Load(LoadEvent::Failed(failed)));
    assert!(!state.is_animating());
    assert!(state.loading.error_box().is_some());
    assert!(
        update(&mut state, key('q')).is_empty(),
        "the key only dismisses"
    );
    assert!(state.loading.error_box().is_none());
    assert!(!state.should_quit());
}

#[test]
fn help_opens_and_any_key_closes() {
    let mut state = loaded_state();
    update(&mut state, key('?'));
    assert!(state.help_visible);
    assert!(update(&mut state, key('a')).is_empty());
    assert!(!state.help_visible);
}

#[test]
fn filtering_100k_rows_narrows_and_restores() {
    let mut state = State::new(Endpoint::Demo(DEMO_URL.into()), NOW);
    update(&mut state, Message::Load(LoadEvent::Hits(sample_hits())));
    let answer = survey_answer();
    let many: Vec<_> = (0..100_000)
        .map(|i| {
            let mut a = assignment(
                &format!("3BULK{i:025}"),
                SURVEY_HIT,
                &format!("A{i:012}"),
                NOW - i,
            );
            a.answer = answer.clone();
            a
        })
        .collect();
    update(&mut state, page(many));
    update(&mut state, key('/'));
    // How fast this is belongs to the benchmarks; here: that it is right.
    press(&mut state, "z");
    assert_eq!(state.selection.visible().len(), 0);
    update(&mut state, code(KeyCode::Backspace));
    assert_eq!(state.selection.visible().len(), 100_000);
}

#[test]
fn filter_finds_an_assignment_by_its_id() {
    let mut state = loaded_state();
    update(&mut state, key('/'));
    press(&mut state, &CROWD[CROWD.len() - 8..]);
    update(&mut state, code(KeyCode::Enter));
    assert_eq!(state.selection.visible().len(), 1);
    assert_eq!(selected_id(&state), CROWD);
}
