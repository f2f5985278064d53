//! What one call sees of the world besides its input: the account it acts for, the time, its
//! request id, and where its new ids come from.

use std::cell::RefCell;

use rand::rngs::StdRng;

use crate::rules;

pub struct Ctx {
    /// The requester account the call acts for: it sees and changes only that account's data.
    pub account: String,
    pub now_ms: i64,
    pub request_id: String,
    /// Where new ids come from: the thread's generator, or a seeded one so that a generated
    /// data set is the same twice.
    pub ids: Option<RefCell<StdRng>>,
}

impl Ctx {
    pub fn new(account: impl Into<String>, now_ms: i64, request_id: impl Into<String>) -> Ctx {
        Ctx {
            account: account.into(),
            now_ms,
            request_id: request_id.into(),
            ids: None,
        }
    }

    /// A new id in MTurk's shape.
    pub fn new_id(&self) -> String {
        match &self.ids {
            Some(rng) => rules::new_id(&mut *rng.borrow_mut()),
            None => rules::new_id(&mut rand::rng()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_mturk_ids() {
        let id = Ctx::new("A1", 0, "test").new_id();
        assert_eq!(id.len(), 30);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
    }
}
