//! Pagination: MaxResults and NextToken in, one page and its token out. A token names the last
//! row's insertion sequence, so it stays right while rows are added or change status.

use serde_json::{Map, Value};

use super::input::{opt_i64, opt_str};
use crate::server::error::{ApiError, ApiResult};

/// One page request: how many, and after which row.
pub struct Page {
    pub limit: i64,
    pub after_seq: i64,
}

const DEFAULT_PAGE_SIZE: i64 = 10;

/// Reads MaxResults and NextToken; `kind` ties a token to the list it came from.
pub fn page(input: &Value, kind: &str) -> ApiResult<Page> {
    let limit = opt_i64(input, "MaxResults").unwrap_or(DEFAULT_PAGE_SIZE);
    let after_seq = match opt_str(input, "NextToken") {
        None => 0,
        Some(token) => decode_token(token, kind).ok_or_else(|| {
            ApiError::invalid(format!("The pagination token \"{token}\" is invalid."))
        })?,
    };
    Ok(Page { limit, after_seq })
}

/// Tokens are opaque to clients: hex of "kind:seq".
pub(super) fn encode_token(kind: &str, seq: i64) -> String {
    format!("{kind}:{seq}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_token(token: &str, kind: &str) -> Option<i64> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (k, seq) = text.rsplit_once(':')?;
    (k == kind).then(|| seq.parse().ok()).flatten()
}

/// Builds a list answer from the rows of one page, (seq, item), at most `page.limit` of them.
/// As MTurk does, every page with results carries a NextToken, the last one too; the listing
/// is over when a page comes back empty, without one. (Clients loop "while the page has
/// results: ask with its NextToken", and fail on a last page without the token.)
pub fn page_answer(page: &Page, kind: &str, list_name: &str, mut rows: Vec<(i64, Value)>) -> Value {
    rows.truncate(usize::try_from(page.limit).unwrap_or(0));
    let mut answer = Map::new();
    if let Some((seq, _)) = rows.last() {
        answer.insert("NextToken".into(), encode_token(kind, *seq).into());
    }
    answer.insert("NumResults".into(), Value::from(rows.len()));
    answer.insert(
        list_name.into(),
        Value::Array(rows.into_iter().map(|(_, v)| v).collect()),
    );
    Value::Object(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_tied_to_their_list() {
        let token = encode_token("assignments:H1", 42);
        assert_eq!(decode_token(&token, "assignments:H1"), Some(42));
        assert_eq!(decode_token(&token, "assignments:H2"), None);
        assert_eq!(decode_token("zz", "hits"), None);
        assert_eq!(decode_token("é1", "hits"), None);
    }
}
