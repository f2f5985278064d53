//! Agreement among the assignments of one HIT. Each answer is flattened to one value per
//! question path (crowd-form `taskAnswers` JSON to paths such as `sentiment.label`); a
//! question's majority is its most common answer (a tie has none), compared after trimming
//! and case-folding; each assignment agrees with the majority on some of the questions that
//! have one. Pure functions over parsed answers: the console works them out once per HIT.
use std::collections::HashMap;

use serde_json::Value as Json;

use crate::answer::{ParsedAnswer, Value};

/// The crowd-form (Crowd HTML Elements) answer: one FreeText holding a JSON array.
const TASK_ANSWERS: &str = "taskAnswers";

/// One question's answer in one assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatValue {
    /// The question identifier, or a path into crowd-form JSON: `sentiment.label`.
    pub path: String,
    /// As the worker wrote it (one line).
    pub shown: String,
    /// What is compared: trimmed and case-folded.
    pub key: String,
}

/// What a cell keeps to show of a long answer (a 1 MB transcript is compared whole).
const SHOWN_CHARS: usize = 200;

impl FlatValue {
    fn new(path: String, text: String) -> FlatValue {
        let key = text.trim().to_lowercase();
        let shown = match text.char_indices().nth(SHOWN_CHARS) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        };
        FlatValue { path, shown, key }
    }
}

/// An answer as one value per question path, in document order.
pub fn flatten(parsed: &ParsedAnswer) -> Vec<FlatValue> {
    let mut out = Vec::new();
    for field in &parsed.fields {
        let id = field.question_id.clone();
        match &field.value {
            Value::Text(text) => out.push(FlatValue::new(id, text.clone())),
            Value::Json(text) => match serde_json::from_str::<Json>(text) {
                Ok(json) if id == TASK_ANSWERS => flatten_task_answers(&json, &mut out),
                Ok(json) => flatten_json(&json, id, &mut out),
                Err(_) => out.push(FlatValue::new(id, text.clone())),
            },
            Value::Selection { selected, other } => {
                // The order of checked boxes does not change the answer.
                let mut chosen = selected.clone();
                chosen.sort();
                let mut shown = chosen.join(", ");
                if let Some(other) = other {
                    if !shown.is_empty() {
                        shown.push_str(", ");
                    }
                    shown.push_str(&format!("other: {other}"));
                }
                out.push(FlatValue::new(id, shown));
            }
            Value::Upload { key, .. } => out.push(FlatValue::new(id, key.clone())),
            Value::Empty => out.push(FlatValue::new(id, String::new())),
        }
    }
    out
}

/// `taskAnswers` is an array with one object per task; a single task's fields are paths of
/// their own (`sentiment.label`), several tasks' are numbered (`0.sentiment.label`).
fn flatten_task_answers(json: &Json, out: &mut Vec<FlatValue>) {
    match json {
        Json::Array(tasks) if tasks.len() == 1 => flatten_json(&tasks[0], String::new(), out),
        other => flatten_json(other, String::new(), out),
    }
}

fn flatten_json(json: &Json, path: String, out: &mut Vec<FlatValue>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match json {
        Json::Object(fields) if !fields.is_empty() => {
            for (key, value) in fields {
                flatten_json(value, join(key), out);
            }
        }
        Json::Array(items) if !items.is_empty() => {
            for (i, value) in items.iter().enumerate() {
                flatten_json(value, join(&i.to_string()), out);
            }
        }
        Json::String(text) => out.push(FlatValue::new(path, text.clone())),
        Json::Null => out.push(FlatValue::new(path, String::new())),
        other => out.push(FlatValue::new(path, other.to_string())),
    }
}

/// One assignment's answer to one question, as the HIT view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub shown: String,
    /// It is the question's majority answer.
    pub agrees: bool,
}

/// One question across the assignments of a HIT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub path: String,
    /// The most common answer as first written; None on a tie.
    pub majority: Option<String>,
    /// Assignments giving the majority answer.
    pub agreeing: usize,
    /// One per column; None where that assignment did not answer this question.
    pub cells: Vec<Option<Cell>>,
}

/// How one assignment (a column) agrees with the majority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnAgreement {
    /// Questions with a majority where it gave the majority answer.
    pub agreed: usize,
    /// Questions with a majority.
    pub of: usize,
}

impl ColumnAgreement {
    /// It agrees with the majority on every question that has one (and some question has).
    pub fn agrees_everywhere(self) -> bool {
        self.of > 0 && self.agreed == self.of
    }
}

/// The answers of a HIT's assignments side by side, with the majority of each question.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HitAgreement {
    /// Assignment ids, one per column, in the order given.
    pub columns: Vec<String>,
    pub questions: Vec<Question>,
    /// One per column.
    pub per_column: Vec<ColumnAgreement>,
}

impl HitAgreement {
    /// Fewer than two answers agree with nobody: no figures then.
    pub fn has_figures(&self) -> bool {
        self.columns.len() >= 2
    }

    pub fn column_of(&self, assignment_id: &str) -> Option<usize> {
        self.columns.iter().position(|id| id == assignment_id)
    }

    /// Questions with a majority, and the share of all columns agreeing, averaged.
    pub fn mean_share(&self) -> Option<f64> {
        let with: Vec<&Question> = self
            .questions
            .iter()
            .filter(|q| q.majority.is_some())
            .collect();
        if with.is_empty() || self.columns.is_empty() {
            return None;
        }
        let total: usize = with.iter().map(|q| q.agreeing).sum();
        Some(total as f64 / (with.len() * self.columns.len()) as f64)
    }
}

/// Lines up the answers (assignment id, flattened answer) of one HIT: a question per path in
/// the order paths first appear, a column per assignment in the order given.
pub fn agreement(answers: &[(&str, &[FlatValue])]) -> HitAgreement {
    let columns: Vec<String> = answers.iter().map(|(id, _)| id.to_string()).collect();
    let mut paths: HashMap<&str, usize> = HashMap::new();
    let mut questions: Vec<Question> = Vec::new();
    // Per question: the column of each answer, with its key.
    let mut keys: Vec<Vec<(usize, &str)>> = Vec::new();
    for (column, (_, values)) in answers.iter().enumerate() {
        for value in values.iter() {
            let q = *paths.entry(value.path.as_str()).or_insert_with(|| {
                questions.push(Question {
                    path: value.path.clone(),
                    majority: None,
                    agreeing: 0,
                    cells: vec![None; columns.len()],
                });
                keys.push(Vec::new());
                questions.len() - 1
            });
            // A repeated path keeps its first answer.
            if questions[q].cells[column].is_none() {
                questions[q].cells[column] = Some(Cell {
                    shown: value.shown.clone(),
                    agrees: false,
                });
                keys[q].push((column, value.key.as_str()));
            }
        }
    }
    let mut per_column = vec![ColumnAgreement { agreed: 0, of: 0 }; columns.len()];
    for (question, answered) in questions.iter_mut().zip(&keys) {
        let Some(majority) = majority(answered) else {
            continue;
        };
        for column in &mut per_column {
            column.of += 1;
        }
        for &(column, key) in answered {
            if key == majority {
                question.agreeing += 1;
                per_column[column].agreed += 1;
                if let Some(cell) = &mut question.cells[column] {
                    cell.agrees = true;
                    if question.majority.is_none() {
                        question.majority = Some(cell.shown.clone());
                    }
                }
            }
        }
    }
    HitAgreement {
        columns,
        questions,
        per_column,
    }
}

/// The most common key; None on a tie for first place.
fn majority<'k>(answered: &[(usize, &'k str)]) -> Option<&'k str> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for &(_, key) in answered {
        *counts.entry(key).or_default() += 1;
    }
    let best = counts.values().copied().max()?;
    let mut leaders = counts.iter().filter(|(_, n)| **n == best);
    let (leader, _) = leaders.next()?;
    leaders.next().is_none().then_some(*leader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::parse;
    use crate::answer::write::AnswersWriter;

    fn crowd(json: &str) -> Vec<FlatValue> {
        let mut w = AnswersWriter::new();
        w.free_text("taskAnswers", json);
        flatten(&parse(&w.finish()))
    }

    fn paths(values: &[FlatValue]) -> Vec<(&str, &str)> {
        values
            .iter()
            .map(|v| (v.path.as_str(), v.shown.as_str()))
            .collect()
    }

    #[test]
    fn crowd_form_answers_flatten_to_paths() {
        let values =
            crowd(r#"[{"sentiment":{"label":"Positive"},"confidence":4,"tags":["a","b"]}]"#);
        assert_eq!(
            paths(&values),
            [
                ("confidence", "4"),
                ("sentiment.label", "Positive"),
                ("tags.0", "a"),
                ("tags.1", "b")
            ]
        );
        let two = crowd(r#"[{"x":1},{"x":2}]"#);
        assert_eq!(paths(&two), [("0.x", "1"), ("1.x", "2")]);
    }

    #[test]
    fn form_fields_and_selections_flatten_by_question_id() {
        let mut w = AnswersWriter::new();
        w.free_text("comment", "  Fine  ");
        w.selections("mode", &["train", "bicycle"], Some("scooter"));
        let values = flatten(&parse(&w.finish()));
        assert_eq!(
            paths(&values),
            [
                ("comment", "  Fine  "),
                ("mode", "bicycle, train, other: scooter")
            ]
        );
        assert_eq!(values[0].key, "fine", "trimmed and case-folded");
    }

    #[test]
    fn a_long_answer_is_compared_whole_and_shown_cut() {
        let long = "x".repeat(5_000);
        let mut w = AnswersWriter::new();
        w.free_text("transcript", &long);
        let values = flatten(&parse(&w.finish()));
        assert_eq!(values[0].key, long);
        assert_eq!(values[0].shown.chars().count(), SHOWN_CHARS + 1);
        assert!(values[0].shown.ends_with('…'));
    }

    #[test]
    fn the_majority_is_compared_trimmed_and_case_folded() {
        let a = crowd(r#"[{"label":"Positive","note":"x"}]"#);
        let b = crowd(r#"[{"label":" positive ","note":"y"}]"#);
        let c = crowd(r#"[{"label":"Negative"}]"#);
        let hit = agreement(&[("A", &a), ("B", &b), ("C", &c)]);
        assert_eq!(hit.columns, ["A", "B", "C"]);
        let label = &hit.questions[0];
        assert_eq!(label.path, "label");
        assert_eq!(label.majority.as_deref(), Some("Positive"));
        assert_eq!(label.agreeing, 2);
        assert_eq!(
            label
                .cells
                .iter()
                .map(|c| c.as_ref().map(|c| c.agrees))
                .collect::<Vec<_>>(),
            [Some(true), Some(true), Some(false)]
        );
        // "note": x and y tie, so no majority, and C did not answer it.
        let note = &hit.questions[1];
        assert_eq!((note.majority.as_deref(), note.agreeing), (None, 0));
        assert_eq!(note.cells[2], None);
        let per: Vec<(usize, usize)> = hit.per_column.iter().map(|c| (c.agreed, c.of)).collect();
        assert_eq!(per, [(1, 1), (1, 1), (0, 1)]);
        assert!(hit.per_column[0].agrees_everywhere());
        assert!(!hit.per_column[2].agrees_everywhere());
        assert_eq!(hit.mean_share(), Some(2.0 / 3.0));
        assert!(hit.has_figures());
    }

    #[test]
    fn a_missing_answer_does_not_agree_and_one_assignment_has_no_figures() {
        let a = crowd(r#"[{"label":"x","other":"1"}]"#);
        let b = crowd(r#"[{"label":"x"}]"#);
        let c = crowd(r#"[{"label":"x","other":"1"}]"#);
        let hit = agreement(&[("A", &a), ("B", &b), ("C", &c)]);
        assert!(hit.per_column[0].agrees_everywhere());
        assert_eq!(
            (hit.per_column[1].agreed, hit.per_column[1].of),
            (1, 2),
            "B left out a question with a majority"
        );
        let alone = agreement(&[("A", &a)]);
        assert!(!alone.has_figures());
        assert_eq!(alone.column_of("A"), Some(0));
    }
}
