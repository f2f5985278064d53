//! The scores the two policies compute, as the AWS reference defines them, from workers'
//! answers alone (no store, no money):
//! - known answer score: the percentage of the answer key's questions a worker answered
//!   exactly (the same values, no more, no fewer, each trimmed of surrounding whitespace);
//! - question agreement score: the percentage of the evaluated workers who gave the most
//!   common answer; the answer is *agreed* when that score is greater than the threshold;
//! - HIT agreement score: the percentage of the policy's questions that have an agreed answer;
//! - worker agreement score: the percentage of the questions with an agreed answer to which
//!   the worker gave it (none when no question has one).
//!
//! Percentages are rounded down, as the reference's example (2 of 3 is 66%) shows.

use std::collections::BTreeSet;

use crate::answer::{self, Value};

/// The reference: answers longer than this are not used in HIT review policies.
const MAX_PLURALITY_ANSWER_CHARS: usize = 256;

/// A worker's answer to one question: its values, trimmed.
pub type AnswerValues = BTreeSet<String>;

/// The answers of one assignment's document, by question.
pub struct Answers(Vec<(String, Vec<String>)>);

impl Answers {
    pub fn parse(answer_xml: &str) -> Answers {
        let parsed = answer::parse(answer_xml);
        Answers(
            parsed
                .fields
                .into_iter()
                .map(|field| {
                    let values = match field.value {
                        Value::Selection { selected, .. } => selected,
                        Value::Text(text) | Value::Json(text) => vec![text],
                        Value::Upload { .. } | Value::Empty => Vec::new(),
                    };
                    (field.question_id, values)
                })
                .collect(),
        )
    }

    /// The raw values given for `question`, if it was answered at all.
    fn raw(&self, question: &str) -> Option<&[String]> {
        self.0
            .iter()
            .find(|(q, _)| q == question)
            .map(|(_, v)| v.as_slice())
    }

    /// The answer to `question` as a set of trimmed values: one FreeText of several values
    /// joined with `|` (a repeated form field, as the worker site and MTurk write it) counts as
    /// those values. Empty when unanswered.
    pub fn values(&self, question: &str) -> AnswerValues {
        self.raw(question)
            .unwrap_or_default()
            .iter()
            .flat_map(|v| v.split('|'))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Whether the answer to `question` is exactly `expected`. A single value that holds a `|`
    /// of its own matches as it is.
    pub fn matches(&self, question: &str, expected: &[String]) -> bool {
        let expected: AnswerValues = expected.iter().map(|v| v.trim().to_string()).collect();
        if expected.is_empty() {
            // An empty value set in the key matches nothing, not even no answer.
            return false;
        }
        if self.values(question) == expected {
            return true;
        }
        let whole: AnswerValues = self
            .raw(question)
            .unwrap_or_default()
            .iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        whole == expected
    }
}

/// `part` of `whole` as a percentage, rounded down.
pub fn percent(part: usize, whole: usize) -> i64 {
    if whole == 0 {
        return 0;
    }
    i64::try_from(part * 100 / whole).unwrap_or(i64::MAX)
}

/// One assignment scored against an answer key.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownAnswerScore {
    /// Each key question, and whether it was answered correctly.
    pub questions: Vec<(String, bool)>,
    pub correct: usize,
    pub score: i64,
}

pub fn known_answers(key: &[(String, Vec<String>)], answers: &Answers) -> KnownAnswerScore {
    let questions: Vec<(String, bool)> = key
        .iter()
        .map(|(question, expected)| (question.clone(), answers.matches(question, expected)))
        .collect();
    let correct = questions.iter().filter(|(_, ok)| *ok).count();
    KnownAnswerScore {
        score: percent(correct, questions.len()),
        questions,
        correct,
    }
}

/// What comparing the evaluated assignments found.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Per policy question: its agreed answer and agreement score, when it has one.
    pub questions: Vec<(String, Option<(AnswerValues, i64)>)>,
    pub hit_score: i64,
    /// Per evaluated assignment, in the order given.
    pub workers: Vec<WorkerAgreement>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkerAgreement {
    /// Answers that agreed with, and differed from, a question's agreed answer.
    pub correct: usize,
    pub incorrect: usize,
    /// None when no question had an agreed answer.
    pub score: Option<i64>,
}

/// Compares the evaluated assignments' answers to `questions`.
pub fn plurality(questions: &[String], threshold: i64, evaluated: &[Answers]) -> Agreement {
    let usable = |answers: &Answers, question: &str| {
        let values = answers.values(question);
        (!values.is_empty()
            && values
                .iter()
                .all(|v| v.chars().count() <= MAX_PLURALITY_ANSWER_CHARS))
        .then_some(values)
    };
    let mut agreed: Vec<(String, Option<(AnswerValues, i64)>)> = Vec::new();
    for question in questions {
        // The most common answer; the first given wins a tie.
        let mut counts: Vec<(AnswerValues, usize)> = Vec::new();
        for answers in evaluated {
            if let Some(values) = usable(answers, question) {
                match counts.iter_mut().find(|(v, _)| *v == values) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((values, 1)),
                }
            }
        }
        let mut best: Option<(AnswerValues, usize)> = None;
        for (values, n) in counts {
            if best.as_ref().is_none_or(|(_, most)| n > *most) {
                best = Some((values, n));
            }
        }
        let found = best
            .map(|(values, n)| (values, percent(n, evaluated.len())))
            .filter(|(_, score)| *score > threshold);
        agreed.push((question.clone(), found));
    }
    let with_answer = agreed.iter().filter(|(_, a)| a.is_some()).count();
    let workers = evaluated
        .iter()
        .map(|answers| {
            let mut correct = 0;
            let mut incorrect = 0;
            for (question, found) in &agreed {
                if let Some((values, _)) = found {
                    if usable(answers, question).as_ref() == Some(values) {
                        correct += 1;
                    } else {
                        incorrect += 1;
                    }
                }
            }
            WorkerAgreement {
                correct,
                incorrect,
                score: (with_answer > 0).then(|| percent(correct, with_answer)),
            }
        })
        .collect();
    Agreement {
        hit_score: percent(with_answer, questions.len()),
        questions: agreed,
        workers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        let mut xml = String::from("<QuestionFormAnswers>");
        for (q, v) in pairs {
            xml.push_str(&format!(
                "<Answer><QuestionIdentifier>{q}</QuestionIdentifier><FreeText>{v}</FreeText></Answer>"
            ));
        }
        xml.push_str("</QuestionFormAnswers>");
        Answers::parse(&xml)
    }

    fn key(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        pairs
            .iter()
            .map(|(q, v)| (q.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn known_answers_must_match_exactly_after_trimming() {
        let key = key(&[
            ("a", &["cat"]),
            ("b", &["x", "y"]),
            ("c", &["Dog"]),
            ("d", &[]),
        ]);
        let score = known_answers(
            &key,
            &answers(&[("a", "  cat "), ("b", "y|x"), ("c", "dog")]),
        );
        assert_eq!(
            score.questions,
            [
                ("a".into(), true),
                ("b".into(), true),
                ("c".into(), false),
                ("d".into(), false)
            ]
        );
        assert_eq!((score.correct, score.score), (2, 50));
        let partial = known_answers(&key, &answers(&[("b", "x")]));
        assert_eq!(partial.correct, 0, "A alone does not match A and B");
    }

    #[test]
    fn the_references_example_of_three_workers_and_four_questions() {
        let questions: Vec<String> = ["A", "B", "C", "D"].map(String::from).to_vec();
        let workers = [
            answers(&[("A", "coat"), ("B", "blue"), ("C", "large"), ("D", "Furry")]),
            answers(&[
                ("A", "sweater"),
                ("B", "blue"),
                ("C", "large"),
                ("D", "fur"),
            ]),
            answers(&[("A", "coat"), ("B", "green"), ("C", "large"), ("D", "furr")]),
        ];
        let found = plurality(&questions, 50, &workers);
        let scores: Vec<Option<i64>> = found
            .questions
            .iter()
            .map(|(_, a)| a.as_ref().map(|(_, s)| *s))
            .collect();
        assert_eq!(scores, [Some(66), Some(66), Some(100), None]);
        assert_eq!(found.hit_score, 75);
        let worker_scores: Vec<Option<i64>> = found.workers.iter().map(|w| w.score).collect();
        assert_eq!(worker_scores, [Some(100), Some(66), Some(66)]);
        assert_eq!(
            (found.workers[1].correct, found.workers[1].incorrect),
            (2, 1)
        );
        let strict = plurality(&questions, 66, &workers);
        assert_eq!(
            strict.hit_score, 25,
            "agreed only when greater than the threshold"
        );
    }

    #[test]
    fn no_agreement_gives_no_worker_score_and_long_answers_are_not_used() {
        let long = "x".repeat(MAX_PLURALITY_ANSWER_CHARS + 1);
        let workers = [answers(&[("q", &long)]), answers(&[("q", &long)])];
        let found = plurality(&["q".to_string()], 0, &workers);
        assert_eq!(found.questions[0].1, None);
        assert_eq!(found.hit_score, 0);
        assert_eq!(found.workers[0].score, None);
    }
}
