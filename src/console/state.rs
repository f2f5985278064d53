//! The console's state: loaded rows, what is shown and selected, drafts, marks, overrides,
//! decisions made this session, and the modal bits (help, questions, error box).
use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use ratatui::text::Line;
use ratatui_textarea::{TextArea, WrapMode};

use super::answer_view::{layout_answer, layout_raw};
use super::format::duration;
use super::keymap::Context;
use super::rows::{Row, SortKey, Table};
use crate::answer::{ParsedAnswer, parse};
use crate::mturk::client::Endpoint;
use crate::mturk::domain::{
    Assignment, AssignmentStatus, Decision, DecisionState, EpochSecs, Hit, OVERRIDE_WINDOW_SECS,
};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub hits_done: usize,
    pub hits_total: usize,
}

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

/// Sizes the last frame had, remembered by `render` so paging and scrolling fit the screen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Viewport {
    pub list_rows: usize,
    pub list_offset: usize,
    pub detail_rows: usize,
}

pub struct State {
    pub(crate) endpoint: Endpoint,
    pub(crate) now: EpochSecs,
    quit: bool,
    /// The reviewer chose to quit once the decisions in flight are done.
    pub(crate) waiting_to_quit: bool,
    pub(crate) table: Table,
    /// Rows shown, in list order (indices into `table`).
    pub(crate) visible: Vec<usize>,
    /// Position of the selection in `visible`.
    pub(crate) cursor: usize,
    /// The selected assignment by sort key, so arriving rows never move it.
    selected: Option<(EpochSecs, String)>,
    /// Whether the reviewer has chosen a row; until then the selection stays on the first row
    /// while pages arrive.
    pinned: bool,
    pub(crate) viewport: Cell<Viewport>,
    pub(crate) focus: Focus,
    pub(crate) status_filter: StatusFilter,
    pub(crate) filter: String,
    pub(crate) filter_editing: bool,
    pub(crate) help_visible: bool,
    pub(crate) confirm: Option<Confirm>,
    pub(crate) load_error: Option<String>,
    /// The last load ended in failure (stays after its error box is dismissed).
    pub(crate) load_failed: bool,
    /// Some while pages are still arriving.
    pub(crate) loading: Option<Progress>,
    reloading: bool,
    pub(crate) balance: Option<Result<String, String>>,
    pub(crate) status: Option<StatusLine>,
    drafts: HashMap<String, TextArea<'static>>,
    blank_draft: TextArea<'static>,
    pub(crate) overrides: HashSet<String>,
    pub(crate) marked: HashSet<String>,
    pub(crate) decisions: HashMap<String, DecisionState>,
    pub(crate) detail: Option<Detail>,
    pub(crate) raw_view: bool,
    pub(crate) detail_scroll: usize,
    pub(crate) tick: usize,
    pub(crate) counts: Counts,
}

fn new_draft() -> TextArea<'static> {
    let mut draft = TextArea::default();
    draft.set_wrap_mode(WrapMode::WordOrGlyph);
    draft.set_cursor_line_style(ratatui::style::Style::default());
    draft.set_placeholder_text("Feedback to the worker (required to reject)");
    draft
}

impl State {
    pub fn new(endpoint: Endpoint, now: EpochSecs) -> State {
        State {
            endpoint,
            now,
            quit: false,
            waiting_to_quit: false,
            table: Table::default(),
            visible: Vec::new(),
            cursor: 0,
            selected: None,
            pinned: false,
            viewport: Cell::new(Viewport::default()),
            focus: Focus::List,
            status_filter: StatusFilter::All,
            filter: String::new(),
            filter_editing: false,
            help_visible: false,
            confirm: None,
            load_error: None,
            load_failed: false,
            loading: Some(Progress {
                hits_done: 0,
                hits_total: 0,
            }),
            reloading: false,
            balance: None,
            status: None,
            drafts: HashMap::new(),
            blank_draft: new_draft(),
            overrides: HashSet::new(),
            marked: HashSet::new(),
            decisions: HashMap::new(),
            detail: None,
            raw_view: false,
            detail_scroll: 0,
            tick: 0,
            counts: Counts::default(),
        }
    }

    pub fn set_now(&mut self, now: EpochSecs) {
        self.now = now;
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn is_animating(&self) -> bool {
        self.loading.is_some() || self.in_flight() > 0
    }

    pub(crate) fn set_quit(&mut self) {
        self.quit = true;
    }

    /// Where keys go right now.
    pub(crate) fn context(&self) -> Context {
        if let Some(Confirm::ApproveMarked { typed: Some(_), .. }) = &self.confirm {
            Context::TypedConfirm
        } else if self.confirm.is_some() {
            Context::Confirm
        } else if self.filter_editing {
            Context::Filter
        } else {
            match self.focus {
                Focus::List => Context::List,
                Focus::Answer => Context::Answer,
                Focus::Feedback => Context::Editor,
            }
        }
    }

    // ----- status line -----

    pub(crate) fn say(&mut self, tone: Tone, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            tone,
        });
    }

    // ----- rows and selection -----

    pub(crate) fn selected_row(&self) -> Option<&Row> {
        self.visible.get(self.cursor).map(|&i| self.table.row(i))
    }

    pub(crate) fn hit_of(&self, row: &Row) -> Option<&Hit> {
        self.table.hit(row)
    }

    pub(crate) fn merge_hits(&mut self, hits: Vec<Hit>) {
        self.table.merge_hits(hits);
        self.refresh(false);
    }

    pub(crate) fn merge_assignments(&mut self, assignments: Vec<Assignment>) {
        if let Some(detail) = &self.detail
            && assignments.iter().any(|a| a.id == detail.assignment_id)
        {
            self.detail = None;
        }
        self.table.merge_assignments(assignments);
        self.refresh(false);
    }

    /// Something could not be loaded: the reason is shown in a box until a key dismisses it.
    pub(crate) fn fail_loading(&mut self, reason: String) {
        self.loading = None;
        self.load_error = Some(reason);
        self.load_failed = true;
    }

    pub(crate) fn start_reload(&mut self) {
        self.table.mark_all_unseen();
        self.reloading = true;
        self.load_failed = false;
        self.loading = Some(Progress {
            hits_done: 0,
            hits_total: 0,
        });
    }

    pub(crate) fn finish_loading(&mut self) {
        self.loading = None;
        if self.reloading {
            self.reloading = false;
            let decisions = &self.decisions;
            self.table
                .drop_unseen(|row| decisions.contains_key(&row.assignment.id));
            self.refresh(false);
        }
    }

    /// Rebuilds the visible rows after data, filter or status changes. The selection stays
    /// on its assignment when still shown (or the nearest row); `to_first` moves it to the
    /// first match instead.
    pub(crate) fn refresh(&mut self, to_first: bool) {
        let query = self.filter.to_lowercase();
        let status = self.status_filter;
        let decisions = &self.decisions;
        self.visible = self.table.filtered(&query, |row| match status {
            StatusFilter::All => true,
            StatusFilter::Submitted => row.assignment.status == AssignmentStatus::Submitted,
            StatusFilter::Rejected => row.assignment.status == AssignmentStatus::Rejected,
            StatusFilter::Decided => decisions.contains_key(&row.assignment.id),
        });
        self.cursor = match (&self.selected, to_first) {
            (Some((submit, id)), false) if self.pinned => {
                let key: SortKey = (*submit, id.as_str());
                let table = &self.table;
                let at = self
                    .visible
                    .partition_point(|&i| table.row(i).sort_key() < key);
                at.min(self.visible.len().saturating_sub(1))
            }
            _ => 0,
        };
        self.recount();
        self.select(self.cursor);
    }

    /// Moves the selection where the reviewer asked, and keeps it there as rows arrive.
    pub(crate) fn move_to(&mut self, position: usize) {
        self.pinned = true;
        self.select(position);
    }

    /// Moves the selection to a position in the visible rows (clamped).
    pub(crate) fn select(&mut self, position: usize) {
        self.cursor = position.min(self.visible.len().saturating_sub(1));
        self.selected = self.selected_row().map(|row| {
            let (submit, id) = row.sort_key();
            (submit, id.to_string())
        });
        self.sync_detail();
    }

    /// Parses and lays out the selected answer when the selection changed.
    fn sync_detail(&mut self) {
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

    /// Puts the assignment MTurk returned after a decision in place of the old one.
    pub(crate) fn replace_assignment(&mut self, assignment: Assignment) {
        self.merge_assignments(vec![assignment]);
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
        self.counts.submitted = submitted;
        self.counts.rejected = rejected;
        self.recount_decisions();
    }

    /// Counts after a decision changed: a pass over the decisions only, so that each of a
    /// bulk approval's progress reports costs O(decisions), not O(rows).
    fn recount_decisions(&mut self) {
        let (mut blocked_submitted, mut decided, mut pending) = (0, 0, 0);
        for (id, decision) in &self.decisions {
            match decision {
                DecisionState::Done(_) => decided += 1,
                DecisionState::Pending(_) => pending += 1,
                _ => {}
            }
            let submitted = self.table.find(id).is_some_and(|i| {
                self.table.row(i).assignment.status == AssignmentStatus::Submitted
            });
            if submitted && self.is_blocked(id) {
                blocked_submitted += 1;
            }
        }
        self.counts.to_review = self.counts.submitted - blocked_submitted;
        self.counts.decided = decided;
        self.counts.pending = pending;
    }

    // ----- decisions -----

    /// Decisions queued or being sent.
    pub(crate) fn in_flight(&self) -> usize {
        self.decisions
            .values()
            .filter(|d| {
                matches!(
                    d,
                    DecisionState::Queued | DecisionState::Sending | DecisionState::Retrying { .. }
                )
            })
            .count()
    }

    /// True when a decision for this assignment must not be sent again.
    pub(crate) fn is_blocked(&self, assignment_id: &str) -> bool {
        matches!(
            self.decisions.get(assignment_id),
            Some(
                DecisionState::Queued
                    | DecisionState::Sending
                    | DecisionState::Retrying { .. }
                    | DecisionState::Done(_)
            )
        )
    }

    pub(crate) fn set_decision(&mut self, assignment_id: String, state: DecisionState) {
        self.decisions.insert(assignment_id, state);
        self.recount_decisions();
    }

    /// Why a rejection cannot be overridden, if it cannot.
    pub(crate) fn override_block(&self, row: &Row) -> Option<String> {
        match row.assignment.submit_time {
            None => return Some("submit time unknown".to_string()),
            Some(submit) => {
                let closes = submit + OVERRIDE_WINDOW_SECS;
                if closes < self.now {
                    return Some(format!(
                        "override window closed {} ago",
                        duration(self.now - closes)
                    ));
                }
            }
        }
        match self.hit_of(row) {
            None => Some("HIT deleted or not loaded".to_string()),
            Some(hit) if hit.status == "Disposed" => Some("HIT deleted".to_string()),
            Some(_) => None,
        }
    }

    // ----- drafts -----

    /// The draft for an assignment (an empty one when nothing was typed yet).
    pub(crate) fn draft(&self, assignment_id: &str) -> &TextArea<'static> {
        self.drafts.get(assignment_id).unwrap_or(&self.blank_draft)
    }

    pub(crate) fn draft_mut(&mut self, assignment_id: &str) -> &mut TextArea<'static> {
        self.drafts
            .entry(assignment_id.to_string())
            .or_insert_with(new_draft)
    }

    /// Replaces a draft, e.g. with the feedback of a decision restored from the journal.
    pub(crate) fn set_draft_text(&mut self, assignment_id: &str, text: &str) {
        let mut draft = new_draft();
        draft.insert_str(text);
        self.drafts.insert(assignment_id.to_string(), draft);
    }

    /// The draft's text as it would be sent.
    pub(crate) fn draft_text(&self, assignment_id: &str) -> String {
        self.draft(assignment_id).lines().join("\n")
    }
}
