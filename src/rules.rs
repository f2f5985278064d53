//! MTurk's rules that both sides of the wire need, stated once: the 30-day override window,
//! what RequesterFeedback may contain, NotifyWorkers' limits, the shape of ids, and where the
//! program keeps its files.
//! The console checks a decision against them before sending it; the server enforces them.

use std::path::PathBuf;

use rand::Rng;

use crate::clock::DAY_SECS;

/// How long MTurk lets a requester override a rejection after submission.
pub const OVERRIDE_WINDOW_SECS: i64 = 30 * DAY_SECS;

/// Why MTurk would refuse to override a rejection now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideBlock {
    /// The submit time is unknown, so the window cannot be worked out.
    SubmitTimeUnknown,
    /// The 30 days after submission are over, this many seconds ago.
    WindowClosed { secs_ago: i64 },
    /// The HIT was deleted (Disposed).
    HitDeleted,
    /// The HIT is not known (not loaded, or gone).
    HitUnknown,
}

/// Whether a rejection submitted at `submit_time`, of a HIT whose HITStatus is `hit_status`
/// (None when the HIT is not known), can be overridden at `now`: within 30 days of
/// submission, while the HIT exists. The console and `apply` both ask this.
pub fn override_block(
    submit_time: Option<i64>,
    hit_status: Option<&str>,
    now: i64,
) -> Option<OverrideBlock> {
    let Some(submit) = submit_time else {
        return Some(OverrideBlock::SubmitTimeUnknown);
    };
    let closes = submit + OVERRIDE_WINDOW_SECS;
    if closes < now {
        return Some(OverrideBlock::WindowClosed {
            secs_ago: now - closes,
        });
    }
    match hit_status {
        None => Some(OverrideBlock::HitUnknown),
        Some("Disposed") => Some(OverrideBlock::HitDeleted),
        Some(_) => None,
    }
}

/// MTurk's limit on RequesterFeedback, counted in characters.
pub const FEEDBACK_MAX_CHARS: usize = 1024;

/// Why feedback would be refused by MTurk, checked before anything is sent.
pub fn feedback_problem(text: &str) -> Option<String> {
    let chars = text.chars().count();
    if chars > FEEDBACK_MAX_CHARS {
        return Some(format!(
            "feedback is {chars} characters; MTurk allows at most {FEEDBACK_MAX_CHARS}"
        ));
    }
    text.chars()
        .find(|c| is_forbidden_feedback_char(*c))
        .map(|c| {
            format!(
                "feedback holds control character U+{:04X}, which MTurk refuses",
                c as u32
            )
        })
}

/// ASCII 0-8, 11, 12 and 14-31 are refused by MTurk in RequesterFeedback.
pub fn is_forbidden_feedback_char(c: char) -> bool {
    matches!(c as u32, 0..=8 | 11 | 12 | 14..=31)
}

/// NotifyWorkers' limits, as MTurk documents them: a subject of at most 200 characters, a
/// message of at most 4,096, up to 100 workers a call.
pub const NOTIFY_SUBJECT_MAX_CHARS: usize = 200;
pub const NOTIFY_TEXT_MAX_CHARS: usize = 4096;
pub const NOTIFY_MAX_WORKERS: usize = 100;

/// Why MTurk would refuse a message with this subject and text (NotifyWorkers).
pub fn notification_problem(subject: &str, text: &str) -> Option<String> {
    let (subject_chars, text_chars) = (subject.chars().count(), text.chars().count());
    if subject_chars > NOTIFY_SUBJECT_MAX_CHARS {
        Some(format!(
            "the subject is {subject_chars} characters; MTurk allows at most {NOTIFY_SUBJECT_MAX_CHARS}"
        ))
    } else if text_chars > NOTIFY_TEXT_MAX_CHARS {
        Some(format!(
            "the message is {text_chars} characters; MTurk allows at most {NOTIFY_TEXT_MAX_CHARS}"
        ))
    } else {
        None
    }
}

/// The characters of every MTurk id: HITs, HIT types, assignments and workers.
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// The longest id the API accepts.
const ID_MAX_LEN: usize = 64;

/// A new HIT, HIT type or assignment id in MTurk's shape: 30 characters of [A-Z0-9].
pub fn new_id(rng: &mut impl Rng) -> String {
    random_id_chars(rng, 30)
}

/// A new worker (or requester) id in MTurk's shape: "A" and 13 characters of [A-Z0-9].
pub fn new_worker_id(rng: &mut impl Rng) -> String {
    format!("A{}", random_id_chars(rng, 13))
}

fn random_id_chars(rng: &mut impl Rng, len: usize) -> String {
    random_chars(rng, ID_ALPHABET, len)
}

/// `len` characters drawn from `alphabet` (ASCII).
pub fn random_chars(rng: &mut impl Rng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// Whether `id` is a WorkerId as MTurk writes them: `^A[A-Z0-9]+$`, at most 64 characters.
pub fn is_worker_id(id: &str) -> bool {
    id.len() > 1
        && id.len() <= ID_MAX_LEN
        && id.starts_with('A')
        && id.bytes().all(|b| ID_ALPHABET.contains(&b))
}

/// Where the program keeps its files by default (the journal, the server's database):
/// `<user data dir>/mturk-review`. None where the platform knows no such directory.
pub fn user_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("mturk-review"))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn feedback_rules() {
        assert_eq!(feedback_problem(&"é".repeat(FEEDBACK_MAX_CHARS)), None);
        let long = feedback_problem(&"a".repeat(FEEDBACK_MAX_CHARS + 1));
        assert!(long.is_some_and(|p| p.contains("1025 characters")));
        assert!(feedback_problem("tab\tand\r\nnewlines are fine").is_none());
        let bell = feedback_problem("ring \u{7}");
        assert!(bell.is_some_and(|p| p.contains("U+0007")), "BEL is refused");
    }

    #[test]
    fn notification_limits() {
        let subject = "é".repeat(NOTIFY_SUBJECT_MAX_CHARS);
        let text = "é".repeat(NOTIFY_TEXT_MAX_CHARS);
        assert_eq!(notification_problem(&subject, &text), None);
        let long_subject = notification_problem(&format!("{subject}x"), "hi");
        assert!(long_subject.is_some_and(|p| p.contains("subject is 201")));
        let long_text = notification_problem("hi", &format!("{text}x"));
        assert!(long_text.is_some_and(|p| p.contains("message is 4097")));
    }

    #[test]
    fn ids_have_mturks_shapes() {
        let mut rng = StdRng::seed_from_u64(1);
        let id = new_id(&mut rng);
        assert_eq!(id.len(), 30);
        assert!(id.bytes().all(|b| ID_ALPHABET.contains(&b)), "{id}");
        let worker = new_worker_id(&mut rng);
        assert_eq!(worker.len(), 14);
        assert!(is_worker_id(&worker), "{worker}");
        for bad in [
            "",
            "A",
            "B123",
            "Aabc",
            "A-1",
            &format!("A{}", "1".repeat(64)),
        ] {
            assert!(!is_worker_id(bad), "{bad:?}");
        }
    }
}
