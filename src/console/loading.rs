//! Where loading stands: the first load or a reload running with its progress, done, or
//! failed with the reason, which a box shows until a key dismisses it. The loader's events
//! drive it, and it changes only through its methods.

/// How far a load has come, in HITs whose assignments are all in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub hits_done: usize,
    pub hits_total: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loading {
    /// The first load: pages are arriving.
    Running(Progress),
    /// A reload: pages are arriving, and the rows it does not deliver go when it ends.
    Reloading(Progress),
    /// Everything asked for has loaded.
    Done,
    /// Something could not be loaded. The rest of that load goes on: its pages still
    /// arrive, and a reload still drops, when it ends, the rows it did not deliver.
    Failed {
        /// The reviewer's paragraph: what went wrong and what to do about it.
        reason: String,
        /// The reason's box is on screen.
        box_open: bool,
        /// How far the rest has come, once it reports again; None once it has ended.
        progress: Option<Progress>,
        /// It is a reload that has not ended yet.
        reload: bool,
    },
}

impl Default for Loading {
    fn default() -> Loading {
        Loading::Running(Progress::default())
    }
}

impl Loading {
    /// A reload starts, whatever came before.
    pub fn reload(&mut self) {
        *self = Loading::Reloading(Progress::default());
    }

    /// The loader's latest progress report.
    pub fn advance(&mut self, to: Progress) {
        match self {
            Loading::Running(progress)
            | Loading::Reloading(progress)
            | Loading::Failed {
                progress: Some(progress),
                ..
            } => *progress = to,
            Loading::Failed { progress, .. } => *progress = Some(to),
            // Progress means pages are arriving, even after an end.
            Loading::Done => *self = Loading::Running(to),
        }
    }

    /// Something could not be loaded (the newest reason replaces an older one).
    pub fn fail(&mut self, reason: String) {
        let reload = match self {
            Loading::Reloading(_) => true,
            Loading::Failed { reload, .. } => *reload,
            Loading::Running(_) | Loading::Done => false,
        };
        *self = Loading::Failed {
            reason,
            box_open: true,
            progress: None,
            reload,
        };
    }

    /// The load has ended. True when it was a reload, whose undelivered rows now go.
    pub fn finish(&mut self) -> bool {
        match self {
            Loading::Running(_) | Loading::Done => {
                *self = Loading::Done;
                false
            }
            Loading::Reloading(_) => {
                *self = Loading::Done;
                true
            }
            Loading::Failed {
                progress, reload, ..
            } => {
                *progress = None;
                std::mem::take(reload)
            }
        }
    }

    /// Closes the failure's box; false when there was none open.
    pub fn dismiss(&mut self) -> bool {
        match self {
            Loading::Failed { box_open, .. } => std::mem::take(box_open),
            _ => false,
        }
    }

    /// How far the load has come, while pages are (known to be) arriving.
    pub fn progress(&self) -> Option<Progress> {
        match self {
            Loading::Running(progress) | Loading::Reloading(progress) => Some(*progress),
            Loading::Failed { progress, .. } => *progress,
            Loading::Done => None,
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self, Loading::Failed { .. })
    }

    /// The failure's reason while its box is open.
    pub fn error_box(&self) -> Option<&str> {
        match self {
            Loading::Failed {
                reason,
                box_open: true,
                ..
            } => Some(reason),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hits_done: usize, hits_total: usize) -> Progress {
        Progress {
            hits_done,
            hits_total,
        }
    }

    #[test]
    fn a_load_runs_with_its_progress_and_ends_done() {
        let mut loading = Loading::default();
        assert_eq!(loading.progress(), Some(at(0, 0)));
        loading.advance(at(3, 12));
        assert_eq!(loading.progress(), Some(at(3, 12)));
        assert!(!loading.finish(), "the first load drops nothing");
        assert_eq!(loading, Loading::Done);
        assert_eq!(loading.progress(), None);
        loading.advance(at(1, 1));
        assert_eq!(loading, Loading::Running(at(1, 1)), "pages arrive again");
    }

    #[test]
    fn a_reload_drops_what_it_did_not_deliver_once_it_ends() {
        let mut loading = Loading::Done;
        loading.reload();
        assert_eq!(loading.progress(), Some(at(0, 0)));
        assert!(loading.finish());
        assert!(!loading.finish(), "only once");
        assert!(!loading.failed());
    }

    #[test]
    fn a_failure_shows_its_reason_until_dismissed_and_stays_failed() {
        let mut loading = Loading::default();
        loading.advance(at(2, 5));
        loading.fail("HIT 3H: gone".into());
        assert_eq!(loading.error_box(), Some("HIT 3H: gone"));
        assert_eq!(
            loading.progress(),
            None,
            "no progress until the rest reports"
        );
        loading.advance(at(3, 5));
        assert_eq!(
            loading.progress(),
            Some(at(3, 5)),
            "the rest goes on loading"
        );
        loading.fail("HIT 3J: gone too".into());
        assert_eq!(loading.error_box(), Some("HIT 3J: gone too"));
        assert!(loading.dismiss());
        assert!(!loading.dismiss(), "nothing left to dismiss");
        assert_eq!(loading.error_box(), None);
        assert!(!loading.finish());
        assert!(loading.failed(), "failed after it ends, box or not");
        assert_eq!(loading.progress(), None);
        loading.reload();
        assert!(!loading.failed(), "a reload starts afresh");
    }

    #[test]
    fn a_failed_reload_still_drops_what_it_did_not_deliver() {
        let mut loading = Loading::Done;
        loading.reload();
        loading.fail("MTurk did not answer".into());
        assert!(loading.finish());
        assert!(!loading.finish());
        assert!(loading.failed());
    }

    #[test]
    fn only_a_failure_has_a_box() {
        let mut loading = Loading::default();
        assert!(!loading.dismiss());
        assert_eq!(loading.error_box(), None);
    }
}
