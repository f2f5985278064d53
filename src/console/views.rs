//! The worker view (`w`) and the HIT view (`h`): which view is on screen, where the reviewer
//! is in it, and what it shows, worked out when the loaded rows change, never per frame: the
//! worker rows (`workers`), each HIT's answers side by side (`agreement`, over answers parsed
//! once per assignment) and the Approved assignments of the loader's second phase
//! (`history`). The keys of both views are here too; the assignment list is the normal view.
use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use super::agreement::{FlatValue, HitAgreement, agreement, flatten};
use super::history::History;
use super::keymap::{Context, ViewKey};
use super::message::Effect;
use super::rows::sort_key;
use super::state::{Confirm, Focus, State, Tone};
use super::update::send;
use super::workers::{Workers, group};
use crate::answer::parse;
use crate::mturk::domain::{Assignment, AssignmentStatus};
use crate::mturk::loader::HistoryEvent;

/// Which view is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The assignment list (perhaps of one worker).
    #[default]
    List,
    Workers,
    Hit,
}

/// The worker rows shown and the cursor among them.
#[derive(Debug, Default)]
pub struct WorkerList {
    /// Indices into `Workers::rows`, in order.
    pub visible: Vec<usize>,
    pub cursor: usize,
    /// First row on screen, kept by `render`.
    pub offset: Cell<usize>,
}

/// The HIT view: which HIT, the assignment (column) under the cursor, the first question
/// row shown, and the first column on screen (kept by `render`).
#[derive(Debug)]
pub struct HitView {
    pub hit_id: String,
    pub cursor: usize,
    pub top: usize,
    pub left: Cell<usize>,
}

#[derive(Debug, Default)]
pub struct Views {
    pub mode: Mode,
    pub workers: Workers,
    pub history: History,
    pub worker_list: WorkerList,
    /// The list shows only this worker's assignments (Enter in the worker view).
    pub worker_filter: Option<String>,
    /// The filter of the view not on screen: the list's while the worker view is, the
    /// worker view's while the list shows one worker.
    other_filter: String,
    pub hit: Option<HitView>,
    /// Each HIT's assignment ids, listed and Approved alike.
    members: HashMap<String, HashSet<String>>,
    /// Flattened answers, parsed once per assignment (again only if its answer changes).
    flat: HashMap<String, Vec<FlatValue>>,
    /// Per HIT id; dropped when an assignment joins the HIT or an answer changes.
    agreements: HashMap<String, HitAgreement>,
}

impl Views {
    /// The agreement of a HIT, when worked out (`State::sync_views` does it).
    pub fn agreement(&self, hit_id: &str) -> Option<&HitAgreement> {
        self.agreements.get(hit_id)
    }

    /// A reload lists everything again: the Approved assignments, the blocks, the HITs'
    /// columns.
    pub fn reload(&mut self) {
        self.history.clear();
        self.workers.clear_blocks();
        self.agreements.clear();
    }

    /// Notes an assignment arriving: one new to its HIT changes the HIT's columns and the
    /// worker rows.
    fn join(&mut self, a: &Assignment) {
        let joined = self
            .members
            .entry(a.hit_id.clone())
            .or_default()
            .insert(a.id.clone());
        if joined {
            self.workers.mark_stale();
            self.agreements.remove(&a.hit_id);
        }
    }

    /// An assignment replaced by a newer report of it.
    pub fn note_change(&mut self, old: &Assignment, new: &Assignment) {
        self.workers
            .status_changed(&new.worker_id, old.status, new.status);
        if old.answer != new.answer {
            self.answer_changed(new);
        }
        self.join(new);
    }

    fn answer_changed(&mut self, a: &Assignment) {
        self.flat.remove(&a.id);
        self.agreements.remove(&a.hit_id);
    }
}

impl State {
    /// Assignments about to be merged into the table: what they change in the views. A
    /// settled decision changes its worker's counts in place; only new assignments make the
    /// worker rows be grouped again.
    pub(crate) fn note_assignments(&mut self, assignments: &[Assignment]) {
        for a in assignments {
            match self.table.row_by_id(&a.id) {
                Some(row) => self.views.note_change(&row.assignment, a),
                None => self.views.join(a),
            }
        }
    }

    /// The selected assignment's HIT (for the detail pane) and the HIT view's have their
    /// agreement worked out.
    pub(crate) fn sync_views(&mut self) {
        let selected = self.selected_row().map(|row| row.assignment.hit_id.clone());
        let shown = self.views.hit.as_ref().map(|hit| hit.hit_id.clone());
        for hit_id in selected.into_iter().chain(shown) {
            self.work_out_agreement(&hit_id);
        }
    }

    fn work_out_agreement(&mut self, hit_id: &str) {
        if self.views.agreements.contains_key(hit_id) {
            return;
        }
        let Some(ids) = self.views.members.get(hit_id) else {
            return;
        };
        let history = &self.views.history;
        let table = &self.table;
        let mut assignments: Vec<&Assignment> = ids
            .iter()
            .filter_map(|id| {
                table
                    .row_by_id(id)
                    .map(|row| &row.assignment)
                    .or_else(|| history.get(id))
            })
            .collect();
        assignments.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        let flat = &mut self.views.flat;
        for a in &assignments {
            if !flat.contains_key(&a.id) {
                flat.insert(a.id.clone(), flatten(&parse(&a.answer)));
            }
        }
        let answers: Vec<(&str, &[FlatValue])> = assignments
            .iter()
            .filter_map(|a| flat.get(&a.id).map(|f| (a.id.as_str(), f.as_slice())))
            .collect();
        let worked_out = agreement(&answers);
        self.views.agreements.insert(hit_id.to_string(), worked_out);
    }

    /// Groups the worker rows again from everything loaded, when assignments arrived since.
    pub(crate) fn regroup_workers(&mut self) {
        if !self.views.workers.is_stale() && !self.views.workers.rows().is_empty() {
            return;
        }
        let table = &self.table;
        let listed = table.ordered().map(|(_, row)| &row.assignment);
        let approved = self
            .views
            .history
            .iter()
            .filter(|a| table.row_by_id(&a.id).is_none());
        let rows = group(listed.chain(approved));
        self.views.workers.regroup(rows);
        self.refresh_workers(false);
    }

    /// The worker rows that match the filter (worker id, or the words `fast` and
    /// `blocked`); the cursor stays on its worker when still shown.
    pub(crate) fn refresh_workers(&mut self, to_first: bool) {
        if self.views.mode != Mode::Workers {
            return;
        }
        let query = self.filter.to_lowercase();
        let workers = &self.views.workers;
        let list = &self.views.worker_list;
        let current = list
            .visible
            .get(list.cursor)
            .map(|&i| workers.rows()[i].worker_id.clone());
        let visible: Vec<usize> = workers
            .rows()
            .iter()
            .enumerate()
            .filter(|(_, row)| {
                query.is_empty()
                    || row.worker_id.to_lowercase().contains(&query)
                    || (row.fast && "fast".contains(&query))
                    || (workers.is_blocked(&row.worker_id) && "blocked".contains(&query))
            })
            .map(|(i, _)| i)
            .collect();
        let cursor = match current {
            Some(id) if !to_first => visible
                .iter()
                .position(|&i| workers.rows()[i].worker_id == id)
                .unwrap_or(0),
            _ => 0,
        };
        let list = &mut self.views.worker_list;
        list.visible = visible;
        list.cursor = cursor;
    }

    /// The worker is now blocked or unblocked (ListWorkerBlocks, or a block key's result).
    pub(crate) fn set_worker_blocked(&mut self, worker_id: &str, blocked: bool) {
        self.views.workers.set_blocked(worker_id, blocked);
        self.refresh_workers(false);
    }

    /// The worker row under the cursor of the worker view.
    pub(crate) fn selected_worker(&self) -> Option<&super::workers::WorkerRow> {
        let list = &self.views.worker_list;
        list.visible
            .get(list.cursor)
            .map(|&i| &self.views.workers.rows()[i])
    }

    /// The assignment keys act on: the HIT view's column under the cursor, or the list's
    /// selected row.
    pub(crate) fn acting_on(&self) -> Option<&super::rows::Row> {
        match (&self.views.hit, self.views.mode) {
            (Some(_), Mode::Hit) => self.hit_cursor_id().and_then(|id| self.table.row_by_id(id)),
            _ => self.selected_row(),
        }
    }

    /// The id of the assignment under the HIT view's cursor.
    pub(crate) fn hit_cursor_id(&self) -> Option<&str> {
        let hit = self.views.hit.as_ref()?;
        let agreement = self.views.agreement(&hit.hit_id)?;
        agreement.columns.get(hit.cursor).map(String::as_str)
    }

    /// Where keys go in the worker and HIT views (None: the list's or the editor's).
    pub(crate) fn view_context(&self) -> Option<Context> {
        if self.focus == Focus::Feedback {
            return None;
        }
        match self.views.mode {
            Mode::List => None,
            Mode::Workers => Some(Context::Workers),
            Mode::Hit => Some(Context::HitView),
        }
    }

    /// The list filter's text while the worker view has its own.
    pub(crate) fn list_query(&self) -> String {
        match self.views.mode {
            Mode::Workers => self.views.other_filter.to_lowercase(),
            _ => self.filter.to_lowercase(),
        }
    }

    /// The list shows this row (the worker filter of Enter in the worker view).
    pub(crate) fn worker_shows(&self, worker_id: &str) -> bool {
        self.views
            .worker_filter
            .as_deref()
            .is_none_or(|w| w == worker_id)
    }
}

/// The second phase's events.
pub fn on_history(state: &mut State, event: HistoryEvent) {
    match event {
        HistoryEvent::Blocked(workers) => {
            for worker in workers {
                state.set_worker_blocked(&worker, true);
            }
        }
        HistoryEvent::Assignments(assignments) => {
            let listed = &state.table;
            let fresh: Vec<Assignment> = assignments
                .into_iter()
                .filter(|a| listed.row_by_id(&a.id).is_none())
                .collect();
            for a in &fresh {
                if state
                    .views
                    .history
                    .get(&a.id)
                    .is_some_and(|old| old.answer != a.answer)
                {
                    state.views.answer_changed(a);
                }
                state.views.join(a);
            }
            state.views.history.merge(fresh);
            state.sync_views();
        }
        HistoryEvent::Failed(error) => state.say(Tone::Error, error.for_console()),
        HistoryEvent::Finished => {
            state.views.history.finish();
            state.regroup_workers();
        }
    }
}

/// `w` in the list: the worker view; from one worker's list, back to the worker view.
pub fn worker_view(state: &mut State) {
    if state.views.worker_filter.is_some() {
        back_to_workers(state);
        return;
    }
    state.views.mode = Mode::Workers;
    state.focus = Focus::List;
    state.views.other_filter = std::mem::take(&mut state.filter);
    state.regroup_workers();
    state.refresh_workers(true);
}

/// Esc in one worker's list: back to the worker view, its filter as it was.
pub fn back_to_workers(state: &mut State) {
    if state.views.worker_filter.take().is_none() {
        return;
    }
    std::mem::swap(&mut state.filter, &mut state.views.other_filter);
    state.views.mode = Mode::Workers;
    state.refresh(false);
    state.refresh_workers(false);
}

/// `h`: the selected assignment's HIT side by side.
pub fn hit_view(state: &mut State) {
    let Some(row) = state.selected_row() else {
        state.say(Tone::Info, "no assignment selected");
        return;
    };
    let (hit_id, id) = (row.assignment.hit_id.clone(), row.assignment.id.clone());
    state.views.hit = Some(HitView {
        hit_id: hit_id.clone(),
        cursor: 0,
        top: 0,
        left: Cell::new(0),
    });
    state.views.mode = Mode::Hit;
    state.focus = Focus::List;
    state.sync_views();
    let cursor = state
        .views
        .agreement(&hit_id)
        .and_then(|a| a.column_of(&id))
        .unwrap_or(0);
    if let Some(hit) = &mut state.views.hit {
        hit.cursor = cursor;
    }
}

/// The keys of the worker and HIT views.
pub fn on_key(state: &mut State, key: ViewKey) -> Vec<Effect> {
    match state.views.mode {
        Mode::Workers => workers_key(state, key),
        Mode::Hit => return hit_key(state, key),
        Mode::List => {}
    }
    Vec::new()
}

fn workers_key(state: &mut State, key: ViewKey) {
    let list = &mut state.views.worker_list;
    let page = 10;
    let last = list.visible.len().saturating_sub(1);
    match key {
        ViewKey::Next => list.cursor = (list.cursor + 1).min(last),
        ViewKey::Previous => list.cursor = list.cursor.saturating_sub(1),
        ViewKey::First => list.cursor = 0,
        ViewKey::Last => list.cursor = last,
        ViewKey::PageDown => list.cursor = (list.cursor + page).min(last),
        ViewKey::PageUp => list.cursor = list.cursor.saturating_sub(page),
        ViewKey::Open => {
            let Some(worker) = state.selected_worker().map(|w| w.worker_id.clone()) else {
                state.say(Tone::Info, "no worker selected");
                return;
            };
            state.views.worker_filter = Some(worker);
            std::mem::swap(&mut state.filter, &mut state.views.other_filter);
            state.views.mode = Mode::List;
            state.refresh(true);
        }
        ViewKey::Back => {
            state.views.mode = Mode::List;
            state.views.worker_filter = None;
            state.filter = std::mem::take(&mut state.views.other_filter);
            state.refresh(false);
        }
        _ => {}
    }
}

fn hit_key(state: &mut State, key: ViewKey) -> Vec<Effect> {
    let Some(hit) = &state.views.hit else {
        return Vec::new();
    };
    let (columns, questions) = state
        .views
        .agreement(&hit.hit_id)
        .map(|a| (a.columns.len(), a.questions.len()))
        .unwrap_or_default();
    let Some(hit) = &mut state.views.hit else {
        return Vec::new();
    };
    match key {
        ViewKey::Left => hit.cursor = hit.cursor.saturating_sub(1),
        ViewKey::Right => hit.cursor = (hit.cursor + 1).min(columns.saturating_sub(1)),
        ViewKey::Next | ViewKey::ScrollDown => {
            hit.top = (hit.top + 1).min(questions.saturating_sub(1));
        }
        ViewKey::Previous | ViewKey::ScrollUp => hit.top = hit.top.saturating_sub(1),
        ViewKey::Back => {
            state.views.hit = None;
            state.views.mode = Mode::List;
        }
        ViewKey::Approve => return approve(state),
        ViewKey::Reject => reject(state),
        ViewKey::Edit if column_row(state).is_some() => state.focus = Focus::Feedback,
        ViewKey::ToggleMark => {
            if let Some(id) = column_row(state) {
                state.decisions.toggle_mark(&id);
                if let Some(hit) = &mut state.views.hit {
                    hit.cursor = (hit.cursor + 1).min(columns.saturating_sub(1));
                }
            }
        }
        ViewKey::MarkAgreeing => mark_agreeing(state),
        _ => {}
    }
    Vec::new()
}

/// The listed assignment under the HIT view's cursor; says why when there is none.
fn column_row(state: &mut State) -> Option<String> {
    let id = state.acting_on().map(|row| row.assignment.id.clone());
    if id.is_none() {
        let said = if state.hit_cursor_id().is_some() {
            "approved before this session: nothing to decide"
        } else {
            "no assignment here"
        };
        state.say(Tone::Info, said);
    }
    id
}

fn approve(state: &mut State) -> Vec<Effect> {
    let Some(id) = column_row(state) else {
        return Vec::new();
    };
    match state.review().approval(&id, &state.drafts.text(&id)) {
        Ok(decision) => vec![send(state, decision)],
        Err(reason) => {
            state.say(Tone::Error, reason);
            Vec::new()
        }
    }
}

fn reject(state: &mut State) {
    let Some(id) = column_row(state) else {
        return;
    };
    match state.review().rejection(&id, &state.drafts.text(&id)) {
        Ok(decision) => state.confirm = Some(Confirm::Reject(decision)),
        Err(problem) => state.say(Tone::Error, problem),
    }
}

/// `M`: marks every submitted assignment of the HIT that agrees with the majority on every
/// question that has one.
fn mark_agreeing(state: &mut State) {
    let Some(hit) = &state.views.hit else {
        return;
    };
    let Some(agreement) = state.views.agreement(&hit.hit_id) else {
        return;
    };
    if !agreement.has_figures() {
        state.say(
            Tone::Info,
            "one assignment alone has no majority to agree with",
        );
        return;
    }
    let agreeing: Vec<String> = agreement
        .columns
        .iter()
        .zip(&agreement.per_column)
        .filter(|(_, column)| column.agrees_everywhere())
        .filter(|(id, _)| {
            state
                .table
                .row_by_id(id)
                .is_some_and(|row| row.assignment.status == AssignmentStatus::Submitted)
        })
        .map(|(id, _)| id.clone())
        .collect();
    let count = agreeing.len();
    state.decisions.mark(agreeing);
    state.say(
        Tone::Info,
        format!(
            "marked {count} submitted assignment(s) agreeing with the majority on every question; A approves all marked"
        ),
    );
}

#[cfg(test)]
pub(crate) mod tests;
