//! QuestionForm XML: parsed and validated ([`parse`]), rendered as an accessible HTML form
//! ([`render`]), and its submitted fields checked again on the server and written as MTurk's
//! QuestionFormAnswers ([`answer`]).
//!
//! # Form fields
//! Every name the form posts is derived from a QuestionIdentifier with a prefix, so no question
//! can collide with another's "Other" text or with MTurk's reserved fields (`assignmentId`,
//! `hitId`, `workerId`, `turkSubmitTo`), which are never answers:
//! - `q.{QuestionIdentifier}`: the answer. Free text: the text. Selections: one field per chosen
//!   SelectionIdentifier (repeated for several). File uploads: the file part.
//! - `other.{QuestionIdentifier}`: the text of the OtherSelection. Other counts as chosen when
//!   this text is not blank (the "Other" radio button or checkbox next to it only enables it).
//!
//! Fields with any other name are ignored. HTML ids are positional (`qf3`, `qf3-input`, ...), so
//! an identifier never has to be a valid id.
//!
//! # Answers, as MTurk's QuestionFormAnswers reference describes them
//! One `Answer` per question the worker answered, in form order; an optional question left
//! blank (empty or only whitespace, nothing chosen, no file) has no `Answer` at all. Line breaks
//! are written as `\n` (what an XML reader makes of `\r\n` anyway), and characters XML 1.0 cannot
//! carry (C0 controls other than tab and newline, U+FFFE, U+FFFF) are dropped: they are
//! invisible, and keeping them would make the document unreadable to every XML parser.
//!
//! # Decisions where MTurk's documents are silent
//! - An OtherSelection has no SelectionIdentifier, so choosing it writes only
//!   `OtherSelectionText`; it counts as one choice against Min/MaxSelectionCount.
//! - `combobox` is drawn as a drop-down (so it picks one, like `radiobutton` and `dropdown`),
//!   whose typing part is the OtherSelection's text box when the form has one.
//! - AnswerFormatRegex must match somewhere in the answer (`\S` means "not blank"), as
//!   JavaScript's `RegExp.test`. The server checks it with the `regex` crate; a regex that crate
//!   refuses (lookaround, backreferences) makes the form unusable rather than unchecked.
//!   `\d` and `\w` are Unicode-aware there and ASCII in the browser, so the server also takes
//!   non-ASCII digits and letters that the browser's check would refuse.
//! - IsNumeric takes decimals and exponents (what `<input type=number>` sends).

mod answer;
mod content;
mod messages;
mod model;
mod parse;
mod render;
#[cfg(test)]
mod tests;

pub use answer::{Answered, Field, FieldError, StoredFile, Upload, answer};
pub use model::QuestionForm;
pub use parse::{FormError, parse};
pub use render::{RenderContext, render, render_refilled};

/// The browser-side checks; the form's page loads it from [`RenderContext::script_src`].
pub const JS: &str = include_str!("../../../../assets/site/question-form.js");
/// The form's styles; the page that embeds the form links it.
pub const CSS: &str = include_str!("../../../../assets/site/question-form.css");

/// Prefix of the field that carries a question's answer.
const ANSWER_PREFIX: &str = "q.";
/// Prefix of the field that carries a question's OtherSelection text.
const OTHER_PREFIX: &str = "other.";

fn answer_field(question_identifier: &str) -> String {
    format!("{ANSWER_PREFIX}{question_identifier}")
}

fn other_field(question_identifier: &str) -> String {
    format!("{OTHER_PREFIX}{question_identifier}")
}
