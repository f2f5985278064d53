//! The parsed QuestionForm: what [`super::parse`] builds and the renderer and answer checker
//! read. Every value here has already been checked, so neither of them fails.

/// A parsed, validated QuestionForm.
#[derive(Debug, Clone)]
pub struct QuestionForm {
    pub(super) items: Vec<Item>,
}

impl QuestionForm {
    /// The QuestionIdentifiers, in form order.
    pub fn question_identifiers(&self) -> impl Iterator<Item = &str> {
        self.questions().map(|q| q.id.as_str())
    }

    /// True when a question asks for a file, so the form posts `multipart/form-data`.
    pub fn has_file_upload(&self) -> bool {
        self.questions()
            .any(|q| matches!(q.answer, AnswerSpec::FileUpload(_)))
    }

    pub(super) fn questions(&self) -> impl Iterator<Item = &Question> {
        self.items.iter().filter_map(|item| match item {
            Item::Question(q) => Some(q.as_ref()),
            Item::Overview(_) => None,
        })
    }
}

/// Overview and Question elements, in document order.
#[derive(Debug, Clone)]
pub(super) enum Item {
    Overview(Vec<Content>),
    Question(Box<Question>),
}

#[derive(Debug, Clone)]
pub(super) struct Question {
    pub id: String,
    pub display_name: Option<String>,
    pub required: bool,
    pub content: Vec<Content>,
    pub answer: AnswerSpec,
}

/// One element of an Overview or a QuestionContent.
#[derive(Debug, Clone)]
pub(super) enum Content {
    Title(String),
    /// Plain text: any markup in it is shown as text.
    Text(String),
    List(Vec<String>),
    /// Binary and EmbeddedBinary.
    Binary(Binary),
    /// The XHTML of a FormattedContent, as written; sanitised when rendered.
    Formatted(String),
    /// An element this server does not show (Application: Java applets, Flash), by name.
    Unsupported(String),
}

#[derive(Debug, Clone)]
pub(super) struct Binary {
    /// `type/subtype`, lower case.
    pub mime_type: String,
    pub url: String,
    pub alt_text: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl Binary {
    pub fn is_image(&self) -> bool {
        self.mime_type.starts_with("image/")
    }
}

#[derive(Debug, Clone)]
pub(super) enum AnswerSpec {
    FreeText(FreeText),
    Selection(Selection),
    FileUpload(FileUpload),
}

/// A FreeTextAnswer, also the shape of an OtherSelection.
#[derive(Debug, Clone, Default)]
pub(super) struct FreeText {
    pub default_text: Option<String>,
    /// NumberOfLinesSuggestion (1 when absent): more than one makes a textarea.
    pub lines: u32,
    pub constraints: TextConstraints,
}

#[derive(Debug, Clone, Default)]
pub(super) struct TextConstraints {
    pub numeric: Option<Numeric>,
    /// In characters (Unicode scalar values).
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub regexes: Vec<FormatRegex>,
}

/// IsNumeric: the answer is a number, optionally within bounds (inclusive).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Numeric {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// AnswerFormatRegex: the answer must contain a match (as JavaScript's `RegExp.test`).
#[derive(Debug, Clone)]
pub(super) struct FormatRegex {
    pub source: String,
    pub case_insensitive: bool,
    pub error_text: String,
    pub compiled: regex::Regex,
}

#[derive(Debug, Clone)]
pub(super) struct Selection {
    pub min: u32,
    pub max: u32,
    pub style: Style,
    pub choices: Vec<Choice>,
    pub other: Option<FreeText>,
}

impl Selection {
    /// Number of things the worker can pick, Other included.
    pub fn choice_count(&self) -> usize {
        self.choices.len() + usize::from(self.other.is_some())
    }
}

#[derive(Debug, Clone)]
pub(super) struct Choice {
    pub id: String,
    pub label: ChoiceLabel,
}

#[derive(Debug, Clone)]
pub(super) enum ChoiceLabel {
    Text(String),
    Formatted(String),
    Binary(Binary),
}

/// StyleSuggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    RadioButton,
    Checkbox,
    /// A list box (`<select size>`), multiple when more than one may be chosen.
    List,
    Dropdown,
    /// A drop-down the worker may also type into: rendered as a drop-down, with the
    /// OtherSelection's text box (when there is one) as the typing part.
    Combobox,
    /// A multiple-choice list box (`<select multiple>`).
    Multichooser,
}

impl Style {
    /// Radio buttons and drop-downs pick exactly one thing.
    pub fn picks_one(self) -> bool {
        matches!(self, Style::RadioButton | Style::Dropdown | Style::Combobox)
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct FileUpload {
    pub min_bytes: u64,
    pub max_bytes: u64,
}
