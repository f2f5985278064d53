//! The form as HTML5: one `<section>` per question (heading, content, control, help, error),
//! labels tied to every control, choices in a `<fieldset>` with a `<legend>`, help and errors
//! tied with `aria-describedby`. Every rule is also written as `data-*` attributes (with its
//! message) for question-form.js, and as native attributes (`required`, `min`, `maxlength`,
//! `pattern`) so a browser without the script still checks most of them.

use quick_xml::escape::escape;

use super::answer::{Field, FieldError};
use super::content;
use super::messages;
use super::model::{
    AnswerSpec, ChoiceLabel, FileUpload, FreeText, Item, Question, QuestionForm, Selection, Style,
    TextConstraints,
};
use super::{answer_field, other_field};

/// Where and how the form is shown.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    /// The form's `action` (the site's externalSubmit).
    pub action: &'a str,
    pub assignment_id: &'a str,
    /// In preview every control is disabled and the form cannot be submitted.
    pub preview: bool,
    /// URL of question-form.js ([`super::JS`]).
    pub script_src: &'a str,
}

/// MTurk's words on the submit button of a HIT not yet accepted.
const PREVIEW_SUBMIT: &str = "You must ACCEPT the HIT before you can submit the results.";
/// Tallest list box, in rows.
const MAX_LIST_ROWS: usize = 8;

/// The form as an HTML fragment (`<form>` then the `<script>` that checks it).
pub fn render(form: &QuestionForm, page: &RenderContext<'_>) -> String {
    render_refilled(form, page, &[], &[])
}

/// The form again after the server refused a submission: the worker's answers filled back in
/// (files cannot be) and each question's error shown.
pub fn render_refilled(
    form: &QuestionForm,
    page: &RenderContext<'_>,
    fields: &[Field],
    errors: &[FieldError],
) -> String {
    let mut out = String::new();
    out.push_str("<form class=\"qf-form\" method=\"post\"");
    attr(&mut out, "action", page.action);
    if form.has_file_upload() {
        out.push_str(" enctype=\"multipart/form-data\"");
    }
    out.push_str(" data-qf-form>");
    out.push_str("<input type=\"hidden\" name=\"assignmentId\"");
    attr(&mut out, "value", page.assignment_id);
    out.push('>');
    if !errors.is_empty() {
        out.push_str(
            "<p class=\"qf-summary\" role=\"alert\">Some answers need another look: see the messages below.</p>",
        );
    }
    let mut number = 0;
    for item in &form.items {
        match item {
            Item::Overview(contents) => {
                out.push_str("<section class=\"qf-overview\">");
                content::html(&mut out, contents);
                out.push_str("</section>");
            }
            Item::Question(q) => {
                number += 1;
                let view = QuestionView {
                    q,
                    n: number,
                    disabled: page.preview,
                    fields,
                    error: errors
                        .iter()
                        .filter(|e| e.question_identifier == q.id)
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                };
                view.render(&mut out);
            }
        }
    }
    out.push_str("<div class=\"qf-submit\">");
    if page.preview {
        out.push_str("<button type=\"submit\" disabled>");
        out.push_str(PREVIEW_SUBMIT);
    } else {
        out.push_str("<button type=\"submit\">Submit");
    }
    out.push_str("</button></div></form><script");
    attr(&mut out, "src", page.script_src);
    out.push_str(" defer></script>");
    out
}

/// ` name="value"`, the value escaped.
fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    out.push_str(&escape(value));
    out.push('"');
}

fn flag(out: &mut String, name: &str, on: bool) {
    if on {
        out.push(' ');
        out.push_str(name);
    }
}

struct QuestionView<'a> {
    q: &'a Question,
    n: usize,
    disabled: bool,
    fields: &'a [Field],
    /// The server's messages for this question, when it refused a submission.
    error: String,
}

impl QuestionView<'_> {
    fn id(&self, suffix: &str) -> String {
        format!("qf{}{suffix}", self.n)
    }

    /// The values sent last time for a field.
    fn sent(&self, name: &str) -> impl Iterator<Item = &str> {
        let name = name.to_string();
        self.fields
            .iter()
            .filter(move |f| f.name == name)
            .map(|f| f.value.as_str())
    }

    fn help(&self) -> String {
        match &self.q.answer {
            AnswerSpec::FreeText(t) => text_help(&t.constraints),
            AnswerSpec::Selection(s) => messages::count(s.min, s.max),
            AnswerSpec::FileUpload(f) => messages::file_size(f.min_bytes, f.max_bytes),
        }
    }

    /// The ids that describe the control: heading, content, help, error.
    fn described_by(&self, help: &str) -> String {
        let mut ids = Vec::new();
        if self.q.display_name.is_some() {
            ids.push(self.id("-title"));
        }
        if !self.q.content.is_empty() {
            ids.push(self.id("-content"));
        }
        if !help.is_empty() {
            ids.push(self.id("-help"));
        }
        ids.push(self.id("-error"));
        ids.join(" ")
    }

    fn render(&self, out: &mut String) {
        let q = self.q;
        let kind = match q.answer {
            AnswerSpec::FreeText(_) => "text",
            AnswerSpec::Selection(_) => "choice",
            AnswerSpec::FileUpload(_) => "file",
        };
        out.push_str("<section class=\"qf-question\"");
        attr(out, "id", &self.id(""));
        attr(out, "data-qf-kind", kind);
        if q.required {
            out.push_str(" data-qf-required");
            attr(out, "data-msg-required", &messages::required());
        }
        match &q.answer {
            AnswerSpec::Selection(s) => {
                attr(out, "data-min-count", &s.min.to_string());
                attr(out, "data-max-count", &s.max.to_string());
                attr(out, "data-msg-count", &messages::count(s.min, s.max));
                attr(out, "data-msg-other", &messages::other_text());
            }
            AnswerSpec::FileUpload(f) => {
                attr(out, "data-min-size", &f.min_bytes.to_string());
                attr(out, "data-max-size", &f.max_bytes.to_string());
                attr(
                    out,
                    "data-msg-size",
                    &messages::file_size(f.min_bytes, f.max_bytes),
                );
                attr(out, "data-msg-file", &messages::file_required());
            }
            AnswerSpec::FreeText(_) => {}
        }
        out.push('>');
        if let Some(name) = &q.display_name {
            out.push_str("<h2 class=\"qf-title\"");
            attr(out, "id", &self.id("-title"));
            out.push('>');
            out.push_str(&escape(name));
            out.push_str("</h2>");
        }
        if !q.content.is_empty() {
            out.push_str("<div class=\"qf-content\"");
            attr(out, "id", &self.id("-content"));
            out.push('>');
            content::html(out, &q.content);
            out.push_str("</div>");
        }
        let help = self.help();
        let described_by = self.described_by(&help);
        match &q.answer {
            AnswerSpec::FreeText(t) => self.free_text(out, t, &described_by),
            AnswerSpec::Selection(s) => self.selection(out, s, &described_by),
            AnswerSpec::FileUpload(f) => self.file(out, f, &described_by),
        }
        if !help.is_empty() {
            out.push_str("<p class=\"qf-help\"");
            attr(out, "id", &self.id("-help"));
            out.push('>');
            out.push_str(&escape(&help));
            out.push_str("</p>");
        }
        out.push_str("<p class=\"qf-error\"");
        attr(out, "id", &self.id("-error"));
        flag(out, "hidden", self.error.is_empty());
        out.push('>');
        out.push_str(&escape(&self.error));
        out.push_str("</p></section>");
    }

    fn label(&self, out: &mut String, for_id: &str, text: &str) {
        out.push_str("<label class=\"qf-label\"");
        attr(out, "for", for_id);
        out.push('>');
        out.push_str(text);
        if self.q.required {
            out.push_str(" <span class=\"qf-required\">(required)</span>");
        }
        out.push_str("</label>");
    }

    fn free_text(&self, out: &mut String, t: &FreeText, described_by: &str) {
        let input_id = self.id("-input");
        self.label(out, &input_id, "Your answer");
        let name = answer_field(&self.q.id);
        let value = self.sent(&name).next().map(str::to_string);
        text_control(
            out,
            TextControl {
                id: &input_id,
                name: &name,
                spec: t,
                value: value.as_deref().or(t.default_text.as_deref()),
                required: self.q.required,
                disabled: self.disabled,
                described_by,
                aria_label: None,
                invalid: !self.error.is_empty(),
            },
        );
    }

    fn file(&self, out: &mut String, f: &FileUpload, described_by: &str) {
        let input_id = self.id("-input");
        self.label(out, &input_id, "Your file");
        out.push_str("<input type=\"file\" class=\"qf-file\"");
        attr(out, "id", &input_id);
        attr(out, "name", &answer_field(&self.q.id));
        attr(out, "aria-describedby", described_by);
        attr(out, "data-min-size", &f.min_bytes.to_string());
        attr(out, "data-max-size", &f.max_bytes.to_string());
        flag(out, "required", self.q.required);
        flag(out, "disabled", self.disabled);
        flag(out, "aria-invalid=\"true\"", !self.error.is_empty());
        out.push('>');
    }

    fn selection(&self, out: &mut String, s: &Selection, described_by: &str) {
        let name = answer_field(&self.q.id);
        let chosen: Vec<&str> = self.sent(&name).collect();
        let other_name = other_field(&self.q.id);
        let other_value = self.sent(&other_name).next().map(str::to_string);
        let other_chosen = other_value.as_deref().is_some_and(|v| !v.trim().is_empty());
        match s.style {
            Style::RadioButton | Style::Checkbox => {
                let kind = if s.style == Style::RadioButton {
                    "radio"
                } else {
                    "checkbox"
                };
                out.push_str("<fieldset class=\"qf-choices\"");
                attr(out, "aria-describedby", described_by);
                out.push_str("><legend class=\"qf-label\">Your answer");
                if self.q.required {
                    out.push_str(" <span class=\"qf-required\">(required)</span>");
                }
                out.push_str("</legend>");
                for (m, choice) in s.choices.iter().enumerate() {
                    let id = self.id(&format!("-c{}", m + 1));
                    out.push_str("<div class=\"qf-choice\"><input");
                    attr(out, "type", kind);
                    attr(out, "id", &id);
                    attr(out, "name", &name);
                    attr(out, "value", &choice.id);
                    // A required radio group is checked by the browser; a checkbox group only
                    // by the script (`required` on a checkbox would demand every box).
                    flag(out, "required", self.q.required && kind == "radio");
                    flag(out, "checked", chosen.contains(&choice.id.as_str()));
                    flag(out, "disabled", self.disabled);
                    out.push_str("><label");
                    attr(out, "for", &id);
                    out.push('>');
                    choice_html(out, &choice.label);
                    out.push_str("</label></div>");
                }
                if let Some(other) = &s.other {
                    let id = self.id("-c-other");
                    out.push_str("<div class=\"qf-choice qf-other\"><input");
                    attr(out, "type", kind);
                    attr(out, "id", &id);
                    attr(out, "name", &name);
                    out.push_str(" value=\"\" data-qf-other");
                    flag(out, "checked", other_chosen);
                    flag(out, "disabled", self.disabled);
                    out.push_str("><label");
                    attr(out, "for", &id);
                    out.push_str(">Other:</label>");
                    self.other_text(out, other, other_value.as_deref(), described_by);
                    out.push_str("</div>");
                }
                out.push_str("</fieldset>");
            }
            Style::Dropdown | Style::Combobox | Style::List | Style::Multichooser => {
                let input_id = self.id("-input");
                self.label(out, &input_id, "Your answer");
                out.push_str("<select class=\"qf-select\"");
                attr(out, "id", &input_id);
                attr(out, "name", &name);
                attr(out, "aria-describedby", described_by);
                let drop_down = matches!(s.style, Style::Dropdown | Style::Combobox);
                if !drop_down {
                    let rows = s.choice_count().clamp(2, MAX_LIST_ROWS);
                    attr(out, "size", &rows.to_string());
                }
                flag(out, "multiple", !drop_down && s.max > 1);
                flag(out, "required", self.q.required && s.other.is_none());
                flag(out, "disabled", self.disabled);
                flag(out, "aria-invalid=\"true\"", !self.error.is_empty());
                out.push('>');
                if drop_down {
                    out.push_str("<option value=\"\">Choose…</option>");
                }
                for choice in &s.choices {
                    out.push_str("<option");
                    attr(out, "value", &choice.id);
                    flag(out, "selected", chosen.contains(&choice.id.as_str()));
                    out.push('>');
                    out.push_str(&escape(choice_text(&choice.label)));
                    out.push_str("</option>");
                }
                if s.other.is_some() {
                    out.push_str("<option value=\"\" data-qf-other");
                    flag(out, "selected", other_chosen);
                    out.push_str(">Other (type it below)</option>");
                }
                out.push_str("</select>");
                if let Some(other) = &s.other {
                    out.push_str("<div class=\"qf-other\">");
                    let id = self.id("-other");
                    out.push_str("<label class=\"qf-label\"");
                    attr(out, "for", &id);
                    out.push_str(">Other:</label>");
                    self.other_text(out, other, other_value.as_deref(), described_by);
                    out.push_str("</div>");
                }
            }
        }
    }

    fn other_text(
        &self,
        out: &mut String,
        other: &FreeText,
        value: Option<&str>,
        described_by: &str,
    ) {
        let id = self.id("-other");
        let mut described = described_by.to_string();
        let help = text_help(&other.constraints);
        if !help.is_empty() {
            described = format!("{} {described}", self.id("-other-help"));
        }
        text_control(
            out,
            TextControl {
                id: &id,
                name: &other_field(&self.q.id),
                spec: other,
                value: value.or(other.default_text.as_deref()),
                required: false,
                disabled: self.disabled,
                described_by: &described,
                aria_label: Some("Other answer"),
                invalid: false,
            },
        );
        if !help.is_empty() {
            out.push_str("<span class=\"qf-help\"");
            attr(out, "id", &self.id("-other-help"));
            out.push('>');
            out.push_str(&escape(&help));
            out.push_str("</span>");
        }
    }
}

/// The help line for a free-text answer's constraints.
fn text_help(c: &TextConstraints) -> String {
    let mut parts = Vec::new();
    if let Some(n) = c.numeric {
        parts.push(messages::number_range(n.min, n.max));
    }
    if c.min_length.is_some() || c.max_length.is_some() {
        parts.push(messages::length(c.min_length, c.max_length));
    }
    parts.join(" ")
}

struct TextControl<'a> {
    id: &'a str,
    name: &'a str,
    spec: &'a FreeText,
    value: Option<&'a str>,
    required: bool,
    disabled: bool,
    described_by: &'a str,
    aria_label: Option<&'a str>,
    invalid: bool,
}

fn text_control(out: &mut String, t: TextControl<'_>) {
    let c = &t.spec.constraints;
    let multi_line = t.spec.lines > 1;
    if multi_line {
        out.push_str("<textarea class=\"qf-text\"");
        attr(out, "rows", &t.spec.lines.to_string());
    } else if c.numeric.is_some() {
        out.push_str("<input class=\"qf-text\" type=\"number\" step=\"any\" inputmode=\"decimal\"");
    } else {
        out.push_str("<input class=\"qf-text\" type=\"text\"");
    }
    attr(out, "id", t.id);
    attr(out, "name", t.name);
    if let Some(label) = t.aria_label {
        attr(out, "aria-label", label);
    }
    attr(out, "aria-describedby", t.described_by);
    if let Some(n) = c.numeric {
        out.push_str(" data-numeric");
        attr(out, "data-msg-number", &messages::not_a_number());
        attr(out, "data-msg-range", &messages::number_range(n.min, n.max));
        if let Some(min) = n.min {
            attr(out, "min", &min.to_string());
            attr(out, "data-min-value", &min.to_string());
        }
        if let Some(max) = n.max {
            attr(out, "max", &max.to_string());
            attr(out, "data-max-value", &max.to_string());
        }
    }
    if c.min_length.is_some() || c.max_length.is_some() {
        attr(
            out,
            "data-msg-length",
            &messages::length(c.min_length, c.max_length),
        );
    }
    if let Some(min) = c.min_length {
        attr(out, "minlength", &min.to_string());
        attr(out, "data-min-length", &min.to_string());
    }
    if let Some(max) = c.max_length {
        attr(out, "maxlength", &max.to_string());
        attr(out, "data-max-length", &max.to_string());
    }
    if !c.regexes.is_empty() {
        // [[source, flags, errorText], ...]
        let rules: Vec<Vec<&str>> = c
            .regexes
            .iter()
            .map(|r| {
                let flags = if r.case_insensitive { "i" } else { "" };
                vec![r.source.as_str(), flags, r.error_text.as_str()]
            })
            .collect();
        attr(
            out,
            "data-regex",
            &serde_json::Value::from(rules).to_string(),
        );
        if let ([only], false, None) = (c.regexes.as_slice(), multi_line, c.numeric)
            && let Some(pattern) = html_pattern(&only.source, only.case_insensitive)
        {
            attr(out, "pattern", &pattern);
            attr(out, "title", &only.error_text);
        }
    }
    flag(out, "required", t.required);
    flag(out, "disabled", t.disabled);
    flag(out, "aria-invalid=\"true\"", t.invalid);
    let value = t.value.unwrap_or_default();
    if multi_line {
        out.push('>');
        out.push_str(&escape(value));
        out.push_str("</textarea>");
    } else {
        attr(out, "value", value);
        out.push('>');
    }
}

/// An AnswerFormatRegex as an HTML `pattern`, when it surely means the same there. A pattern
/// must match the whole value and is compiled with JavaScript's `v` flag (stricter about
/// punctuation in classes); an AnswerFormatRegex only has to match somewhere. So the regex is
/// wrapped to match anywhere, and only offered when it uses plain syntax; any other one is
/// checked by question-form.js and the server alone.
pub(super) fn html_pattern(regex: &str, case_insensitive: bool) -> Option<String> {
    if case_insensitive {
        return None; // a pattern has no flags
    }
    let mut in_class = false;
    let mut chars = regex.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // Class escapes, control escapes, and escaped syntax characters (the only
                // identity escapes the `v` flag allows).
                let escaped = chars.next()?;
                if !"dDwWsSbBntrfv\\.^$*+?()[]{}|/".contains(escaped) {
                    return None;
                }
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            c if in_class => {
                if !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ' ' || c == '^') {
                    return None;
                }
            }
            c => {
                if !(c.is_ascii_alphanumeric() || "^$.*+?()|{},_ :@#=!<>'\"%&~`;".contains(c)) {
                    return None;
                }
            }
        }
    }
    // `--` in a class is set subtraction under the `v` flag; `(?` starts groups that differ.
    if in_class || regex.contains("--") || regex.contains("(?") {
        return None;
    }
    Some(format!("[\\s\\S]*(?:{regex})[\\s\\S]*"))
}

fn choice_html(out: &mut String, label: &ChoiceLabel) {
    match label {
        ChoiceLabel::Text(t) => out.push_str(&escape(t)),
        ChoiceLabel::Formatted(x) => out.push_str(&content::formatted(x)),
        ChoiceLabel::Binary(b) => content::binary(out, b),
    }
}

/// A choice's label as plain text, for an `<option>`.
fn choice_text(label: &ChoiceLabel) -> String {
    match label {
        ChoiceLabel::Text(t) => t.clone(),
        ChoiceLabel::Formatted(x) => content::formatted_text(x),
        ChoiceLabel::Binary(b) if b.alt_text.is_empty() => b.mime_type.clone(),
        ChoiceLabel::Binary(b) => b.alt_text.clone(),
    }
}
