//! Snapshot tests of `render` at fixed sizes, with fixed `now` and ids.
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use crate::console::state::State;
use crate::console::test_support::*;
use crate::console::ui::render;
use crate::console::update::update;
use crate::mturk::client::Endpoint;
use crate::mturk::domain::DecisionState;

#[test]
fn main_screen() {
    let mut state = crowd_selected();
    update(&mut state, key(' '));
    update(&mut state, key('k'));
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn production_is_red_and_short_deadlines_yellow() {
    let mut state = loaded_state();
    state.endpoint = Endpoint::Production;
    let terminal = draw(&state, 120, 36);
    let buffer = terminal.backend().buffer();
    let line: String = (0..120)
        .map(|x| buffer[(x, 0)].symbol().to_string())
        .collect();
    let x = line
        .find("PRODUCTION")
        .map(|byte| line[..byte].chars().count())
        .unwrap_or(0);
    assert!(x > 0, "{line}");
    assert_eq!(buffer[(x as u16, 0)].bg, Color::Red);
    let survey_row = (0..36u16)
        .find(|&y| {
            (0..120)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
                .contains("in 14h")
        })
        .expect("survey row");
    let line: String = (0..120)
        .map(|x| buffer[(x, survey_row)].symbol().to_string())
        .collect();
    let x = line
        .find("in 14h")
        .map(|byte| line[..byte].chars().count())
        .unwrap_or(0) as u16;
    assert_eq!(buffer[(x, survey_row)].fg, Color::Yellow);
}

#[test]
fn rejected_assignment_with_feedback_draft_and_override() {
    let mut state = loaded_state();
    update(&mut state, key('j'));
    update(&mut state, key('o'));
    update(&mut state, key('e'));
    press(&mut state, "Approved after a second look.\tThanks!");
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn decisions_in_flight_done_and_failed() {
    let mut state = crowd_selected();
    update(&mut state, key('a'));
    update(&mut state, decision(CROWD, DecisionState::Sending));
    update(&mut state, key('k'));
    update(&mut state, key('a'));
    update(
        &mut state,
        decision(
            SURVEY,
            DecisionState::Failed(
                "AWS.MechanicalTurk.ServiceUnavailable: \x1b[31mtry again\x1b[0m".into(),
            ),
        ),
    );
    update(&mut state, progress(3, 12));
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn malformed_answer() {
    let mut state = loaded_state();
    update(&mut state, key('G'));
    assert_eq!(selected_id(&state), MALFORMED);
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn survey_answer_scrolled_in_answer_focus() {
    let mut state = loaded_state();
    update(&mut state, key('j'));
    update(&mut state, key('j'));
    update(&mut state, code(KeyCode::Tab));
    press(&mut state, "jjjj");
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn help_overlay() {
    let mut state = loaded_state();
    update(&mut state, key('?'));
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn help_shows_the_worker_site_and_a_whole_sign_in_link() {
    let mut state = loaded_state();
    let link = "http://127.0.0.1:8780/worker/sign-in?token=0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef";
    state.worker_site = Some(crate::console::state::WorkerSite {
        url: "http://127.0.0.1:8780".into(),
        sign_in_url: Some(link.into()),
    });
    update(&mut state, key('?'));
    let terminal = draw(&state, 120, 40);
    let lines: Vec<String> = (0..40)
        .map(|y| {
            (0..120)
                .map(|x| terminal.backend().buffer()[(x, y)].symbol().to_string())
                .collect()
        })
        .collect();
    assert!(lines.iter().any(|l| l.contains(link)), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Worker site  http://127.0.0.1:8780/worker/"))
    );
    assert!(
        lines.iter().any(|l| l.contains("approve with feedback")),
        "the keys are still there: {lines:#?}"
    );
}

#[test]
fn raw_view() {
    let mut state = crowd_selected();
    update(&mut state, key('v'));
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn reject_confirm_prompt() {
    let mut state = crowd_selected();
    update(&mut state, key('e'));
    press(
        &mut state,
        "The comment is copied from another review; please write your own.",
    );
    update(&mut state, code(KeyCode::Esc));
    update(&mut state, key('r'));
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn bulk_approve_confirm_prompt() {
    let mut state = loaded_state();
    press(&mut state, "jj   ");
    update(&mut state, key('A'));
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn production_bulk_approve_asks_for_the_count() {
    let mut state = loaded_state();
    state.endpoint = Endpoint::Production;
    press(&mut state, "jj   ");
    update(&mut state, key('A'));
    press(&mut state, "2");
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn filter_being_typed() {
    let mut state = loaded_state();
    update(&mut state, key('/'));
    press(&mut state, "receipt");
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn load_failed_error_box() {
    let mut state = State::new(Endpoint::Production, NOW);
    fail_loading(
        &mut state,
        "MTurk refused the request: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
    );
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn empty_while_loading() {
    let mut state = State::new(Endpoint::Custom("http://127.0.0.1:8080".into()), NOW);
    update(&mut state, progress(0, 4));
    let terminal = draw(&state, 120, 36);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut state = crowd_selected();
    update(&mut state, key('?'));
    for (w, h) in [(1, 1), (20, 5), (60, 16), (61, 17), (80, 24)] {
        draw(&state, w, h);
    }
    update(&mut state, key('r'));
    fail_loading(&mut state, &"x ".repeat(400));
    for (w, h) in [(1, 1), (20, 5), (60, 16), (80, 24)] {
        draw(&state, w, h);
    }
    insta::assert_snapshot!(draw(&state, 20, 5).backend());
}

#[test]
fn every_size_from_1x1_and_resizing_between_frames_never_panics() {
    let screens: Vec<(&str, State)> = vec![
        ("main", crowd_selected()),
        ("help", {
            let mut s = crowd_selected();
            update(&mut s, key('?'));
            s
        }),
        ("editor", {
            let mut s = crowd_selected();
            update(&mut s, key('e'));
            press(&mut s, "Some feedback that wraps over several narrow lines");
            s
        }),
        ("raw", {
            let mut s = crowd_selected();
            update(&mut s, key('v'));
            s
        }),
        ("filter", {
            let mut s = crowd_selected();
            press(&mut s, "/crowd");
            s
        }),
        ("bulk question", {
            let mut s = loaded_state();
            press(&mut s, "   A");
            s
        }),
        ("empty", State::new(Endpoint::Demo(DEMO_URL.into()), NOW)),
    ];
    for (name, state) in &screens {
        let mut terminal = Terminal::new(TestBackend::new(120, 36)).expect("test terminal");
        for w in (1..=40).chain([79, 80, 200]) {
            for h in (1..=14).chain([24, 60]) {
                terminal.backend_mut().resize(w, h);
                if let Err(err) = terminal.draw(|frame| render(state, frame)) {
                    panic!("{name} at {w}x{h}: {err}");
                }
            }
        }
    }
}

#[test]
fn a_policys_decision_shows_on_its_row_and_in_the_detail_pane() {
    let mut state = loaded_state();
    let mut decided = sample_assignments().remove(0);
    decided.status = crate::mturk::domain::AssignmentStatus::Rejected;
    decided.rejection_time = decided.submit_time;
    decided.policy_note = Some("auto-rejected by policy: known-answer score 40%".into());
    let id = decided.id.clone();
    update(&mut state, page(vec![decided]));
    while selected_id(&state) != id {
        press(&mut state, "j");
    }
    let terminal = draw(&state, 140, 40);
    let buffer = terminal.backend().buffer();
    let lines: Vec<String> = (0..40u16)
        .map(|y| (0..140u16).map(|x| buffer[(x, y)].symbol()).collect())
        .collect();
    let short = crate::console::format::short_id(&id);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&short) && l.contains("by policy")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("auto-rejected by policy: known-answer score 40%")),
        "{lines:#?}"
    );
}
