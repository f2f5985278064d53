//! Owns turning an MTurk `Assignment.Answer` document (QuestionFormAnswers
//! XML, typed by strangers) into a typed [`ParsedAnswer`]. Never panics:
//! anything odd becomes a short note in [`ParsedAnswer::problem`].
//!
//! The text kept here is exactly what the worker sent (control characters
//! included); making it safe for the terminal is `crate::sanitize`'s job.

mod json;
#[cfg(test)]
mod tests;
pub mod write;

pub use json::compact_json;

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, Event};

/// The answer of one assignment, one field per question, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAnswer {
    pub fields: Vec<Field>,
    /// A short human note when something is off with the document.
    pub problem: Option<String>,
}

impl ParsedAnswer {
    /// True when there are no fields at all.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub question_id: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// FreeText that is not JSON.
    Text(String),
    /// FreeText holding a JSON object/array, pretty-printed (2-space indent).
    Json(String),
    Selection {
        selected: Vec<String>,
        other: Option<String>,
    },
    Upload {
        key: String,
        size_bytes: Option<u64>,
    },
    /// Answer with a QuestionIdentifier but no value.
    Empty,
}

/// Parses an Answer document. Fields read before a fatal XML error are kept.
/// `Answer` elements are read from the root's children even when the root
/// has an unexpected name (which is noted as a problem).
pub fn parse(raw: &str) -> ParsedAnswer {
    if raw.trim().is_empty() {
        return ParsedAnswer {
            fields: Vec::new(),
            problem: Some("no answer document".to_string()),
        };
    }
    let mut walk = Walk::default();
    walk.run(raw);
    ParsedAnswer {
        fields: walk.fields,
        problem: walk.problems.finish(),
    }
}

/// Element depths of the QuestionFormAnswers schema.
const ROOT_DEPTH: usize = 1;
const ANSWER_DEPTH: usize = 2;
const PART_DEPTH: usize = 3;

/// Longest problem note, in characters.
const MAX_NOTE_CHARS: usize = 200;
/// Distinct notes kept; later ones are only counted.
const MAX_NOTES: usize = 3;

/// The child of `Answer` whose text is being collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    QuestionId,
    FreeText,
    Selection,
    OtherText,
    UploadSize,
    UploadKey,
}

impl Part {
    fn from_name(name: &[u8]) -> Option<Part> {
        match name {
            b"QuestionIdentifier" => Some(Part::QuestionId),
            b"FreeText" => Some(Part::FreeText),
            b"SelectionIdentifier" => Some(Part::Selection),
            b"OtherSelectionText" => Some(Part::OtherText),
            b"UploadedFileSizeInBytes" => Some(Part::UploadSize),
            b"UploadedFileKey" => Some(Part::UploadKey),
            _ => None,
        }
    }
}

/// What one `Answer` element has shown so far.
#[derive(Debug, Default)]
struct PendingAnswer {
    question_id: Option<String>,
    free_text: Option<String>,
    selected: Vec<String>,
    other: Option<String>,
    upload_key: Option<String>,
    upload_size: Option<String>,
}

impl PendingAnswer {
    fn add(&mut self, part: Part, text: String) {
        match part {
            Part::QuestionId => {
                if self.question_id.is_none() {
                    self.question_id = Some(text.trim().to_string());
                }
            }
            Part::FreeText => append_joined(&mut self.free_text, text),
            Part::Selection => self.selected.push(text.trim().to_string()),
            Part::OtherText => append_joined(&mut self.other, text),
            Part::UploadSize => self.upload_size = Some(text.trim().to_string()),
            Part::UploadKey => self.upload_key = Some(text.trim().to_string()),
        }
    }

    fn into_field(self, problems: &mut Problems) -> Field {
        let question_id = self.question_id.unwrap_or_else(|| {
            problems.note("an answer has no QuestionIdentifier".to_string());
            String::new()
        });
        let value = if let Some(text) = self.free_text {
            match json::pretty_if_json(&text) {
                Some(pretty) => Value::Json(pretty),
                None => Value::Text(text),
            }
        } else if !self.selected.is_empty() || self.other.is_some() {
            Value::Selection {
                selected: self.selected,
                other: self.other,
            }
        } else if self.upload_key.is_some() || self.upload_size.is_some() {
            let size_bytes = self.upload_size.and_then(|s| {
                let size = s.parse::<u64>().ok();
                if size.is_none() {
                    problems.note(format!("upload size of {question_id} is not a number: {s}"));
                }
                size
            });
            Value::Upload {
                key: self.upload_key.unwrap_or_default(),
                size_bytes,
            }
        } else {
            Value::Empty
        };
        Field { question_id, value }
    }
}

/// Repeated parts (two FreeTexts in one Answer) are joined by a newline.
fn append_joined(slot: &mut Option<String>, text: String) {
    match slot {
        Some(existing) => {
            existing.push('\n');
            existing.push_str(&text);
        }
        None => *slot = Some(text),
    }
}

/// Collected problem notes: a fatal one (the parse stopped) comes first.
#[derive(Debug, Default)]
struct Problems {
    fatal: Option<String>,
    notes: Vec<String>,
    more: usize,
}

impl Problems {
    fn note(&mut self, note: String) {
        let note = shorten(&note);
        if self.notes.contains(&note) {
            return;
        }
        if self.notes.len() < MAX_NOTES {
            self.notes.push(note);
        } else {
            self.more += 1;
        }
    }

    fn fatal(&mut self, note: String) {
        self.fatal = Some(shorten(&note));
    }

    fn finish(self) -> Option<String> {
        let mut all: Vec<String> = self.fatal.into_iter().chain(self.notes).collect();
        if self.more > 0 {
            all.push(format!("and {} more", self.more));
        }
        (!all.is_empty()).then(|| all.join("; "))
    }
}

/// Cuts a note to [`MAX_NOTE_CHARS`] characters.
fn shorten(note: &str) -> String {
    match note.char_indices().nth(MAX_NOTE_CHARS) {
        Some((cut, _)) => format!("{}…", &note[..cut]),
        None => note.to_string(),
    }
}

/// State of the iterative walk over quick-xml's events.
#[derive(Debug, Default)]
struct Walk {
    fields: Vec<Field>,
    problems: Problems,
    /// Number of currently open elements.
    depth: usize,
    saw_root: bool,
    answer: Option<PendingAnswer>,
    /// The part being read, with its text so far (only at [`PART_DEPTH`]).
    part: Option<(Part, String)>,
}

impl Walk {
    fn run(&mut self, raw: &str) {
        let mut reader = Reader::from_str(raw);
        reader.config_mut().allow_dangling_amp = true;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => self.open(e.local_name().as_ref()),
                Ok(Event::Empty(e)) => {
                    self.open(e.local_name().as_ref());
                    self.close();
                }
                Ok(Event::End(_)) => self.close(),
                Ok(Event::Text(t)) => {
                    if let Some((_, text)) = self.reading() {
                        match t.xml10_content() {
                            Ok(content) => text.push_str(&content),
                            Err(_) => text.push_str(&String::from_utf8_lossy(&t)),
                        }
                        if t.starts_with(b"&") {
                            self.problems.note("stray '&' kept as text".to_string());
                        }
                    }
                }
                Ok(Event::CData(c)) => {
                    if let Some((_, text)) = self.reading() {
                        text.push_str(&String::from_utf8_lossy(&c));
                    }
                }
                Ok(Event::GeneralRef(r)) => self.reference(&r),
                Ok(Event::Eof) => {
                    self.end_of_input();
                    break;
                }
                Ok(_) => {} // declarations, comments, processing instructions, doctype
                Err(e) => {
                    self.problems.fatal(format!(
                        "answer is not well-formed XML: {e} (at byte {})",
                        reader.error_position()
                    ));
                    break;
                }
            }
        }
    }

    /// The part whose text is being read, if the walk is directly inside one.
    fn reading(&mut self) -> Option<&mut (Part, String)> {
        if self.depth == PART_DEPTH {
            self.part.as_mut()
        } else {
            None
        }
    }

    fn open(&mut self, name: &[u8]) {
        self.depth += 1;
        match self.depth {
            ROOT_DEPTH => {
                if self.saw_root {
                    self.problems.note("more than one root element".to_string());
                } else if name != b"QuestionFormAnswers" {
                    self.problems.note(format!(
                        "unexpected root element <{}>",
                        String::from_utf8_lossy(name)
                    ));
                }
                self.saw_root = true;
            }
            ANSWER_DEPTH if name == b"Answer" => self.answer = Some(PendingAnswer::default()),
            PART_DEPTH if self.answer.is_some() => {
                self.part = Part::from_name(name).map(|part| (part, String::new()));
            }
            _ => {}
        }
    }

    fn close(&mut self) {
        match self.depth {
            PART_DEPTH => {
                if let (Some(answer), Some((part, text))) = (self.answer.as_mut(), self.part.take())
                {
                    answer.add(part, text);
                }
            }
            ANSWER_DEPTH => {
                if let Some(answer) = self.answer.take() {
                    let field = answer.into_field(&mut self.problems);
                    self.fields.push(field);
                }
            }
            _ => {}
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// `&name;` or `&#n;`: resolved when valid, otherwise kept as written.
    fn reference(&mut self, r: &BytesRef<'_>) {
        let Some((_, text)) = self.reading() else {
            return;
        };
        let name = String::from_utf8_lossy(r);
        let resolved = match r.resolve_char_ref() {
            Ok(Some(c)) => Some(c.to_string()),
            Ok(None) => resolve_predefined_entity(&name).map(str::to_string),
            Err(_) => None,
        };
        match resolved {
            Some(s) => text.push_str(&s),
            None => {
                text.push('&');
                text.push_str(&name);
                text.push(';');
                self.problems
                    .note(format!("invalid entity &{name}; kept as text"));
            }
        }
    }

    fn end_of_input(&mut self) {
        if self.depth > 0 {
            self.problems.fatal(format!(
                "answer is not well-formed XML: input ended with {} element(s) still open",
                self.depth
            ));
        } else if !self.saw_root {
            self.problems
                .fatal("answer is not well-formed XML: no root element".to_string());
        }
    }
}
