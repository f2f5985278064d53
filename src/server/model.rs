//! The MTurk service model's input shapes (from botocore, embedded from assets/) and a validator
//! that checks a request body against them: types, required members, lengths, ranges, patterns
//! and enums, with AWS-style messages that name the offending member. Validation stops after
//! the first few problems and echoes at most 64 characters of a value, so the error for a body
//! of a million bad items costs no more than the error for one.

use std::collections::HashMap;
use std::io;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use super::error::{ApiError, ApiResult};

const MODEL_JSON: &str = include_str!("../../assets/mturk-model.json");

#[derive(Debug, Deserialize)]
struct Model {
    operations: HashMap<String, String>,
    shapes: HashMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
struct Shape {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    required: Vec<String>,
    min: Option<i64>,
    max: Option<i64>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    allowed: Option<Vec<String>>,
    #[serde(default)]
    members: HashMap<String, String>,
    member: Option<String>,
}

struct Compiled {
    model: Model,
    patterns: HashMap<String, Regex>,
}

/// List limits MTurk documents in the model's prose but not as a `max` (botocore carries none
/// for lists). Checked before a list's items are walked. (NotifyWorkers' 100 WorkerIds is left
/// to the operation, which refuses more in MTurk's own words.)
const DOCUMENTED_LIST_MAX: [(&str, i64); 3] = [
    // QualificationRequirements: "A HIT can have between zero and ten Qualification requirements."
    ("QualificationRequirementList", 10),
    // QualificationRequirement.IntegerValues: "you can use up to 15 IntegerValue elements".
    ("IntegerList", 15),
    // QualificationRequirement.LocaleValues: "you can use up to 30 LocaleValue elements".
    ("LocaleList", 30),
];

fn compiled() -> Option<&'static Compiled> {
    static MODEL: OnceLock<Option<Compiled>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let mut model: Model = match serde_json::from_str(MODEL_JSON) {
                Ok(model) => model,
                Err(err) => {
                    tracing::error!(%err, "embedded MTurk model is unreadable");
                    return None;
                }
            };
            for (list, max) in DOCUMENTED_LIST_MAX {
                if let Some(shape) = model.shapes.get_mut(list) {
                    shape.max.get_or_insert(max);
                }
            }
            let patterns = model
                .shapes
                .values()
                .filter_map(|s| s.pattern.as_ref())
                .filter_map(|p| Regex::new(p).ok().map(|r| (p.clone(), r)))
                .collect();
            Some(Compiled { model, patterns })
        })
        .as_ref()
}

/// The latest timestamp accepted: 9999-12-31T23:59:59Z, as far as clients' date types reach.
const MAX_EPOCH_SECS: f64 = 253_402_300_799.0;

/// A timestamp as the wire carries it: epoch seconds, fractions allowed, from 1970 to 9999.
/// The range keeps millisecond arithmetic on it far from overflow.
pub fn is_timestamp(value: &Value) -> bool {
    value
        .as_f64()
        .is_some_and(|secs| (0.0..=MAX_EPOCH_SECS).contains(&secs))
}

/// How many problems one error names. AWS lists every problem, but a body at the size limit
/// can hold a million of them; MTurk's own messages name one, and the first few are what a
/// client acts on.
const MAX_REPORTED: usize = 5;

/// How much of a value a message echoes, in characters; longer values end in `...`.
const ECHO_CHARS: usize = 64;

/// Checks `input` against the operation's input shape.
pub fn validate(operation: &str, input: &Value) -> ApiResult<()> {
    let Some(c) = compiled() else {
        return Err(ApiError::fault("service model unavailable"));
    };
    let Some(shape) = c.model.operations.get(operation) else {
        return Ok(());
    };
    let mut problems = Problems::default();
    check(c, shape, input, "", &mut problems);
    let found = problems.0;
    match found.len() {
        0 => Ok(()),
        1 => Err(ApiError::invalid(format!(
            "1 validation error detected: {}",
            found[0]
        ))),
        n if n > MAX_REPORTED => Err(ApiError::invalid(format!(
            "More than {MAX_REPORTED} validation errors detected; the first {MAX_REPORTED}: {}",
            found[..MAX_REPORTED].join("; ")
        ))),
        n => Err(ApiError::invalid(format!(
            "{n} validation errors detected: {}",
            found.join("; ")
        ))),
    }
}

/// The problems found so far: at most one more than is reported, which is how the message
/// knows there were more, and the signal for the walk to stop.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, problem: String) {
        if !self.full() {
            self.0.push(problem);
        }
    }

    fn full(&self) -> bool {
        self.0.len() > MAX_REPORTED
    }
}

/// The value as a message quotes it: at most ECHO_CHARS characters, then `...`.
fn describe(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.chars().take(ECHO_CHARS + 1).collect(),
        other => json_head(other),
    };
    let short: String = text.chars().take(ECHO_CHARS).collect();
    if short.len() < text.len() {
        format!("'{short}...'")
    } else {
        format!("'{short}'")
    }
}

/// The start of a value's JSON text: enough bytes for more than ECHO_CHARS characters, without
/// rendering the rest of a list or object that may be megabytes long. serde_json has no
/// length-limited writer, hence this one: it refuses bytes once full, which stops the writing.
fn json_head(value: &Value) -> String {
    struct Head(Vec<u8>);
    impl io::Write for Head {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let room = (ECHO_CHARS + 1) * 4 - self.0.len();
            if room == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            let n = buf.len().min(room);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut head = Head(Vec::new());
    // An error here only means the value was longer than what is kept.
    let _ = serde_json::to_writer(&mut head, value);
    // A character cut at the end shows as U+FFFD, past the characters that are echoed.
    String::from_utf8_lossy(&head.0).into_owned()
}

fn check(c: &Compiled, shape_name: &str, value: &Value, path: &str, out: &mut Problems) {
    let Some(shape) = c.model.shapes.get(shape_name) else {
        return;
    };
    if out.full() {
        return;
    }
    let at = if path.is_empty() { "input" } else { path };
    let fail = |out: &mut Problems, constraint: String| {
        out.push(format!(
            "Value {} at '{at}' failed to satisfy constraint: {constraint}",
            describe(value)
        ));
    };
    match shape.kind.as_str() {
        "structure" => {
            let Some(object) = value.as_object() else {
                return fail(out, "Member must be an object".into());
            };
            for name in &shape.required {
                if object.get(name).is_none_or(Value::is_null) {
                    out.push(format!(
                        "Value null at '{}' failed to satisfy constraint: Member must not be null",
                        join(path, name)
                    ));
                }
            }
            for (name, member_shape) in &shape.members {
                if let Some(v) = object.get(name).filter(|v| !v.is_null()) {
                    check(c, member_shape, v, &join(path, name), out);
                }
            }
        }
        "list" => {
            let Some(items) = value.as_array() else {
                return fail(out, "Member must be a list".into());
            };
            // A list of the wrong length is refused as a whole: its items are not walked.
            if !check_range(shape, items.len() as i64, "length", value, at, out) {
                return;
            }
            if let Some(member) = &shape.member {
                for (i, item) in items.iter().enumerate() {
                    if out.full() {
                        break;
                    }
                    check(c, member, item, &format!("{at}.{}", i + 1), out);
                }
            }
        }
        "string" => {
            let Some(text) = value.as_str() else {
                return fail(out, "Member must be a string".into());
            };
            check_range(shape, text.chars().count() as i64, "length", value, at, out);
            if let Some(pattern) = &shape.pattern
                && c.patterns.get(pattern).is_some_and(|r| !r.is_match(text))
            {
                fail(
                    out,
                    format!("Member must satisfy regular expression pattern: {pattern}"),
                );
            }
            if let Some(allowed) = &shape.allowed
                && !allowed.iter().any(|a| a == text)
            {
                fail(
                    out,
                    format!(
                        "Member must satisfy enum value set: [{}]",
                        allowed.join(", ")
                    ),
                );
            }
        }
        "integer" | "long" => match value.as_i64() {
            Some(n) => {
                check_range(shape, n, "value", value, at, out);
            }
            None => fail(out, "Member must be an integer".into()),
        },
        "boolean" if !value.is_boolean() => fail(out, "Member must be a boolean".into()),
        "timestamp" if !is_timestamp(value) => {
            fail(
                out,
                "Member must be a timestamp in epoch seconds between 0 and 253402300799".into(),
            );
        }
        _ => {}
    }
}

/// Checks `n` against the shape's min and max: false (and the problem recorded) when outside.
fn check_range(
    shape: &Shape,
    n: i64,
    what: &str,
    value: &Value,
    at: &str,
    out: &mut Problems,
) -> bool {
    let (min, max) = (shape.min, shape.max);
    let constraint = match (min, max) {
        (Some(lo), _) if n < lo => format!("Member must have {what} greater than or equal to {lo}"),
        (_, Some(hi)) if n > hi => format!("Member must have {what} less than or equal to {hi}"),
        _ => return true,
    };
    out.push(format!(
        "Value {} at '{at}' failed to satisfy constraint: {constraint}",
        describe(value)
    ));
    false
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(op: &str, input: Value) -> String {
        validate(op, &input)
            .err()
            .map(|e| e.message)
            .unwrap_or_default()
    }

    #[test]
    fn accepts_a_valid_request() {
        assert!(validate("ListHITs", &json!({"MaxResults": 100})).is_ok());
        assert!(validate("ApproveAssignment", &json!({"AssignmentId": "ABC123"})).is_ok());
    }

    #[test]
    fn names_missing_members() {
        let m = message("ApproveAssignment", json!({}));
        assert!(
            m.contains("'AssignmentId'") && m.contains("must not be null"),
            "{m}"
        );
    }

    #[test]
    fn checks_ranges_patterns_types_and_enums() {
        assert!(
            message("ListHITs", json!({"MaxResults": 101})).contains("less than or equal to 100")
        );
        assert!(
            message("ListHITs", json!({"MaxResults": 0})).contains("greater than or equal to 1")
        );
        assert!(message("ListHITs", json!({"MaxResults": "5"})).contains("must be an integer"));
        assert!(message("ListHITs", json!({"MaxResults": 2.5})).contains("must be an integer"));
        for time in [json!("2030-01-01"), json!(-1), json!(1e300)] {
            let m = message(
                "UpdateExpirationForHIT",
                json!({"HITId": "H1", "ExpireAt": time}),
            );
            assert!(m.contains("'ExpireAt'") && m.contains("timestamp"), "{m}");
        }
        assert!(message("GetHIT", json!({"HITId": "abc"})).contains("pattern"));
        assert!(
            message("SendBonus", json!({"WorkerId": "A1", "BonusAmount": "1.234", "AssignmentId": "X", "Reason": "r"}))
                .contains("'BonusAmount'")
        );
        let m = message(
            "ListAssignmentsForHIT",
            json!({"HITId": "H1", "AssignmentStatuses": ["Submitted", "Bogus"]}),
        );
        assert!(
            m.contains("AssignmentStatuses.2") && m.contains("enum"),
            "{m}"
        );
        assert!(
            message(
                "ApproveAssignment",
                json!({"AssignmentId": "A", "OverrideRejection": "yes"})
            )
            .contains("boolean")
        );
    }

    #[test]
    fn names_the_first_few_problems_and_says_when_there_are_more() {
        let statuses = |n: usize| json!({"HITId": "H1", "AssignmentStatuses": vec!["x"; n]});
        let m = message("ListAssignmentsForHIT", statuses(MAX_REPORTED));
        assert!(
            m.starts_with(&format!("{MAX_REPORTED} validation errors detected: ")),
            "{m}"
        );
        let m = message("ListAssignmentsForHIT", statuses(MAX_REPORTED + 1));
        assert!(
            m.starts_with(&format!(
                "More than {MAX_REPORTED} validation errors detected; the first {MAX_REPORTED}: "
            )),
            "{m}"
        );
        assert!(
            m.contains(&format!("'AssignmentStatuses.{MAX_REPORTED}'")),
            "{m}"
        );
        assert!(
            !m.contains(&format!("'AssignmentStatuses.{}'", MAX_REPORTED + 1)),
            "{m}"
        );
    }

    #[test]
    fn lists_are_held_to_their_documented_limits() {
        let hit_type = |integers: usize, locales: usize| {
            let requirement = json!({
                "QualificationTypeId": "00000000000000000071",
                "Comparator": "In",
                "IntegerValues": vec![1; integers],
                "LocaleValues": vec![json!({"Country": "US"}); locales],
            });
            json!({
                "AssignmentDurationInSeconds": 600,
                "Reward": "0.10",
                "Title": "t",
                "Description": "d",
                "QualificationRequirements": [requirement],
            })
        };
        assert!(validate("CreateHITType", &hit_type(15, 30)).is_ok());
        let m = message("CreateHITType", hit_type(16, 30));
        assert!(
            m.contains("'QualificationRequirements.1.IntegerValues'")
                && m.contains("length less than or equal to 15"),
            "{m}"
        );
        let m = message("CreateHITType", hit_type(15, 31));
        assert!(
            m.contains("'QualificationRequirements.1.LocaleValues'")
                && m.contains("length less than or equal to 30"),
            "{m}"
        );
    }

    #[test]
    fn echoes_only_the_start_of_a_big_value() {
        let big = json!(vec![json!({"Country": "é".repeat(10_000)}); 10_000]);
        let echoed = describe(&big);
        let start: String = big.to_string().chars().take(ECHO_CHARS).collect();
        assert_eq!(echoed, format!("'{start}...'"));
        assert_eq!(describe(&json!("short")), "'short'");
        assert_eq!(describe(&json!(["a"])), r#"'["a"]'"#);
        let exactly = "x".repeat(ECHO_CHARS);
        assert_eq!(describe(&json!(exactly)), format!("'{exactly}'"));
    }

    #[test]
    fn every_operation_of_the_model_is_implemented() {
        let model = &compiled().expect("the model").model;
        assert_eq!(model.operations.len(), 39);
        for name in model.operations.keys() {
            assert!(
                crate::server::ops::mturk_operation(name).is_some(),
                "{name} has no handler"
            );
        }
    }
}
