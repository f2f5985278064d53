//! The `Authorization` header of a SigV4 request taken apart (algorithm, credential, signed
//! headers, signature) and its credential scope checked, with AWS's words for what is missing,
//! malformed or scoped wrong.

use super::AuthError;
use super::date::X_AMZ_DATE;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const TERMINATOR: &str = "aws4_request";

/// `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`, its parts borrowed.
#[derive(Debug, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub algorithm: &'a str,
    pub credential: &'a str,
    pub signed_headers: &'a str,
    pub signature: &'a str,
}

impl Authorization<'_> {
    /// Refuses a signature that leaves out `host`, or `x-amz-date` when the request has one.
    pub fn check_signed_headers(&self, has_amz_date: bool) -> Result<(), AuthError> {
        let is_signed = |name: &str| {
            self.signed_headers
                .split(';')
                .any(|signed| signed.eq_ignore_ascii_case(name))
        };
        if !is_signed("host") {
            return Err(AuthError::Invalid(
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
            ));
        }
        // Worded after the Host refusal; AWS's exact words for this one are unconfirmed.
        if has_amz_date && !is_signed(X_AMZ_DATE) {
            return Err(AuthError::Invalid(
                "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.".into(),
            ));
        }
        Ok(())
    }

    pub fn check_algorithm(&self) -> Result<(), AuthError> {
        if self.algorithm == ALGORITHM {
            Ok(())
        } else {
            Err(AuthError::Incomplete(format!(
                "Unsupported AWS 'algorithm': '{}' (only {ALGORITHM} for now)",
                self.algorithm
            )))
        }
    }
}

/// Whether a header value is SigV4 at all; anything else is answered as no authentication.
pub fn is_sigv4(header: &str) -> bool {
    header.trim_start().starts_with("AWS4-")
}

/// The header's parts. `has_date` says whether the request has an `X-Amz-Date` or `Date`
/// header: AWS names its absence in the same message as the missing parameters.
pub fn parse(header: &str, has_date: bool) -> Result<Authorization<'_>, AuthError> {
    let header = header.trim();
    let (algorithm, rest) = header
        .split_once(char::is_whitespace)
        .unwrap_or((header, ""));
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    // AWS splits the parameters at commas and at spaces alike, so a stray space inside one
    // (a pasted access key id with a trailing space) leaves a piece without `=`.
    for piece in rest.split([',', ' ', '\t']).filter(|p| !p.is_empty()) {
        let Some((key, value)) = piece.split_once('=') else {
            return Err(AuthError::Incomplete(format!(
                "'{piece}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
            )));
        };
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }
    let mut missing = Vec::new();
    // An empty SignedHeaders passes here and is refused for not signing `host`.
    for (name, value) in [
        ("Credential", credential.filter(|v| !v.is_empty())),
        ("Signature", signature.filter(|v| !v.is_empty())),
        ("SignedHeaders", signed_headers),
    ] {
        if value.is_none() {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    if !has_date {
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .to_string(),
        );
    }
    match (credential, signed_headers, signature) {
        (Some(credential), Some(signed_headers), Some(signature)) if missing.is_empty() => {
            Ok(Authorization {
                algorithm,
                credential,
                signed_headers,
                signature,
            })
        }
        _ => Err(AuthError::Incomplete(format!(
            "{} Authorization={header}",
            missing.join(" ")
        ))),
    }
}

/// `AKID/20150830/us-east-1/service/aws4_request`, taken apart.
#[derive(Debug, PartialEq, Eq)]
pub struct Credential<'a> {
    pub access_key_id: &'a str,
    pub date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    pub terminator: &'a str,
}

impl<'a> Credential<'a> {
    pub fn parse(value: &'a str) -> Result<Self, AuthError> {
        // AWS ignores trailing slashes here.
        let parts: Vec<&str> = value.trim_end_matches('/').split('/').collect();
        match parts[..] {
            [access_key_id, date, region, service, terminator] => Ok(Credential {
                access_key_id,
                date,
                region,
                service,
                terminator,
            }),
            _ => Err(AuthError::Incomplete(format!(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{value}'"
            ))),
        }
    }

    /// Refuses a scope that is not `<date of timestamp>/<region>/<service>/aws4_request`, naming
    /// every part that is wrong, as AWS does.
    pub fn check_scope(
        &self,
        region: &str,
        service: &str,
        timestamp: &str,
    ) -> Result<(), AuthError> {
        let mut wrong = Vec::new();
        if self.region != region {
            wrong.push(format!(
                "Credential should be scoped to a valid region, not '{}'.",
                self.region
            ));
        }
        if self.service != service {
            wrong.push(format!(
                "Credential should be scoped to correct service: '{service}'."
            ));
        }
        if self.terminator != TERMINATOR {
            wrong.push(format!(
                "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'.",
                self.terminator
            ));
        }
        let day = timestamp.get(..8).unwrap_or(timestamp);
        if self.date != day {
            wrong.push(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{day}', from '{timestamp}'.",
                self.date
            ));
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(AuthError::Invalid(wrong.join(" ")))
        }
    }

    /// `20150830/us-east-1/service/aws4_request`, as it goes into the string to sign.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.date, self.region, self.service, self.terminator
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    fn incomplete(header: &str, has_date: bool) -> String {
        match parse(header, has_date) {
            Err(AuthError::Incomplete(message)) => message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_complete_header() {
        assert_eq!(
            parse(HEADER, true),
            Ok(Authorization {
                algorithm: "AWS4-HMAC-SHA256",
                credential: "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request",
                signed_headers: "host;x-amz-date",
                signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            })
        );
        // Commas alone, or spaces alone, separate the parameters too.
        let packed = HEADER.replace(", ", ",");
        assert_eq!(parse(&packed, true), parse(HEADER, true));
        assert_eq!(parse(&HEADER.replace(", ", " "), true), parse(HEADER, true));
    }

    #[test]
    fn every_missing_part_is_named_with_the_header() {
        assert_eq!(
            incomplete("AWS4-HMAC-SHA256", false),
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256"
        );
        let no_signature = "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/service/aws4_request, SignedHeaders=host";
        assert_eq!(
            incomplete(no_signature, true),
            format!(
                "Authorization header requires 'Signature' parameter. Authorization={no_signature}"
            )
        );
        let empty_credential = "AWS4-HMAC-SHA256 Credential=, SignedHeaders=host, Signature=ab";
        assert_eq!(
            incomplete(empty_credential, true),
            format!(
                "Authorization header requires 'Credential' parameter. Authorization={empty_credential}"
            )
        );
        assert_eq!(
            incomplete(HEADER, false),
            format!(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={HEADER}"
            )
        );
    }

    #[test]
    fn a_piece_without_equal_sign_is_quoted() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=ab";
        assert_eq!(
            incomplete(header, true),
            format!(
                "'/20150830/us-east-1/service/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
            )
        );
    }

    #[test]
    fn credential_parts_and_scope() {
        let credential =
            Credential::parse("AKID/20150830/us-east-1/service/aws4_request/").unwrap();
        assert_eq!(credential.access_key_id, "AKID");
        assert_eq!(
            credential.scope(),
            "20150830/us-east-1/service/aws4_request"
        );
        assert_eq!(
            credential.check_scope("us-east-1", "service", "20150830T123600Z"),
            Ok(())
        );
        assert_eq!(
            Credential::parse("a/b/c/d"),
            Err(AuthError::Incomplete(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'".into()
            ))
        );
        let wrong = Credential::parse("AKID/20150829/eu-west-1/mturk/aws5_request").unwrap();
        assert_eq!(
            wrong.check_scope("us-east-1", "mturk-requester", "20150830T123600Z"),
            Err(AuthError::Invalid(
                "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'mturk-requester'. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != '20150830', from '20150830T123600Z'.".into()
            ))
        );
    }
}
