//! The two review policies MTurk documents, read from the `ReviewPolicy` CreateHIT is given
//! (`PolicyName` and `Parameters`: `Key` with `Values`, or `MapEntries` for an AnswerKey) and
//! checked as the AWS reference states them: an unknown policy or parameter, a value out of its
//! range or a missing required one is a ParameterValidationError that says which.

use serde_json::Value;

use crate::rules;
use crate::server::error::ApiError;

pub const KNOWN_ANSWERS: &str = "ScoreMyKnownAnswers/2011-09-01";
pub const PLURALITY: &str = "SimplePlurality/2011-09-01";

/// `ScoreMyKnownAnswers/2011-09-01`, the assignment-level policy: each submitted assignment
/// is scored against the answer key.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownAnswers {
    /// QuestionId -> the values a worker must give, all of them and no others.
    pub answer_key: Vec<(String, Vec<String>)>,
    /// 0 approves always, 101 never.
    pub approve_at_least: Option<i64>,
    pub approve_reason: Option<String>,
    /// 0 rejects never, 101 always.
    pub reject_below: Option<i64>,
    pub reject_reason: Option<String>,
    pub extend: Option<Extension>,
}

/// `SimplePlurality/2011-09-01`, the HIT-level policy: once the HIT is reviewable, its
/// assignments' answers to `question_ids` are compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Plurality {
    pub question_ids: Vec<String>,
    /// A question's answer is agreed when its agreement score is greater than this.
    pub agreement_threshold: i64,
    pub disregard_rejected: bool,
    pub disregard_known_answer_below: Option<i64>,
    pub extend: Option<Extension>,
    pub approve_at_least: Option<i64>,
    pub reject_below: Option<i64>,
    pub reject_reason: Option<String>,
}

/// When and how far a policy sends its HIT out again: one more assignment, up to
/// `maximum_assignments` in all, and at least `minimum_time_secs` left to do it in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extension {
    pub below: i64,
    pub maximum_assignments: i64,
    pub minimum_time_secs: i64,
}

/// The error MTurk answers for a policy it cannot take.
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::request("AWS.MechanicalTurk.ParameterValidationError", message)
}

/// The parameters of one policy, by key, each used once.
struct Parameters<'a> {
    policy: &'static str,
    entries: Vec<(&'a str, &'a Value)>,
}

impl<'a> Parameters<'a> {
    fn read(policy: &'static str, input: &'a Value, allowed: &[&str]) -> Result<Self, ApiError> {
        let mut entries: Vec<(&str, &Value)> = Vec::new();
        let list = match input.get("Parameters") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(list)) => list.as_slice(),
            Some(_) => return Err(invalid(format!("{policy}: Parameters must be a list."))),
        };
        for parameter in list {
            let key = parameter
                .get("Key")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(format!("{policy}: every parameter must have a Key.")))?;
            if !allowed.contains(&key) {
                return Err(invalid(format!(
                    "{key} is not a parameter of the {policy} review policy. Its parameters are: {}.",
                    allowed.join(", ")
                )));
            }
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(invalid(format!(
                    "{policy}: the parameter {key} is given twice."
                )));
            }
            entries.push((key, parameter));
        }
        Ok(Parameters { policy, entries })
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// The parameter's Values, when it is given.
    fn values(&self, key: &str) -> Option<Vec<&'a str>> {
        self.get(key).map(|p| {
            p.get("Values")
                .and_then(Value::as_array)
                .map(|list| list.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default()
        })
    }

    /// A parameter of exactly one value.
    fn single(&self, key: &str) -> Result<Option<&'a str>, ApiError> {
        match self.values(key) {
            None => Ok(None),
            Some(values) if values.len() == 1 => Ok(Some(values[0])),
            Some(values) => Err(invalid(format!(
                "{}: the parameter {key} takes one value, not {}.",
                self.policy,
                values.len()
            ))),
        }
    }

    /// A reason, which becomes the assignment's RequesterFeedback: checked by its rules now,
    /// so that the policy's approvals and rejections never fail on it.
    fn reason(&self, key: &str) -> Result<Option<String>, ApiError> {
        let reason = self.single(key)?;
        if let Some(problem) = reason.and_then(rules::feedback_problem) {
            return Err(invalid(format!(
                "{}: {key} is invalid: {problem}.",
                self.policy
            )));
        }
        Ok(reason.map(str::to_string))
    }

    /// An integer parameter within `min..=max`.
    fn integer(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(text) = self.single(key)? else {
            return Ok(None);
        };
        let value: i64 = text.trim().parse().map_err(|_| {
            invalid(format!(
                "{}: the value \"{text}\" of {key} is not an integer.",
                self.policy
            ))
        })?;
        if !(min..=max).contains(&value) {
            return Err(invalid(format!(
                "{}: the value {value} of {key} must be between {min} and {max}.",
                self.policy
            )));
        }
        Ok(Some(value))
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, ApiError> {
        let Some(text) = self.single(key)? else {
            return Ok(None);
        };
        // The reference writes the constraint as "T or F"; SDK users write true and false.
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "t" => Ok(Some(true)),
            "false" | "f" => Ok(Some(false)),
            _ => Err(invalid(format!(
                "{}: the value \"{text}\" of {key} must be true or false.",
                self.policy
            ))),
        }
    }

    fn required<T>(&self, key: &str, value: Option<T>) -> Result<T, ApiError> {
        value.ok_or_else(|| invalid(format!("{}: the parameter {key} is required.", self.policy)))
    }
}

fn check_name(input: &Value, member: &str, expected: &'static str) -> Result<(), ApiError> {
    let name = input
        .get("PolicyName")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name == expected {
        return Ok(());
    }
    let other = if expected == KNOWN_ANSWERS {
        PLURALITY
    } else {
        KNOWN_ANSWERS
    };
    let hint = if name == other {
        format!(" ({other} is a policy of the other level)")
    } else {
        String::new()
    };
    Err(invalid(format!(
        "The {member} PolicyName \"{name}\" is not a review policy of that level{hint}. It must be {expected}."
    )))
}

const KNOWN_ANSWERS_PARAMETERS: [&str; 8] = [
    "AnswerKey",
    "ApproveIfKnownAnswerScoreIsAtLeast",
    "ApproveReason",
    "RejectIfKnownAnswerScoreIsLessThan",
    "RejectReason",
    "ExtendIfKnownAnswerScoreIsLessThan",
    "ExtendMaximumAssignments",
    "ExtendMinimumTimeInSeconds",
];

const PLURALITY_PARAMETERS: [&str; 10] = [
    "QuestionIds",
    "QuestionAgreementThreshold",
    "DisregardAssignmentIfRejected",
    "DisregardAssignmentIfKnownAnswerScoreIsLessThan",
    "ExtendIfHITAgreementScoreIsLessThan",
    "ExtendMaximumAssignments",
    "ExtendMinimumTimeInSeconds",
    "ApproveIfWorkerAgreementScoreIsAtLeast",
    "RejectIfWorkerAgreementScoreIsLessThan",
    "RejectReason",
];

/// One year, the longest extension either policy allows.
const YEAR_SECS: i64 = 31_536_000;

/// An `AssignmentReviewPolicy`, checked.
pub fn known_answers(input: &Value) -> Result<KnownAnswers, ApiError> {
    check_name(input, "AssignmentReviewPolicy", KNOWN_ANSWERS)?;
    let p = Parameters::read(KNOWN_ANSWERS, input, &KNOWN_ANSWERS_PARAMETERS)?;
    let key = p.required("AnswerKey", p.get("AnswerKey"))?;
    let entries = key
        .get("MapEntries")
        .and_then(Value::as_array)
        .filter(|list| !list.is_empty())
        .ok_or_else(|| {
            invalid(format!(
                "{KNOWN_ANSWERS}: AnswerKey must have MapEntries, one per question (Key: the QuestionId, Values: its answer)."
            ))
        })?;
    let mut answer_key: Vec<(String, Vec<String>)> = Vec::new();
    for entry in entries {
        let question = entry.get("Key").and_then(Value::as_str).ok_or_else(|| {
            invalid(format!(
                "{KNOWN_ANSWERS}: every AnswerKey entry must have a Key."
            ))
        })?;
        if answer_key.iter().any(|(q, _)| q == question) {
            return Err(invalid(format!(
                "{KNOWN_ANSWERS}: the AnswerKey names the question {question} twice."
            )));
        }
        let values = entry
            .get("Values")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        answer_key.push((question.to_string(), values));
    }
    // The three extension parameters: ExtendMaximumAssignments defaults to 5 and
    // ExtendMinimumTimeInSeconds to 0, as the reference gives them.
    let extend_below = p.integer("ExtendIfKnownAnswerScoreIsLessThan", 0, 101)?;
    let maximum = p.integer("ExtendMaximumAssignments", 2, 25)?;
    let minimum_time = p.integer("ExtendMinimumTimeInSeconds", 3600, YEAR_SECS)?;
    Ok(KnownAnswers {
        answer_key,
        approve_at_least: p.integer("ApproveIfKnownAnswerScoreIsAtLeast", 0, 101)?,
        approve_reason: p.reason("ApproveReason")?,
        reject_below: p.integer("RejectIfKnownAnswerScoreIsLessThan", 0, 101)?,
        reject_reason: p.reason("RejectReason")?,
        extend: extend_below.map(|below| Extension {
            below,
            maximum_assignments: maximum.unwrap_or(5),
            minimum_time_secs: minimum_time.unwrap_or(0),
        }),
    })
}

/// A `HITReviewPolicy`, checked.
pub fn plurality(input: &Value) -> Result<Plurality, ApiError> {
    check_name(input, "HITReviewPolicy", PLURALITY)?;
    let p = Parameters::read(PLURALITY, input, &PLURALITY_PARAMETERS)?;
    // "A comma-separated list of questionIds": one value with commas, or one value each.
    let question_ids: Vec<String> = p
        .required("QuestionIds", p.values("QuestionIds"))?
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string)
        .collect();
    if question_ids.is_empty() {
        return Err(invalid(format!(
            "{PLURALITY}: QuestionIds must name at least one question."
        )));
    }
    let any = (i64::MIN, i64::MAX);
    let threshold = p.integer("QuestionAgreementThreshold", any.0, any.1)?;
    let extend_below = p.integer("ExtendIfHITAgreementScoreIsLessThan", 1, 100)?;
    let maximum = p.integer("ExtendMaximumAssignments", 1, 1_000_000_000)?;
    let minimum_time = p.integer("ExtendMinimumTimeInSeconds", 60, YEAR_SECS)?;
    let extend = match extend_below {
        None => None,
        Some(below) => Some(Extension {
            below,
            maximum_assignments: p.required("ExtendMaximumAssignments", maximum)?,
            minimum_time_secs: p.required("ExtendMinimumTimeInSeconds", minimum_time)?,
        }),
    };
    Ok(Plurality {
        question_ids,
        agreement_threshold: p.required("QuestionAgreementThreshold", threshold)?,
        // The reference marks it required, but clients that ran on MTurk (pyMTurkR's own
        // example among them) leave it out; absent, rejected work is not disregarded.
        disregard_rejected: p.boolean("DisregardAssignmentIfRejected")?.unwrap_or(false),
        disregard_known_answer_below: p.integer(
            "DisregardAssignmentIfKnownAnswerScoreIsLessThan",
            any.0,
            any.1,
        )?,
        extend,
        approve_at_least: p.integer("ApproveIfWorkerAgreementScoreIsAtLeast", any.0, any.1)?,
        reject_below: p.integer("RejectIfWorkerAgreementScoreIsLessThan", any.0, any.1)?,
        reject_reason: p.reason("RejectReason")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param(key: &str, value: &str) -> Value {
        json!({"Key": key, "Values": [value]})
    }

    #[test]
    fn a_known_answer_policy_reads_its_key_and_defaults() {
        let policy = json!({"PolicyName": KNOWN_ANSWERS, "Parameters": [
            {"Key": "AnswerKey", "MapEntries": [{"Key": "q1", "Values": ["A"]}, {"Key": "q2", "Values": ["B", "C"]}]},
            param("RejectIfKnownAnswerScoreIsLessThan", "50"),
            param("ExtendIfKnownAnswerScoreIsLessThan", "50"),
        ]});
        let read = known_answers(&policy).unwrap();
        assert_eq!(
            read.answer_key[1],
            ("q2".into(), vec!["B".into(), "C".into()])
        );
        assert_eq!(read.reject_below, Some(50));
        assert_eq!(read.approve_at_least, None);
        assert_eq!(
            read.extend,
            Some(Extension {
                below: 50,
                maximum_assignments: 5,
                minimum_time_secs: 0
            })
        );
    }

    #[test]
    fn unknown_names_parameters_and_ranges_are_refused_with_their_name() {
        let cases = [
            (
                json!({"PolicyName": "ScoreMyKnownAnswers/2020-01-01"}),
                "ScoreMyKnownAnswers/2020-01-01",
            ),
            (json!({"PolicyName": PLURALITY}), "other level"),
            (
                json!({"PolicyName": KNOWN_ANSWERS}),
                "AnswerKey is required",
            ),
            (
                json!({"PolicyName": KNOWN_ANSWERS, "Parameters": [param("Bogus", "1")]}),
                "Bogus is not a parameter",
            ),
            (
                json!({"PolicyName": KNOWN_ANSWERS, "Parameters": [
                {"Key": "AnswerKey", "MapEntries": [{"Key": "q", "Values": ["A"]}]},
                param("ApproveIfKnownAnswerScoreIsAtLeast", "102")]}),
                "between 0 and 101",
            ),
            (
                json!({"PolicyName": KNOWN_ANSWERS, "Parameters": [
                {"Key": "AnswerKey", "MapEntries": [{"Key": "q", "Values": ["A"]}]},
                param("ExtendMaximumAssignments", "x")]}),
                "not an integer",
            ),
        ];
        for (policy, words) in cases {
            let err = known_answers(&policy).unwrap_err();
            assert_eq!(
                err.turk_code,
                Some("AWS.MechanicalTurk.ParameterValidationError")
            );
            assert!(err.message.contains(words), "{words}: {}", err.message);
        }
    }

    #[test]
    fn a_plurality_policy_needs_both_extension_limits_when_it_extends() {
        let base = |extra: Vec<Value>| {
            let mut parameters = vec![
                param("QuestionIds", "q1, q2"),
                param("QuestionAgreementThreshold", "49"),
            ];
            parameters.extend(extra);
            json!({"PolicyName": PLURALITY, "Parameters": parameters})
        };
        let read = plurality(&base(vec![])).unwrap();
        assert_eq!(read.question_ids, ["q1", "q2"]);
        assert!(!read.disregard_rejected);
        let err = plurality(&base(vec![param(
            "ExtendIfHITAgreementScoreIsLessThan",
            "80",
        )]))
        .unwrap_err();
        assert!(
            err.message.contains("ExtendMaximumAssignments is required"),
            "{err:?}"
        );
        let err =
            plurality(&base(vec![param("DisregardAssignmentIfRejected", "maybe")])).unwrap_err();
        assert!(err.message.contains("true or false"), "{err:?}");
    }
}
