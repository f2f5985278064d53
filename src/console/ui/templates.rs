//! The feedback templates list: one line per saved text (its first line), the one under the
//! cursor shown whole below, and where the file is or why it cannot be written.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;

use super::parts::modal;
use crate::console::format::{expand_tabs, wrap_words};
use crate::console::state::State;
use crate::console::style::dim;
use crate::sanitize::{sanitize, sanitize_inline};

const WIDTH: u16 = 72;
/// Rows of the list shown at once, and lines of the chosen text.
const LIST_ROWS: usize = 10;
const PREVIEW_LINES: usize = 5;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let templates = &state.templates;
    // Inside the box's borders.
    let inner = usize::from(WIDTH) - 2;
    let mut lines = Vec::new();
    if templates.texts.is_empty() {
        lines.push(Line::styled(
            "No templates. a saves the current feedback as one.",
            dim(),
        ));
    }
    let first = templates.cursor.saturating_sub(LIST_ROWS - 1);
    for (i, text) in templates
        .texts
        .iter()
        .enumerate()
        .skip(first)
        .take(LIST_ROWS)
    {
        let first_line = sanitize_inline(text.lines().next().unwrap_or_default());
        let mut head: String = first_line.chars().take(inner - 3).collect();
        if head.len() < first_line.len() || text.lines().nth(1).is_some() {
            head.push('…');
        }
        let line = format!("{} {head}", if i == templates.cursor { "▶" } else { " " });
        lines.push(if i == templates.cursor {
            Line::styled(
                line,
                Style::default()
                    .bg(Color::Indexed(237))
                    .add_modifier(Modifier::BOLD),
            )
        } else {
            Line::from(line)
        });
    }
    if let Some(text) = templates.texts.get(templates.cursor) {
        lines.push(Line::styled("─".repeat(inner), dim()));
        let wrapped = wrap_words(&expand_tabs(&sanitize(text)), inner - 2);
        for line in wrapped.iter().take(PREVIEW_LINES) {
            lines.push(Line::styled(
                format!("│ {line}"),
                Style::default().add_modifier(Modifier::ITALIC),
            ));
        }
    }
    lines.push(Line::from(""));
    if let Some(problem) = &templates.problem {
        for line in wrap_words(&sanitize_inline(problem), inner)
            .into_iter()
            .take(3)
        {
            lines.push(Line::styled(line, Style::default().fg(Color::Red)));
        }
    }
    lines.push(Line::styled(
        "Enter inserts · a adds the current feedback · d deletes · Esc closes",
        dim(),
    ));
    modal(
        frame,
        area,
        super::confirm::question_block(" Feedback templates "),
        lines,
        WIDTH,
    );
}
