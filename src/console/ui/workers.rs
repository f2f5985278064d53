//! The worker view: one row per worker (to review, approved, rejected, approval rate, median
//! work time against the others' on the same HITs, `fast`, blocked), only the rows on screen.
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};

use super::parts::pane;
use crate::console::format::duration;
use crate::console::state::State;
use crate::console::style::dim;
use crate::console::workers::{FAST_RULE, WorkerRow};
use crate::sanitize::sanitize_inline;

const WIDTHS: [Constraint; 9] = [
    Constraint::Length(2),
    Constraint::Length(22),
    Constraint::Length(9),
    Constraint::Length(8),
    Constraint::Length(8),
    Constraint::Length(8),
    Constraint::Length(8),
    Constraint::Length(12),
    Constraint::Min(14),
];

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let views = &state.views;
    let list = &views.worker_list;
    let mut title = vec![
        Span::raw(" Workers "),
        Span::styled(
            format!("{} of {} ", list.visible.len(), views.workers.rows().len()),
            dim(),
        ),
    ];
    if !state.filter.is_empty() {
        title.push(Span::styled(
            format!("· filter \"{}\" ", sanitize_inline(&state.filter)),
            Style::default().fg(Color::Yellow),
        ));
    }
    if !views.history.is_loaded() {
        title.push(Span::styled("· approved work still loading ", dim()));
    }
    let block = pane(Line::from(title), true)
        .title_bottom(Line::styled(format!(" {FAST_RULE} "), dim()).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if list.visible.is_empty() {
        let note = if views.workers.rows().is_empty() {
            "No workers: nothing is loaded yet."
        } else {
            "No worker matches the filter."
        };
        frame.render_widget(Paragraph::new(Line::styled(note, dim()).centered()), inner);
        return;
    }
    let rows_on_screen = usize::from(inner.height.saturating_sub(1)).max(1);
    let mut offset = list.offset.get();
    if list.cursor < offset {
        offset = list.cursor;
    } else if list.cursor >= offset + rows_on_screen {
        offset = list.cursor + 1 - rows_on_screen;
    }
    list.offset.set(offset);
    let end = (offset + rows_on_screen).min(list.visible.len());
    let rows = list.visible[offset..end]
        .iter()
        .enumerate()
        .map(|(i, &index)| {
            let row = &views.workers.rows()[index];
            worker_row(
                row,
                views.workers.is_blocked(&row.worker_id),
                offset + i == list.cursor,
            )
        });
    let header = TableRow::new([
        "",
        "Worker",
        "To review",
        "Approved",
        "Rejected",
        "Approval",
        "Median",
        "Others (n)",
        "",
    ])
    .style(Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    frame.render_widget(
        Table::new(rows, WIDTHS).header(header).column_spacing(1),
        inner,
    );
}

fn worker_row(row: &WorkerRow, blocked: bool, selected: bool) -> TableRow<'static> {
    let secs = |s: Option<i64>| s.map(duration).unwrap_or_else(|| "—".to_string());
    let rate = row
        .approval_rate()
        .map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "—".to_string());
    let mut flags = Vec::new();
    if row.fast {
        flags.push(Span::styled(
            "fast ",
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    if blocked {
        flags.push(Span::styled(
            "blocked",
            Style::default()
                .fg(Color::Magenta)
                .add_modifier(Modifier::BOLD),
        ));
    }
    let cells = vec![
        Cell::from(if selected { "▶" } else { " " }).style(Style::default().fg(Color::Magenta)),
        Cell::from(sanitize_inline(&row.worker_id).into_owned()),
        Cell::from(row.to_review.to_string()),
        Cell::from(row.approved.to_string()).style(Style::default().fg(Color::Green)),
        Cell::from(row.rejected.to_string()).style(Style::default().fg(Color::Red)),
        Cell::from(rate),
        Cell::from(secs(row.median_secs)),
        Cell::from(format!(
            "{} ({})",
            secs(row.others_median_secs),
            row.comparable
        )),
        Cell::from(Line::from(flags)),
    ];
    let mut style = Style::default();
    if selected {
        style = style.bg(Color::Indexed(237)).add_modifier(Modifier::BOLD);
    }
    TableRow::new(cells).style(style)
}
