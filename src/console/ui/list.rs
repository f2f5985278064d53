//! The assignment list: one row per visible assignment, drawing only the rows on screen.
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};

use super::parts::{pane, spinner};
use crate::clock::DAY_SECS;
use crate::console::format::{age, duration, short_id};
use crate::console::review::override_closes;
use crate::console::rows::Row;
use crate::console::selection::Viewport;
use crate::console::state::{Focus, State};
use crate::console::style::dim;
use crate::console::worker_actions::{BonusMark, BonusProgress};
use crate::money::format_cents;
use crate::mturk::domain::{AssignmentStatus, DecisionState};
use crate::sanitize::sanitize_inline;

const WIDTHS: [Constraint; 10] = [
    Constraint::Length(2),
    Constraint::Length(9),
    Constraint::Length(9),
    Constraint::Length(14),
    Constraint::Min(16),
    Constraint::Length(11),
    Constraint::Length(7),
    Constraint::Length(16),
    Constraint::Length(11),
    Constraint::Length(8),
];

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let mut title = vec![
        Span::raw(" Assignments "),
        Span::styled(
            format!(
                "{} of {} ",
                state.selection.visible().len(),
                state.table.len()
            ),
            dim(),
        ),
        Span::styled(format!("· {} ", state.status_filter.label()), dim()),
    ];
    if let Some(worker) = &state.views.worker_filter {
        title.push(Span::styled(
            format!("· worker {} (Esc: all workers) ", sanitize_inline(worker)),
            Style::default().fg(Color::Cyan),
        ));
    }
    if !state.filter.is_empty() {
        title.push(Span::styled(
            format!("· filter \"{}\" ", sanitize_inline(&state.filter)),
            Style::default().fg(Color::Yellow),
        ));
    }
    let marked = state.decisions.marked_count();
    if marked > 0 {
        title.push(Span::styled(
            format!("· {marked} marked "),
            Style::default().fg(Color::Magenta),
        ));
    }
    let block = pane(Line::from(title), state.focus == Focus::List);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let visible = state.selection.visible();
    if visible.is_empty() {
        let note = if state.loading.progress().is_some() {
            "Loading assignments…"
        } else if state.table.len() == 0 && state.loading.failed() {
            "Loading failed, so nothing is listed (R tries again)."
        } else if state.table.len() == 0 {
            "Nothing loaded: no submitted or rejected assignments (R reloads)."
        } else {
            "No assignment matches the filter and status shown (s cycles the status)."
        };
        frame.render_widget(Paragraph::new(Line::styled(note, dim()).centered()), inner);
        return;
    }

    let rows_on_screen = usize::from(inner.height.saturating_sub(1)).max(1);
    let offset = scroll_offset(state, rows_on_screen);
    let end = (offset + rows_on_screen).min(visible.len());
    let cursor = state.selection.cursor();
    let rows = visible[offset..end]
        .iter()
        .enumerate()
        .map(|(i, &index)| table_row(state, state.table.row(index), offset + i == cursor));
    let header = TableRow::new([
        "",
        "Status",
        "Id",
        "Worker",
        "HIT",
        "Submitted",
        "Took",
        "Auto-approve",
        "Decision",
        "Bonus",
    ])
    .style(Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    frame.render_widget(
        Table::new(rows, WIDTHS).header(header).column_spacing(1),
        inner,
    );
}

/// Keeps the selection on screen, scrolling as little as possible; remembered for the next frame.
fn scroll_offset(state: &State, rows_on_screen: usize) -> usize {
    let selection = &state.selection;
    let (viewport, cursor) = (selection.viewport(), selection.cursor());
    let mut offset = viewport.list_offset;
    if cursor < offset {
        offset = cursor;
    } else if cursor >= offset + rows_on_screen {
        offset = cursor + 1 - rows_on_screen;
    }
    offset = offset.min(selection.visible().len().saturating_sub(rows_on_screen));
    selection.set_viewport(Viewport {
        list_rows: rows_on_screen,
        list_offset: offset,
        ..viewport
    });
    offset
}

fn table_row<'a>(state: &State, row: &'a Row, selected: bool) -> TableRow<'a> {
    let a = &row.assignment;
    let decision = state.decisions.get(&a.id);
    let window_closed = a.status == AssignmentStatus::Rejected
        && override_closes(row).is_none_or(|closes| closes < state.now);
    let settled = a.status == AssignmentStatus::Approved
        || matches!(decision, Some(DecisionState::Done(_)))
        || window_closed;

    let pointer = if selected { "▶" } else { " " };
    let mark = if state.decisions.is_marked(&a.id) {
        "●"
    } else {
        " "
    };
    let status_style = match a.status {
        AssignmentStatus::Submitted => Style::default(),
        AssignmentStatus::Approved => Style::default().fg(Color::Green),
        AssignmentStatus::Rejected => Style::default().fg(Color::Red),
    };
    let submitted = a.submit_time.map(|t| age(state.now, t)).unwrap_or_default();
    let took = match (a.accept_time, a.submit_time) {
        (Some(accept), Some(submit)) => duration(submit - accept),
        _ => String::new(),
    };
    let cells = vec![
        Cell::from(format!("{pointer}{mark}")).style(Style::default().fg(Color::Magenta)),
        Cell::from(a.status.as_str().to_lowercase()).style(status_style),
        Cell::from(short_id(&a.id)),
        Cell::from(sanitize_inline(&a.worker_id).into_owned()),
        Cell::from(
            state
                .hit_of(row)
                .map(|hit| sanitize_inline(&hit.title).into_owned())
                .unwrap_or_else(|| format!("HIT {}", short_id(&a.hit_id))),
        ),
        Cell::from(submitted),
        Cell::from(took),
        deadline_cell(state, row, window_closed),
        match (decision, &a.policy_note) {
            // The detail pane says what the policy did, and why.
            (None, Some(_)) => Cell::from("by policy").style(Style::default().fg(Color::Magenta)),
            _ => decision_cell(state, decision),
        },
        bonus_cell(state.worker_actions.bonus(&a.id)),
    ];
    let mut style = if settled { dim() } else { Style::default() };
    if selected {
        style = style.bg(Color::Indexed(237)).add_modifier(Modifier::BOLD);
    }
    TableRow::new(cells).style(style)
}

/// Time left until auto-approval, or whether a rejection can still be overridden.
fn deadline_cell(state: &State, row: &Row, window_closed: bool) -> Cell<'static> {
    let a = &row.assignment;
    match a.status {
        AssignmentStatus::Submitted => match a.auto_approval_time {
            Some(t) if t <= state.now => {
                Cell::from("auto-approving now").style(Style::default().fg(Color::Yellow))
            }
            Some(t) if t - state.now < DAY_SECS => {
                Cell::from(format!("in {}", duration(t - state.now))).style(
                    Style::default()
                        .fg(Color::Yellow)
                        .add_modifier(Modifier::BOLD),
                )
            }
            Some(t) => Cell::from(format!("in {}", duration(t - state.now))),
            None => Cell::from(""),
        },
        AssignmentStatus::Rejected if window_closed => Cell::from("override closed"),
        AssignmentStatus::Rejected => match state.review().override_block(row) {
            Some(_) => Cell::from("no override"),
            None => {
                let closes = override_closes(row).unwrap_or(state.now);
                Cell::from(format!("override {}", duration(closes - state.now)))
            }
        },
        AssignmentStatus::Approved => Cell::from(""),
    }
}

fn decision_cell(state: &State, decision: Option<&DecisionState>) -> Cell<'static> {
    match decision {
        None => Cell::from(""),
        Some(DecisionState::Queued) => Cell::from("queued").style(Style::default().fg(Color::Cyan)),
        Some(DecisionState::Sending) => Cell::from(format!("{} sending", spinner(state)))
            .style(Style::default().fg(Color::Cyan)),
        Some(DecisionState::Retrying { attempt, .. }) => {
            Cell::from(format!("{} retry {}", spinner(state), attempt + 1))
                .style(Style::default().fg(Color::Yellow))
        }
        Some(DecisionState::Pending(_)) => Cell::from("? pending").style(
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ),
        Some(DecisionState::Done(done)) => {
            Cell::from(format!("✓ {}", done.status.as_str().to_lowercase()))
                .style(Style::default().fg(Color::Green))
        }
        Some(DecisionState::Failed(_)) => Cell::from("✗ failed")
            .style(Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)),
    }
}

/// The assignment's latest bonus: its amount and where it stands.
fn bonus_cell(bonus: Option<&BonusMark>) -> Cell<'static> {
    let Some(bonus) = bonus else {
        return Cell::from("");
    };
    let amount = format!("${}", format_cents(bonus.amount_cents));
    let (text, style) = match bonus.progress {
        BonusProgress::Sending => (format!("… {amount}"), Style::default().fg(Color::Cyan)),
        BonusProgress::Paid => (format!("✓ {amount}"), Style::default().fg(Color::Green)),
        BonusProgress::Failed(_) => (
            format!("✗ {amount}"),
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        BonusProgress::Pending => (
            format!("? {amount}"),
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ),
    };
    Cell::from(text).style(style)
}
