//! Feedback drafts, one per assignment, kept while the reviewer moves around and across
//! reloads: an editor for each, and its text as it would be sent.
use std::collections::HashMap;

use ratatui_textarea::{TextArea, WrapMode};

pub struct Drafts {
    drafts: HashMap<String, TextArea<'static>>,
    /// What an assignment without a draft shows.
    blank: TextArea<'static>,
}

impl Default for Drafts {
    fn default() -> Drafts {
        Drafts {
            drafts: HashMap::new(),
            blank: new_draft(),
        }
    }
}

fn new_draft() -> TextArea<'static> {
    let mut draft = TextArea::default();
    draft.set_wrap_mode(WrapMode::WordOrGlyph);
    draft.set_cursor_line_style(ratatui::style::Style::default());
    draft.set_placeholder_text("Feedback to the worker (required to reject)");
    draft
}

impl Drafts {
    /// The draft for an assignment (an empty one when nothing was typed yet).
    pub fn get(&self, assignment_id: &str) -> &TextArea<'static> {
        self.drafts.get(assignment_id).unwrap_or(&self.blank)
    }

    pub fn get_mut(&mut self, assignment_id: &str) -> &mut TextArea<'static> {
        self.drafts
            .entry(assignment_id.to_string())
            .or_insert_with(new_draft)
    }

    /// Replaces a draft, e.g. with the feedback of a decision restored from the journal.
    pub fn set_text(&mut self, assignment_id: &str, text: &str) {
        let mut draft = new_draft();
        draft.insert_str(text);
        self.drafts.insert(assignment_id.to_string(), draft);
    }

    /// The draft's text as it would be sent.
    pub fn text(&self, assignment_id: &str) -> String {
        self.get(assignment_id).lines().join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_assignment_has_its_own_draft() {
        let mut drafts = Drafts::default();
        assert_eq!(drafts.text("A"), "");
        drafts.get_mut("A").insert_str("first line\nsecond");
        drafts.set_text("B", "restored");
        assert_eq!(drafts.text("A"), "first line\nsecond");
        assert_eq!(drafts.text("B"), "restored");
        assert_eq!(drafts.text("C"), "");
    }
}
