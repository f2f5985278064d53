//! The canonical request and the string to sign of SigV4 (AWS General Reference, "Create a
//! canonical request for Signature Version 4"), built from the request as it arrived: method,
//! normalized and re-encoded path, sorted query, the signed headers with their values trimmed,
//! the list of signed headers, and the hash of the body.

use axum::http::request::Parts;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};
use sha2::{Digest, Sha256};

use super::authorization::ALGORITHM;

/// What SigV4 leaves unencoded: letters, digits and `-._~`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Hex SHA-256, as SigV4 writes hashes.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The canonical request, in bytes (a header value need not be UTF-8). `signed_headers` is the
/// list as the Authorization header gives it: its names, in its order, are the ones signed.
pub fn request(parts: &Parts, signed_headers: &str, payload_hash: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(parts.method.as_str().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(uri(parts.uri.path()).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(query(parts.uri.query().unwrap_or("")).as_bytes());
    out.push(b'\n');
    for name in signed_headers.split(';') {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        for (i, value) in parts.headers.get_all(name).iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_trimmed(&mut out, value.as_bytes());
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_headers.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// `AWS4-HMAC-SHA256\n<timestamp>\n<scope>\n<hex SHA-256 of the canonical request>`.
pub fn string_to_sign(timestamp: &str, scope: &str, canonical_request: &[u8]) -> String {
    format!(
        "{ALGORITHM}\n{timestamp}\n{scope}\n{}",
        sha256_hex(canonical_request)
    )
}

/// The path with `.` and `..` segments resolved and empty ones dropped (RFC 3986, as AWS
/// normalizes for every service but S3), each segment percent-encoded again. The path arrives
/// encoded once, so `%20` becomes `%2520`: the double encoding the AWS signers use for all
/// services but S3.
fn uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for segment in &segments {
        out.push('/');
        out.extend(percent_encode(segment.as_bytes(), UNRESERVED));
    }
    let ends_in_directory = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if out.is_empty() || ends_in_directory {
        out.push('/');
    }
    out
}

/// The query's parameters decoded, encoded the SigV4 way, sorted by name then value and joined
/// with `&`; a parameter without `=` has an empty value.
fn query(query: &str) -> String {
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (reencode(name), reencode(value))
        })
        .collect();
    params.sort();
    params
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query name or value as SigV4 writes it. `+` is read as a space, as the AWS signers and
/// servers read a query.
fn reencode(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    let bytes: Vec<u8> = percent_decode_str(&spaced).collect();
    percent_encode(&bytes, UNRESERVED).to_string()
}

/// A header value without spaces around it and with each run of inner spaces made one (SigV4's
/// "Trimall"; like AWS's own signer, only spaces, not tabs).
fn push_trimmed(out: &mut Vec<u8>, value: &[u8]) {
    let mut previous_space = false;
    for &byte in value.iter().skip_while(|&&b| b == b' ') {
        if byte == b' ' {
            previous_space = true;
            continue;
        }
        if previous_space {
            out.push(b' ');
            previous_space = false;
        }
        out.push(byte);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_and_encoded_again() {
        for (path, canonical) in [
            ("/", "/"),
            ("", "/"),
            ("//", "/"),
            ("/./", "/"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/./example", "/example"),
            ("//example//", "/example/"),
            ("/example space/", "/example%20space/"),
            ("/ሴ", "/%E1%88%B4"),
            ("/example%20space", "/example%2520space"),
            (
                "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            ),
        ] {
            assert_eq!(uri(path), canonical, "{path:?}");
        }
    }

    #[test]
    fn queries_are_decoded_encoded_and_sorted() {
        for (raw, canonical) in [
            ("", ""),
            ("Param2=value2&Param1=value1", "Param1=value1&Param2=value2"),
            ("Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2"),
            ("a&b=", "a=&b="),
            ("%E1%88%B4=bar", "%E1%88%B4=bar"),
            ("key=%7Evalue+with%20space", "key=~value%20with%20space"),
            ("k=a/b", "k=a%2Fb"),
        ] {
            assert_eq!(query(raw), canonical, "{raw:?}");
        }
    }

    #[test]
    fn header_values_are_trimmed_and_inner_spaces_squeezed() {
        for (value, trimmed) in [
            ("value1", "value1"),
            ("  \"a   b   c\"  ", "\"a b c\""),
            ("a\tb", "a\tb"),
            ("   ", ""),
        ] {
            let mut out = Vec::new();
            push_trimmed(&mut out, value.as_bytes());
            assert_eq!(String::from_utf8(out).unwrap(), trimmed, "{value:?}");
        }
    }
}
