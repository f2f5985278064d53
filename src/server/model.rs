//! The MTurk service model's input shapes (from botocore, embedded from assets/) and a validator
//! that checks a request body against them: types, required members, lengths, ranges, patterns
//! and enums, with AWS-style messages that name the offending member.

use std::collections::HashMap;
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

fn compiled() -> Option<&'static Compiled> {
    static MODEL: OnceLock<Option<Compiled>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let model: Model = match serde_json::from_str(MODEL_JSON) {
                Ok(model) => model,
                Err(err) => {
                    tracing::error!(%err, "embedded MTurk model is unreadable");
                    return None;
                }
            };
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

/// Whether MTurk's model has an operation of this name (implemented here or not).
pub fn is_model_operation(name: &str) -> bool {
    compiled().is_some_and(|c| c.model.operations.contains_key(name))
}

/// Checks `input` against the operation's input shape.
pub fn validate(operation: &str, input: &Value) -> ApiResult<()> {
    let Some(c) = compiled() else {
        return Err(ApiError::fault("service model unavailable"));
    };
    let Some(shape) = c.model.operations.get(operation) else {
        return Ok(());
    };
    let mut problems = Vec::new();
    check(c, shape, input, "", &mut problems);
    match problems.len() {
        0 => Ok(()),
        1 => Err(ApiError::invalid(format!(
            "1 validation error detected: {}",
            problems[0]
        ))),
        n => Err(ApiError::invalid(format!(
            "{n} validation errors detected: {}",
            problems.join("; ")
        ))),
    }
}

fn describe(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let short: String = text.chars().take(64).collect();
    if short.len() < text.len() {
        format!("'{short}...'")
    } else {
        format!("'{short}'")
    }
}

fn check(c: &Compiled, shape_name: &str, value: &Value, path: &str, out: &mut Vec<String>) {
    let Some(shape) = c.model.shapes.get(shape_name) else {
        return;
    };
    let at = if path.is_empty() { "input" } else { path };
    let fail = |out: &mut Vec<String>, constraint: String| {
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
            check_range(shape, items.len() as i64, "length", value, at, out);
            if let Some(member) = &shape.member {
                for (i, item) in items.iter().enumerate() {
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
            Some(n) => check_range(shape, n, "value", value, at, out),
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

fn check_range(shape: &Shape, n: i64, what: &str, value: &Value, at: &str, out: &mut Vec<String>) {
    let (min, max) = (shape.min, shape.max);
    let constraint = match (min, max) {
        (Some(lo), _) if n < lo => format!("Member must have {what} greater than or equal to {lo}"),
        (_, Some(hi)) if n > hi => format!("Member must have {what} less than or equal to {hi}"),
        _ => return,
    };
    out.push(format!(
        "Value {} at '{at}' failed to satisfy constraint: {constraint}",
        describe(value)
    ));
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
    fn knows_the_whole_model() {
        assert!(is_model_operation("CreateQualificationType"));
        assert!(!is_model_operation("LaunchMissiles"));
    }
}
