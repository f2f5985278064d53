//! `render`: draws the whole console from the state, without I/O or heavy work
//! (answers are laid out in `update`; lists draw only the rows on screen).
mod confirm;
mod detail;
mod error;
mod feedback;
mod figures;
mod footer;
mod header;
mod help;
mod hit;
mod list;
mod parts;
mod templates;
mod worker_form;
mod workers;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::widgets::{Paragraph, Wrap};

use super::state::State;
use super::views::Mode;

/// Below this size only a short note is drawn.
const MIN_WIDTH: u16 = 60;
const MIN_HEIGHT: u16 = 16;

pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let note = Paragraph::new("mturk-review: enlarge the terminal (q quits)")
            .wrap(Wrap { trim: true });
        frame.render_widget(note, area);
        return;
    }
    let [header_area, body, footer_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(2),
    ])
    .areas(area);
    header::render(state, frame, header_area);
    match state.views.mode {
        Mode::List => {
            let [list_area, lower] =
                Layout::vertical([Constraint::Percentage(40), Constraint::Min(0)]).areas(body);
            let [detail_area, feedback_area] =
                Layout::horizontal([Constraint::Percentage(62), Constraint::Min(0)]).areas(lower);
            list::render(state, frame, list_area);
            detail::render(state, frame, detail_area);
            feedback::render(state, frame, feedback_area);
        }
        Mode::Workers => workers::render(state, frame, body),
        Mode::Hit => {
            let [grid, feedback_area] =
                Layout::vertical([Constraint::Min(0), Constraint::Length(7)]).areas(body);
            hit::render(state, frame, grid);
            feedback::render(state, frame, feedback_area);
        }
    }
    footer::render(state, frame, footer_area);

    if state.help_visible {
        help::render(frame, area, state.worker_site.as_ref(), state.context());
    }
    if let Some(form) = &state.worker_form {
        worker_form::render_form(state, form, frame, area);
    }
    if state.templates.open {
        templates::render(state, frame, area);
    }
    if let Some(question) = &state.confirm {
        confirm::render(state, question, frame, area);
    }
    if let Some(text) = state.loading.error_box() {
        error::render(text, frame, area);
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;
