//! `Verifier::verify` on requests signed by others: AWS's published SigV4 test suite, and
//! requests boto3 sent. Each is a literal request, parsed as the server would receive it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::Request;
use axum::http::request::Parts;

use super::{AuthError, Verifier, canonical};

/// A raw HTTP/1.1 request (lines may end in `\n` alone), as the server's parts and body.
fn parse_raw(raw: &str) -> (Parts, Vec<u8>) {
    let raw = raw.replace("\r\n", "\n").replace('\n', "\r\n");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let head = format!("{head}\r\n\r\n");
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Request::new(&mut headers);
    assert!(parsed.parse(head.as_bytes()).unwrap().is_complete());
    let mut request = Request::builder()
        .method(parsed.method.unwrap())
        .uri(parsed.path.unwrap());
    for header in parsed.headers.iter() {
        request = request.header(header.name, header.value);
    }
    let (parts, ()) = request.body(()).unwrap().into_parts();
    (parts, body.as_bytes().to_vec())
}

fn at(epoch_secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(epoch_secs)
}

// The AWS Signature Version 4 Test Suite (Copyright Amazon.com, Inc. or its affiliates,
// Apache-2.0), its `.sreq` files: signed with this key at 2015-08-30T12:36:00Z, for service
// `service` in us-east-1. Left out: the vectors whose path or header the HTTP crate refuses raw
// (get-utf8, get-space, get-header-value-multiline: their canonical forms are tested in
// canonical.rs), and post-x-www-form-urlencoded*, whose .sreq lacks the Content-Type it signs.
const SUITE_KEY: &str = "AKIDEXAMPLE";
const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_TIME: u64 = 1_440_938_160;

fn suite_verify(raw: &str) -> Result<String, AuthError> {
    let (parts, body) = parse_raw(raw);
    Verifier::for_scope("us-east-1", "service").verify(&parts, &body, at(SUITE_TIME), |id| {
        (id == SUITE_KEY).then(|| SUITE_SECRET.to_string())
    })
}

const SUITE: &[(&str, &str)] = &[
    (
        "get-vanilla",
        "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    (
        "post-vanilla",
        "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    ),
    (
        "get-header-key-duplicate",
        "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
    ),
    (
        "get-header-value-order",
        "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
    ),
    (
        "get-header-value-trim",
        "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    ),
    (
        "get-unreserved",
        "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
    ),
    (
        "get-vanilla-empty-query-key",
        "GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
    ),
    (
        "get-vanilla-query-order-key-case",
        "GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    ),
    (
        "get-vanilla-query-unreserved",
        "GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
    ),
    (
        "post-header-key-case",
        "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    ),
    (
        "post-vanilla-query",
        "POST /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    ),
    (
        "get-relative",
        "GET /example/.. HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    (
        "get-relative-relative",
        "GET /example1/example2/../.. HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    (
        "get-slash",
        "GET // HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    (
        "get-slash-dot-slash",
        "GET /./ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    (
        "get-slash-pointless-dot",
        "GET /./example HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
    ),
    (
        "get-slashes",
        "GET //example// HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
    ),
];

#[test]
fn the_aws_test_suite_requests_are_accepted() {
    for (name, raw) in SUITE {
        assert_eq!(suite_verify(raw), Ok(SUITE_KEY.to_string()), "{name}");
    }
}

#[test]
fn the_aws_test_suite_canonical_requests() {
    for (name, canonical_request) in [
        (
            "get-vanilla-query-order-key-case",
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            "get-header-value-trim",
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            "get-header-key-duplicate",
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
    ] {
        let raw = SUITE.iter().find(|(n, _)| *n == name).unwrap().1;
        let (parts, body) = parse_raw(raw);
        let signed_headers = canonical_request.lines().nth_back(1).unwrap();
        let built = canonical::request(&parts, signed_headers, &canonical::sha256_hex(&body));
        assert_eq!(
            String::from_utf8(built).unwrap(),
            canonical_request,
            "{name}"
        );
    }
}

#[test]
fn a_suite_request_changed_in_any_signed_part_is_refused() {
    let (_, vanilla) = SUITE[0];
    for tampered in [
        vanilla.replace("GET /", "POST /"),
        vanilla.replace("GET / ", "GET /?a=b "),
        vanilla.replace("Host:example", "Host:other"),
        vanilla.replace("Signature=5fa0", "Signature=5fa1"),
        vanilla.replace("Signature=5fa00fa3", "Signature=zz"),
    ] {
        assert_eq!(
            suite_verify(&tampered),
            Err(AuthError::Mismatch),
            "{tampered}"
        );
    }
    // A body the signature does not cover.
    assert_eq!(
        suite_verify(&format!("{}\n\n{{}}", SUITE[1].1)),
        Err(AuthError::Mismatch)
    );
}

#[test]
fn the_suite_requests_with_a_session_token_are_refused_as_an_unknown_token() {
    const TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
    // post-sts-header-before signs the token; post-sts-header-after adds it once signed.
    let before = format!(
        "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:{TOKEN}\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"
    );
    let after = format!(
        "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:{TOKEN}\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
    );
    for raw in [before, after] {
        assert_eq!(suite_verify(&raw), Err(AuthError::UnrecognizedClient));
    }
}

// Requests boto3 1.43.11 (botocore's SigV4Auth) sent for MTurk, captured at test-writing time:
// a socket on 127.0.0.1:8780 answering `{}`, a client with endpoint_url
// http://127.0.0.1:8780, region us-east-1, the key below, botocore.auth.get_current_datetime
// patched to 2026-12-01T00:00:00, calling list_hits(MaxResults=10) and approve_assignment(...)
// with an X-Review-Note header (inner runs of spaces) added in a before-sign hook.
const BOTO_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const BOTO_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const BOTO_TIME: u64 = 1_796_083_200;

const BOTO_LIST_HITS: &str = "POST / HTTP/1.1\r\nHost: 127.0.0.1:8780\r\nAccept-Encoding: identity\r\nX-Amz-Target: MTurkRequesterServiceV20170117.ListHITs\r\nContent-Type: application/x-amz-json-1.1\r\nUser-Agent: Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44-fc-v1045 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,D,Z,e,N cfg/retry-mode#legacy Botocore/1.43.11\r\nX-Amz-Date: 20261201T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/mturk-requester/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=13f541f0f767e177d19509532e861a693dba7fe8e3b0f25740de635b2eb159ac\r\namz-sdk-invocation-id: 5d05de67-99d7-4c8a-8ed1-5b162e4cea11\r\namz-sdk-request: attempt=1\r\nContent-Length: 18\r\n\r\n{\"MaxResults\": 10}";

const BOTO_APPROVE: &str = "POST / HTTP/1.1\r\nHost: 127.0.0.1:8780\r\nAccept-Encoding: identity\r\nX-Amz-Target: MTurkRequesterServiceV20170117.ApproveAssignment\r\nContent-Type: application/x-amz-json-1.1\r\nUser-Agent: Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44-fc-v1045 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,D,Z,e,N cfg/retry-mode#legacy Botocore/1.43.11\r\nX-Review-Note:   batch   7  of  12 \r\nX-Amz-Date: 20261201T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/mturk-requester/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target;x-review-note, Signature=f93a1ecdc8bbadbeba41d539bf9a657c1d280fcb1e8b4e73a64486486e380fef\r\namz-sdk-invocation-id: a851b824-3d5f-4b68-92ff-f648fdf0ca16\r\namz-sdk-request: attempt=1\r\nContent-Length: 99\r\n\r\n{\"AssignmentId\": \"3AMYWKA6YBLU92KSOGLNT78AEXAMPLE\", \"RequesterFeedback\": \"Thank  you,   well done\"}";

// Signed with the Date header instead of X-Amz-Date (which AWS accepts): no SDK sends that, so
// this one was computed at test-writing time with Python's hmac and hashlib, step by step from
// the AWS General Reference, for the same key and time.
const DATE_HEADER_LIST_HITS: &str = "POST / HTTP/1.1\nHost: 127.0.0.1:8780\nContent-Type: application/x-amz-json-1.1\nDate: Tue, 01 Dec 2026 00:00:00 GMT\nX-Amz-Target: MTurkRequesterServiceV20170117.ListHITs\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/mturk-requester/aws4_request, SignedHeaders=content-type;date;host;x-amz-target, Signature=c19c9488434f902b253a50b88252e7e6f6979786c230a634d1012950c4daada1\n\n{\"MaxResults\": 10}";

fn boto_verify(raw: &str, now: SystemTime) -> Result<String, AuthError> {
    let (parts, body) = parse_raw(raw);
    Verifier::new().verify(&parts, &body, now, |id| {
        (id == BOTO_KEY).then(|| BOTO_SECRET.to_string())
    })
}

#[test]
fn requests_boto3_signed_are_accepted() {
    for raw in [BOTO_LIST_HITS, BOTO_APPROVE, DATE_HEADER_LIST_HITS] {
        assert_eq!(boto_verify(raw, at(BOTO_TIME)), Ok(BOTO_KEY.to_string()));
        assert_eq!(
            boto_verify(raw, at(BOTO_TIME + 299)),
            Ok(BOTO_KEY.to_string())
        );
    }
}

#[test]
fn requests_boto3_signed_are_refused_once_stale_or_changed() {
    for raw in [BOTO_LIST_HITS, BOTO_APPROVE, DATE_HEADER_LIST_HITS] {
        assert_eq!(
            boto_verify(raw, at(BOTO_TIME + 301)),
            Err(AuthError::Invalid(
                "Signature expired: 20261201T000000Z is now earlier than 20261201T000001Z (20261201T000501Z - 5 min.)".into()
            ))
        );
    }
    for tampered in [
        BOTO_LIST_HITS.replace("10}", "100}"),
        BOTO_LIST_HITS.replace(".ListHITs", ".ListReviewableHITs"),
        BOTO_APPROVE.replace("well done", "well  done"),
        BOTO_APPROVE.replace("batch   7", "batch   8"),
        DATE_HEADER_LIST_HITS.replace("00:00:00 GMT", "00:00:01 GMT"),
    ] {
        assert_eq!(
            boto_verify(&tampered, at(BOTO_TIME)),
            Err(AuthError::Mismatch),
            "{tampered}"
        );
    }
    // Headers it did not sign may change.
    let unsigned_changed = BOTO_LIST_HITS
        .replace("Boto3/1.43.11", "Boto3/9")
        .replace("attempt=1", "attempt=2");
    assert_eq!(
        boto_verify(&unsigned_changed, at(BOTO_TIME)),
        Ok(BOTO_KEY.to_string())
    );
}
