//! Lays out an answer once, when its assignment is selected: the parsed fields as
//! readable lines, and the raw XML, both sanitized, tab-expanded and capped.
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::format::{expand_tabs, size};
use super::style::dim;
use crate::answer::{ParsedAnswer, Value};
use crate::sanitize::{sanitize, sanitize_inline};

/// At most this many lines are laid out for one view.
pub const MAX_LINES: usize = 5_000;
/// At most this many characters are laid out for one view.
pub const MAX_CHARS: usize = 200_000;

/// Collects lines until a cap is hit, then notes the truncation.
struct Lines {
    lines: Vec<Line<'static>>,
    chars: usize,
    truncated: bool,
}

impl Lines {
    fn new() -> Self {
        Lines {
            lines: Vec::new(),
            chars: 0,
            truncated: false,
        }
    }

    fn full(&self) -> bool {
        self.truncated || self.lines.len() >= MAX_LINES || self.chars >= MAX_CHARS
    }

    fn push(&mut self, line: Line<'static>) {
        if self.full() {
            self.truncated = true;
            return;
        }
        self.chars += line.width();
        self.lines.push(line);
    }

    /// Pushes multi-line text (already sanitized), indented, one Line per text line.
    fn push_text(&mut self, text: &str, indent: &'static str, style: Style) {
        for line in text.lines() {
            if self.full() {
                self.truncated = true;
                return;
            }
            let room = MAX_CHARS.saturating_sub(self.chars);
            let line: String = expand_tabs(line).chars().take(room).collect();
            self.push(Line::from(vec![
                Span::raw(indent),
                Span::styled(line, style),
            ]));
        }
    }

    fn finish(mut self, note: &str) -> Vec<Line<'static>> {
        if self.truncated {
            self.lines.push(Line::from(""));
            self.lines.push(Line::styled(
                note.to_string(),
                Style::default().fg(Color::Yellow),
            ));
        }
        self.lines
    }
}

/// The parsed answer, question by question, with the parser's note when there is one.
pub fn layout_answer(parsed: &ParsedAnswer, raw: &str) -> Vec<Line<'static>> {
    let mut out = Lines::new();
    if let Some(problem) = &parsed.problem {
        out.push(Line::styled(
            format!("⚠ {}", sanitize_inline(problem)),
            Style::default().fg(Color::Yellow),
        ));
        out.push(Line::from(""));
    }
    for field in &parsed.fields {
        out.push(Line::styled(
            sanitize_inline(&field.question_id).into_owned(),
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        ));
        match &field.value {
            Value::Text(text) if text.trim().is_empty() => {
                out.push(Line::styled("  (left blank)", dim()));
            }
            Value::Text(text) => out.push_text(&sanitize(text), "  ", Style::default()),
            Value::Json(json) => out.push_text(&sanitize(json), "  ", Style::default()),
            Value::Selection { selected, other } => {
                for choice in selected {
                    out.push(Line::from(format!("  • {}", sanitize_inline(choice))));
                }
                if let Some(other) = other {
                    out.push(Line::from(format!("  • other: {}", sanitize_inline(other))));
                }
            }
            Value::Upload { key, size_bytes } => {
                let size = size_bytes
                    .map(size)
                    .unwrap_or_else(|| "size unknown".into());
                out.push(Line::from(format!(
                    "  uploaded file {} ({size})",
                    sanitize_inline(key)
                )));
            }
            Value::Empty => out.push(Line::styled("  (no answer)", dim())),
        }
        out.push(Line::from(""));
    }
    if parsed.is_empty() && !raw.trim().is_empty() {
        out.push(Line::styled("What the document holds:", dim()));
        out.push_text(&sanitize(raw), "  ", dim());
    }
    out.finish("… truncated here; press v for the raw answer")
}

/// The raw answer document, sanitized and capped.
pub fn layout_raw(raw: &str) -> Vec<Line<'static>> {
    let mut out = Lines::new();
    if raw.is_empty() {
        out.push(Line::styled("(the answer document is empty)", dim()));
    }
    out.push_text(&sanitize(raw), "", Style::default());
    out.finish("… raw answer truncated here (too long to show whole)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::parse;

    fn text(lines: &[Line]) -> String {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn huge_answers_are_capped_with_a_note() {
        let body = "line\n".repeat(MAX_LINES * 2);
        let raw = format!(
            "<QuestionFormAnswers><Answer><QuestionIdentifier>q</QuestionIdentifier><FreeText>{body}</FreeText></Answer></QuestionFormAnswers>"
        );
        let lines = layout_answer(&parse(&raw), &raw);
        assert!(lines.len() <= MAX_LINES + 2);
        assert!(text(&lines).ends_with("press v for the raw answer"));
        let raw_lines = layout_raw(&body);
        assert!(raw_lines.len() <= MAX_LINES + 2);
        assert!(text(&raw_lines).contains("truncated"));
    }

    #[test]
    fn malformed_answers_show_what_is_there_and_a_note() {
        let raw = "<QuestionFormAnswers><Answer>\x1b[31mbroken";
        let shown = text(&layout_answer(&parse(raw), raw));
        assert!(shown.starts_with("⚠ "), "{shown}");
        assert!(shown.contains("broken"));
        assert!(!shown.contains('\x1b'), "escape is neutralised");
    }

    fn free_text(id: &str, text: &str) -> String {
        format!(
            "<Answer><QuestionIdentifier>{id}</QuestionIdentifier><FreeText>{text}</FreeText></Answer>"
        )
    }

    fn document(answers: &str) -> String {
        format!("<QuestionFormAnswers>{answers}</QuestionFormAnswers>")
    }

    #[test]
    fn ten_thousand_answers_are_capped() {
        let answers: String = (0..10_000)
            .map(|i| free_text(&format!("q{i}"), "yes"))
            .collect();
        let raw = document(&answers);
        let parsed = parse(&raw);
        assert_eq!(parsed.fields.len(), 10_000, "parsed whole, laid out capped");
        let lines = layout_answer(&parsed, &raw);
        assert!(lines.len() <= MAX_LINES + 2);
        assert!(text(&lines).ends_with("press v for the raw answer"));
    }

    #[test]
    fn a_hundred_thousand_character_line_is_capped_in_characters() {
        let line = "x".repeat(100_000);
        let raw = document(&free_text("essay", &line));
        let lines = layout_answer(&parse(&raw), &raw);
        let chars: usize = lines.iter().map(Line::width).sum();
        assert!(chars >= 100_000, "the line is there: {chars}");
        let twice = line.repeat(3);
        let raw = document(&free_text("essay", &twice));
        let lines = layout_answer(&parse(&raw), &raw);
        let chars: usize = lines.iter().map(Line::width).sum();
        assert!(chars <= MAX_CHARS + 100, "capped: {chars}");
        assert!(text(&lines).contains("truncated"));
    }

    #[test]
    fn a_five_megabyte_answer_is_parsed_and_capped() {
        let paragraph = "The quick brown fox jumps over the lazy dog. ".repeat(20) + "\n";
        let body = paragraph.repeat(5 * 1024 * 1024 / paragraph.len() + 1);
        let raw = document(&free_text("transcript", &body));
        assert!(raw.len() > 5 * 1024 * 1024);
        let lines = layout_answer(&parse(&raw), &raw);
        assert!(lines.len() <= MAX_LINES + 2);
        assert!(text(&lines).contains("truncated"));
        assert!(layout_raw(&raw).len() <= MAX_LINES + 2);
    }

    #[test]
    fn deep_nesting_neither_overflows_nor_hides_the_text() {
        let deep_xml = "<a>".repeat(100_000) + "bottom";
        let lines = layout_answer(&parse(&deep_xml), &deep_xml);
        assert!(
            text(&lines).starts_with("⚠ "),
            "a note says it is malformed"
        );

        let deep_json = "[".repeat(100_000) + "]".repeat(100_000).as_str();
        let raw = document(&free_text("taskAnswers", &deep_json));
        let shown = text(&layout_answer(&parse(&raw), &raw));
        assert!(
            shown.contains("[[[["),
            "shown as text when it cannot be parsed"
        );
    }

    #[test]
    fn tabs_become_spaces() {
        let raw = "a\tb";
        assert_eq!(text(&layout_raw(raw)), "a   b");
    }
}
