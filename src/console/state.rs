//! The console's state, put together from parts that own their fields and rules: the loaded
//! rows (`rows`), what is shown and selected (`selection`), loading (`loading`), this
//! session's decisions with marks and overrides (`decisions`) and the drafts (`drafts`).
//! Here: keeping those in step as data arrives, the counts, the selected answer laid out
//! once, and the modal bits (focus, filter, help, questions, status line).
use ratatui::text::Line;

use super::answer_view::{layout_answer, layout_raw};
use super::decisions::DecisionStore;
use super::drafts::Drafts;
use super::keymap::Context;
use super::loading::Loading;
use super::review::Review;
use super::rows::{Row, Table};
use super::selection::Selection;
use super::templates::Templates;
use super::views::Views;
use super::worker_actions::{WorkerActions, WorkerForm, WorkerQuestion};
use crate::answer::{ParsedAnswer, parse};
use crate::mturk::client::Endpoint;
use crate::mturk::domain::{Assignment, AssignmentStatus, Decision, DecisionState, EpochSecs, Hit};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Answer,
    /// The feedback editor; it gets raw keys except Esc and Ctrl-C.
    Feedback,
}

/// Which assignments the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    Submitted,
    Rejected,
    Decided,
}

impl StatusFilter {
    pub fn next(self) -> Self {
        match self {
            StatusFilter::All => StatusFilter::Submitted,
            StatusFilter::Submitted => StatusFilter::Rejected,
            StatusFilter::Rejected => StatusFilter::Decided,
            StatusFilter::Decided => StatusFilter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Submitted => "submitted",
            StatusFilter::Rejected => "rejected",
            StatusFilter::Decided => "decided this session",
        }
    }
}

/// A question waiting for y/n.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    Reject(Decision),
    ApproveMarked {
        decisions: Vec<Decision>,
        /// Reward plus fees of the assignments whose HIT reward is known.
        total_cents: i64,
        /// Assignments whose cost could not be worked out (HIT not loaded).
        unpriced: usize,
        /// Marked assignments left out, with why.
        skipped: Vec<String>,
        /// In PRODUCTION the reviewer types the number of assignments instead of pressing
        /// y: what has been typed so far. None where y is enough.
        typed: Option<String>,
    },
    Quit {
        in_flight: usize,
    },
    /// A bonus, block, unblock or message.
    Worker(WorkerQuestion),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Error,
}

/// The footer's latest message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub text: String,
    pub tone: Tone,
}

/// The header's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Submitted and not yet decided this session.
    pub to_review: usize,
    pub submitted: usize,
    pub rejected: usize,
    /// Decisions done this session.
    pub decided: usize,
    /// Decisions of an earlier session waiting to be re-sent.
    pub pending: usize,
}

/// The selected assignment's answer, parsed and laid out once.
pub struct Detail {
    pub assignment_id: String,
    pub parsed: ParsedAnswer,
    pub answer_lines: Vec<Line<'static>>,
    pub raw_lines: Vec<Line<'static>>,
}

/// Where people do the HITs the console reviews, shown in the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSite {
    pub url: String,
    /// A link that signs in a worker to try it with.
    pub sign_in_url: Option<String>,
}

pub struct State {
    pub(crate) endpoint: Endpoint,
    pub(crate) now: EpochSecs,
    quit: bool,
    /// The reviewer chose to quit once the decisions in flight are done.
    pub(crate) waiting_to_quit: bool,
    pub(crate) table: Table,
    pub(crate) selection: Selection,
    pub(crate) loading: Loading,
    pub(crate) decisions: DecisionStore,
    pub(crate) drafts: Drafts,
    pub(crate) focus: Focus,
    pub(crate) status_filter: StatusFilter,
    pub(crate) filter: String,
    pub(crate) filter_editing: bool,
    pub(crate) help_visible: bool,
    /// The worker site of the server the console reviews, when it knows it (the demo).
    pub(crate) worker_site: Option<WorkerSite>,
    pub(crate) confirm: Option<Confirm>,
    pub(crate) balance: Option<Result<String, String>>,
    pub(crate) status: Option<StatusLine>,
    pub(crate) detail: Option<Detail>,
    pub(crate) raw_view: bool,
    pub(crate) detail_scroll: usize,
    pub(crate) tick: usize,
    /// The open bonus, block or message form.
    pub(crate) worker_form: Option<WorkerForm>,
    /// Bonuses granted or pending (who is blocked is `views.workers`).
    pub(crate) worker_actions: WorkerActions,
    pub(crate) templates: Templates,
    /// The worker and HIT views, and what they show.
    pub(crate) views: Views,
    /// Submitted rows, and those of them blocked by a decision (to review: the difference).
    submitted: usize,
    blocked_submitted: usize,
    rejected: usize,
}

impl State {
    pub fn new(endpoint: Endpoint, now: EpochSecs) -> State {
        State {
            endpoint,
            now,
            quit: false,
            waiting_to_quit: false,
            table: Table::default(),
            selection: Selection::default(),
            loading: Loading::default(),
            decisions: DecisionStore::default(),
            drafts: Drafts::default(),
            focus: Focus::List,
            status_filter: StatusFilter::All,
            filter: String::new(),
            filter_editing: false,
            help_visible: false,
            worker_site: None,
            confirm: None,
            balance: None,
            status: None,
            detail: None,
            raw_view: false,
            detail_scroll: 0,
            tick: 0,
            worker_form: None,
            worker_actions: WorkerActions::default(),
            templates: Templates::default(),
            views: Views::default(),
            submitted: 0,
            blocked_submitted: 0,
            rejected: 0,
        }
    }

    pub fn set_now(&mut self, now: EpochSecs) {
        self.now = now;
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn is_animating(&self) -> bool {
        self.loading.progress().is_some() || self.decisions.in_flight() > 0
    }

    pub(crate) fn set_quit(&mut self) {
        self.quit = true;
    }

    /// Where keys go right now.
    pub(crate) fn context(&self) -> Context {
        if let Some(
            Confirm::ApproveMarked { typed: Some(_), .. }
            | Confirm::Worker(WorkerQuestion { typed: Some(_), .. }),
        ) = &self.confirm
        {
            Context::TypedConfirm
        } else if self.confirm.is_some() {
            Context::Confirm
        } else if self.worker_form.is_some() {
            Context::Form
        } else if self.templates.open {
            Context::Templates
        } else if self.filter_editing {
            Context::Filter
        } else if let Some(context) = self.view_context() {
            context
        } else {
            match self.focus {
                Focus::List => Context::List,
                Focus::Answer => Context::Answer,
                Focus::Feedback => Context::Editor,
            }
        }
    }

    pub(crate) fn say(&mut self, tone: Tone, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            tone,
        });
    }

    /// The review rules over what is loaded and decided now.
    pub(crate) fn review(&self) -> Review<'_> {
        Review {
            table: &self.table,
            decisions: &self.decisions,
            now: self.now,
        }
    }

    pub(crate) fn counts(&self) -> Counts {
        Counts {
            to_review: self.submitted - self.blocked_submitted,
            submitted: self.submitted,
            rejected: self.rejected,
            decided: self.decisions.decided(),
            pending: self.decisions.pending(),
        }
    }

    // ----- rows and selection -----

    pub(crate) fn selected_row(&self) -> Option<&Row> {
        self.selection.row(&self.table)
    }

    pub(crate) fn hit_of(&self, row: &Row) -> Option<&Hit> {
        self.table.hit(row)
    }

    pub(crate) fn merge_hits(&mut self, hits: Vec<Hit>) {
        self.table.merge_hits(hits);
        self.refresh(false);
    }

    /// Adds or replaces assignments, e.g. a page from the loader or the assignment MTurk
    /// returned after a decision.
    pub(crate) fn merge_assignments(&mut self, assignments: Vec<Assignment>) {
        if let Some(detail) = &self.detail
            && assignments.iter().any(|a| a.id == detail.assignment_id)
        {
            self.detail = None;
        }
        self.note_assignments(&assignments);
        self.table.merge_assignments(assignments);
        self.refresh(false);
    }

    pub(crate) fn start_reload(&mut self) {
        self.table.mark_all_unseen();
        self.loading.reload();
        self.views.reload();
    }

    pub(crate) fn finish_loading(&mut self) {
        if self.loading.finish() {
            let decisions = &self.decisions;
            self.table
                .drop_unseen(|row| decisions.contains(&row.assignment.id));
            self.refresh(false);
        }
    }

    /// Rebuilds the visible rows after data, filter or status changes. The selection stays
    /// on its assignment when still shown (or the nearest row); `to_first` moves it to the
    /// first match instead.
    pub(crate) fn refresh(&mut self, to_first: bool) {
        let query = self.list_query();
        let visible = self.table.filtered(&query, |row| self.keeps(row));
        self.selection.show(&self.table, visible, to_first);
        self.recount();
        self.sync_detail();
        self.refresh_workers(to_first);
    }

    /// Whether the status shown and the worker filter keep a row (the text filter aside).
    fn keeps(&self, row: &Row) -> bool {
        let status_shown = match self.status_filter {
            StatusFilter::All => true,
            StatusFilter::Submitted => row.assignment.status == AssignmentStatus::Submitted,
            StatusFilter::Rejected => row.assignment.status == AssignmentStatus::Rejected,
            StatusFilter::Decided => self.decisions.contains(&row.assignment.id),
        };
        status_shown && self.worker_shows(&row.assignment.worker_id)
    }

    /// Shows or hides one row after it alone changed: O(log rows), where `refresh` is
    /// O(rows).
    pub(crate) fn refresh_row(&mut self, assignment_id: &str) {
        let Some(index) = self.table.index_of(assignment_id) else {
            return;
        };
        let row = self.table.row(index);
        let shown = self.keeps(row) && self.table.matches(row, &self.list_query());
        self.selection.show_row(&self.table, index, shown);
        self.sync_detail();
    }

    /// Moves the selection where the reviewer asked, and keeps it there as rows arrive.
    pub(crate) fn move_to(&mut self, position: usize) {
        self.selection.move_to(&self.table, position);
        self.sync_detail();
    }

    /// Parses and lays out the selected answer when the selection changed.
    fn sync_detail(&mut self) {
        self.sync_views();
        let Some(row) = self.selected_row() else {
            self.detail = None;
            return;
        };
        if self
            .detail
            .as_ref()
            .is_some_and(|d| d.assignment_id == row.assignment.id)
        {
            return;
        }
        let raw = &row.assignment.answer;
        let parsed = parse(raw);
        let detail = Detail {
            assignment_id: row.assignment.id.clone(),
            answer_lines: layout_answer(&parsed, raw),
            raw_lines: layout_raw(raw),
            parsed,
        };
        self.detail = Some(detail);
        self.detail_scroll = 0;
    }

    /// Counts after the rows changed: a pass over every row.
    fn recount(&mut self) {
        let (mut submitted, mut rejected) = (0, 0);
        for (_, row) in self.table.ordered() {
            match row.assignment.status {
                AssignmentStatus::Submitted => submitted += 1,
                AssignmentStatus::Rejected => rejected += 1,
                AssignmentStatus::Approved => {}
            }
        }
        self.submitted = submitted;
        self.rejected = rejected;
        self.recount_blocked();
    }

    /// The blocked submitted rows counted again: a pass over the decisions (one decision's
    /// change is `recount_one`'s).
    fn recount_blocked(&mut self) {
        let table = &self.table;
        self.blocked_submitted = self.decisions.count_blocked(|id| {
            table
                .row_by_id(id)
                .is_some_and(|row| row.assignment.status == AssignmentStatus::Submitted)
        });
    }

    // ----- decisions -----

    /// The reviewer sent a decision.
    pub(crate) fn queue(&mut self, assignment_id: &str) {
        let before = self.blocks_submitted(assignment_id);
        self.decisions.queue(assignment_id);
        self.recount_one(assignment_id, before);
    }

    /// A submitted row with a decision that blocks another (to review: submitted minus these).
    fn blocks_submitted(&self, assignment_id: &str) -> bool {
        self.decisions.blocked(assignment_id).is_some()
            && self
                .table
                .row_by_id(assignment_id)
                .is_some_and(|row| row.assignment.status == AssignmentStatus::Submitted)
    }

    /// The counts after one assignment's decision or status changed: O(1), where
    /// `recount_blocked` is O(decisions), which a bulk approval's 2,000 reports would make
    /// quadratic.
    fn recount_one(&mut self, assignment_id: &str, before: bool) {
        match (before, self.blocks_submitted(assignment_id)) {
            (false, true) => self.blocked_submitted += 1,
            (true, false) => self.blocked_submitted = self.blocked_submitted.saturating_sub(1),
            _ => {}
        }
    }

    /// The decision runner's word on one decision; a done one brings the assignment as
    /// MTurk now reports it.
    pub(crate) fn report(&mut self, assignment_id: String, state: DecisionState) {
        let done = match &state {
            DecisionState::Done(assignment) => Some(assignment.as_ref().clone()),
            _ => None,
        };
        let before = self.blocks_submitted(&assignment_id);
        self.decisions.report(assignment_id.clone(), state);
        match done {
            Some(assignment) if self.table.replaces_in_place(&assignment) => {
                self.settle(assignment);
                self.recount_one(&assignment_id, before);
            }
            // New, or moved in the sort order: merged the general way, which recounts.
            Some(assignment) => self.merge_assignments(vec![assignment]),
            None => self.recount_one(&assignment_id, before),
        }
    }

    /// A settled decision's assignment as MTurk now reports it, in its row's place (only its
    /// status changed), so only its row is looked at again: merging would re-sort,
    /// re-filter and recount every row, 2,000 times over for a bulk approval of 2,000.
    fn settle(&mut self, assignment: Assignment) {
        let id = assignment.id.clone();
        let Some(old) = self.table.replace(assignment) else {
            return;
        };
        let new = &self.table.row(old.index).assignment;
        self.views.note_change(&old.assignment, new);
        let new_status = new.status;
        self.count_status(old.assignment.status, -1);
        self.count_status(new_status, 1);
        if self.detail.as_ref().is_some_and(|d| d.assignment_id == id) {
            self.detail = None;
        }
        self.refresh_row(&id);
    }

    fn count_status(&mut self, status: AssignmentStatus, by: isize) {
        match status {
            AssignmentStatus::Submitted => {
                self.submitted = self.submitted.saturating_add_signed(by);
            }
            AssignmentStatus::Rejected => self.rejected = self.rejected.saturating_add_signed(by),
            AssignmentStatus::Approved => {}
        }
    }

    /// Decisions of an earlier session that did not take effect: each comes back on its
    /// row as pending, with its draft and override, unless a decision was made for it
    /// since. How many came back.
    pub(crate) fn restore_pending(&mut self, pending: Vec<Decision>) -> usize {
        let mut restored = 0;
        for decision in pending {
            let (id, feedback) = (decision.assignment_id.clone(), decision.feedback.clone());
            if self.decisions.restore(decision) {
                if let Some(feedback) = feedback {
                    self.drafts.set_text(&id, &feedback);
                }
                restored += 1;
            }
        }
        self.refresh(false);
        restored
    }
}
