//! The HIT view: a column per assignment of the HIT (worker, status, agreement), a row per
//! question with the majority answer and how many give it; answers that differ from the
//! majority are highlighted. Only the columns and rows on screen are drawn; the columns
//! scroll to keep the cursor's in view.
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};

use super::parts::pane;
use crate::console::agreement::HitAgreement;
use crate::console::format::short_id;
use crate::console::state::State;
use crate::console::style::dim;
use crate::console::views::HitView;
use crate::mturk::domain::{AssignmentStatus, DecisionState};
use crate::sanitize::sanitize_inline;

/// Width of an assignment's column, and of the majority's.
const COLUMN: u16 = 16;
const AGREE: u16 = 7;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(view) = &state.views.hit else {
        return;
    };
    let Some(agreement) = state.views.agreement(&view.hit_id) else {
        let block = pane(format!(" HIT {} ", short_id(&view.hit_id)), true);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let note = Line::styled("No answers of this HIT are loaded.", dim());
        frame.render_widget(Paragraph::new(note.centered()), inner);
        return;
    };
    let title = agreement
        .columns
        .iter()
        .find_map(|id| state.table.row_by_id(id))
        .and_then(|row| state.hit_of(row))
        .map(|hit| sanitize_inline(&hit.title).into_owned())
        .unwrap_or_else(|| format!("HIT {}", short_id(&view.hit_id)));
    let columns = agreement.columns.len();
    let mut spans = vec![
        Span::raw(format!(" HIT · {title} ")),
        Span::styled(format!("· {columns} assignment(s) "), dim()),
    ];
    match agreement.mean_share() {
        Some(share) if agreement.has_figures() => spans.push(Span::styled(
            format!("· {:.0}% agree on average ", share * 100.0),
            dim(),
        )),
        _ => spans.push(Span::styled("· no majority to compare with ", dim())),
    }
    let block = pane(Line::from(spans), true);
    let inner = block.inner(area);

    let question_width = agreement
        .questions
        .iter()
        .map(|q| q.path.chars().count() as u16)
        .max()
        .unwrap_or(8)
        .clamp(8, 28);
    let fixed = question_width + COLUMN + AGREE + 3;
    let fit = usize::from(inner.width.saturating_sub(fixed) / (COLUMN + 1)).max(1);
    let left = keep_cursor_in_view(view, fit, columns);
    let right = (left + fit).min(columns);
    if left > 0 || right < columns {
        let more = format!(
            " ◀ {left} · columns {}–{right} of {columns} · {} ▶ ",
            left + 1,
            columns - right
        );
        frame.render_widget(
            block.title_bottom(Line::styled(more, dim()).right_aligned()),
            area,
        );
    } else {
        frame.render_widget(block, area);
    }

    let mut widths = vec![
        Constraint::Length(question_width),
        Constraint::Length(COLUMN),
        Constraint::Length(AGREE),
    ];
    widths.extend((left..right).map(|_| Constraint::Length(COLUMN)));
    let header = header(state, view, agreement, left..right);
    let rows_on_screen = usize::from(inner.height.saturating_sub(3));
    let top = view.top.min(agreement.questions.len().saturating_sub(1));
    let rows = agreement
        .questions
        .iter()
        .skip(top)
        .take(rows_on_screen)
        .map(|question| {
            let majority = match &question.majority {
                Some(text) => Cell::from(shown(text)),
                None => Cell::from("(tie)").style(dim()),
            };
            let mut cells = vec![
                Cell::from(sanitize_inline(&question.path).into_owned()),
                majority,
                Cell::from(format!("{}/{}", question.agreeing, columns)).style(dim()),
            ];
            for (column, answer) in question.cells.iter().enumerate().take(right).skip(left) {
                let cursor = if column == view.cursor {
                    Style::default().bg(Color::Indexed(237))
                } else {
                    Style::default()
                };
                cells.push(match answer {
                    None => Cell::from("—").style(dim().patch(cursor)),
                    Some(cell) if cell.agrees || question.majority.is_none() => {
                        Cell::from(shown(&cell.shown)).style(cursor)
                    }
                    Some(cell) => Cell::from(shown(&cell.shown)).style(
                        Style::default()
                            .fg(Color::Yellow)
                            .add_modifier(Modifier::BOLD)
                            .patch(cursor),
                    ),
                });
            }
            TableRow::new(cells)
        });
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        inner,
    );
}

/// An answer on one line; a blank one says so, so that it can be seen to differ.
fn shown(text: &str) -> String {
    if text.trim().is_empty() {
        "(blank)".to_string()
    } else {
        sanitize_inline(text).into_owned()
    }
}

/// The first column on screen, moved as little as keeps the cursor's column in view;
/// remembered for the next frame.
fn keep_cursor_in_view(view: &HitView, fit: usize, columns: usize) -> usize {
    let mut left = view.left.get();
    if view.cursor < left {
        left = view.cursor;
    } else if view.cursor >= left + fit {
        left = view.cursor + 1 - fit;
    }
    left = left.min(columns.saturating_sub(fit));
    view.left.set(left);
    left
}

/// Three lines per column: worker, status (or this session's decision, or a mark), and how
/// many questions it agrees on.
fn header(
    state: &State,
    view: &HitView,
    agreement: &HitAgreement,
    shown: std::ops::Range<usize>,
) -> TableRow<'static> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut cells = vec![
        Cell::from(Text::from(vec![Line::styled("Question", bold)])),
        Cell::from(Text::from(vec![Line::styled("Majority", bold)])),
        Cell::from(Text::from(vec![Line::styled("Agree", bold)])),
    ];
    for column in shown {
        let id = &agreement.columns[column];
        let listed = state.table.row_by_id(id).map(|row| &row.assignment);
        let assignment = listed.or_else(|| state.views.history.get(id));
        let worker = assignment
            .map(|a| sanitize_inline(&a.worker_id).into_owned())
            .unwrap_or_default();
        let status = status_line(state, id, assignment.map(|a| a.status));
        let figure = agreement.per_column[column];
        let agrees = if agreement.has_figures() && figure.of > 0 {
            let style = if figure.agrees_everywhere() {
                Style::default().fg(Color::Green)
            } else {
                Style::default().fg(Color::Yellow)
            };
            Line::styled(format!("agrees {}/{}", figure.agreed, figure.of), style)
        } else {
            Line::styled("—", dim())
        };
        let pointer = if column == view.cursor { "▶" } else { " " };
        let mut style = Style::default();
        if column == view.cursor {
            style = style.bg(Color::Indexed(237));
        }
        cells.push(
            Cell::from(Text::from(vec![
                Line::styled(format!("{pointer}{worker}"), bold),
                status,
                agrees,
            ]))
            .style(style),
        );
    }
    TableRow::new(cells).height(3)
}

fn status_line(state: &State, id: &str, status: Option<AssignmentStatus>) -> Line<'static> {
    let mark = if state.decisions.is_marked(id) {
        "● "
    } else {
        ""
    };
    let (text, color) = match (state.decisions.get(id), status) {
        (Some(DecisionState::Done(done)), _) => (
            format!("✓ {}", done.status.as_str().to_lowercase()),
            Color::Green,
        ),
        (Some(DecisionState::Failed(_)), _) => ("✗ failed".to_string(), Color::Red),
        (Some(DecisionState::Pending(_)), _) => ("? pending".to_string(), Color::Yellow),
        (Some(_), _) => ("sending".to_string(), Color::Cyan),
        (None, Some(AssignmentStatus::Approved)) => ("approved".to_string(), Color::Green),
        (None, Some(AssignmentStatus::Rejected)) => ("rejected".to_string(), Color::Red),
        (None, _) => ("submitted".to_string(), Color::Reset),
    };
    Line::from(vec![
        Span::styled(mark, Style::default().fg(Color::Magenta)),
        Span::styled(text, Style::default().fg(color)),
    ])
}
