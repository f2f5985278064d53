//! What flows into `update` (messages) and out of it (effects for the background tasks).
use crate::mturk::domain::{Assignment, Decision, DecisionState, Hit};

/// Everything that can change the console's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Key(crossterm::event::KeyEvent),
    /// Advance the spinner.
    Tick,
    Resize,
    /// A page of HITs (more may follow).
    HitsLoaded(Vec<Hit>),
    /// Assignments as they arrive (one page, or several pages that queued up); merged by
    /// assignment id (replacing existing ones).
    AssignmentsLoaded(Vec<Assignment>),
    LoadProgress {
        hits_done: usize,
        hits_total: usize,
    },
    LoadFinished,
    /// A page is being tried again after a passing failure.
    LoadRetrying {
        attempt: u32,
        reason: String,
    },
    /// One paragraph for the reviewer, shown in an error box until a key dismisses it.
    LoadFailed(String),
    /// Available balance such as "10000.00", or an error text.
    Balance(Result<String, String>),
    /// What start-up reconciliation of the journal found: how many decisions of an earlier
    /// session took effect, and those still pending.
    Reconciled {
        confirmed: usize,
        pending: Vec<Decision>,
    },
    /// Progress of one decision, from the decision runner.
    Decision {
        assignment_id: String,
        state: DecisionState,
    },
}

/// Work for the background tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Approve or reject one assignment (a bulk approval is several of these).
    Send(Decision),
    /// Reload everything; drafts and session decisions survive.
    Reload,
    Quit,
}
