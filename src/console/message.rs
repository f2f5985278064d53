//! What flows into `update` (messages) and out of it (effects for the background tasks).
//! The loader's and the decision runner's events arrive nested, as those tasks send them.
use std::path::PathBuf;

use crossterm::event::KeyEvent;

use crate::mturk::decisions::RunnerEvent;
use crate::mturk::domain::Decision;
use crate::mturk::loader::{HistoryEvent, LoadEvent};
use crate::mturk::worker_actions::WorkerAction;

/// Everything that can change the console's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Key(KeyEvent),
    /// Advance the spinner.
    Tick,
    Resize,
    /// From the loader: HITs and assignments as they arrive (assignments are merged by id,
    /// replacing those already loaded), progress, retries, failures, the end.
    Load(LoadEvent),
    /// From the decision runner: each decision's progress, the balance, and what the
    /// start-up reconciliation of the journal found.
    Runner(RunnerEvent),
    /// The event loop wrote the feedback templates file, or could not.
    TemplatesSaved(Result<(), String>),
    /// From the loader's second phase: blocked workers and Approved assignments, for the
    /// worker and HIT views.
    History(HistoryEvent),
}

impl From<HistoryEvent> for Message {
    fn from(event: HistoryEvent) -> Message {
        Message::History(event)
    }
}

impl From<LoadEvent> for Message {
    fn from(event: LoadEvent) -> Message {
        Message::Load(event)
    }
}

impl From<RunnerEvent> for Message {
    fn from(event: RunnerEvent) -> Message {
        Message::Runner(event)
    }
}

/// Work for the background tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Approve or reject one assignment (a bulk approval is several of these).
    Send(Decision),
    /// Reload everything; drafts and session decisions survive.
    Reload,
    /// A bonus, block, unblock or message, for the runner.
    Worker(WorkerAction),
    /// Write the feedback templates file.
    SaveTemplates {
        path: PathBuf,
        texts: Vec<String>,
    },
    Quit,
}
