//! The title bar: where the console is connected, the balance, counts and loading progress.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::parts::spinner;
use crate::console::state::State;
use crate::console::style::dim;
use crate::mturk::client::Endpoint;
use crate::sanitize::sanitize_inline;

fn badge(endpoint: &Endpoint) -> Span<'static> {
    let (text, style) = match endpoint {
        Endpoint::Demo(_) => (
            " DEMO ".to_string(),
            Style::default().fg(Color::Black).bg(Color::Cyan),
        ),
        Endpoint::Custom(url) => (
            format!(" LOCAL {} ", sanitize_inline(url)),
            Style::default().fg(Color::Black).bg(Color::Blue),
        ),
        Endpoint::Sandbox => (
            " SANDBOX ".to_string(),
            Style::default().fg(Color::Black).bg(Color::Yellow),
        ),
        Endpoint::Production => (
            " PRODUCTION ".to_string(),
            Style::default().fg(Color::White).bg(Color::Red),
        ),
    };
    Span::styled(text, style.add_modifier(Modifier::BOLD))
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let bar = Style::default().bg(Color::Indexed(236));
    let mut title = vec![
        Span::styled(
            " mturk-review ",
            Style::default().add_modifier(Modifier::BOLD),
        ),
        badge(&state.endpoint),
        Span::raw("  "),
    ];
    match &state.balance {
        None => title.push(Span::styled("balance …", dim())),
        Some(Ok(amount)) => {
            title.push(Span::raw("balance "));
            title.push(Span::styled(
                format!("${}", sanitize_inline(amount)),
                Style::default().add_modifier(Modifier::BOLD),
            ));
        }
        Some(Err(error)) => title.push(Span::styled(
            format!("balance unavailable: {}", sanitize_inline(error)),
            Style::default().fg(Color::Red),
        )),
    }
    if let Some(progress) = state.loading.progress() {
        let text = if progress.hits_total == 0 {
            format!("   {} loading…", spinner(state))
        } else {
            format!(
                "   {} loading HITs {}/{}",
                spinner(state),
                progress.hits_done,
                progress.hits_total
            )
        };
        title.push(Span::styled(text, Style::default().fg(Color::Cyan)));
    } else if !state.loading.failed() {
        title.push(Span::styled(
            "   ✓ all loaded",
            Style::default().fg(Color::Green),
        ));
    }

    let counts = state.counts();
    let number = Style::default().add_modifier(Modifier::BOLD);
    let mut line2 = vec![Span::raw(" ")];
    for (i, (name, value)) in [
        ("to review", counts.to_review),
        ("submitted", counts.submitted),
        ("rejected", counts.rejected),
        ("decided this session", counts.decided),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            line2.push(Span::styled(" · ", dim()));
        }
        line2.push(Span::styled(value.to_string(), number));
        line2.push(Span::raw(format!(" {name}")));
    }
    if counts.pending > 0 {
        line2.push(Span::styled(" · ", dim()));
        line2.push(Span::styled(
            format!(
                "{} pending from the last session (P re-sends)",
                counts.pending
            ),
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ));
    }
    let lines = vec![Line::from(title).style(bar), Line::from(line2)];
    frame.render_widget(Paragraph::new(lines), area);
}
