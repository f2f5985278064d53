//! The y/n questions: reject one assignment, approve all marked (with the cost), quit
//! while decisions are in flight; those about a worker are laid out by `worker_form`.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

use super::parts::modal;
use crate::console::format::{expand_tabs, short_id, wrap_words};
use crate::console::state::{Confirm, State};
use crate::console::style::dim;
use crate::money::format_cents;
use crate::sanitize::{sanitize, sanitize_inline};

/// At most this many lines of feedback or skipped items are quoted in a question.
const QUOTE_LINES: usize = 6;
/// Width of the question box.
const WIDTH: u16 = 64;

pub fn answer_keys(yes: &'static str, no: &'static str) -> Line<'static> {
    let key = Style::default()
        .fg(Color::Cyan)
        .add_modifier(Modifier::BOLD);
    Line::from(vec![
        Span::styled("y", key),
        Span::raw(format!(" {yes}    ")),
        Span::styled("n", key),
        Span::raw(format!(" {no}")),
    ])
}

pub fn render(state: &State, question: &Confirm, frame: &mut Frame, area: Rect) {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let (title, lines) = match question {
        Confirm::Reject(decision) => {
            let worker = state
                .table
                .row_by_id(&decision.assignment_id)
                .map(|row| sanitize_inline(&row.assignment.worker_id).into_owned())
                .unwrap_or_default();
            let mut lines = vec![
                Line::from(vec![
                    Span::raw("Reject assignment "),
                    Span::styled(short_id(&decision.assignment_id), bold),
                    Span::raw(" by worker "),
                    Span::styled(worker, bold),
                    Span::raw("?"),
                ]),
                Line::styled("The worker is not paid and sees this feedback:", dim()),
            ];
            let feedback = decision.feedback.as_deref().unwrap_or_default();
            let quoted = wrap_words(&expand_tabs(&sanitize(feedback)), usize::from(WIDTH) - 8);
            for line in quoted.iter().take(QUOTE_LINES) {
                lines.push(Line::styled(
                    format!("  │ {line}"),
                    Style::default().add_modifier(Modifier::ITALIC),
                ));
            }
            if quoted.len() > QUOTE_LINES {
                lines.push(Line::styled("  │ …", dim()));
            }
            lines.push(Line::from(""));
            lines.push(answer_keys("reject", "cancel"));
            (" Reject? ", lines)
        }
        Confirm::ApproveMarked {
            decisions,
            total_cents,
            unpriced,
            skipped,
            typed,
        } => {
            let mut lines = vec![
                Line::from(vec![
                    Span::raw("Approve "),
                    Span::styled(decisions.len().to_string(), bold),
                    Span::raw(" marked assignment(s)?"),
                ]),
                Line::from(vec![
                    Span::raw("Total cost with MTurk fees: "),
                    Span::styled(format!("${}", format_cents(*total_cents)), bold),
                ]),
            ];
            if *unpriced > 0 {
                lines.push(Line::styled(
                    format!("plus {unpriced} whose HIT reward is not loaded"),
                    Style::default().fg(Color::Yellow),
                ));
            }
            if !skipped.is_empty() {
                lines.push(Line::styled(
                    format!("{} marked will not be approved:", skipped.len()),
                    Style::default().fg(Color::Yellow),
                ));
                for reason in skipped.iter().take(QUOTE_LINES) {
                    lines.push(Line::styled(format!("  {reason}"), dim()));
                }
            }
            lines.push(Line::from(""));
            match typed {
                None => lines.push(answer_keys("approve all", "cancel")),
                Some(typed) => {
                    lines.push(Line::styled(
                        format!(
                            "PRODUCTION: real money. Type {} and press Enter; Esc cancels.",
                            decisions.len()
                        ),
                        Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
                    ));
                    lines.push(Line::from(vec![
                        Span::raw("> "),
                        Span::styled(typed.clone(), bold),
                        Span::raw("▏"),
                    ]));
                }
            }
            (" Approve marked? ", lines)
        }
        Confirm::Worker(question) => super::worker_form::question(state, question),
        Confirm::Quit { in_flight } => (
            " Quit? ",
            vec![
                Line::from(format!("{in_flight} decision(s) are still being sent.")),
                Line::from(""),
                answer_keys("quit when they are done", "stay"),
                Line::styled(
                    "Ctrl-C quits now; the journal keeps them for the next start.",
                    dim(),
                ),
            ],
        ),
    };
    modal(frame, area, question_block(title), lines, WIDTH);
}

/// The frame of a question (and of the forms that lead to one).
pub fn question_block(title: &str) -> Block<'_> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(Color::Yellow))
        .title(Span::styled(
            title,
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ))
}
