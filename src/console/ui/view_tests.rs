//! Snapshot tests of the worker view and the HIT view at a fixed size, and of the detail
//! pane's flag and agreement lines.
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use crate::console::test_support::*;
use crate::console::update::update;
use crate::console::views::tests::{HASTY, views_state};

fn line(terminal: &Terminal<TestBackend>, y: u16) -> String {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol().to_string())
        .collect()
}

/// The row of the screen holding `text`, and the column where it starts.
fn find(terminal: &Terminal<TestBackend>, text: &str) -> Option<(u16, u16)> {
    (0..terminal.backend().buffer().area.height).find_map(|y| {
        let line = line(terminal, y);
        line.find(text)
            .map(|byte| (line[..byte].chars().count() as u16, y))
    })
}

#[test]
fn worker_view() {
    let mut state = views_state();
    update(&mut state, key('w'));
    update(&mut state, key('j'));
    let terminal = draw(&state, 120, 24);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn hit_view() {
    let mut state = views_state();
    update(&mut state, key('/'));
    press(&mut state, "3crowdsent");
    update(&mut state, code(KeyCode::Enter));
    update(&mut state, key('h'));
    update(&mut state, code(KeyCode::Right));
    let terminal = draw(&state, 120, 24);
    insta::assert_snapshot!(terminal.backend());
    // The answer that differs from the majority is highlighted.
    let (x, y) = find(&terminal, "Negative").expect("the hasty answer");
    assert_eq!(terminal.backend().buffer()[(x, y)].fg, Color::Yellow);
}

#[test]
fn a_narrow_hit_view_scrolls_to_the_cursor() {
    let mut state = views_state();
    update(&mut state, key('/'));
    press(&mut state, "3crowdsent");
    update(&mut state, code(KeyCode::Enter));
    update(&mut state, key('h'));
    for _ in 0..3 {
        update(&mut state, code(KeyCode::Right));
    }
    let terminal = draw(&state, 80, 20);
    assert!(
        find(&terminal, "A5FASTWORKER").is_some(),
        "cursor column shown"
    );
    assert!(
        find(&terminal, "A6APPROVEDWORKER").is_none(),
        "first column scrolled off"
    );
    assert!(find(&terminal, "columns").is_some(), "says where it is");
}

#[test]
fn the_detail_pane_shows_the_flag_and_the_agreement() {
    let mut state = views_state();
    update(&mut state, key('/'));
    press(&mut state, &HASTY[..16]);
    update(&mut state, code(KeyCode::Enter));
    assert_eq!(selected_id(&state), HASTY);
    let terminal = draw(&state, 140, 40);
    let (_, y) = find(&terminal, "Worker flags").expect("flag line");
    assert!(
        line(&terminal, y).contains("fast (median 20s vs"),
        "{}",
        line(&terminal, y)
    );
    let (_, y) = find(&terminal, "Agreement").expect("agreement line");
    assert!(
        line(&terminal, y).contains("majority on 0 of 2 questions  (4 answers"),
        "{}",
        line(&terminal, y)
    );
}
