//! The bonus, block and message forms, and the questions they lead to (bonus with its cost
//! and the balance, block, unblock, message).
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::parts::modal;
use crate::console::format::{expand_tabs, short_id, wrap_words};
use crate::console::state::State;
use crate::console::style::{dim, label};
use crate::console::worker_actions::{FormKind, WorkerForm, WorkerQuestion};
use crate::journal::BonusEntry;
use crate::money::{format_cents, parse_cents};
use crate::mturk::worker_actions::WorkerAction;
use crate::sanitize::{sanitize, sanitize_inline};

/// Width of the form and question boxes.
pub const WIDTH: u16 = 64;
/// At most this many lines of a message are quoted in its question.
const QUOTE_LINES: usize = 6;

fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// The balance line of a bonus, in red when the cost is more than what is available.
fn balance_line(state: &State, cost_cents: Option<i64>) -> Line<'static> {
    match &state.balance {
        Some(Ok(balance)) => {
            let short = parse_cents(balance)
                .zip(cost_cents)
                .is_some_and(|(available, cost)| cost > available);
            let style = if short {
                Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            let mut spans = vec![
                Span::styled("Balance: ", label()),
                Span::styled(format!("${}", sanitize_inline(balance)), style),
            ];
            if short {
                spans.push(Span::styled("  (not enough: MTurk will refuse)", style));
            }
            Line::from(spans)
        }
        Some(Err(_)) => Line::styled("Balance: unavailable", dim()),
        None => Line::styled("Balance: …", dim()),
    }
}

pub fn render_form(state: &State, form: &WorkerForm, frame: &mut Frame, area: Rect) {
    let who = sanitize_inline(&form.worker_id).into_owned();
    let mut lines = vec![match &form.kind {
        FormKind::Bonus { assignment_id } => Line::from(vec![
            Span::raw("Bonus worker "),
            Span::styled(who, bold()),
            Span::raw(" for assignment "),
            Span::styled(short_id(assignment_id), bold()),
        ]),
        FormKind::Block => Line::from(vec![
            Span::raw("Block worker "),
            Span::styled(who, bold()),
            Span::raw(" from your HITs"),
        ]),
        FormKind::Notify => Line::from(vec![
            Span::raw("Email worker "),
            Span::styled(who, bold()),
            Span::raw(" through MTurk"),
        ]),
    }];
    lines.push(Line::from(""));
    let field_width = usize::from(WIDTH) - 16;
    for (i, (name, text)) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        // The end of a long text, so that what is typed stays in sight.
        let chars: Vec<char> = sanitize_inline(text).chars().collect();
        let shown: String = chars[chars.len().saturating_sub(field_width)..]
            .iter()
            .collect();
        let style = if focused {
            Style::default().bg(Color::Indexed(237))
        } else {
            Style::default()
        };
        let mut spans = vec![
            Span::styled(format!("{:>9} ", name), label()),
            Span::styled(shown, style),
        ];
        if focused {
            spans.push(Span::styled("▏", Style::default().fg(Color::Yellow)));
        }
        lines.push(Line::from(spans));
    }
    if let FormKind::Bonus { .. } = form.kind {
        lines.push(Line::from(""));
        let cost = parse_cents(
            form.fields
                .first()
                .map_or("", |(_, t)| t.trim().trim_start_matches('$')),
        )
        .and_then(crate::money::bonus_cost_cents);
        lines.push(match cost {
            Some(cost) => Line::from(vec![
                Span::styled("Cost with MTurk's 20% fee: ", label()),
                Span::styled(format!("${}", format_cents(cost)), bold()),
            ]),
            None => Line::styled("Cost with MTurk's 20% fee: (type an amount)", dim()),
        });
        lines.push(balance_line(state, cost));
        lines.push(Line::styled("The worker sees the reason.", dim()));
    }
    if let FormKind::Block = form.kind {
        lines.push(Line::styled(
            "The reason is for your records; the worker does not see it.",
            dim(),
        ));
    }
    if let Some(problem) = &form.problem {
        lines.push(Line::from(""));
        lines.push(Line::styled(
            sanitize_inline(problem).into_owned(),
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "Tab next field · Enter asks · Esc cancels",
        dim(),
    ));
    modal(
        frame,
        area,
        super::confirm::question_block(form.title()),
        lines,
        WIDTH,
    );
}

/// The question's title and lines, for the y/n box.
pub fn question(state: &State, question: &WorkerQuestion) -> (&'static str, Vec<Line<'static>>) {
    let who = sanitize_inline(question.action.worker_id()).into_owned();
    let mut lines = Vec::new();
    let title = match &question.action {
        WorkerAction::Bonus(bonus) | WorkerAction::ResendBonus(BonusEntry { bonus, .. }) => {
            lines.push(Line::from(vec![
                Span::raw("Pay worker "),
                Span::styled(who, bold()),
                Span::raw(" a bonus of "),
                Span::styled(format!("${}", format_cents(bonus.amount_cents)), bold()),
                Span::raw("?"),
            ]));
            lines.push(Line::from(vec![
                Span::styled("Cost with MTurk's 20% fee: ", label()),
                Span::styled(
                    format!(
                        "${}",
                        question.cost_cents.map(format_cents).unwrap_or_default()
                    ),
                    bold(),
                ),
            ]));
            lines.push(balance_line(state, question.cost_cents));
            lines.push(Line::styled("The worker sees this reason:", dim()));
            lines.push(Line::styled(
                format!("  │ {}", sanitize_inline(&bonus.reason)),
                Style::default().add_modifier(Modifier::ITALIC),
            ));
            " Bonus? "
        }
        WorkerAction::Block { reason, .. } => {
            lines.push(Line::from(vec![
                Span::raw("Block worker "),
                Span::styled(who, bold()),
                Span::raw(" from all your HITs?"),
            ]));
            lines.push(Line::styled(
                format!("Reason (not shown to them): {}", sanitize_inline(reason)),
                dim(),
            ));
            " Block? "
        }
        WorkerAction::Unblock { .. } => {
            lines.push(Line::from(vec![
                Span::raw("Worker "),
                Span::styled(who, bold()),
                Span::raw(" is blocked. Unblock them?"),
            ]));
            " Unblock? "
        }
        WorkerAction::Notify { subject, text, .. } => {
            lines.push(Line::from(vec![
                Span::raw("Email worker "),
                Span::styled(who, bold()),
                Span::raw("?"),
            ]));
            lines.push(Line::from(vec![
                Span::styled("Subject: ", label()),
                Span::raw(sanitize_inline(subject).into_owned()),
            ]));
            let quoted = wrap_words(&expand_tabs(&sanitize(text)), usize::from(WIDTH) - 8);
            for line in quoted.iter().take(QUOTE_LINES) {
                lines.push(Line::styled(
                    format!("  │ {line}"),
                    Style::default().add_modifier(Modifier::ITALIC),
                ));
            }
            if quoted.len() > QUOTE_LINES {
                lines.push(Line::styled("  │ …", dim()));
            }
            " Message? "
        }
    };
    lines.push(Line::from(""));
    match (&question.typed, question.action.bonus()) {
        (Some(typed), Some(bonus)) => {
            lines.push(Line::styled(
                format!(
                    "PRODUCTION: real money. Type {} and press Enter; Esc cancels.",
                    format_cents(bonus.amount_cents)
                ),
                Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            ));
            lines.push(Line::from(vec![
                Span::raw("> "),
                Span::styled(typed.clone(), bold()),
                Span::raw("▏"),
            ]));
        }
        _ => lines.push(super::confirm::answer_keys("yes", "cancel")),
    }
    (title, lines)
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use crate::console::templates::Templates;
    use crate::console::test_support::*;
    use crate::console::update::update;
    use crate::mturk::client::Endpoint;

    #[test]
    fn bonus_form_with_a_bad_amount() {
        let mut state = crowd_selected();
        update(&mut state, key('b'));
        press(&mut state, "1,5");
        update(&mut state, code(KeyCode::Tab));
        press(&mut state, "Careful work");
        update(&mut state, code(KeyCode::Enter));
        insta::assert_snapshot!(draw(&state, 120, 36).backend());
    }

    #[test]
    fn production_bonus_question_with_cost_and_balance() {
        let mut state = crowd_selected();
        state.endpoint = Endpoint::Production;
        update(&mut state, key('b'));
        press(&mut state, "2.50");
        update(&mut state, code(KeyCode::Tab));
        press(&mut state, "Careful work");
        update(&mut state, code(KeyCode::Enter));
        press(&mut state, "2.5");
        insta::assert_snapshot!(draw(&state, 120, 36).backend());
    }

    #[test]
    fn templates_list() {
        let mut state = crowd_selected();
        let nowhere = std::env::temp_dir().join("mturk-review-no-such-dir/templates.toml");
        state.templates = Templates::load(Some(nowhere));
        update(&mut state, key('t'));
        update(&mut state, key('j'));
        insta::assert_snapshot!(draw(&state, 120, 36).backend());
    }
}
