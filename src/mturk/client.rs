//! Building the aws-sdk-mturk client for production, the sandbox or any MTurk-compatible
//! endpoint, converting SDK shapes into the domain's, and putting SDK errors into the
//! reviewer's words.

use std::time::Duration;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_mturk::Client;
use aws_sdk_mturk::config::Credentials;
use aws_sdk_mturk::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_mturk::primitives::DateTime;
use aws_sdk_mturk::types as sdk;

use super::domain::{Assignment, AssignmentStatus, EpochSecs, Hit};

pub const PRODUCTION_URL: &str = "https://mturk-requester.us-east-1.amazonaws.com";
pub const SANDBOX_URL: &str = "https://mturk-requester-sandbox.us-east-1.amazonaws.com";

/// Where the client talks to (and the console's header says it is connected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Production,
    Sandbox,
    /// Any MTurk-compatible endpoint, e.g. `mturk-review serve`.
    Custom(String),
    /// The demo's private in-process server, at this url.
    Demo(String),
}

impl Endpoint {
    pub fn url(&self) -> &str {
        match self {
            Endpoint::Production => PRODUCTION_URL,
            Endpoint::Sandbox => SANDBOX_URL,
            Endpoint::Custom(url) | Endpoint::Demo(url) => url,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub endpoint: Endpoint,
    /// A named profile from the AWS config files.
    pub profile: Option<String>,
    /// Region; us-east-1 (MTurk's only one) unless set.
    pub region: Option<String>,
    /// Use fixed dummy credentials instead of the standard chain: right for a local server,
    /// and saves the chain's probing of profiles and instance metadata.
    pub local_credentials: bool,
    /// Attempts per call, counting the first, by the SDK's own retries (throttling and 5xx,
    /// with backoff). Only calls made on the client as built get them: the loader and the
    /// decision runner send on a copy with them off, and retry on their own (`retry`).
    pub max_attempts: u32,
}

impl ClientOptions {
    pub fn local(endpoint_url: &str) -> Self {
        ClientOptions {
            endpoint: Endpoint::Custom(endpoint_url.to_string()),
            profile: None,
            region: None,
            local_credentials: true,
            max_attempts: 5,
        }
    }
}

/// Builds the one client the program shares (cheap to clone).
pub async fn build_client(options: &ClientOptions) -> Client {
    Client::new(&load_config(options).await)
}

/// The SDK configuration for these options: region, retries, timeouts, credentials, endpoint.
pub async fn load_config(options: &ClientOptions) -> aws_config::SdkConfig {
    let region = options
        .region
        .clone()
        .unwrap_or_else(|| "us-east-1".to_string());
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(options.max_attempts.max(1))
                .with_initial_backoff(Duration::from_millis(100)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    if let Some(profile) = &options.profile {
        // A profile named on the command line wins over the environment's credentials, as it
        // does for the AWS CLI: the standard chain would read AWS_ACCESS_KEY_ID first.
        loader = loader.profile_name(profile).credentials_provider(
            ProfileFileCredentialsProvider::builder()
                .profile_name(profile)
                .build(),
        );
    }
    if options.local_credentials {
        loader =
            loader.credentials_provider(Credentials::new("local", "local", None, None, "static"));
    }
    if options.endpoint != Endpoint::Production {
        loader = loader.endpoint_url(options.endpoint.url());
    }
    loader.load().await
}

/// A client for a local MTurk-compatible server (demo, tests).
pub async fn local_client(endpoint_url: &str) -> Client {
    build_client(&ClientOptions::local(endpoint_url)).await
}

fn secs(t: Option<&DateTime>) -> Option<EpochSecs> {
    t.map(DateTime::secs)
}

pub fn hit_from_sdk(hit: &sdk::Hit) -> Hit {
    Hit {
        id: hit.hit_id().unwrap_or_default().to_string(),
        title: hit.title().unwrap_or_default().to_string(),
        reward: hit.reward().unwrap_or("0.00").to_string(),
        max_assignments: hit.max_assignments().unwrap_or(1),
        status: hit
            .hit_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    }
}

pub fn assignment_from_sdk(a: &sdk::Assignment) -> Assignment {
    let status = match a.assignment_status() {
        Some(sdk::AssignmentStatus::Approved) => AssignmentStatus::Approved,
        Some(sdk::AssignmentStatus::Rejected) => AssignmentStatus::Rejected,
        _ => AssignmentStatus::Submitted,
    };
    Assignment {
        id: a.assignment_id().unwrap_or_default().to_string(),
        hit_id: a.hit_id().unwrap_or_default().to_string(),
        worker_id: a.worker_id().unwrap_or_default().to_string(),
        status,
        accept_time: secs(a.accept_time()),
        submit_time: secs(a.submit_time()),
        auto_approval_time: secs(a.auto_approval_time()),
        approval_time: secs(a.approval_time()),
        rejection_time: secs(a.rejection_time()),
        answer: a.answer().unwrap_or_default().to_string(),
        requester_feedback: a.requester_feedback().map(str::to_string),
        policy_note: None,
    }
}

/// How a failed call should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// MTurk said no (RequestError, validation): retrying the same call will not help.
    Refused,
    /// Throttling, service faults, timeouts, dropped connections: worth trying again later.
    Transient,
    /// No credentials or the endpoint cannot be reached at all: the setup needs fixing.
    Setup,
    /// The endpoint broke MTurk's protocol (a listing whose NextTokens never end): neither a
    /// retry nor other credentials will help; the endpoint needs fixing.
    Protocol,
}

/// What AWS answers when it does not accept a request's credentials or signature (including a
/// clock too far off to sign with): the credentials or the clock need fixing, not another try.
const CREDENTIAL_REFUSALS: [&str; 7] = [
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredTokenException",
];

/// An SDK error in the reviewer's words, and what kind of failure it is.
pub fn describe_error<E, R>(err: &SdkError<E, R>) -> (ErrorKind, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or("Error");
            let message = e.message().unwrap_or("no message");
            let kind = if code == "RequestError" {
                ErrorKind::Refused
            } else if CREDENTIAL_REFUSALS.contains(&code) {
                ErrorKind::Setup
            } else {
                ErrorKind::Transient
            };
            (kind, format!("{code}: {message}"))
        }
        SdkError::TimeoutError(_) => (ErrorKind::Transient, "the request timed out".to_string()),
        SdkError::DispatchFailure(failure) => {
            let chain = error_chain(err);
            if chain.contains("credentials") || chain.contains("Credentials") {
                (
                    ErrorKind::Setup,
                    format!("no usable AWS credentials: {chain}"),
                )
            } else if failure.is_io() || failure.is_timeout() {
                (
                    ErrorKind::Transient,
                    format!("cannot reach the endpoint: {chain}"),
                )
            } else {
                (
                    ErrorKind::Setup,
                    format!("the request could not be sent: {chain}"),
                )
            }
        }
        _ => (ErrorKind::Transient, error_chain(err)),
    }
}

/// The error and its sources on one line, deduplicated (the SDK nests the same words).
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_mturk::error::{ConnectorError, ErrorMetadata};
    use aws_sdk_mturk::operation::approve_assignment::ApproveAssignmentError;

    /// An error MTurk answered with; `()` stands for the raw response, which is not read.
    fn service(code: &str, message: &str) -> SdkError<ApproveAssignmentError, ()> {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        SdkError::service_error(ApproveAssignmentError::generic(meta), ())
    }

    fn dispatch(failure: ConnectorError) -> SdkError<ApproveAssignmentError, ()> {
        SdkError::dispatch_failure(failure)
    }

    #[test]
    fn a_request_error_is_a_refusal_in_mturks_words() {
        let (kind, text) = describe_error(&service(
            "RequestError",
            "This operation can be called with a status of: Submitted",
        ));
        assert_eq!(kind, ErrorKind::Refused);
        assert_eq!(
            text,
            "RequestError: This operation can be called with a status of: Submitted"
        );
    }

    #[test]
    fn refused_credentials_and_signatures_need_the_setup_fixed_not_another_try() {
        for code in [
            "UnrecognizedClientException",
            "InvalidSignatureException",
            "MissingAuthenticationTokenException",
        ] {
            let (kind, text) = describe_error(&service(code, "The words."));
            assert_eq!(kind, ErrorKind::Setup, "{code}");
            assert_eq!(text, format!("{code}: The words."));
        }
    }

    #[test]
    fn other_service_errors_and_timeouts_are_worth_another_try() {
        assert_eq!(
            describe_error(&service("ServiceFault", "try again")),
            (ErrorKind::Transient, "ServiceFault: try again".to_string())
        );
        assert_eq!(
            describe_error(&service("ThrottlingException", "Rate exceeded")).0,
            ErrorKind::Transient
        );
        let timeout: SdkError<ApproveAssignmentError, ()> =
            SdkError::timeout_error("operation timed out");
        assert_eq!(
            describe_error(&timeout),
            (ErrorKind::Transient, "the request timed out".to_string())
        );
    }

    #[test]
    fn an_unreachable_endpoint_is_transient_and_missing_credentials_are_setup() {
        let (kind, text) = describe_error(&dispatch(ConnectorError::io(
            "client error (Connect): connection refused".into(),
        )));
        assert_eq!(kind, ErrorKind::Transient);
        assert!(text.starts_with("cannot reach the endpoint: "), "{text}");
        assert!(text.contains("connection refused"), "{text}");

        let (kind, text) = describe_error(&dispatch(ConnectorError::other(
            "failed to load credentials from the environment".into(),
            None,
        )));
        assert_eq!(kind, ErrorKind::Setup);
        assert!(text.starts_with("no usable AWS credentials: "), "{text}");

        let (kind, text) =
            describe_error(&dispatch(ConnectorError::other("invalid URI".into(), None)));
        assert_eq!(kind, ErrorKind::Setup);
        assert!(
            text.starts_with("the request could not be sent: "),
            "{text}"
        );
    }

    #[test]
    fn an_error_chain_says_each_thing_once() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "io error: {}", self.0)
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let inner = std::io::Error::other("connection reset");
        assert_eq!(error_chain(&Outer(inner)), "io error: connection reset");
    }
}
