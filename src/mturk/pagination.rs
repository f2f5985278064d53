//! Following one listing's NextTokens to its end, and knowing when it has none: a token the
//! endpoint has already given means its pages would never end (the SDK's own paginators stop
//! on a repeated token too), and no listing runs past MAX_PAGES pages.
//!
//! MTurk gives a NextToken with every page that has results, the last one too, and ends a
//! listing with an empty page. A page with fewer results than were asked for is the last all
//! the same: MTurk fills every page but the last, so asking again would only fetch that empty
//! page, one more round trip for every HIT the console loads. Such a page ends the listing
//! here, whatever token it carries.

use std::collections::HashSet;

/// The most pages one listing may take. At 100 a page that is 10 million HITs, or 10 million
/// assignments of one HIT: far above any real account, yet an endpoint that hands out fresh
/// tokens forever is stopped after minutes instead of never.
pub const MAX_PAGES: usize = 100_000;

/// Why a listing was stopped before the endpoint said it was over.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndlessListing {
    #[error(
        "{operation} answered page {page} with a NextToken it had already given, so its pages \
         would never end; loading stopped there"
    )]
    RepeatedToken {
        operation: &'static str,
        page: usize,
    },
    #[error(
        "{operation} still had more after {MAX_PAGES} pages, far more than any real account; \
         loading stopped there"
    )]
    TooManyPages { operation: &'static str },
}

/// The NextTokens one listing has been given so far.
pub struct Tokens {
    operation: &'static str,
    seen: HashSet<String>,
    pages: usize,
}

impl Tokens {
    /// For a listing by `operation` (named in the error), before its first page.
    pub fn new(operation: &'static str) -> Tokens {
        Tokens {
            operation,
            seen: HashSet::new(),
            pages: 0,
        }
    }

    /// Takes the latest page, `results` long of the `asked` it was asked for, and the
    /// NextToken it came with: the token to ask for the next page, None when the listing is
    /// over (a short page, no token, or an empty one, as the SDK's paginators read it), or why
    /// it would never be.
    pub fn after_page(
        &mut self,
        token: Option<&str>,
        results: usize,
        asked: usize,
    ) -> Result<Option<String>, EndlessListing> {
        self.pages += 1;
        if results < asked {
            return Ok(None);
        }
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if !self.seen.insert(token.to_string()) {
            return Err(EndlessListing::RepeatedToken {
                operation: self.operation,
                page: self.pages,
            });
        }
        if self.pages >= MAX_PAGES {
            return Err(EndlessListing::TooManyPages {
                operation: self.operation,
            });
        }
        Ok(Some(token.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_tokens_are_followed_until_there_is_none() {
        let mut tokens = Tokens::new("ListHITs");
        assert_eq!(
            tokens.after_page(Some("a"), 100, 100),
            Ok(Some("a".to_string()))
        );
        assert_eq!(
            tokens.after_page(Some("b"), 100, 100),
            Ok(Some("b".to_string()))
        );
        assert_eq!(tokens.after_page(None, 100, 100), Ok(None));
        assert_eq!(
            Tokens::new("ListHITs").after_page(Some(""), 100, 100),
            Ok(None)
        );
    }

    #[test]
    fn a_short_page_is_the_last_whatever_token_it_carries() {
        // MTurk's last page has a token too; the empty page after it is not fetched.
        let mut tokens = Tokens::new("ListAssignmentsForHIT");
        assert_eq!(tokens.after_page(Some("a"), 100, 100), Ok(Some("a".into())));
        assert_eq!(tokens.after_page(Some("b"), 37, 100), Ok(None));
        assert_eq!(
            Tokens::new("ListHITs").after_page(Some("c"), 0, 100),
            Ok(None)
        );
    }

    #[test]
    fn a_token_given_before_stops_the_listing_and_names_the_operation() {
        let mut tokens = Tokens::new("ListAssignmentsForHIT");
        assert!(tokens.after_page(Some("same"), 100, 100).is_ok());
        let err = tokens.after_page(Some("same"), 100, 100);
        assert_eq!(
            err,
            Err(EndlessListing::RepeatedToken {
                operation: "ListAssignmentsForHIT",
                page: 2
            })
        );
        let text = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.starts_with("ListAssignmentsForHIT answered page 2"),
            "{text}"
        );

        // Not only the token just before: a cycle is caught when it comes round.
        let mut tokens = Tokens::new("ListHITs");
        for token in ["a", "b", "c"] {
            assert!(tokens.after_page(Some(token), 100, 100).is_ok());
        }
        assert!(matches!(
            tokens.after_page(Some("a"), 100, 100),
            Err(EndlessListing::RepeatedToken { page: 4, .. })
        ));
    }

    #[test]
    fn no_listing_runs_past_the_page_cap() {
        let mut tokens = Tokens::new("ListHITs");
        for page in 1..MAX_PAGES {
            assert!(
                tokens.after_page(Some(&page.to_string()), 100, 100).is_ok(),
                "{page}"
            );
        }
        assert_eq!(
            tokens.after_page(Some("one more"), 100, 100),
            Err(EndlessListing::TooManyPages {
                operation: "ListHITs"
            })
        );
        // A listing that ends on that very page has simply ended.
        let mut tokens = Tokens::new("ListHITs");
        for page in 1..MAX_PAGES {
            assert!(tokens.after_page(Some(&page.to_string()), 100, 100).is_ok());
        }
        assert_eq!(tokens.after_page(None, 100, 100), Ok(None));
    }
}
