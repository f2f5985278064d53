//! The detail pane: the selected assignment's facts, then its answer (or raw XML), scrolled.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::figures;
use super::parts::{pane, spinner};
use crate::clock::DAY_SECS;
use crate::console::format::{age, describe_decision, duration, utc};
use crate::console::review::override_closes;
use crate::console::rows::Row;
use crate::console::selection::Viewport;
use crate::console::state::{Focus, State};
use crate::console::style::{dim, label};
use crate::mturk::domain::{AssignmentStatus, DecisionState};
use crate::sanitize::sanitize_inline;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let view = match &state.detail {
        _ if state.raw_view => "raw answer".to_string(),
        Some(detail) if !detail.parsed.is_empty() => {
            format!("answer, {} field(s)", detail.parsed.fields.len())
        }
        _ => "answer".to_string(),
    };
    let block = pane(
        format!(" Assignment · {view} "),
        state.focus == Focus::Answer,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(row) = state.selected_row() else {
        frame.render_widget(
            Paragraph::new(Line::styled("No assignment selected.", dim())),
            inner,
        );
        return;
    };

    let mut lines = facts(state, row);
    lines.extend(figures::lines(state, row));
    let (body, toggle) = match &state.detail {
        Some(detail) if state.raw_view => (detail.raw_lines.as_slice(), "v: readable answer"),
        Some(detail) => (detail.answer_lines.as_slice(), "v: raw XML"),
        None => (&[][..], ""),
    };
    let heading = format!(
        "── {} ",
        if state.raw_view {
            "Raw answer"
        } else {
            "Answer"
        }
    );
    let toggle = format!("({toggle}) ");
    let rule =
        usize::from(inner.width).saturating_sub(heading.chars().count() + toggle.chars().count());
    lines.push(Line::from(vec![
        Span::styled(heading, label()),
        Span::styled(toggle, dim()),
        Span::styled("─".repeat(rule), dim()),
    ]));

    // Scroll by whole lines and hand over only what can be on screen.
    let height = usize::from(inner.height);
    state.selection.set_viewport(Viewport {
        detail_rows: height.saturating_sub(1),
        ..state.selection.viewport()
    });
    let total = lines.len() + body.len();
    let scroll = state.detail_scroll.min(total.saturating_sub(1));
    let shown: Vec<Line> = lines
        .into_iter()
        .chain(body.iter().cloned())
        .skip(scroll)
        .take(height)
        .collect();
    frame.render_widget(Paragraph::new(shown).wrap(Wrap { trim: false }), inner);
}

fn fact(name: &'static str, value: Vec<Span<'static>>) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{name:<13}"), label())];
    spans.extend(value);
    Line::from(spans)
}

/// Ids, worker, HIT, times, previous feedback and this session's decision.
fn facts(state: &State, row: &Row) -> Vec<Line<'static>> {
    let a = &row.assignment;
    let now = state.now;
    let mut lines = vec![
        fact(
            "Assignment",
            vec![
                Span::raw(sanitize_inline(&a.id).into_owned()),
                Span::styled(
                    format!("  {}", a.status.as_str()),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
            ],
        ),
        fact(
            "Worker",
            vec![Span::raw(sanitize_inline(&a.worker_id).into_owned())],
        ),
    ];
    match state.hit_of(row) {
        Some(hit) => {
            lines.push(fact(
                "HIT",
                vec![Span::raw(sanitize_inline(&hit.title).into_owned())],
            ));
            lines.push(fact(
                "HIT id",
                vec![
                    Span::raw(sanitize_inline(&hit.id).into_owned()),
                    Span::styled(
                        format!(
                            "  ${} × {} · {}",
                            sanitize_inline(&hit.reward),
                            hit.max_assignments,
                            sanitize_inline(&hit.status)
                        ),
                        dim(),
                    ),
                ],
            ));
        }
        None => lines.push(fact(
            "HIT",
            vec![Span::styled(
                format!("{} (not loaded)", sanitize_inline(&a.hit_id)),
                dim(),
            )],
        )),
    }
    let when = |t: Option<i64>| t.map(utc).unwrap_or_else(|| "—".to_string());
    lines.push(fact("Accepted", vec![Span::raw(when(a.accept_time))]));
    let mut submitted = vec![Span::raw(when(a.submit_time))];
    if let Some(submit) = a.submit_time {
        let took = a
            .accept_time
            .map(|accept| format!("took {}, ", duration(submit - accept)))
            .unwrap_or_default();
        submitted.push(Span::styled(
            format!("  ({took}{})", age(now, submit)),
            dim(),
        ));
    }
    lines.push(fact("Submitted", submitted));
    match a.status {
        AssignmentStatus::Submitted => {
            let mut value = vec![Span::raw(when(a.auto_approval_time))];
            if let Some(t) = a.auto_approval_time {
                let left = t - now;
                let style = if left < DAY_SECS {
                    Style::default().fg(Color::Yellow)
                } else {
                    dim()
                };
                value.push(Span::styled(format!("  (in {})", duration(left)), style));
            }
            lines.push(fact("Auto-approve", value));
        }
        AssignmentStatus::Rejected => {
            let closes = override_closes(row);
            let mut value = vec![Span::raw(when(closes))];
            value.push(match state.review().override_block(row) {
                Some(reason) => {
                    Span::styled(format!("  ({reason})"), Style::default().fg(Color::Red))
                }
                None => Span::styled(
                    format!("  (open, {} left)", duration(closes.unwrap_or(now) - now)),
                    dim(),
                ),
            });
            lines.push(fact("Override by", value));
        }
        AssignmentStatus::Approved => {
            lines.push(fact("Approved", vec![Span::raw(when(a.approval_time))]));
        }
    }
    if let Some(feedback) = a.requester_feedback.as_deref().filter(|f| !f.is_empty()) {
        lines.push(fact(
            "Feedback",
            vec![Span::styled(
                format!("“{}”", sanitize_inline(feedback)),
                Style::default().add_modifier(Modifier::ITALIC),
            )],
        ));
    }
    if let Some(note) = &a.policy_note {
        lines.push(fact(
            "Policy",
            vec![Span::styled(
                sanitize_inline(note).into_owned(),
                Style::default().fg(Color::Magenta),
            )],
        ));
    }
    if let Some(decision) = state.decisions.get(&a.id) {
        let span = match decision {
            DecisionState::Queued => Span::styled("queued", Style::default().fg(Color::Cyan)),
            DecisionState::Sending => Span::styled(
                format!("{} sending", spinner(state)),
                Style::default().fg(Color::Cyan),
            ),
            DecisionState::Retrying { attempt, reason } => Span::styled(
                format!(
                    "{} retrying (attempt {} failed: {})",
                    spinner(state),
                    attempt,
                    sanitize_inline(reason)
                ),
                Style::default().fg(Color::Yellow),
            ),
            DecisionState::Pending(decision) => Span::styled(
                format!(
                    "pending from an earlier session: {} (P sends every pending decision)",
                    describe_decision(decision)
                ),
                Style::default().fg(Color::Yellow),
            ),
            DecisionState::Done(done) => Span::styled(
                format!("done: {}", done.status.as_str().to_lowercase()),
                Style::default().fg(Color::Green),
            ),
            DecisionState::Failed(error) => Span::styled(
                format!("failed: {} (a/r retries)", sanitize_inline(error)),
                Style::default().fg(Color::Red),
            ),
        };
        lines.push(fact("Decision", vec![span]));
    }
    lines
}
