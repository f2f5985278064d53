//! MTurk's error replies: the three kinds a client can see, and their JSON wire form. A message
//! is cut at MAX_MESSAGE_BYTES, so no input, however large, makes an error answer large.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400, not retried by clients.
    Request,
    /// 500, retried by clients.
    ServiceFault,
    /// 400 `ThrottlingException`, retried with backoff by clients.
    Throttling,
    /// An error AWS answers in front of the service (the signature checks), with its own
    /// `__type` and status; its message has no MTurk suffix and it has no TurkErrorCode.
    Typed {
        type_name: &'static str,
        status: u16,
    },
}

/// An error answer; `Message` gets MTurk's ` (<epoch-millis>)` suffix when it is written (but
/// a `Typed` one's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    pub turk_code: Option<&'static str>,
    /// For throttling by rate: when the client may call again, sent as `x-amz-retry-after`.
    pub retry_after_ms: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The longest message an error carries, in bytes: room for a few validation problems, and
/// a bound on anything a message quotes from the request (a header, a value).
const MAX_MESSAGE_BYTES: usize = 2048;

/// The message, cut to MAX_MESSAGE_BYTES (on a character boundary) with `...` at the end.
fn bounded(message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let mut cut = MAX_MESSAGE_BYTES - "...".len();
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut short = message;
    short.truncate(cut);
    short.push_str("...");
    short
}

impl ApiError {
    pub fn request(turk_code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::Request,
            message: bounded(message.into()),
            turk_code: Some(turk_code),
            retry_after_ms: None,
        }
    }

    pub fn fault(message: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::ServiceFault,
            message: bounded(message.into()),
            turk_code: Some("AWS.MechanicalTurk.ServiceFault"),
            retry_after_ms: None,
        }
    }

    pub fn throttled() -> Self {
        ApiError {
            kind: ErrorKind::Throttling,
            message: "Rate exceeded".into(),
            turk_code: None,
            retry_after_ms: None,
        }
    }

    /// An error with its own `__type` and HTTP status (see `ErrorKind::Typed`).
    pub fn typed(type_name: &'static str, status: u16, message: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::Typed { type_name, status },
            message: bounded(message.into()),
            turk_code: None,
            retry_after_ms: None,
        }
    }

    /// A value out of its documented range or shape.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::request("AWS.MechanicalTurk.InvalidParameterValue", message)
    }

    pub fn hit_not_found(hit_id: &str) -> Self {
        Self::request(
            "AWS.MechanicalTurk.HITDoesNotExist",
            format!("Hit {hit_id} does not exist."),
        )
    }

    pub fn assignment_not_found(assignment_id: &str) -> Self {
        Self::request(
            "AWS.MechanicalTurk.AssignmentDoesNotExist",
            format!("Assignment {assignment_id} does not exist."),
        )
    }

    /// MTurk's words when an operation meets an assignment in the wrong state.
    pub fn assignment_state(allowed: &str) -> Self {
        Self::request(
            "AWS.MechanicalTurk.InvalidAssignmentState",
            format!("This operation can be called with a status of: {allowed}"),
        )
    }

    pub fn hit_state(allowed: &str) -> Self {
        Self::request(
            "AWS.MechanicalTurk.InvalidHITState",
            format!("This operation can be called with a status of: {allowed}"),
        )
    }

    pub fn insufficient_funds() -> Self {
        Self::request(
            "AWS.MechanicalTurk.InsufficientFunds",
            "This Requester has insufficient funds in their account to complete this transaction.",
        )
    }

    pub fn status(&self) -> u16 {
        match self.kind {
            ErrorKind::Request | ErrorKind::Throttling => 400,
            ErrorKind::ServiceFault => 500,
            ErrorKind::Typed { status, .. } => status,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ErrorKind::Request => "RequestError",
            ErrorKind::ServiceFault => "ServiceFault",
            ErrorKind::Throttling => "ThrottlingException",
            ErrorKind::Typed { type_name, .. } => type_name,
        }
    }

    /// The JSON body, with the epoch-millis suffix MTurk puts on every message of its own.
    pub fn body(&self) -> serde_json::Value {
        let message = match self.kind {
            ErrorKind::Typed { .. } => self.message.clone(),
            _ => format!("{} ({})", self.message, crate::clock::now_ms()),
        };
        let mut body = serde_json::json!({
            "__type": self.type_name(),
            "Message": message,
        });
        if let Some(code) = self.turk_code {
            body["TurkErrorCode"] = code.into();
        }
        body
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        tracing::error!(%err, "database error");
        ApiError::fault(format!("Internal database error: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_cut_on_a_character_boundary() {
        let short = ApiError::invalid("x".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(
            short.message.len(),
            MAX_MESSAGE_BYTES,
            "a message that fits is kept"
        );
        assert!(!short.message.ends_with("..."));
        for long in [
            "x".repeat(1 << 20),
            "é".repeat(1 << 20),
            "日本".repeat(1 << 20),
        ] {
            for err in [
                ApiError::invalid(long.clone()),
                ApiError::fault(long.clone()),
            ] {
                assert!(
                    err.message.len() <= MAX_MESSAGE_BYTES,
                    "{}",
                    err.message.len()
                );
                assert!(err.message.len() > MAX_MESSAGE_BYTES - 8);
                let kept = err.message.strip_suffix("...").unwrap_or_default();
                assert!(long.starts_with(kept), "the start of the message is kept");
                assert!(err.body().to_string().len() < MAX_MESSAGE_BYTES + 200);
            }
        }
    }
}
