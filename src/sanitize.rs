//! Owns making worker-controlled text safe for the terminal. Every answer,
//! worker id, HIT title, feedback and API error message passes through here
//! before it is drawn.
//!
//! Dangerous characters become visible placeholders rather than vanishing,
//! so the reviewer sees what the worker sent:
//! - C0 controls (except `\n`, `\t`) become control pictures (ESC -> `␛`),
//!   DEL becomes `␡`. With ESC gone, the rest of any escape sequence (CSI,
//!   OSC, DCS, ...) is plain printable text.
//! - C1 controls, bidirectional controls and invisible format characters
//!   become `<U+XXXX>`.
//!
//! Commands that write data (export, journal --csv) follow one rule, `Output`: on a terminal
//! the text goes through here; into a file or a pipe it stays exactly as the worker sent it.

use std::borrow::Cow;
use std::fmt::Write;
use std::io::IsTerminal;

/// Keeps '\n' and '\t' (the caller lays them out); everything dangerous becomes a visible placeholder.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// Whether `sanitize` replaces this character: what a terminal must never be sent raw.
pub fn is_dangerous(c: char) -> bool {
    placeholder(c, false).is_some()
}

/// Where a command writes worker text: a terminal gets it through `sanitize`; anything else
/// (a file, a pipe) gets it exactly as sent, for the tools that read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Terminal,
    Exact,
}

impl Output {
    /// What `stream` (standard output, or a file opened for writing) is right now.
    pub fn of(stream: &impl IsTerminal) -> Output {
        if stream.is_terminal() {
            Output::Terminal
        } else {
            Output::Exact
        }
    }

    /// The text as this output should get it.
    pub fn text(self, s: &str) -> Cow<'_, str> {
        match self {
            Output::Terminal => sanitize(s),
            Output::Exact => Cow::Borrowed(s),
        }
    }
}

/// For one-line places (ids, titles, list cells, footer): like sanitize, but '\n' becomes '↵' and '\t' a single space.
pub fn sanitize_inline(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

/// How a dangerous character is shown.
enum Placeholder {
    Char(char),
    CodePoint,
}

fn placeholder(c: char, inline: bool) -> Option<Placeholder> {
    match c {
        '\n' if inline => Some(Placeholder::Char('↵')),
        '\t' if inline => Some(Placeholder::Char(' ')),
        '\n' | '\t' => None,
        // C0 controls -> Control Pictures block (U+2400 + code).
        '\u{0}'..='\u{1F}' => Some(Placeholder::Char(
            char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{FFFD}'),
        )),
        '\u{7F}' => Some(Placeholder::Char('␡')),
        // C1 controls (U+009B is a one-byte CSI in some terminals).
        '\u{80}'..='\u{9F}'
        // Bidirectional controls: can reorder what the reviewer reads.
        | '\u{61C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        // Zero-width and invisible format characters: can hide text.
        | '\u{200B}'..='\u{200D}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}' => Some(Placeholder::CodePoint),
        _ => None,
    }
}

fn clean(s: &str, inline: bool) -> Cow<'_, str> {
    let Some(first) = s.find(|c| placeholder(c, inline).is_some()) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        match placeholder(c, inline) {
            None => out.push(c),
            Some(Placeholder::Char(p)) => out.push(p),
            Some(Placeholder::CodePoint) => {
                // Writing to a String cannot fail.
                let _ = write!(out, "<U+{:04X}>", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Independent statement of what must never reach the terminal.
    fn dangerous(c: char, inline: bool) -> bool {
        let code = u32::from(c);
        (c.is_control() && (inline || !matches!(c, '\n' | '\t')))
            || (0x80..=0x9F).contains(&code)
            || matches!(code, 0x061C | 0x200E | 0x200F | 0x2028 | 0x2029 | 0xFEFF)
            || (0x202A..=0x202E).contains(&code)
            || (0x2066..=0x2069).contains(&code)
            || (0x200B..=0x200D).contains(&code)
            || (0x2060..=0x2064).contains(&code)
            || (0xFFF9..=0xFFFB).contains(&code)
            || (0xE0000..=0xE007F).contains(&code)
    }

    #[test]
    fn plain_text_is_borrowed() {
        for s in ["", "hello", "Loved it ✓ — 日本語 😀", "line\nbreak\ttab"] {
            assert!(matches!(sanitize(s), Cow::Borrowed(_)), "{s:?}");
        }
        assert!(matches!(sanitize_inline("A1B2C3 title"), Cow::Borrowed(_)));
    }

    #[test]
    fn c0_controls_become_control_pictures() {
        assert_eq!(sanitize("a\u{1b}b"), "a␛b");
        assert_eq!(sanitize("\0"), "␀");
        assert_eq!(sanitize("\r\n"), "␍\n");
        assert_eq!(sanitize("\u{7}\u{8}\u{1f}"), "␇␈␟");
        assert_eq!(sanitize("\t"), "\t");
    }

    #[test]
    fn del_becomes_picture() {
        assert_eq!(sanitize("x\u{7f}"), "x␡");
    }

    #[test]
    fn c1_controls_become_code_points() {
        assert_eq!(sanitize("a\u{9b}31mb"), "a<U+009B>31mb");
        assert_eq!(sanitize("\u{80}\u{9f}"), "<U+0080><U+009F>");
    }

    #[test]
    fn bidi_controls_become_code_points() {
        assert_eq!(sanitize("invoice\u{202E}fdp.exe"), "invoice<U+202E>fdp.exe");
        assert_eq!(
            sanitize("\u{2066}\u{2067}\u{2068}\u{2069}\u{200E}\u{200F}\u{61C}\u{202A}"),
            "<U+2066><U+2067><U+2068><U+2069><U+200E><U+200F><U+061C><U+202A>"
        );
    }

    #[test]
    fn invisible_format_chars_become_code_points() {
        assert_eq!(
            sanitize("pay\u{200B}pal\u{200C}\u{200D}\u{2060}\u{FEFF}"),
            "pay<U+200B>pal<U+200C><U+200D><U+2060><U+FEFF>"
        );
        assert_eq!(sanitize("a\u{E0041}b"), "a<U+E0041>b");
    }

    #[test]
    fn osc_52_clipboard_write_is_defused() {
        let s = "ok\u{1b}]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u{7}";
        assert_eq!(sanitize(s), "ok␛]52;c;Y3VybCBldmlsLnNoIHwgc2g=␇");
        let st = "\u{1b}]52;c;eA==\u{1b}\\";
        assert_eq!(sanitize(st), "␛]52;c;eA==␛\\");
    }

    #[test]
    fn csi_colour_is_defused() {
        assert_eq!(sanitize("\u{1b}[31mRED\u{1b}[0m"), "␛[31mRED␛[0m");
    }

    #[test]
    fn window_title_osc_is_defused() {
        assert_eq!(sanitize("\u{1b}]0;pwned\u{7}title"), "␛]0;pwned␇title");
        assert_eq!(sanitize("\u{1b}P+q\u{1b}\\"), "␛P+q␛\\");
    }

    #[test]
    fn a_terminal_gets_sanitised_text_and_anything_else_the_exact_text() {
        let hostile = "ok\u{1b}]0;title\u{7}\u{9b}6n\u{202e}";
        assert_eq!(Output::Terminal.text(hostile), sanitize(hostile));
        assert_eq!(Output::Exact.text(hostile), hostile);
        assert_eq!(hostile.chars().filter(|&c| is_dangerous(c)).count(), 4);
        assert!(!is_dangerous('\n') && !is_dangerous('é'));
    }

    #[test]
    fn inline_flattens_newline_and_tab() {
        assert_eq!(sanitize_inline("a\nb\tc"), "a↵b c");
        assert_eq!(sanitize_inline("\r\n\u{1b}"), "␍↵␛");
        assert_eq!(sanitize("a\nb\tc"), "a\nb\tc");
    }

    fn hostile() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[\\x00-\\x1f\\x7f-\\x9f\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2060}\u{2066}-\u{2069}\u{feff}\u{61c}a-z\\[\\];]*",
        ]
    }

    proptest! {
        #[test]
        fn output_is_never_dangerous(s in hostile()) {
            let out = sanitize(&s);
            prop_assert!(!out.chars().any(|c| dangerous(c, false)), "{out:?}");
            let out = sanitize_inline(&s);
            prop_assert!(!out.chars().any(|c| dangerous(c, true)), "{out:?}");
        }

        #[test]
        fn is_dangerous_is_what_sanitize_replaces(c in any::<char>()) {
            prop_assert_eq!(is_dangerous(c), dangerous(c, false));
        }

        #[test]
        fn borrowed_exactly_when_nothing_is_dangerous(s in hostile()) {
            let safe = !s.chars().any(|c| dangerous(c, false));
            prop_assert_eq!(matches!(sanitize(&s), Cow::Borrowed(_)), safe);
            let safe_inline = !s.chars().any(|c| dangerous(c, true));
            prop_assert_eq!(matches!(sanitize_inline(&s), Cow::Borrowed(_)), safe_inline);
        }
    }
}
