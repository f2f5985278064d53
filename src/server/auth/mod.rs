//! AWS Signature Version 4 checked the way AWS checks it, for service `mturk-requester` in
//! `us-east-1`: `Verifier::verify` takes a request as it arrived and either names the access key
//! that signed it or refuses it with the error AWS would answer (`AuthError`, which becomes an
//! `ApiError` with AWS's `__type`, status and message).
//!
//! The checks run in the order AWS's front end runs them (as its answers show): an Authorization
//! header at all; its parts and a date; the date's format and freshness (5 minutes either way);
//! `host` (and `x-amz-date`, when sent) among the signed headers; the algorithm; the credential's
//! shape and scope; the access key; the signature, over the body as received (and
//! `x-amz-content-sha256`, when sent, must be that body's hash); then a session token, refused as
//! AWS refuses one it does not know (this server issues none).
//!
//! Crypto comes from RustCrypto (`hmac`, `sha2`; `Mac::verify_slice` compares in constant time).
//! The canonical request is written here: the one verification crate, scratchstack-aws-signature,
//! was weighed and left out. It has one maintainer and a handful of downloads a month, brings a
//! dozen dependencies (chrono, tower, derive_builder, regex, lazy_static, an ARN/principal
//! model), works through an async `tower::Service` for the key lookup, and answers with the
//! query-protocol codes (`SignatureDoesNotMatch`, `InvalidClientTokenId`, 403) that JSON
//! services like MTurk do not use, so every error would have been translated anyway; for
//! `POST /` with a JSON body the canonical form is a page of code, tested (tests.rs, vectors.rs)
//! against AWS's published test suite, requests boto3 signed and AWS's own Rust signer.
//!
//! Query-string authentication (presigned URLs) is not supported: no MTurk client uses it.
//!
//! Use: one `Verifier` for the whole server; once the body is read and before the operation
//! runs, `verifier.verify(&parts, &body, SystemTime::now(), |key_id| <its secret>)`, and a
//! refusal is answered as `ApiError::from(err)` (with the `Date` header hyper adds: the Rust SDK
//! corrects its clock from it).

mod authorization;
mod canonical;
mod date;
mod error;
mod keys;

use std::borrow::Cow;
use std::num::NonZeroUsize;
use std::time::SystemTime;

use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use hmac::Mac;
use time::OffsetDateTime;

use authorization::{Authorization, Credential};
use date::X_AMZ_DATE;
pub use error::AuthError;
use keys::{HmacSha256, SigningKeys};

const REGION: &str = "us-east-1";
const SERVICE: &str = "mturk-requester";

/// Signing keys kept: a key is used on at most two days at a time, so this is room for hundreds
/// of access keys in use at once, in a few hundred KB at most.
const CACHED_KEYS: NonZeroUsize = match NonZeroUsize::new(1024) {
    Some(n) => n,
    None => NonZeroUsize::MIN,
};

const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";

/// Checks signatures for one region and service, keeping the signing keys it derives. Share
/// one for the whole server: the cache is what makes a signed call cheap.
pub struct Verifier {
    region: &'static str,
    service: &'static str,
    keys: SigningKeys,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// A verifier for MTurk: `us-east-1`, `mturk-requester`.
    pub fn new() -> Self {
        Self::for_scope(REGION, SERVICE)
    }

    fn for_scope(region: &'static str, service: &'static str) -> Self {
        Verifier {
            region,
            service,
            keys: SigningKeys::new(region, service, CACHED_KEYS),
        }
    }

    /// The access key id that signed `request` (whose body is `body`), checked against the
    /// server's clock `now`. `secret_of` gives the secret of an access key id, or `None` for one
    /// that does not exist (or no longer does); it is called once, only for a request that got
    /// as far as naming its key.
    pub fn verify(
        &self,
        request: &Parts,
        body: &[u8],
        now: SystemTime,
        secret_of: impl FnOnce(&str) -> Option<String>,
    ) -> Result<String, AuthError> {
        let headers = &request.headers;
        let header = text(headers, header::AUTHORIZATION.as_str())
            .filter(|h| authorization::is_sigv4(h))
            .ok_or(AuthError::MissingToken)?;
        let amz_date = text(headers, X_AMZ_DATE);
        let http_date = text(headers, header::DATE.as_str());
        let auth = authorization::parse(&header, amz_date.is_some() || http_date.is_some())?;
        let signed_at = date::signed_at(amz_date.as_deref(), http_date.as_deref())?;
        date::check_fresh(signed_at, OffsetDateTime::from(now))?;
        auth.check_signed_headers(amz_date.is_some())?;
        auth.check_algorithm()?;
        let credential = Credential::parse(auth.credential)?;
        let timestamp = date::basic(signed_at);
        credential.check_scope(self.region, self.service, &timestamp)?;
        let secret = secret_of(credential.access_key_id).ok_or(AuthError::UnrecognizedClient)?;
        self.check_signature(request, body, &auth, &credential, &timestamp, &secret)?;
        if headers.contains_key(X_AMZ_SECURITY_TOKEN) {
            return Err(AuthError::UnrecognizedClient);
        }
        Ok(credential.access_key_id.to_string())
    }

    /// The signature the request carries against the one `secret` gives for it, over the body as
    /// received (which `x-amz-content-sha256`, when sent, must name).
    fn check_signature(
        &self,
        request: &Parts,
        body: &[u8],
        auth: &Authorization,
        credential: &Credential,
        timestamp: &str,
        secret: &str,
    ) -> Result<(), AuthError> {
        let payload_hash = canonical::sha256_hex(body);
        if text(&request.headers, X_AMZ_CONTENT_SHA256)
            .is_some_and(|claimed| claimed != payload_hash)
        {
            tracing::debug!("x-amz-content-sha256 is not the hash of the body");
            return Err(AuthError::Mismatch);
        }
        let canonical_request = canonical::request(request, auth.signed_headers, &payload_hash);
        let string_to_sign =
            canonical::string_to_sign(timestamp, &credential.scope(), &canonical_request);
        let provided = hex::decode(auth.signature).map_err(|_| AuthError::Mismatch)?;
        // HMAC takes keys of any length: these errors cannot happen, and refuse if they did.
        let key = self
            .keys
            .get(credential.access_key_id, credential.date, secret)
            .map_err(|_| AuthError::Mismatch)?;
        let mut mac = HmacSha256::new_from_slice(&key).map_err(|_| AuthError::Mismatch)?;
        mac.update(string_to_sign.as_bytes());
        mac.verify_slice(&provided).map_err(|_| {
            tracing::debug!(
                canonical_request = %String::from_utf8_lossy(&canonical_request),
                "the signature does not match"
            );
            AuthError::Mismatch
        })
    }
}

/// A header's first value as text (bytes that are not UTF-8 replaced, so a bad value is still
/// there to be refused).
fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<Cow<'a, str>> {
    headers
        .get(name)
        .map(|value| String::from_utf8_lossy(value.as_bytes()))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;
