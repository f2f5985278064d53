//! Tests of the worker view and the HIT view through `update`: keys to state and effects.
use crossterm::event::KeyCode;

use crate::answer::write::AnswersWriter;
use crate::console::message::{Effect, Message};
use crate::console::state::{Confirm, State, StatusFilter};
use crate::console::test_support::*;
use crate::console::update::update;
use crate::console::views::Mode;
use crate::mturk::domain::{Assignment, AssignmentStatus, DecisionState};
use crate::mturk::loader::HistoryEvent;

pub const PEER: &str = "3SENTIMENTPEER00000000000P2";
pub const HASTY: &str = "3SENTIMENTHASTY0000000000P3";
pub const EARLIER: &str = "3SENTIMENTAPPROVED000000H1";
pub const FAST_WORKER: &str = "A5FASTWORKER";

fn crowd_form(label: &str, confidence: u8, comment: &str) -> String {
    let mut w = AnswersWriter::new();
    w.free_text(
        "taskAnswers",
        &format!(
            r#"[{{"sentiment":{{"label":"{label}"}},"confidence":{confidence},"comment":"{comment}"}}]"#
        ),
    );
    w.finish()
}

fn took(mut a: Assignment, secs: i64, answer: String) -> Assignment {
    a.accept_time = a.submit_time.map(|t| t - secs);
    a.answer = answer;
    a
}

/// The sample data plus three more answers on the sentiment HIT (one of them Approved
/// before, from the second phase), two quick HITs, and a blocked worker. On the sentiment
/// HIT the label's majority is Positive (3 of 4), the confidence's 4, the comments all
/// differ (no majority); A5FASTWORKER takes 20 s where the others take minutes.
pub fn views_state() -> State {
    let mut state = loaded_state();
    let sentiment = |id: &str, worker: &str, ago: i64| {
        assignment(id, SENTIMENT_HIT, worker, NOW - 2 * DAY - ago * HOUR)
    };
    let mut more = vec![
        took(
            sentiment(PEER, "A4PEERWORKER", 4),
            240,
            crowd_form(" positive", 4, "Good battery"),
        ),
        took(
            sentiment(HASTY, FAST_WORKER, 3),
            20,
            crowd_form("Negative", 1, "ok"),
        ),
    ];
    for (n, hit) in [
        "3QUICKHITA0000000000000000QA",
        "3QUICKHITB0000000000000000QB",
    ]
    .iter()
    .enumerate()
    {
        for (worker, secs) in [
            (FAST_WORKER, 20),
            ("A4PEERWORKER", 300),
            ("A1CROWDWORKER", 320),
        ] {
            let id = format!("3QUICK{n}{worker}");
            let a = assignment(&id, hit, worker, NOW - 5 * DAY + n as i64 * HOUR);
            more.push(took(a, secs, String::new()));
        }
    }
    update(&mut state, page(more));
    let mut earlier = took(
        sentiment(EARLIER, "A6APPROVEDWORKER", 30),
        250,
        crowd_form("Positive", 4, "Battery good"),
    );
    earlier.status = AssignmentStatus::Approved;
    for event in [
        HistoryEvent::Blocked(vec!["A3OLDWORKER9Z".to_string()]),
        HistoryEvent::Assignments(vec![earlier]),
        HistoryEvent::Finished,
    ] {
        update(&mut state, Message::History(event));
    }
    state
}

fn worker_ids(state: &State) -> Vec<String> {
    let list = &state.views.worker_list;
    list.visible
        .iter()
        .map(|&i| state.views.workers.rows()[i].worker_id.clone())
        .collect()
}

fn listed_ids(state: &State) -> Vec<String> {
    state
        .selection
        .visible()
        .iter()
        .map(|&i| state.table.row(i).assignment.id.clone())
        .collect()
}

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

#[test]
fn w_groups_by_worker_with_history_blocks_and_the_fast_flag() {
    let mut state = views_state();
    update(&mut state, key('w'));
    assert_eq!(state.views.mode, Mode::Workers);
    let rows = state.views.workers.rows();
    let fast: Vec<&str> = rows
        .iter()
        .filter(|r| r.fast)
        .map(|r| r.worker_id.as_str())
        .collect();
    assert_eq!(fast, [FAST_WORKER]);
    let approved = rows.iter().find(|r| r.worker_id == "A6APPROVEDWORKER");
    assert_eq!(
        approved.map(|r| (r.to_review, r.approved)),
        Some((0, 1)),
        "Approved work from the second phase counts"
    );
    let crowd = rows.iter().find(|r| r.worker_id == "A1CROWDWORKER");
    assert_eq!(crowd.map(|r| r.to_review), Some(3));
    assert_eq!(
        worker_ids(&state)[0],
        "A1CROWDWORKER",
        "most to review first"
    );
    assert!(state.views.workers.is_blocked("A3OLDWORKER9Z"));
    assert_eq!(
        worker_ids(&state).len(),
        8,
        "every worker with loaded work, once"
    );
}

#[test]
fn slash_filters_worker_rows_enter_lists_their_work_and_esc_comes_back() {
    let mut state = views_state();
    // A list filter of its own, kept while the worker view has another.
    update(&mut state, key('/'));
    press(&mut state, "3");
    update(&mut state, code(KeyCode::Enter));
    update(&mut state, key('w'));
    assert_eq!(state.filter, "", "the worker view starts unfiltered");
    update(&mut state, key('/'));
    press(&mut state, "fast");
    update(&mut state, code(KeyCode::Enter));
    assert_eq!(worker_ids(&state), [FAST_WORKER]);
    update(&mut state, code(KeyCode::Enter));
    assert_eq!(state.views.mode, Mode::List);
    assert_eq!(state.views.worker_filter.as_deref(), Some(FAST_WORKER));
    let listed = listed_ids(&state);
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|id| {
        state
            .table
            .row_by_id(id)
            .is_some_and(|r| r.assignment.worker_id == FAST_WORKER)
    }));
    assert_eq!(state.filter, "3", "the list's own filter is back");
    update(&mut state, code(KeyCode::Esc));
    assert_eq!(state.views.mode, Mode::Workers);
    assert_eq!(state.filter, "fast");
    assert_eq!(worker_ids(&state), [FAST_WORKER]);
    update(&mut state, key('w'));
    assert_eq!(state.views.mode, Mode::List);
    assert_eq!(state.views.worker_filter, None);
    assert_eq!(state.filter, "3");
    assert!(listed_ids(&state).len() > 3);
}

#[test]
fn worker_rows_move_and_a_block_from_elsewhere_shows() {
    let mut state = views_state();
    update(&mut state, key('w'));
    update(&mut state, key('j'));
    assert_eq!(state.views.worker_list.cursor, 1);
    update(&mut state, key('G'));
    assert_eq!(state.views.worker_list.cursor, 7);
    update(&mut state, key('g'));
    let first = worker_ids(&state)[0].clone();
    state.set_worker_blocked(&first, true);
    assert!(state.views.workers.is_blocked(&first));
    update(&mut state, key('/'));
    press(&mut state, "blocked");
    let blocked = worker_ids(&state);
    assert_eq!(blocked, [first.clone(), "A3OLDWORKER9Z".to_string()]);
    state.set_worker_blocked(&first, false);
    assert_eq!(worker_ids(&state), ["A3OLDWORKER9Z"]);
}

#[test]
fn a_settled_decision_moves_its_worker_counts_in_place() {
    let mut state = views_state();
    update(&mut state, key('w'));
    let mut done = state
        .table
        .row_by_id(PEER)
        .map(|r| r.assignment.clone())
        .expect("peer");
    done.status = AssignmentStatus::Approved;
    update(
        &mut state,
        decision(PEER, DecisionState::Done(Box::new(done))),
    );
    let peer = state
        .views
        .workers
        .get("A4PEERWORKER")
        .map(|r| (r.to_review, r.approved));
    assert_eq!(peer, Some((2, 1)));
}

#[test]
fn h_shows_the_hit_side_by_side_with_its_majority() {
    let mut state = views_state();
    go_to(&mut state, CROWD);
    update(&mut state, key('h'));
    assert_eq!(state.views.mode, Mode::Hit);
    let agreement = state
        .views
        .agreement(SENTIMENT_HIT)
        .expect("worked out")
        .clone();
    assert_eq!(agreement.columns, [EARLIER, CROWD, PEER, HASTY]);
    assert_eq!(
        state.hit_cursor_id(),
        Some(CROWD),
        "starts on the selected one"
    );
    let label = agreement
        .questions
        .iter()
        .find(|q| q.path == "sentiment.label")
        .expect("label");
    assert_eq!(
        (label.majority.as_deref(), label.agreeing),
        (Some("Positive"), 3)
    );
    let agree: Vec<(usize, usize)> = agreement
        .per_column
        .iter()
        .map(|c| (c.agreed, c.of))
        .collect();
    assert_eq!(agree, [(2, 2), (2, 2), (2, 2), (0, 2)]);

    update(&mut state, code(KeyCode::Right));
    update(&mut state, code(KeyCode::Right));
    assert_eq!(state.hit_cursor_id(), Some(HASTY));
    update(&mut state, code(KeyCode::Right));
    assert_eq!(
        state.hit_cursor_id(),
        Some(HASTY),
        "clamped at the last column"
    );
    update(&mut state, key('H'));
    assert_eq!(state.hit_cursor_id(), Some(PEER));
    update(&mut state, key('j'));
    assert_eq!(state.views.hit.as_ref().map(|h| h.top), Some(1));
    update(&mut state, code(KeyCode::Esc));
    assert_eq!(state.views.mode, Mode::List);
    assert_eq!(selected_id(&state), CROWD);
}

#[test]
fn in_the_hit_view_keys_act_on_the_column_under_the_cursor() {
    let mut state = views_state();
    go_to(&mut state, CROWD);
    update(&mut state, key('h'));
    update(&mut state, key('L'));
    assert_eq!(state.hit_cursor_id(), Some(PEER));
    let effects = update(&mut state, key('a'));
    let sent: Vec<&str> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(d) => Some(d.assignment_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [PEER]);

    update(&mut state, key('L'));
    update(&mut state, key('r'));
    assert!(state.confirm.is_none(), "a rejection needs feedback");
    update(&mut state, key('e'));
    press(&mut state, "The label contradicts the comment.");
    update(&mut state, code(KeyCode::Esc));
    assert_eq!(
        state.views.mode,
        Mode::Hit,
        "the editor returns to the HIT view"
    );
    assert_eq!(
        state.drafts.text(HASTY),
        "The label contradicts the comment."
    );
    update(&mut state, key('r'));
    assert!(
        matches!(&state.confirm, Some(Confirm::Reject(d)) if d.assignment_id == HASTY),
        "{:?}",
        state.confirm
    );
    update(&mut state, key('n'));

    update(&mut state, key('g'));
    for _ in 0..3 {
        update(&mut state, key('H'));
    }
    assert_eq!(state.hit_cursor_id(), Some(EARLIER));
    assert!(update(&mut state, key('a')).is_empty(), "approved before");
    update(&mut state, key(' '));
    assert!(!state.decisions.is_marked(EARLIER));
}

#[test]
fn m_marks_the_submitted_assignments_agreeing_everywhere() {
    let mut state = views_state();
    go_to(&mut state, CROWD);
    update(&mut state, key('h'));
    update(&mut state, key('M'));
    let marked: Vec<&str> = [EARLIER, CROWD, PEER, HASTY]
        .into_iter()
        .filter(|id| state.decisions.is_marked(id))
        .collect();
    assert_eq!(marked, [CROWD, PEER]);
    update(&mut state, key(' '));
    assert!(
        !state.decisions.is_marked(CROWD),
        "Space toggles the cursor's"
    );
    assert_eq!(state.hit_cursor_id(), Some(PEER), "and moves on");
}

#[test]
fn the_agreement_of_the_selected_assignment_is_worked_out_for_the_detail_pane() {
    let mut state = views_state();
    go_to(&mut state, CROWD);
    let agreement = state.views.agreement(SENTIMENT_HIT).expect("worked out");
    assert_eq!(agreement.columns.len(), 4);
    // A new answer on the HIT is a new column.
    let mut late = assignment("3SENTIMENTLATE000000000000L", SENTIMENT_HIT, "A8LATE", NOW);
    late.answer = crowd_form("Negative", 1, "meh");
    update(&mut state, page(vec![late]));
    let agreement = state.views.agreement(SENTIMENT_HIT).expect("again");
    assert_eq!(agreement.columns.len(), 5);
}

#[test]
fn a_settled_decision_touches_its_row_only_and_keeps_the_list_in_step() {
    let mut state = views_state();
    go_to(&mut state, SURVEY);
    let before = listed_ids(&state);
    let counts = state.counts();
    let mut done = state
        .table
        .row_by_id(PEER)
        .map(|r| r.assignment.clone())
        .expect("peer");
    done.status = AssignmentStatus::Approved;
    update(&mut state, decision(PEER, DecisionState::Queued));
    assert_eq!(state.counts().to_review, counts.to_review - 1);
    update(&mut state, decision(PEER, DecisionState::Sending));
    assert_eq!(state.counts().to_review, counts.to_review - 1);
    update(
        &mut state,
        decision(PEER, DecisionState::Done(Box::new(done))),
    );
    assert_eq!(listed_ids(&state), before, "still listed, in place");
    assert_eq!(selected_id(&state), SURVEY, "the selection stays");
    assert_eq!(state.counts().submitted, counts.submitted - 1);
    assert_eq!(state.counts().to_review, counts.to_review - 1);
    assert_eq!(state.counts().decided, counts.decided + 1);
    // A failed one is free to review again.
    update(&mut state, decision(MALFORMED, DecisionState::Queued));
    update(
        &mut state,
        decision(MALFORMED, DecisionState::Failed("no".into())),
    );
    assert_eq!(state.counts().to_review, counts.to_review - 1);
    assert_eq!(
        state.table.row_by_id(PEER).map(|r| r.assignment.status),
        Some(AssignmentStatus::Approved)
    );
    // The submitted-only view drops it; then a done decision in the decided view shows.
    update(&mut state, key('s'));
    assert_eq!(state.status_filter, StatusFilter::Submitted);
    assert!(!listed_ids(&state).contains(&PEER.to_string()));
    update(&mut state, key('s'));
    update(&mut state, key('s'));
    assert_eq!(state.status_filter, StatusFilter::Decided);
    assert_eq!(listed_ids(&state), [PEER, MALFORMED]);
    update(&mut state, decision(HASTY, DecisionState::Queued));
    assert_eq!(listed_ids(&state), [PEER, HASTY, MALFORMED]);
}

#[test]
fn b_n_and_shift_b_act_on_the_worker_views_row() {
    use crate::console::worker_actions::FormKind;
    use crate::mturk::worker_actions::WorkerAction;

    let mut state = views_state();
    update(&mut state, key('w'));
    update(&mut state, key('/'));
    press(&mut state, FAST_WORKER);
    update(&mut state, code(KeyCode::Enter));
    assert_eq!(worker_ids(&state), [FAST_WORKER]);

    update(&mut state, key('B'));
    let form = state.worker_form.take().expect("the block form");
    assert_eq!(
        (form.kind, form.worker_id.as_str()),
        (FormKind::Block, FAST_WORKER)
    );
    update(&mut state, key('n'));
    let form = state.worker_form.take().expect("the message form");
    assert_eq!(
        (form.kind, form.worker_id.as_str()),
        (FormKind::Notify, FAST_WORKER)
    );

    // A bonus is paid for an assignment: the row has none, so it says where to go.
    update(&mut state, key('b'));
    assert!(state.worker_form.is_none());
    let said = state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.contains("Enter shows this worker's"), "{said}");

    // On a blocked worker's row the same key asks to unblock.
    state.set_worker_blocked(FAST_WORKER, true);
    update(&mut state, key('B'));
    assert!(matches!(
        &state.confirm,
        Some(Confirm::Worker(q)) if q.action == WorkerAction::Unblock { worker_id: FAST_WORKER.into() }
    ));
}

#[test]
fn the_worker_keys_act_on_the_hit_views_column() {
    use crate::console::worker_actions::FormKind;

    let mut state = views_state();
    go_to(&mut state, HASTY);
    update(&mut state, key('h'));
    let worker = state
        .acting_on()
        .expect("a column")
        .assignment
        .worker_id
        .clone();
    update(&mut state, key('b'));
    let form = state.worker_form.take().expect("the bonus form");
    assert_eq!(form.worker_id, worker);
    assert!(matches!(form.kind, FormKind::Bonus { .. }));
}
