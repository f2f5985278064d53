//! Writing a QuestionFormAnswers document, as MTurk wrote the answers workers submitted: one
//! `<Answer>` per question, with `<FreeText>`, `<SelectionIdentifier>`s and
//! `<OtherSelectionText>`, or an uploaded file's size and key.

use quick_xml::escape::partial_escape;

/// The QuestionFormAnswers namespace.
pub const NAMESPACE: &str = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd";

/// A document being written, answer by answer.
pub struct AnswersWriter {
    out: String,
}

impl Default for AnswersWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl AnswersWriter {
    pub fn new() -> AnswersWriter {
        AnswersWriter {
            out: format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><QuestionFormAnswers xmlns="{NAMESPACE}">"#
            ),
        }
    }

    fn open(&mut self, question_id: &str) {
        self.out.push_str("<Answer><QuestionIdentifier>");
        self.out.push_str(&partial_escape(question_id));
        self.out.push_str("</QuestionIdentifier>");
    }

    fn element(&mut self, name: &str, text: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.out.push_str(&partial_escape(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    pub fn free_text(&mut self, question_id: &str, text: &str) {
        self.open(question_id);
        self.element("FreeText", text);
        self.out.push_str("</Answer>");
    }

    pub fn selections(&mut self, question_id: &str, chosen: &[&str], other: Option<&str>) {
        self.open(question_id);
        for choice in chosen {
            self.element("SelectionIdentifier", choice);
        }
        if let Some(other) = other {
            self.element("OtherSelectionText", other);
        }
        self.out.push_str("</Answer>");
    }

    pub fn upload(&mut self, question_id: &str, size_bytes: u64, key: &str) {
        self.open(question_id);
        self.element("UploadedFileSizeInBytes", &size_bytes.to_string());
        self.element("UploadedFileKey", key);
        self.out.push_str("</Answer>");
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</QuestionFormAnswers>");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{Value, parse};

    #[test]
    fn what_is_written_reads_back() {
        let mut w = AnswersWriter::new();
        w.free_text("comment", "Fish & <chips>");
        w.selections("colour", &["red", "blue"], Some("teal"));
        w.upload("photo", 1234, "K1");
        let xml = w.finish();
        assert!(xml.contains("<FreeText>Fish &amp; &lt;chips&gt;</FreeText>"));
        let parsed = parse(&xml);
        assert_eq!(parsed.problem, None);
        let values: Vec<(&str, &Value)> = parsed
            .fields
            .iter()
            .map(|f| (f.question_id.as_str(), &f.value))
            .collect();
        assert_eq!(
            values,
            [
                ("comment", &Value::Text("Fish & <chips>".into())),
                (
                    "colour",
                    &Value::Selection {
                        selected: vec!["red".into(), "blue".into()],
                        other: Some("teal".into())
                    }
                ),
                (
                    "photo",
                    &Value::Upload {
                        key: "K1".into(),
                        size_bytes: Some(1234)
                    }
                ),
            ]
        );
    }
}
