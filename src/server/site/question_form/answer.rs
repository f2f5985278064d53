//! The server's own check of a submitted QuestionForm (the browser's is only a courtesy), and
//! the QuestionFormAnswers document MTurk would have recorded for it.

use std::sync::LazyLock;

use quick_xml::escape::escape;

use super::messages;
use super::model::{AnswerSpec, FileUpload, Question, QuestionForm, Selection, TextConstraints};
use super::{answer_field, other_field};

const NAMESPACE: &str = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd";

/// What counts as a number for IsNumeric: decimal, optional sign, fraction and exponent (what
/// an `<input type=number>` sends; question-form.js uses the same expression).
static NUMBER: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$").ok()
});

/// One submitted form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// One submitted file part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub field: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// Browsers send an empty, nameless part for a file input left empty.
    fn is_empty(&self) -> bool {
        self.bytes.is_empty() && self.file_name.as_deref().is_none_or(str::is_empty)
    }
}

/// An accepted submission: the answer document and the files to store under their keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// QuestionFormAnswers XML.
    pub xml: String,
    pub files: Vec<StoredFile>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The UploadedFileKey written in the answer.
    pub key: String,
    pub question_identifier: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// A broken rule, in words for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub question_identifier: String,
    pub message: String,
}

/// One question's accepted answer, before it is written.
enum Given<'a> {
    Text(String),
    Choices {
        ids: Vec<&'a str>,
        other: Option<String>,
    },
    File(&'a Upload),
}

/// Checks every rule of `form` against what was submitted and, when all hold, writes the
/// answer. `keys` is called once per uploaded file, only for an accepted submission.
pub fn answer(
    form: &QuestionForm,
    fields: &[Field],
    uploads: &[Upload],
    keys: &mut dyn FnMut() -> String,
) -> Result<Answered, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut given = Vec::new();
    for q in form.questions() {
        let mut broken = |message: String| {
            errors.push(FieldError {
                question_identifier: q.id.clone(),
                message,
            })
        };
        let answer = match &q.answer {
            AnswerSpec::FreeText(t) => first_text(fields, &answer_field(&q.id)).map(|text| {
                text_problems(&t.constraints, &text)
                    .into_iter()
                    .for_each(&mut broken);
                Given::Text(text)
            }),
            AnswerSpec::Selection(s) => choices(q, s, fields, &mut broken),
            AnswerSpec::FileUpload(f) => file(q, f, uploads, &mut broken),
        };
        match answer {
            Some(answer) => given.push((q, answer)),
            None if q.required => broken(match q.answer {
                AnswerSpec::FileUpload(_) => messages::file_required(),
                _ => messages::required(),
            }),
            None => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(write(&given, keys))
}

/// The first value of a field, cleaned, unless it is blank.
fn first_text(fields: &[Field], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| clean_text(&f.value))
        .filter(|text| !text.trim().is_empty())
}

/// `\r\n` and `\r` as `\n`; characters XML 1.0 cannot carry dropped (see the module doc).
fn clean_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|&c| {
            (c >= ' ' || matches!(c, '\t' | '\n')) && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
        })
        .collect()
}

/// The messages of the rules `text` breaks.
fn text_problems(c: &TextConstraints, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(n) = c.numeric {
        let trimmed = text.trim();
        let is_number = NUMBER.as_ref().is_some_and(|re| re.is_match(trimmed));
        match trimmed.parse::<f64>() {
            Ok(value) if is_number => {
                let low = n.min.is_some_and(|min| value < min as f64);
                let high = n.max.is_some_and(|max| value > max as f64);
                if low || high {
                    problems.push(messages::number_range(n.min, n.max));
                }
            }
            _ => problems.push(messages::not_a_number()),
        }
    }
    let length = text.chars().count() as u64;
    if c.min_length.is_some_and(|min| length < min) || c.max_length.is_some_and(|max| length > max)
    {
        problems.push(messages::length(c.min_length, c.max_length));
    }
    for r in &c.regexes {
        if !r.compiled.is_match(text) && !problems.contains(&r.error_text) {
            problems.push(r.error_text.clone());
        }
    }
    problems
}

fn choices<'a>(
    q: &Question,
    s: &'a Selection,
    fields: &[Field],
    broken: &mut dyn FnMut(String),
) -> Option<Given<'a>> {
    let name = answer_field(&q.id);
    // Empty values come from the "Other" control and a drop-down's "Choose…".
    let sent: Vec<&str> = fields
        .iter()
        .filter(|f| f.name == name && !f.value.is_empty())
        .map(|f| f.value.as_str())
        .collect();
    if sent.iter().any(|v| !s.choices.iter().any(|c| c.id == *v)) {
        broken(messages::unknown_choice());
    }
    // Form order, each once, whatever order and repeats were sent.
    let ids: Vec<&str> = s
        .choices
        .iter()
        .filter(|c| sent.contains(&c.id.as_str()))
        .map(|c| c.id.as_str())
        .collect();
    let other = s.other.as_ref().and_then(|spec| {
        let text = first_text(fields, &other_field(&q.id))?;
        text_problems(&spec.constraints, &text)
            .into_iter()
            .for_each(&mut *broken);
        Some(text)
    });
    let count = ids.len() + usize::from(other.is_some());
    if count == 0 {
        return None;
    }
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    if count < s.min || count > s.max {
        broken(messages::count(s.min, s.max));
    }
    Some(Given::Choices { ids, other })
}

fn file<'a>(
    q: &Question,
    f: &FileUpload,
    uploads: &'a [Upload],
    broken: &mut dyn FnMut(String),
) -> Option<Given<'a>> {
    let name = answer_field(&q.id);
    let upload = uploads.iter().find(|u| u.field == name && !u.is_empty())?;
    let size = upload.bytes.len() as u64;
    if size < f.min_bytes || size > f.max_bytes {
        broken(messages::file_size(f.min_bytes, f.max_bytes));
    }
    Some(Given::File(upload))
}

fn write(given: &[(&Question, Given<'_>)], keys: &mut dyn FnMut() -> String) -> Answered {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><QuestionFormAnswers xmlns="{NAMESPACE}">"#
    );
    let mut files = Vec::new();
    for (q, answer) in given {
        xml.push_str("<Answer>");
        element(&mut xml, "QuestionIdentifier", &q.id);
        match answer {
            Given::Text(text) => element(&mut xml, "FreeText", text),
            Given::Choices { ids, other } => {
                for id in ids {
                    element(&mut xml, "SelectionIdentifier", id);
                }
                if let Some(text) = other {
                    element(&mut xml, "OtherSelectionText", text);
                }
            }
            Given::File(upload) => {
                let key = keys();
                element(
                    &mut xml,
                    "UploadedFileSizeInBytes",
                    &upload.bytes.len().to_string(),
                );
                element(&mut xml, "UploadedFileKey", &key);
                files.push(StoredFile {
                    key,
                    question_identifier: q.id.clone(),
                    file_name: upload.file_name.clone(),
                    content_type: upload.content_type.clone(),
                    bytes: upload.bytes.clone(),
                });
            }
        }
        xml.push_str("</Answer>");
    }
    xml.push_str("</QuestionFormAnswers>");
    Answered { xml, files }
}

fn element(xml: &mut String, name: &str, text: &str) {
    xml.push_str(&format!("<{name}>{}</{name}>", escape(text)));
}
