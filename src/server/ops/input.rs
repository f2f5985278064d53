//! Reading an operation's input once the model validator has checked its shape: members by
//! type, ranges, money, timestamps, and RequesterFeedback's rules.

use serde_json::Value;

use crate::money;
use crate::rules;
use crate::server::error::{ApiError, ApiResult};

pub fn opt_str<'a>(input: &'a Value, name: &str) -> Option<&'a str> {
    input.get(name).and_then(Value::as_str)
}

/// A required string; the model validator has already checked presence and type, this is the
/// belt to its braces.
pub fn req_str<'a>(input: &'a Value, name: &str) -> ApiResult<&'a str> {
    opt_str(input, name).ok_or_else(|| {
        ApiError::request(
            "AWS.MissingParameters",
            format!("Value null at '{name}' failed to satisfy constraint: Member must not be null"),
        )
    })
}

pub fn opt_i64(input: &Value, name: &str) -> Option<i64> {
    input.get(name).and_then(Value::as_i64)
}

pub fn opt_bool(input: &Value, name: &str) -> Option<bool> {
    input.get(name).and_then(Value::as_bool)
}

/// A timestamp member (epoch seconds, fractions allowed) in milliseconds.
pub fn opt_time_ms(input: &Value, name: &str) -> Option<i64> {
    input
        .get(name)
        .and_then(Value::as_f64)
        .map(|secs| (secs * 1000.0).round() as i64)
}

pub fn check_range(name: &str, value: i64, min: i64, max: i64) -> ApiResult<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ApiError::request(
            "AWS.ParameterOutOfRange",
            format!("The value {value} for {name} is invalid. It must be between {min} and {max}."),
        ))
    }
}

pub fn money_cents(name: &str, text: &str) -> ApiResult<i64> {
    money::parse_cents(text).ok_or_else(|| {
        ApiError::invalid(format!(
            "The value \"{text}\" for {name} is not a valid amount of money."
        ))
    })
}

/// An amount of money of at most `max_cents`, e.g. Reward or BonusAmount.
pub fn money_at_most(name: &str, text: &str, max_cents: i64) -> ApiResult<i64> {
    let cents = money_cents(name, text)?;
    if cents > max_cents {
        return Err(ApiError::request(
            "AWS.ParameterOutOfRange",
            format!(
                "The value {text} for {name} is invalid. It must be between 0.00 and {}.",
                money::format_cents(max_cents)
            ),
        ));
    }
    Ok(cents)
}

/// RequesterFeedback as MTurk checks it: at most 1024 characters, no ASCII 0-8, 11, 12, 14-31.
pub fn check_feedback(feedback: &str) -> ApiResult<()> {
    match rules::feedback_problem(feedback) {
        None => Ok(()),
        Some(problem) => Err(ApiError::invalid(format!(
            "RequesterFeedback is invalid: {problem}."
        ))),
    }
}
