//! The detail pane's lines about the worker and the HIT: the `fast` flag with the work
//! times behind it, and how the assignment agrees with the majority of its HIT.
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::console::format::duration;
use crate::console::rows::Row;
use crate::console::state::State;
use crate::console::style::{dim, label};

fn fact(name: &'static str, value: Vec<Span<'static>>) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{name:<13}"), label())];
    spans.extend(value);
    Line::from(spans)
}

/// A line on the worker when something stands out (`fast`, blocked), and one on the HIT's
/// agreement when it has two or more assignments loaded.
pub fn lines(state: &State, row: &Row) -> Vec<Line<'static>> {
    let a = &row.assignment;
    let mut lines = Vec::new();
    let workers = &state.views.workers;
    let fast = workers.get(&a.worker_id).filter(|w| w.fast);
    let blocked = workers.is_blocked(&a.worker_id);
    if fast.is_some() || blocked {
        let mut value = Vec::new();
        let flag = Style::default().add_modifier(Modifier::BOLD);
        if let Some(worker) = fast {
            let secs = |s: Option<i64>| s.map(duration).unwrap_or_else(|| "—".to_string());
            value.push(Span::styled("fast ", flag.fg(Color::Red)));
            value.push(Span::styled(
                format!(
                    "(median {} vs {} by others on the same {} HITs) ",
                    secs(worker.median_secs),
                    secs(worker.others_median_secs),
                    worker.comparable
                ),
                dim(),
            ));
        }
        if blocked {
            value.push(Span::styled("blocked", flag.fg(Color::Magenta)));
        }
        lines.push(fact("Worker flags", value));
    }
    let Some(agreement) = state
        .views
        .agreement(&a.hit_id)
        .filter(|agreement| agreement.has_figures())
    else {
        return lines;
    };
    let mean = agreement
        .mean_share()
        .map(|share| format!(", {:.0}% agree", share * 100.0))
        .unwrap_or_default();
    let context = Span::styled(
        format!("  ({} answers{mean})", agreement.columns.len()),
        dim(),
    );
    let value = match agreement.column_of(&a.id).map(|c| agreement.per_column[c]) {
        Some(figure) if figure.of > 0 => {
            let style = if figure.agrees_everywhere() {
                Style::default().fg(Color::Green)
            } else {
                Style::default().fg(Color::Yellow)
            };
            vec![
                Span::styled(
                    format!("majority on {} of {} questions", figure.agreed, figure.of),
                    style,
                ),
                context,
            ]
        }
        _ => vec![Span::styled("no question has a majority", dim()), context],
    };
    lines.push(fact("Agreement", value));
    lines
}
