//! The console's shared text styles, for the panes and for the answer laid out ahead of
//! them: one "dim" for everything secondary, one for field labels.
use ratatui::style::{Color, Modifier, Style};

/// Secondary text: hints, separators, notes, settled rows. Inlined: most spans of every
/// frame ask for it, and the benchmark's draw is a few percent slower when it is called.
#[inline]
pub fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

/// Field names and headings.
#[inline]
pub fn label() -> Style {
    Style::default()
        .fg(Color::Gray)
        .add_modifier(Modifier::BOLD)
}
