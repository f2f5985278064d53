//! The reviewer's vocabulary: HITs, assignments and decisions, free of SDK and UI types.
//! Times are whole epoch seconds (UTC), which keeps rendering and tests simple.

/// Seconds since the Unix epoch, UTC.
pub type EpochSecs = i64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub id: String,
    pub title: String,
    /// US dollars as MTurk writes them, e.g. "0.50".
    pub reward: String,
    pub max_assignments: i32,
    /// HITStatus as MTurk reports it (Assignable, Reviewable, ... Disposed).
    pub status: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssignmentStatus {
    Submitted,
    Approved,
    Rejected,
}

impl AssignmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatus::Submitted => "Submitted",
            AssignmentStatus::Approved => "Approved",
            AssignmentStatus::Rejected => "Rejected",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: String,
    pub hit_id: String,
    pub worker_id: String,
    pub status: AssignmentStatus,
    pub accept_time: Option<EpochSecs>,
    pub submit_time: Option<EpochSecs>,
    pub auto_approval_time: Option<EpochSecs>,
    pub approval_time: Option<EpochSecs>,
    pub rejection_time: Option<EpochSecs>,
    /// The raw answer document (QuestionFormAnswers XML); may be empty or malformed.
    pub answer: String,
    pub requester_feedback: Option<String>,
    /// What a review policy of its HIT did to it, in the reviewer's words ("auto-rejected by
    /// policy: known-answer score 40%"), when one approved or rejected it.
    pub policy_note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    Approve { override_rejection: bool },
    Reject,
}

impl DecisionKind {
    /// The decision in the reviewer's words: "approve", "approve (override)", "reject".
    pub fn label(self) -> &'static str {
        match self {
            DecisionKind::Approve {
                override_rejection: true,
            } => "approve (override)",
            DecisionKind::Approve { .. } => "approve",
            DecisionKind::Reject => "reject",
        }
    }
}

/// One decision the reviewer made, as sent to MTurk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub assignment_id: String,
    /// Whose work it is: for the journal's history, never sent.
    pub worker_id: String,
    pub kind: DecisionKind,
    /// RequesterFeedback; None when the reviewer typed nothing.
    pub feedback: Option<String>,
}

/// Where a decision stands, as reported by the background task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionState {
    Queued,
    Sending,
    /// A transient failure (throttling, a fault, the network); trying again after a pause.
    Retrying {
        attempt: u32,
        reason: String,
    },
    /// Decided in an earlier session that ended before its outcome was known, and not in
    /// effect: the reviewer may send it again.
    Pending(Box<Decision>),
    /// Done; carries the assignment as MTurk now reports it.
    Done(Box<Assignment>),
    /// Failed with the API's own words (or the transport's).
    Failed(String),
}

/// A bonus the reviewer grants the worker of an assignment (SendBonus).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bonus {
    pub assignment_id: String,
    pub worker_id: String,
    pub amount_cents: i64,
    /// Shown to the worker; MTurk requires one.
    pub reason: String,
}
