//! The footer: the latest status message (or the filter being typed) and key hints for
//! the focused pane, taken from the keymap.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::console::keymap::hints;
use crate::console::state::{State, Tone};
use crate::console::style::dim;
use crate::sanitize::sanitize_inline;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let first = if state.filter_editing {
        Line::from(vec![
            Span::styled(" / ", Style::default().fg(Color::Black).bg(Color::Yellow)),
            Span::raw(format!(" {}", sanitize_inline(&state.filter))),
            Span::styled("▏", Style::default().fg(Color::Yellow)),
            Span::styled(
                format!("  {} match", state.selection.visible().len()),
                dim(),
            ),
        ])
    } else {
        match &state.status {
            Some(status) => {
                let style = match status.tone {
                    Tone::Info => Style::default(),
                    Tone::Success => Style::default().fg(Color::Green),
                    Tone::Error => Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
                };
                Line::styled(format!(" {}", sanitize_inline(&status.text)), style)
            }
            None => Line::styled(" Ready.", dim()),
        }
    };
    let key_style = Style::default()
        .fg(Color::Cyan)
        .add_modifier(Modifier::BOLD);
    let mut keys = vec![Span::raw(" ")];
    for (i, binding) in hints(state.context()).enumerate() {
        if i > 0 {
            keys.push(Span::styled(" · ", dim()));
        }
        keys.push(Span::styled(binding.keys_label(), key_style));
        let hint = binding.hint.unwrap_or(binding.description);
        keys.push(Span::styled(format!(" {hint}"), dim()));
    }
    frame.render_widget(Paragraph::new(vec![first, Line::from(keys)]), area);
}
