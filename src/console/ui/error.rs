//! The error box shown when loading failed, until a key dismisses it.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType};

use super::parts::modal;
use crate::console::format::{expand_tabs, wrap_words};
use crate::console::style::dim;
use crate::sanitize::sanitize;

/// Width of the box; the text wraps inside it.
const WIDTH: u16 = 70;

pub fn render(text: &str, frame: &mut Frame, area: Rect) {
    let text = expand_tabs(&sanitize(text));
    let mut lines: Vec<Line> = wrap_words(&text, usize::from(WIDTH - 4))
        .into_iter()
        .map(|line| Line::from(format!(" {line}")))
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::styled(" Press any key to dismiss; R reloads.", dim()));
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(Style::default().fg(Color::Red))
        .title(Line::styled(
            " Loading failed ",
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    modal(frame, area, block, lines, WIDTH);
}
