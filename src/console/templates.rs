//! Feedback templates (`t`): saved texts to insert into the feedback editor, kept in
//! `templates.toml` in the user's config directory (or where `--templates` /
//! `MTURK_REVIEW_TEMPLATES` says). Until the reviewer adds or deletes one, a few built-in
//! texts are offered and nothing is written. A file that cannot be read or parsed is reported
//! on the status line and never overwritten: adding and deleting are refused until it is fixed.
//! The file is read once at start and written (whole) by the event loop on each change.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::keymap::Action;
use super::message::Effect;
use super::state::{Focus, State, Tone};

/// Offered when there is no templates file yet.
const BUILT_IN: &[&str] = &[
    "Thank you, this is careful and complete work.",
    "Thank you! A bonus is on its way for the extra care.",
    "Rejected: the answer does not follow the instructions of the task.",
    "Rejected: the answer is empty or copied from elsewhere.",
];

#[derive(Debug, thiserror::Error)]
pub enum TemplatesError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid templates file: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the templates: {0}")]
    Serialize(#[from] toml::ser::Error),
}

/// The file's shape: `[[template]]` tables with a `text` each.
#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    #[serde(default, rename = "template")]
    templates: Vec<Template>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Template {
    text: String,
}

/// Where the templates live by default: `<config dir>/mturk-review/templates.toml`.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("mturk-review").join("templates.toml"))
}

/// The texts in the file at `path`; None when there is no file yet.
pub fn read(path: &Path) -> Result<Option<Vec<String>>, TemplatesError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(TemplatesError::Read {
                path: path.display().to_string(),
                source,
            });
        }
    };
    let file: File = toml::from_str(&text).map_err(|source| TemplatesError::Parse {
        path: path.display().to_string(),
        source: Box::new(source),
    })?;
    Ok(Some(file.templates.into_iter().map(|t| t.text).collect()))
}

/// Writes the texts to `path` (creating its directory), replacing the file whole: written to
/// a temporary file first, then renamed, so a failed write never leaves half a file.
pub fn write(path: &Path, texts: &[String]) -> Result<(), TemplatesError> {
    let file = File {
        templates: texts
            .iter()
            .map(|text| Template { text: text.clone() })
            .collect(),
    };
    let body = toml::to_string(&file)?;
    let failed = |source| TemplatesError::Write {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let temporary = path.with_extension("toml.new");
    std::fs::write(&temporary, body).map_err(failed)?;
    std::fs::rename(&temporary, path).map_err(failed)
}

/// The templates as the console holds them, and the list's own state.
#[derive(Debug, Default)]
pub struct Templates {
    pub texts: Vec<String>,
    path: Option<PathBuf>,
    /// Why the file cannot be written: it is broken, or there is no place for it.
    pub problem: Option<String>,
    pub open: bool,
    pub cursor: usize,
}

impl Templates {
    /// Reads the templates at `path` (the built-in ones when there is no file).
    pub fn load(path: Option<PathBuf>) -> Templates {
        let built_in = || BUILT_IN.iter().map(|t| t.to_string()).collect();
        let (texts, problem) = match &path {
            None => (
                built_in(),
                Some("no config directory is known here; pass --templates PATH".to_string()),
            ),
            Some(path) => match read(path) {
                Ok(Some(texts)) => (texts, None),
                Ok(None) => (built_in(), None),
                Err(e) => (
                    built_in(),
                    Some(format!("{e}; fix it by hand (it is not overwritten)")),
                ),
            },
        };
        Templates {
            texts,
            path,
            problem,
            open: false,
            cursor: 0,
        }
    }

    /// The write that saves the current list, or why it cannot be saved.
    fn save(&self) -> Result<Effect, String> {
        match (&self.problem, &self.path) {
            (Some(problem), _) => Err(problem.clone()),
            (None, Some(path)) => Ok(Effect::SaveTemplates {
                path: path.clone(),
                texts: self.texts.clone(),
            }),
            (None, None) => Err("nowhere to keep templates".to_string()),
        }
    }
}

/// `t`: opens the list; a broken file is said at once.
pub fn open(state: &mut State) {
    if state.acting_on().is_none() {
        state.say(Tone::Info, "no assignment selected");
        return;
    }
    state.templates.open = true;
    state.templates.cursor = state
        .templates
        .cursor
        .min(state.templates.texts.len().saturating_sub(1));
    if let Some(problem) = state.templates.problem.clone() {
        state.say(Tone::Error, format!("templates: {problem}"));
    }
}

/// Keys while the list is open.
pub fn key(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let templates = &mut state.templates;
    let count = templates.texts.len();
    match action {
        Some(Action::No) => templates.open = false,
        Some(Action::TemplateNext) => {
            templates.cursor = (templates.cursor + 1).min(count.saturating_sub(1))
        }
        Some(Action::TemplatePrevious) => templates.cursor = templates.cursor.saturating_sub(1),
        Some(Action::Submit) => insert(state),
        Some(Action::AddTemplate) => return add(state),
        Some(Action::DeleteTemplate) => return delete(state),
        _ => {}
    }
    Vec::new()
}

/// Inserts the template under the cursor into the selected assignment's draft, at its
/// cursor, and leaves the reviewer in the editor.
fn insert(state: &mut State) {
    let Some(text) = state.templates.texts.get(state.templates.cursor).cloned() else {
        state.say(
            Tone::Info,
            "no templates: a adds the current feedback as one",
        );
        return;
    };
    let Some(id) = state.acting_on().map(|row| row.assignment.id.clone()) else {
        return;
    };
    state.drafts.get_mut(&id).insert_str(&text);
    state.templates.open = false;
    state.focus = Focus::Feedback;
}

fn add(state: &mut State) -> Vec<Effect> {
    let Some(id) = state.acting_on().map(|row| row.assignment.id.clone()) else {
        return Vec::new();
    };
    let draft = state.drafts.text(&id).trim().to_string();
    if draft.is_empty() {
        state.say(
            Tone::Info,
            "the feedback is empty: write it first (e), then t and a",
        );
        return Vec::new();
    }
    if state.templates.texts.contains(&draft) {
        state.say(Tone::Info, "this feedback is a template already");
        return Vec::new();
    }
    state.templates.texts.push(draft);
    match state.templates.save() {
        Ok(effect) => {
            state.templates.cursor = state.templates.texts.len() - 1;
            state.say(Tone::Success, "feedback saved as a template");
            vec![effect]
        }
        Err(problem) => {
            state.templates.texts.pop();
            state.say(Tone::Error, format!("not saved: {problem}"));
            Vec::new()
        }
    }
}

fn delete(state: &mut State) -> Vec<Effect> {
    let templates = &mut state.templates;
    if templates.cursor >= templates.texts.len() {
        return Vec::new();
    }
    let removed = templates.texts.remove(templates.cursor);
    match templates.save() {
        Ok(effect) => {
            templates.cursor = templates
                .cursor
                .min(templates.texts.len().saturating_sub(1));
            state.say(Tone::Info, "template deleted");
            vec![effect]
        }
        Err(problem) => {
            templates.texts.insert(templates.cursor, removed);
            state.say(Tone::Error, format!("not deleted: {problem}"));
            Vec::new()
        }
    }
}

/// The event loop's word on a write.
pub fn on_saved(state: &mut State, result: Result<(), String>) {
    if let Err(problem) = result {
        state.say(Tone::Error, format!("templates: {problem}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "mturk-review-templates-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("templates.toml")
    }

    #[test]
    fn templates_round_trip_through_the_file() {
        let path = temp_path("round-trip");
        assert_eq!(read(&path).unwrap(), None, "no file yet");
        let texts = vec!["Thanks!".to_string(), "Line one\nline \"two\"".to_string()];
        write(&path, &texts).unwrap();
        assert_eq!(read(&path).unwrap(), Some(texts.clone()));
        let loaded = Templates::load(Some(path.clone()));
        assert_eq!((loaded.texts, loaded.problem), (texts, None));
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn without_a_file_the_built_in_ones_are_offered() {
        let loaded = Templates::load(Some(temp_path("none")));
        assert_eq!(loaded.texts.len(), BUILT_IN.len());
        assert_eq!(loaded.problem, None);
    }

    #[test]
    fn a_broken_file_is_a_problem_and_is_not_saved_over() {
        let path = temp_path("broken");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "[[template]]\ntext = \"unterminated\n").unwrap();
        let loaded = Templates::load(Some(path.clone()));
        let problem = loaded.problem.clone().unwrap();
        assert!(
            problem.contains("is not a valid templates file"),
            "{problem}"
        );
        assert!(loaded.save().is_err(), "never overwritten");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
