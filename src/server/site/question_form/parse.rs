//! Reading QuestionForm XML (any schema version: elements are matched by local name) into the
//! checked [`QuestionForm`] model. Anything the renderer or the answer checker could not honour
//! is refused here with a sentence a requester understands.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

use super::model::{
    AnswerSpec, Binary, Choice, ChoiceLabel, Content, FileUpload, FormatRegex, FreeText, Item,
    Numeric, Question, QuestionForm, Selection, Style, TextConstraints,
};

/// MTurk's largest allowed file upload.
const MAX_FILE_BYTES: u64 = 2_000_000_000;
/// AnswerFormatRegex's message when the form gives none (MTurk's words).
const DEFAULT_REGEX_ERROR: &str = "Invalid input supplied.";
/// Biggest compiled AnswerFormatRegex, so a form cannot make the server build a huge automaton.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Why a QuestionForm cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormError(String);

fn fail<T>(message: impl Into<String>) -> Result<T, FormError> {
    Err(FormError(message.into()))
}

/// Parses and checks a QuestionForm document.
pub fn parse(xml: &str) -> Result<QuestionForm, FormError> {
    let root = read_tree(xml)?;
    if root.name != "QuestionForm" {
        return fail(format!(
            "The document is a <{}>, not a QuestionForm.",
            root.name
        ));
    }
    let mut items = Vec::new();
    for node in &root.children {
        match node.name.as_str() {
            "Overview" => items.push(Item::Overview(contents(node)?)),
            "Question" => items.push(Item::Question(Box::new(question(node)?))),
            other => return fail(format!("A QuestionForm cannot contain <{other}>.")),
        }
    }
    let form = QuestionForm { items };
    let mut seen = std::collections::HashSet::new();
    for id in form.question_identifiers() {
        if !seen.insert(id) {
            return fail(format!(
                "Two questions have the QuestionIdentifier \"{id}\"."
            ));
        }
    }
    if seen.is_empty() {
        return fail("A QuestionForm needs at least one Question.");
    }
    Ok(form)
}

/// One XML element: name (local), attributes, child elements and its own text.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn read_tree(xml: &str) -> Result<Node, FormError> {
    let broken = |e: &dyn std::fmt::Display| {
        FormError(format!("The QuestionForm is not well-formed XML: {e}."))
    };
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let event = reader.read_event().map_err(|e| broken(&e))?;
        match event {
            Event::Start(e) => stack.push(open(&e).map_err(|e| broken(&e))?),
            Event::Empty(e) => {
                let node = open(&e).map_err(|e| broken(&e))?;
                attach(node, &mut stack, &mut root)?;
            }
            Event::End(_) => {
                if let Some(node) = stack.pop() {
                    attach(node, &mut stack, &mut root)?;
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&t.xml10_content().map_err(|e| broken(&e))?);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.decode().map_err(|e| broken(&e))?);
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match resolve_predefined_entity(&name) {
                        Some(s) => s.to_string(),
                        None => {
                            return fail(format!(
                                "The QuestionForm uses an unknown entity &{name};."
                            ));
                        }
                    },
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {} // declaration, comments, processing instructions, doctype
        }
    }
    if !stack.is_empty() {
        return fail("The QuestionForm is not well-formed XML: it ends with elements still open.");
    }
    root.map_or_else(|| fail("The QuestionForm is empty."), Ok)
}

fn open(e: &BytesStart<'_>) -> Result<Node, quick_xml::Error> {
    let mut attributes = Vec::new();
    for attribute in e.attributes() {
        let attribute = attribute?;
        let name = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
        attributes.push((name, attribute.unescape_value()?.into_owned()));
    }
    Ok(Node {
        name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
        attributes,
        ..Node::default()
    })
}

fn attach(node: Node, stack: &mut [Node], root: &mut Option<Node>) -> Result<(), FormError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None if root.is_none() => *root = Some(node),
        None => return fail("The QuestionForm is not well-formed XML: it has two root elements."),
    }
    Ok(())
}

fn contents(node: &Node) -> Result<Vec<Content>, FormError> {
    node.children.iter().map(content).collect()
}

fn content(node: &Node) -> Result<Content, FormError> {
    Ok(match node.name.as_str() {
        "Title" => Content::Title(node.text.trim().to_string()),
        "Text" => Content::Text(node.text.trim().to_string()),
        "List" => Content::List(
            node.children_named("ListItem")
                .map(|item| item.text.trim().to_string())
                .collect(),
        ),
        "Binary" => Content::Binary(binary(node, "MimeType")?),
        "EmbeddedBinary" => Content::Binary(binary(node, "EmbeddedMimeType")?),
        "FormattedContent" => Content::Formatted(node.text.clone()),
        "Application" => Content::Unsupported(node.name.clone()),
        other => return fail(format!("Question content cannot contain <{other}>.")),
    })
}

fn binary(node: &Node, mime_element: &str) -> Result<Binary, FormError> {
    let mime = node.child(mime_element);
    let kind = mime.and_then(|m| m.child_text("Type")).unwrap_or_default();
    if kind.is_empty() {
        return fail(format!(
            "A <{}> needs a {mime_element} with a Type.",
            node.name
        ));
    }
    let mime_type = match mime.and_then(|m| m.child_text("SubType")) {
        Some(sub) if !sub.is_empty() => format!("{kind}/{sub}"),
        _ => format!("{kind}/*"),
    };
    let url = node.child_text("DataURL").unwrap_or_default();
    if url.is_empty() {
        return fail(format!("A <{}> needs a DataURL.", node.name));
    }
    Ok(Binary {
        mime_type: mime_type.to_ascii_lowercase(),
        url: url.to_string(),
        alt_text: node.child_text("AltText").unwrap_or_default().to_string(),
        width: number_of(node, "Width")?,
        height: number_of(node, "Height")?,
    })
}

fn question(node: &Node) -> Result<Question, FormError> {
    let id = node.child_text("QuestionIdentifier").unwrap_or_default();
    if id.is_empty() {
        return fail("A Question needs a QuestionIdentifier.");
    }
    let within = |e: FormError| FormError(format!("Question \"{id}\": {}", e.0));
    let required = match node.child_text("IsRequired") {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(other) => {
            return Err(within(FormError(format!(
                "IsRequired must be true or false, not \"{other}\"."
            ))));
        }
    };
    let content = match node.child("QuestionContent") {
        Some(c) => contents(c).map_err(within)?,
        None => Vec::new(),
    };
    let Some(spec) = node.child("AnswerSpecification") else {
        return Err(within(FormError("it needs an AnswerSpecification.".into())));
    };
    let answer = if let Some(n) = spec.child("FreeTextAnswer") {
        AnswerSpec::FreeText(free_text(n).map_err(within)?)
    } else if let Some(n) = spec.child("SelectionAnswer") {
        AnswerSpec::Selection(selection(n).map_err(within)?)
    } else if let Some(n) = spec.child("FileUploadAnswer") {
        AnswerSpec::FileUpload(file_upload(n).map_err(within)?)
    } else {
        return Err(within(FormError(
            "its AnswerSpecification needs a FreeTextAnswer, SelectionAnswer or FileUploadAnswer."
                .into(),
        )));
    };
    Ok(Question {
        id: id.to_string(),
        display_name: node
            .child_text("DisplayName")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        required,
        content,
        answer,
    })
}

fn free_text(node: &Node) -> Result<FreeText, FormError> {
    let mut constraints = TextConstraints::default();
    if let Some(c) = node.child("Constraints") {
        if let Some(n) = c.child("IsNumeric") {
            let numeric = Numeric {
                min: integer_attribute(n, "minValue")?,
                max: integer_attribute(n, "maxValue")?,
            };
            if let (Some(min), Some(max)) = (numeric.min, numeric.max)
                && min > max
            {
                return fail(format!(
                    "IsNumeric's minValue {min} is above its maxValue {max}."
                ));
            }
            constraints.numeric = Some(numeric);
        }
        if let Some(n) = c.child("Length") {
            constraints.min_length = integer_attribute(n, "minLength")?;
            constraints.max_length = integer_attribute(n, "maxLength")?;
            if let (Some(min), Some(max)) = (constraints.min_length, constraints.max_length)
                && min > max
            {
                return fail(format!(
                    "Length's minLength {min} is above its maxLength {max}."
                ));
            }
        }
        for n in c.children_named("AnswerFormatRegex") {
            constraints.regexes.push(format_regex(n)?);
        }
    }
    let lines = number_of(node, "NumberOfLinesSuggestion")?
        .unwrap_or(1)
        .max(1);
    Ok(FreeText {
        default_text: node.child("DefaultText").map(|d| d.text.clone()),
        lines,
        constraints,
    })
}

fn format_regex(node: &Node) -> Result<FormatRegex, FormError> {
    let Some(source) = node.attribute("regex") else {
        return fail("An AnswerFormatRegex needs a regex attribute.");
    };
    let case_insensitive = match node.attribute("flags") {
        None | Some("") => false,
        Some("i") => true,
        Some(other) => {
            return fail(format!(
                "AnswerFormatRegex flags may only be \"i\", not \"{other}\"."
            ));
        }
    };
    // Rust's regex syntax is close to JavaScript's for what forms use (classes, anchors,
    // repetition, alternation); lookaround and backreferences it refuses, and then so do we,
    // since the server could not check such an answer.
    let compiled = regex::RegexBuilder::new(source)
        .case_insensitive(case_insensitive)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .or_else(|e| {
            // regex's message ends with a line "error: what is wrong".
            let message = e.to_string();
            let why = message.lines().last().unwrap_or_default();
            fail(format!(
                "the AnswerFormatRegex \"{source}\" is not supported by this server: {}.",
                why.trim_start_matches("error: ").trim_end_matches('.')
            ))
        })?;
    Ok(FormatRegex {
        source: source.to_string(),
        case_insensitive,
        error_text: node
            .attribute("errorText")
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(DEFAULT_REGEX_ERROR)
            .to_string(),
        compiled,
    })
}

fn selection(node: &Node) -> Result<Selection, FormError> {
    let min = number_of(node, "MinSelectionCount")?.unwrap_or(1);
    let max = number_of(node, "MaxSelectionCount")?.unwrap_or(1);
    let style = match node.child_text("StyleSuggestion") {
        None => None,
        Some("radiobutton") => Some(Style::RadioButton),
        Some("checkbox") => Some(Style::Checkbox),
        Some("list") => Some(Style::List),
        Some("dropdown") => Some(Style::Dropdown),
        Some("combobox") => Some(Style::Combobox),
        Some("multichooser") => Some(Style::Multichooser),
        Some(other) => return fail(format!("\"{other}\" is not a StyleSuggestion.")),
    }
    .unwrap_or(if max > 1 {
        Style::Checkbox
    } else {
        Style::RadioButton
    });
    let (min, max) = if style.picks_one() {
        (min.min(1), 1)
    } else {
        (min, max)
    };
    if max == 0 {
        return fail("MaxSelectionCount must be at least 1.");
    }
    if min > max {
        return fail(format!(
            "MinSelectionCount {min} is above MaxSelectionCount {max}."
        ));
    }
    let Some(selections) = node.child("Selections") else {
        return fail("A SelectionAnswer needs Selections.");
    };
    let mut choices: Vec<Choice> = Vec::new();
    for s in selections.children_named("Selection") {
        let id = s.child_text("SelectionIdentifier").unwrap_or_default();
        if id.is_empty() {
            return fail("Every Selection needs a SelectionIdentifier.");
        }
        if choices.iter().any(|c| c.id == id) {
            return fail(format!(
                "Two Selections have the SelectionIdentifier \"{id}\"."
            ));
        }
        let label = if let Some(text) = s.child_text("Text") {
            ChoiceLabel::Text(text.to_string())
        } else if let Some(f) = s.child("FormattedContent") {
            ChoiceLabel::Formatted(f.text.clone())
        } else if let Some(b) = s.child("Binary") {
            ChoiceLabel::Binary(binary(b, "MimeType")?)
        } else {
            return fail(format!(
                "Selection \"{id}\" needs a Text, FormattedContent or Binary."
            ));
        };
        choices.push(Choice {
            id: id.to_string(),
            label,
        });
    }
    let other = selections
        .child("OtherSelection")
        .map(free_text)
        .transpose()?;
    let selection = Selection {
        min,
        max,
        style,
        choices,
        other,
    };
    if selection.choice_count() == 0 {
        return fail("A SelectionAnswer needs at least one Selection.");
    }
    if usize::try_from(min).map_or(true, |min| min > selection.choice_count()) {
        return fail(format!(
            "MinSelectionCount {min} is more than the {} choices offered.",
            selection.choice_count()
        ));
    }
    Ok(selection)
}

fn file_upload(node: &Node) -> Result<FileUpload, FormError> {
    let min_bytes = number_of(node, "MinFileSizeInBytes")?.unwrap_or(0);
    let max_bytes = number_of(node, "MaxFileSizeInBytes")?.unwrap_or(MAX_FILE_BYTES);
    if max_bytes > MAX_FILE_BYTES {
        return fail(format!(
            "MaxFileSizeInBytes may be at most {MAX_FILE_BYTES}."
        ));
    }
    if min_bytes > max_bytes {
        return fail(format!(
            "MinFileSizeInBytes {min_bytes} is above MaxFileSizeInBytes {max_bytes}."
        ));
    }
    Ok(FileUpload {
        min_bytes,
        max_bytes,
    })
}

/// A child element holding a whole number, when present.
fn number_of<T: std::str::FromStr>(node: &Node, name: &str) -> Result<Option<T>, FormError> {
    match node.child_text(name) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .or_else(|_| fail(format!("{name} must be a whole number, not \"{text}\"."))),
    }
}

/// An attribute holding a whole number, when present.
fn integer_attribute<T: std::str::FromStr>(
    node: &Node,
    name: &str,
) -> Result<Option<T>, FormError> {
    match node.attribute(name).map(str::trim) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).or_else(|_| {
            fail(format!(
                "{}'s {name} must be a whole number, not \"{text}\".",
                node.name
            ))
        }),
    }
}
