//! `render`: draws the whole console from the state, without I/O or heavy work
//! (answers are laid out in `update`; lists draw only the rows on screen).
mod confirm;
mod detail;
mod error;
mod feedback;
mod footer;
mod header;
mod help;
mod list;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::state::State;

/// Below this size only a short note is drawn.
const MIN_WIDTH: u16 = 60;
const MIN_HEIGHT: u16 = 16;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

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
    let [list_area, lower] =
        Layout::vertical([Constraint::Percentage(40), Constraint::Min(0)]).areas(body);
    let [detail_area, feedback_area] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Min(0)]).areas(lower);

    header::render(state, frame, header_area);
    list::render(state, frame, list_area);
    detail::render(state, frame, detail_area);
    feedback::render(state, frame, feedback_area);
    footer::render(state, frame, footer_area);

    if state.help_visible {
        help::render(frame, area);
    }
    if let Some(question) = &state.confirm {
        confirm::render(state, question, frame, area);
    }
    if let Some(text) = state.loading.error_box() {
        error::render(text, frame, area);
    }
}

pub(crate) fn spinner(state: &State) -> &'static str {
    SPINNER[state.tick % SPINNER.len()]
}

pub(crate) fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

pub(crate) fn label() -> Style {
    Style::default()
        .fg(Color::Gray)
        .add_modifier(Modifier::BOLD)
}

/// A pane's frame; the focused pane gets a bright, thick border.
pub(crate) fn pane<'a>(title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    let block = Block::bordered().title(title);
    if focused {
        block
            .border_type(BorderType::Thick)
            .border_style(Style::default().fg(Color::Cyan))
    } else {
        block.border_style(dim())
    }
}

/// A centered rectangle of at most `width` x `height` inside `area`.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Clears a centered box and draws a bordered paragraph in it (lines are already wrapped).
pub(crate) fn modal(frame: &mut Frame, area: Rect, block: Block, lines: Vec<Line>, width: u16) {
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

#[cfg(test)]
mod tests;
