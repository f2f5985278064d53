//! Recognising JSON inside a FreeText answer and pretty-printing it.
//!
//! serde_json only validates the text; the pretty-printer works on the
//! original text so object keys keep the worker's order and numbers keep
//! their spelling. Both steps are iterative, so hostile nesting cannot
//! overflow the stack, and limits keep the output bounded.

use serde::de::IgnoredAny;

/// Deeper documents stay plain text (serde_json's own recursion limit).
const MAX_DEPTH: usize = 128;

/// Pretty output may grow by indentation; past this it stays plain text.
fn output_budget(input_len: usize) -> usize {
    input_len.saturating_mul(8).saturating_add(64 * 1024)
}

/// Returns the pretty-printed (2-space indent) form of `text` when its
/// trimmed form is a JSON object or array, `None` otherwise.
pub(super) fn pretty_if_json(text: &str) -> Option<String> {
    let trimmed = text.trim();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<IgnoredAny>(trimmed).ok()?;
    pretty(trimmed)
}

/// Re-indents already validated JSON. `None` when it is too deep or the
/// output would exceed the budget.
fn pretty(json: &str) -> Option<String> {
    let budget = output_budget(json.len());
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut strings = Strings::default();
    let mut chars = json.chars().peekable();

    while let Some(c) = chars.next() {
        if strings.holds(c) {
            out.push(c);
            continue;
        }
        match c {
            '{' | '[' => {
                out.push(c);
                while chars.next_if(|c| is_json_space(*c)).is_some() {}
                if let Some(close) = chars.next_if(|n| matches!(n, '}' | ']')) {
                    // Empty container stays compact: `[]`, `{}`.
                    out.push(close);
                    continue;
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    return None;
                }
                newline(&mut out, depth);
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if is_json_space(c) => {}
            c => out.push(c),
        }
        if out.len() > budget {
            return None;
        }
    }
    Some(out)
}

/// Valid JSON without the whitespace between tokens; strings, key order and number
/// spellings are kept as they are.
pub fn compact_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut strings = Strings::default();
    for c in json.chars() {
        if strings.holds(c) || !is_json_space(c) {
            out.push(c);
        }
    }
    out
}

/// Follows JSON text one character at a time and tells which characters belong to a string
/// literal (its quotes included), where whitespace and brackets are not structure.
#[derive(Default)]
struct Strings {
    inside: bool,
    escaped: bool,
}

impl Strings {
    fn holds(&mut self, c: char) -> bool {
        if !self.inside {
            self.inside = c == '"';
            return self.inside;
        }
        if self.escaped {
            self.escaped = false;
        } else if c == '\\' {
            self.escaped = true;
        } else if c == '"' {
            self.inside = false;
        }
        true
    }
}

fn is_json_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}
