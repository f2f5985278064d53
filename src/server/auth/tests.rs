//! `Verifier::verify` on requests signed by AWS's own Rust signer (aws-sigv4, which aws-sdk-mturk
//! signs with) in the shape aws-sdk-mturk sends them, then changed the ways a request can go
//! wrong; and what each refusal looks like on the wire.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_mturk::config::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Request, header};

use super::error::MISMATCH;
use super::{AuthError, Verifier};
use crate::server::error::ApiError;

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const HOST: &str = "127.0.0.1:8780";

/// 2026-12-01T00:00:00Z.
fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_083_200)
}

/// How a test request is signed.
struct Signing {
    secret: &'static str,
    region: &'static str,
    service: &'static str,
    time: SystemTime,
    /// Send `x-amz-content-sha256` (the signer then signs it too).
    content_sha256: bool,
    session_token: Option<&'static str>,
}

impl Default for Signing {
    fn default() -> Self {
        Signing {
            secret: SECRET,
            region: "us-east-1",
            service: "mturk-requester",
            time: t0(),
            content_sha256: false,
            session_token: None,
        }
    }
}

/// A request as aws-sdk-mturk sends one (`POST /`, its content type and target, a user agent
/// the signer leaves unsigned, a JSON body) with `extra` headers, signed as `how` says, as the
/// server receives it.
fn signed(extra: &[(&str, &str)], body: &str, how: &Signing) -> (Parts, Vec<u8>) {
    let mut builder = Request::builder()
        .method("POST")
        .uri(format!("http://{HOST}/"))
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "MTurkRequesterServiceV20170117.ApproveAssignment",
        )
        .header(
            header::USER_AGENT,
            "aws-sdk-rust/1.3.8 os/linux lang/rust/1.88.0",
        )
        .header(header::CONTENT_LENGTH, body.len());
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(body.as_bytes().to_vec()).unwrap();

    let identity = Credentials::new(
        KEY,
        how.secret,
        how.session_token.map(str::to_string),
        None,
        "test",
    )
    .into();
    let mut settings = SigningSettings::default();
    if how.content_sha256 {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(how.region)
        .name(how.service)
        .time(how.time)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
        .collect();
    let signable = SignableRequest::new(
        "POST",
        request.uri().to_string(),
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(request.body()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions.apply_to_request_http1x(&mut request);

    let (mut parts, body) = request.into_parts();
    parts.uri = "/".parse().unwrap(); // what the server's request line holds
    (parts, body)
}

const BODY: &str =
    r#"{"AssignmentId":"3AMYWKA6YBLU92KSOGLNT78AEXAMPLE","RequesterFeedback":"Thanks"}"#;

fn sdk_request(how: &Signing) -> (Parts, Vec<u8>) {
    signed(&[], BODY, how)
}

/// Verified at `now` by a server that knows KEY with SECRET.
fn verify_at(request: &(Parts, Vec<u8>), now: SystemTime) -> Result<String, AuthError> {
    Verifier::new().verify(&request.0, &request.1, now, known)
}

fn verify(request: &(Parts, Vec<u8>)) -> Result<String, AuthError> {
    verify_at(request, t0())
}

fn known(id: &str) -> Option<String> {
    (id == KEY).then(|| SECRET.to_string())
}

fn authorization(request: &(Parts, Vec<u8>)) -> String {
    request.0.headers[header::AUTHORIZATION]
        .to_str()
        .unwrap()
        .to_string()
}

/// The request with its Authorization header changed by `edit`.
fn with_authorization(
    mut request: (Parts, Vec<u8>),
    edit: impl FnOnce(&str) -> String,
) -> (Parts, Vec<u8>) {
    let changed = edit(&authorization(&request));
    request.0.headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&changed).unwrap(),
    );
    request
}

fn accepted() -> Result<String, AuthError> {
    Ok(KEY.to_string())
}

/// What the client reads: `__type`, status and `Message`.
fn wire(err: AuthError) -> (String, u16, String) {
    let api: ApiError = err.into();
    let body = api.body();
    assert!(body.get("TurkErrorCode").is_none(), "{body}");
    (
        body["__type"].as_str().unwrap().to_string(),
        api.status(),
        body["Message"].as_str().unwrap().to_string(),
    )
}

fn refused(result: Result<String, AuthError>) -> (String, u16, String) {
    wire(result.unwrap_err())
}

fn expect(type_name: &str, message: &str) -> (String, u16, String) {
    (type_name.to_string(), 400, message.to_string())
}

#[test]
fn requests_signed_as_the_sdk_signs_them_are_accepted() {
    let how = Signing::default();
    assert_eq!(verify(&sdk_request(&how)), accepted());
    let with_hash = Signing {
        content_sha256: true,
        ..Signing::default()
    };
    let request = sdk_request(&with_hash);
    assert!(request.0.headers.contains_key("x-amz-content-sha256"));
    assert_eq!(verify(&request), accepted());
    // A signed header whose value has inner runs of spaces, and an empty body.
    let spaced = signed(&[("x-review-note", "batch   7  of   12")], "", &how);
    assert!(authorization(&spaced).contains("x-review-note"));
    assert_eq!(verify(&spaced), accepted());
    // The user agent was not signed; a header added after signing is not either.
    let mut request = sdk_request(&how);
    assert!(!authorization(&request).contains("user-agent"));
    request
        .0
        .headers
        .insert(header::USER_AGENT, HeaderValue::from_static("a proxy"));
    request
        .0
        .headers
        .insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
    assert_eq!(verify(&request), accepted());
}

#[test]
fn a_wrong_secret_or_a_changed_request_does_not_match() {
    let mismatch = expect("InvalidSignatureException", MISMATCH);
    let wrong_secret = Signing {
        secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ",
        ..Signing::default()
    };
    assert_eq!(refused(verify(&sdk_request(&wrong_secret))), mismatch);

    let (parts, _) = sdk_request(&Signing::default());
    let tampered_body = (parts, BODY.replace("Thanks", "Thanks!").into_bytes());
    assert_eq!(refused(verify(&tampered_body)), mismatch);

    let mut tampered_header = sdk_request(&Signing::default());
    tampered_header.0.headers.insert(
        "x-amz-target",
        HeaderValue::from_static("MTurkRequesterServiceV20170117.RejectAssignment"),
    );
    assert_eq!(refused(verify(&tampered_header)), mismatch);

    let mut dropped_header = sdk_request(&Signing::default());
    dropped_header.0.headers.remove(header::CONTENT_TYPE);
    assert_eq!(refused(verify(&dropped_header)), mismatch);

    let other_signature = with_authorization(sdk_request(&Signing::default()), |h| {
        let (head, signature) = h.split_once("Signature=").unwrap();
        format!(
            "{head}Signature={}",
            signature.chars().rev().collect::<String>()
        )
    });
    assert_eq!(refused(verify(&other_signature)), mismatch);
}

#[test]
fn the_content_sha256_a_client_sends_must_be_the_bodys() {
    let how = Signing {
        content_sha256: true,
        ..Signing::default()
    };
    let (parts, _) = sdk_request(&how);
    let other_body = (
        parts,
        br#"{"AssignmentId":"X","RequesterFeedback":""}"#.to_vec(),
    );
    assert_eq!(verify(&other_body), Err(AuthError::Mismatch));
    // Unsigned, and wrong: still refused.
    let mut request = sdk_request(&Signing::default());
    request.0.headers.insert(
        "x-amz-content-sha256",
        HeaderValue::from_static("UNSIGNED-PAYLOAD"),
    );
    assert_eq!(verify(&request), Err(AuthError::Mismatch));
}

#[test]
fn an_unknown_key_or_a_session_token_is_an_invalid_security_token() {
    let invalid = expect(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    );
    let request = sdk_request(&Signing::default());
    let unknown = Verifier::new().verify(&request.0, &request.1, t0(), |_| None);
    assert_eq!(refused(unknown), invalid);

    let with_token = Signing {
        session_token: Some("FwoGZXIvYXdzEXAMPLETOKEN"),
        ..Signing::default()
    };
    let request = sdk_request(&with_token);
    assert!(request.0.headers.contains_key("x-amz-security-token"));
    assert_eq!(refused(verify(&request)), invalid);
    // As on AWS, the signature is checked first.
    let wrong_and_token = Signing {
        secret: "not the secret",
        ..with_token
    };
    assert_eq!(
        verify(&sdk_request(&wrong_and_token)),
        Err(AuthError::Mismatch)
    );
}

#[test]
fn a_date_more_than_five_minutes_off_either_way_is_refused() {
    let request = sdk_request(&Signing::default());
    let minutes = |m: u64| Duration::from_secs(60 * m);
    assert_eq!(verify_at(&request, t0() + minutes(5)), accepted());
    assert_eq!(verify_at(&request, t0() - minutes(5)), accepted());
    assert_eq!(
        refused(verify_at(&request, t0() + minutes(15))),
        expect(
            "InvalidSignatureException",
            "Signature expired: 20261201T000000Z is now earlier than 20261201T001000Z (20261201T001500Z - 5 min.)"
        )
    );
    assert_eq!(
        refused(verify_at(
            &request,
            t0() - minutes(5) - Duration::from_secs(1)
        )),
        expect(
            "InvalidSignatureException",
            "Signature not yet current: 20261201T000000Z is still later than 20261130T235959Z (20261130T235459Z + 5 min.)"
        )
    );
    // Signed in the future by a client whose clock runs ahead.
    let ahead = sdk_request(&Signing {
        time: t0() + minutes(6),
        ..Signing::default()
    });
    assert_eq!(
        refused(verify(&ahead)),
        expect(
            "InvalidSignatureException",
            "Signature not yet current: 20261201T000600Z is still later than 20261201T000500Z (20261201T000000Z + 5 min.)"
        )
    );
}

#[test]
fn a_date_that_is_not_iso_8601_basic_is_incomplete() {
    let mut request = sdk_request(&Signing::default());
    request.0.headers.insert(
        "x-amz-date",
        HeaderValue::from_static("2026-12-01T00:00:00Z"),
    );
    assert_eq!(
        refused(verify(&request)),
        expect(
            "IncompleteSignatureException",
            "Date must be in ISO-8601 'basic format'. Got '2026-12-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"
        )
    );
}

#[test]
fn the_credential_scope_must_be_the_date_region_and_service_of_mturk() {
    let region = sdk_request(&Signing {
        region: "us-west-2",
        ..Signing::default()
    });
    assert_eq!(
        refused(verify(&region)),
        expect(
            "InvalidSignatureException",
            "Credential should be scoped to a valid region, not 'us-west-2'."
        )
    );
    let service = sdk_request(&Signing {
        service: "mturk",
        ..Signing::default()
    });
    assert_eq!(
        refused(verify(&service)),
        expect(
            "InvalidSignatureException",
            "Credential should be scoped to correct service: 'mturk-requester'."
        )
    );
    let day_before = with_authorization(sdk_request(&Signing::default()), |h| {
        h.replace("/20261201/", "/20261130/")
    });
    assert_eq!(
        refused(verify(&day_before)),
        expect(
            "InvalidSignatureException",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261130' != '20261201', from '20261201T000000Z'."
        )
    );
    let short = with_authorization(sdk_request(&Signing::default()), |h| {
        h.replace("/aws4_request", "")
    });
    assert_eq!(
        refused(verify(&short)),
        expect(
            "IncompleteSignatureException",
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/mturk-requester'"
        )
    );
}

#[test]
fn a_header_missing_a_part_says_which() {
    for part in ["Credential", "SignedHeaders", "Signature"] {
        let request = with_authorization(sdk_request(&Signing::default()), |h| {
            let (algorithm, rest) = h.split_once(' ').unwrap();
            let kept: Vec<&str> = rest
                .split(", ")
                .filter(|p| !p.starts_with(&format!("{part}=")))
                .collect();
            format!("{algorithm} {}", kept.join(", "))
        });
        let header = authorization(&request);
        assert_eq!(
            refused(verify(&request)),
            expect(
                "IncompleteSignatureException",
                &format!(
                    "Authorization header requires '{part}' parameter. Authorization={header}"
                )
            ),
            "{part}"
        );
    }
    let mut undated = sdk_request(&Signing::default());
    undated.0.headers.remove("x-amz-date");
    let header = authorization(&undated);
    assert_eq!(
        refused(verify(&undated)),
        expect(
            "IncompleteSignatureException",
            &format!(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={header}"
            )
        )
    );
    let algorithm = with_authorization(sdk_request(&Signing::default()), |h| {
        h.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")
    });
    assert_eq!(
        refused(verify(&algorithm)),
        expect(
            "IncompleteSignatureException",
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now)"
        )
    );
}

#[test]
fn host_and_x_amz_date_must_be_signed() {
    let unsigned_host =
        with_authorization(sdk_request(&Signing::default()), |h| h.replace("host;", ""));
    assert_eq!(
        refused(verify(&unsigned_host)),
        expect(
            "InvalidSignatureException",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    );
    let unsigned_date = with_authorization(sdk_request(&Signing::default()), |h| {
        h.replace(";x-amz-date", "")
    });
    assert_eq!(
        refused(verify(&unsigned_date)),
        expect(
            "InvalidSignatureException",
            "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."
        )
    );
}

#[test]
fn no_sigv4_authorization_is_a_missing_token() {
    let missing = expect(
        "MissingAuthenticationTokenException",
        "Request is missing Authentication Token",
    );
    let mut request = sdk_request(&Signing::default());
    request.0.headers.remove(header::AUTHORIZATION);
    assert_eq!(refused(verify(&request)), missing);
    request.0.headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_static("Bearer abc"),
    );
    assert_eq!(refused(verify(&request)), missing);
}

#[test]
fn a_secret_that_changed_or_a_key_that_went_is_never_served_from_the_cache() {
    let verifier = Verifier::new();
    let request = sdk_request(&Signing::default());
    let check = |request: &(Parts, Vec<u8>), secret: Option<&str>| {
        verifier.verify(&request.0, &request.1, t0(), |_| secret.map(str::to_string))
    };
    assert_eq!(check(&request, Some(SECRET)), accepted());
    assert_eq!(check(&request, Some(SECRET)), accepted(), "from the cache");
    assert_eq!(check(&request, None), Err(AuthError::UnrecognizedClient));
    const NEW_SECRET: &str = "Xo9g2vH0j5rQyT8kL3mN7pS1dF4aZ6cB0eW2uI5y";
    assert_eq!(check(&request, Some(NEW_SECRET)), Err(AuthError::Mismatch));
    let resigned = sdk_request(&Signing {
        secret: NEW_SECRET,
        ..Signing::default()
    });
    assert_eq!(check(&resigned, Some(NEW_SECRET)), accepted());
    assert_eq!(
        check(&request, Some(SECRET)),
        accepted(),
        "the old secret again"
    );
}

#[test]
fn a_refusal_on_the_wire_has_no_mturk_suffix_and_no_turk_error_code() {
    let (type_name, status, message) = wire(AuthError::Mismatch);
    assert_eq!(
        (type_name.as_str(), status, message.as_str()),
        ("InvalidSignatureException", 400, MISMATCH)
    );
    // MTurk's own errors keep theirs.
    let own = ApiError::invalid("x").body();
    assert!(own["Message"].as_str().unwrap().starts_with("x ("));
}
