//! Why a request's signature is refused, in AWS's words: the `__type`, HTTP status and message
//! an AWS JSON-protocol service answers each refusal with.
//!
//! The words are those AWS's front end is quoted answering with in public bug reports and in
//! faithful stand-ins (dynalite, for DynamoDB, which shares MTurk's JSON protocol and front end).
//! What MTurk itself sent for each is unconfirmed: these are the conventions clients handle.

use crate::server::error::ApiError;

/// AWS JSON-protocol services answer every signature refusal with 400 (a DynamoDB probe without
/// an Authorization header gets `400 MissingAuthenticationTokenException`; Kinesis, Rekognition
/// and Cognito reports show 400 for the others). The 403s in AWS's "Common Errors" pages belong
/// to the query-protocol and REST services.
const STATUS: u16 = 400;

/// The message of a signature that does not match, whatever the cause (wrong secret, tampered
/// request, a body that is not the one `x-amz-content-sha256` names).
pub const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header, or one that is not SigV4.
    #[error("Request is missing Authentication Token")]
    MissingToken,
    /// The Authorization header or the date is malformed or incomplete; the message says how.
    #[error("{0}")]
    Incomplete(String),
    /// An access key id nobody holds, or a session token (this server issues none).
    #[error("The security token included in the request is invalid.")]
    UnrecognizedClient,
    /// A signature refused before it is computed: its time (clock skew), its credential scope,
    /// a header that must be signed and is not.
    #[error("{0}")]
    Invalid(String),
    /// The signature is not the one the request and the secret give.
    #[error("{MISMATCH}")]
    Mismatch,
}

impl AuthError {
    /// The `__type` AWS answers with. Clients match on it: the AWS SDKs for Java and JavaScript
    /// treat `InvalidSignatureException` as a possible clock skew, and the Rust SDK corrects its
    /// clock from the `Date` of any answer.
    pub fn type_name(&self) -> &'static str {
        match self {
            AuthError::MissingToken => "MissingAuthenticationTokenException",
            AuthError::Incomplete(_) => "IncompleteSignatureException",
            AuthError::UnrecognizedClient => "UnrecognizedClientException",
            AuthError::Invalid(_) | AuthError::Mismatch => "InvalidSignatureException",
        }
    }

    pub fn status(&self) -> u16 {
        STATUS
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        ApiError::typed(err.type_name(), err.status(), err.to_string())
    }
}
