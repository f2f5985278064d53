//! The feedback pane: the selected assignment's (or the HIT view's) draft (an editor while focused), its
//! character counter and problems, and the override toggle for rejected assignments.
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::parts::pane;
use crate::console::state::{Focus, State};
use crate::console::style::dim;
use crate::mturk::domain::AssignmentStatus;
use crate::rules::{FEEDBACK_MAX_CHARS, feedback_problem};
use crate::sanitize::{sanitize, sanitize_inline};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let editing = state.focus == Focus::Feedback;
    let Some(row) = state.acting_on() else {
        frame.render_widget(pane(" Feedback ", editing), area);
        return;
    };
    let id = &row.assignment.id;
    let text = state.drafts.text(id);
    let chars = text.chars().count();
    let problem = feedback_problem(&text);
    let counter_style = if chars > FEEDBACK_MAX_CHARS {
        Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
    } else {
        dim()
    };
    let title = if editing {
        " Feedback · editing (Esc leaves) "
    } else {
        " Feedback (e edits) "
    };
    let block = pane(title, editing).title_top(
        Line::styled(format!(" {chars}/{FEEDBACK_MAX_CHARS} "), counter_style).right_aligned(),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let override_line = (row.assignment.status == AssignmentStatus::Rejected).then(|| match state
        .review()
        .override_block(row)
    {
        Some(reason) => Line::from(vec![
            Span::styled("override impossible: ", Style::default().fg(Color::Red)),
            Span::styled(reason, dim()),
        ]),
        None if state.decisions.has_override(id) => Line::styled(
            "[x] override the rejection on approve (o)",
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ),
        None => Line::styled("[ ] override the rejection on approve (o)", dim()),
    });
    let [top, editor, bottom] = Layout::vertical([
        Constraint::Length(u16::from(override_line.is_some())),
        Constraint::Min(0),
        Constraint::Length(if problem.is_some() { 2 } else { 0 }),
    ])
    .areas(inner);
    if let Some(line) = override_line {
        frame.render_widget(Paragraph::new(line), top);
    }
    if editing {
        frame.render_widget(state.drafts.get(id), editor);
    } else if text.is_empty() {
        let hint = "No feedback yet. Optional when approving, required when rejecting.";
        frame.render_widget(
            Paragraph::new(Line::styled(hint, dim())).wrap(Wrap { trim: true }),
            editor,
        );
    } else {
        let shown = sanitize(&text).replace('\t', "    ");
        frame.render_widget(Paragraph::new(shown).wrap(Wrap { trim: false }), editor);
    }
    if let Some(problem) = problem {
        let line = Line::styled(
            format!("✗ {}", sanitize_inline(&problem)),
            Style::default().fg(Color::Red),
        );
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), bottom);
    }
}
