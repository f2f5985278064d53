//! Text formatting for the console: ages, durations, UTC times, short ids and tab expansion.
use crate::clock::DAY_SECS;
use crate::mturk::domain::{Decision, EpochSecs};
use crate::sanitize::sanitize_inline;

/// A compact duration: "45s", "12m", "3h 05m", "2d 04h".
pub fn duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (d, h, m, s) = (secs / DAY_SECS, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{d}d {h:02}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

/// How long ago `then` was, e.g. "3h 05m ago"; a time still to come (clock skew) is "just now".
pub fn age(now: EpochSecs, then: EpochSecs) -> String {
    if then > now {
        return "just now".to_string();
    }
    format!("{} ago", duration(now - then))
}

/// A UTC time as "2024-06-01 12:04 UTC".
pub fn utc(t: EpochSecs) -> String {
    crate::clock::utc_minutes(t)
}

/// The last 8 characters of an id behind an ellipsis; short ids are kept whole.
pub fn short_id(id: &str) -> String {
    let count = id.chars().count();
    if count <= 9 {
        return id.to_string();
    }
    let tail: String = id.chars().skip(count - 8).collect();
    format!("…{tail}")
}

/// Replaces tabs with spaces up to the next multiple-of-4 column.
pub fn expand_tabs(line: &str) -> String {
    if !line.contains('\t') {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let spaces = 4 - column % 4;
            out.extend(std::iter::repeat_n(' ', spaces));
            column += spaces;
        } else {
            out.push(c);
            column += 1;
        }
    }
    out
}

/// Bytes as "812 B", "12.3 KB", "4.0 MB".
pub fn size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// Greedy word wrap by characters; words longer than `width` are split.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut len = 0;
        for word in paragraph.split(' ') {
            let mut word: Vec<char> = word.chars().collect();
            if len > 0 && len + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            while word.len() > width - len {
                let rest = word.split_off(width - len);
                line.extend(word);
                lines.push(std::mem::take(&mut line));
                len = 0;
                word = rest;
            }
            len += word.len();
            line.extend(word);
        }
        lines.push(line);
    }
    lines
}

/// A decision in a few words: "approve (override), feedback “…”".
pub fn describe_decision(decision: &Decision) -> String {
    let what = decision.kind.label();
    match &decision.feedback {
        Some(feedback) => format!("{what}, feedback “{}”", sanitize_inline(feedback)),
        None => what.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_compact() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(252), "4m 12s");
        assert_eq!(duration(3 * 3600 + 5 * 60), "3h 05m");
        assert_eq!(duration(2 * DAY_SECS + 4 * 3600 + 59), "2d 04h");
        assert_eq!(duration(-5), "0s");
    }

    #[test]
    fn utc_times() {
        assert_eq!(utc(1_717_243_200), "2024-06-01 12:00 UTC");
    }

    #[test]
    fn ids_and_tabs() {
        assert_eq!(short_id("3AB2C4D5E6F7G8H9I0J1"), "…G8H9I0J1");
        assert_eq!(short_id("ASG1"), "ASG1");
        assert_eq!(expand_tabs("a\tb\t\tc"), "a   b       c");
        assert_eq!(size(12_600), "12.3 KB");
        assert_eq!(wrap_words("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap_words("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap_words("a\nb", 9), ["a", "b"]);
    }
}
