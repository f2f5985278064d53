//! `update`: applies one message to the state and says what the background tasks must do.
//! It routes keys by context and runs the quit and confirm flow; what may be decided, and
//! how, is `review`'s to say.
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::format::short_id;
use super::keymap::{self, Action, Browse, Context};
use super::loading::Progress;
use super::message::{Effect, Message};
use super::review::BulkApproval;
use super::state::{Confirm, Focus, State, StatusFilter, Tone};
use super::{templates, views, worker_actions};
use crate::mturk::client::Endpoint;
use crate::mturk::decisions::RunnerEvent;
use crate::mturk::domain::{AssignmentStatus, Decision, DecisionKind, DecisionState};
use crate::mturk::loader::LoadEvent;

pub fn update(state: &mut State, msg: Message) -> Vec<Effect> {
    match msg {
        Message::Key(key) => on_key(state, key),
        Message::Tick => {
            state.tick = state.tick.wrapping_add(1);
            Vec::new()
        }
        Message::Resize => Vec::new(),
        Message::Load(event) => {
            on_load(state, event);
            Vec::new()
        }
        Message::Runner(event) => on_runner(state, event),
        Message::TemplatesSaved(result) => {
            templates::on_saved(state, result);
            Vec::new()
        }
        Message::History(event) => {
            views::on_history(state, event);
            Vec::new()
        }
    }
}

fn on_load(state: &mut State, event: LoadEvent) {
    match event {
        LoadEvent::Hits(hits) => state.merge_hits(hits),
        // The HIT id is not needed: each assignment names its HIT (and the loop may have
        // merged pages of several HITs into one event).
        LoadEvent::Assignments { assignments, .. } => state.merge_assignments(assignments),
        LoadEvent::Progress {
            hits_done,
            hits_total,
        } => state.loading.advance(Progress {
            hits_done,
            hits_total,
        }),
        LoadEvent::Retrying { attempt, reason } => state.say(
            Tone::Info,
            format!("loading: attempt {attempt} failed ({reason}); trying again"),
        ),
        LoadEvent::Failed(error) => state.loading.fail(error.for_console()),
        LoadEvent::Finished => {
            state.finish_loading();
            state.regroup_workers();
        }
    }
}

fn on_runner(state: &mut State, event: RunnerEvent) -> Vec<Effect> {
    match event {
        RunnerEvent::Decision {
            assignment_id,
            state: decision,
        } => {
            on_decision(state, assignment_id, decision);
            return finish_quitting(state);
        }
        RunnerEvent::Balance(balance) => state.balance = Some(balance),
        RunnerEvent::Reconciled { confirmed, pending } => {
            on_reconciled(state, confirmed, pending);
        }
        RunnerEvent::Worker {
            action,
            state: progress,
        } => {
            worker_actions::on_progress(state, action, progress);
        }
        RunnerEvent::BonusesReconciled { confirmed, pending } => {
            worker_actions::on_reconciled(state, confirmed, pending);
        }
    }
    Vec::new()
}

fn on_decision(state: &mut State, assignment_id: String, decision: DecisionState) {
    let short = short_id(&assignment_id);
    match &decision {
        DecisionState::Done(assignment) => state.say(
            Tone::Success,
            format!("{short}: {}", assignment.status.as_str().to_lowercase()),
        ),
        DecisionState::Failed(error) => state.say(Tone::Error, format!("{short}: {error}")),
        DecisionState::Retrying { attempt, reason } => state.say(
            Tone::Info,
            format!("{short}: attempt {attempt} failed ({reason}); trying again"),
        ),
        DecisionState::Queued | DecisionState::Sending | DecisionState::Pending(_) => {}
    }
    // Only the "decided this session" view changes which rows it shows with a decision's
    // progress (a done one has already been merged, and refreshed, in `report`).
    let decided_view = state.status_filter == StatusFilter::Decided;
    let id = decided_view.then(|| assignment_id.clone());
    state.report(assignment_id, decision);
    if let Some(id) = id {
        state.refresh_row(&id);
    }
}

/// Decisions of an earlier session: the pending ones get their row, draft and override back.
fn on_reconciled(state: &mut State, confirmed: usize, pending: Vec<Decision>) {
    let count = state.restore_pending(pending);
    let mut said = Vec::new();
    if confirmed > 0 {
        said.push(format!(
            "{confirmed} decision(s) of the last session took effect"
        ));
    }
    if count > 0 {
        said.push(format!(
            "{count} did not and are pending: P sends them again"
        ));
    }
    state.say(
        if count > 0 { Tone::Error } else { Tone::Info },
        said.join("; "),
    );
}

/// After "quit once sent": quits when the last decision in flight has finished.
fn finish_quitting(state: &mut State) -> Vec<Effect> {
    if !state.waiting_to_quit {
        return Vec::new();
    }
    let in_flight = state.decisions.in_flight();
    if in_flight == 0 {
        state.set_quit();
        return vec![Effect::Quit];
    }
    state.say(
        Tone::Info,
        format!(
            "waiting for {in_flight} decision(s) to finish before quitting; Ctrl-C quits now (they stay in the journal)"
        ),
    );
    Vec::new()
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let context = state.context();
    let action = keymap::lookup(context, &key);
    if action == Some(Action::Interrupt) {
        return interrupt(state);
    }
    if state.loading.dismiss() {
        return Vec::new();
    }
    if state.help_visible {
        state.help_visible = false;
        return Vec::new();
    }
    match context {
        Context::TypedConfirm if matches!(state.confirm, Some(Confirm::Worker(_))) => {
            worker_actions::typed_key(state, action, key)
        }
        Context::TypedConfirm => typed_confirm(state, action, key),
        Context::Form => {
            worker_actions::form_key(state, action, key);
            Vec::new()
        }
        Context::Templates => templates::key(state, action),
        Context::Confirm => match action {
            Some(Action::Yes) => confirmed(state),
            Some(Action::No) => {
                state.confirm = None;
                state.say(Tone::Info, "cancelled");
                Vec::new()
            }
            _ => Vec::new(),
        },
        Context::Filter => {
            match action {
                Some(Action::KeepFilter) => state.filter_editing = false,
                Some(Action::ClearFilter) => {
                    state.filter_editing = false;
                    state.filter.clear();
                    state.refresh(false);
                }
                _ => filter_input(state, key),
            }
            Vec::new()
        }
        Context::Editor => {
            if action == Some(Action::LeaveEditor) {
                state.focus = Focus::List;
            } else if let Some(row) = state.acting_on() {
                let id = row.assignment.id.clone();
                state.drafts.get_mut(&id).input(key);
            }
            Vec::new()
        }
        Context::List | Context::Answer => match action {
            Some(Action::Browse(action)) => browse(state, action),
            _ => Vec::new(),
        },
        Context::Workers | Context::HitView => match action {
            Some(Action::View(key)) => views::on_key(state, key),
            Some(Action::Browse(action)) => browse(state, action),
            _ => Vec::new(),
        },
    }
}

fn filter_input(state: &mut State, key: KeyEvent) {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return;
    }
    match key.code {
        KeyCode::Char(c) => state.filter.push(c),
        KeyCode::Backspace => {
            state.filter.pop();
        }
        _ => return,
    }
    state.refresh(true);
}

fn browse(state: &mut State, action: Browse) -> Vec<Effect> {
    let in_answer = state.focus == Focus::Answer;
    let viewport = state.selection.viewport();
    let cursor = state.selection.cursor();
    match action {
        Browse::Next => state.move_to(cursor + 1),
        Browse::Previous => state.move_to(cursor.saturating_sub(1)),
        Browse::First if in_answer => state.detail_scroll = 0,
        Browse::First => state.move_to(0),
        Browse::Last if in_answer => state.detail_scroll = usize::MAX,
        Browse::Last => state.move_to(usize::MAX),
        Browse::PageDown if in_answer => scroll(state, viewport.detail_rows.max(1) as isize),
        Browse::PageUp if in_answer => scroll(state, -(viewport.detail_rows.max(1) as isize)),
        Browse::PageDown => state.move_to(cursor + viewport.list_rows.max(1)),
        Browse::PageUp => state.move_to(cursor.saturating_sub(viewport.list_rows.max(1))),
        Browse::ScrollDown => scroll(state, 1),
        Browse::ScrollUp => scroll(state, -1),
        Browse::CycleFocus => {
            state.focus = match state.focus {
                Focus::List => Focus::Answer,
                Focus::Answer | Focus::Feedback => Focus::Feedback,
            };
        }
        Browse::Edit => {
            if state.selected_row().is_some() {
                state.focus = Focus::Feedback;
            } else {
                state.say(Tone::Info, "no assignment selected");
            }
        }
        Browse::ToggleOverride => toggle_override(state),
        Browse::Approve => return approve(state),
        Browse::Reject => reject(state),
        Browse::ToggleMark => toggle_mark(state),
        Browse::MarkAll => mark_all(state),
        Browse::ApproveMarked => approve_marked(state),
        Browse::ResendPending => return resend_pending(state),
        Browse::StartFilter => state.filter_editing = true,
        Browse::CycleStatus => {
            state.status_filter = state.status_filter.next();
            state.refresh(false);
            state.say(
                Tone::Info,
                format!("showing {}", state.status_filter.label()),
            );
        }
        Browse::ToggleRaw => {
            state.raw_view = !state.raw_view;
            state.detail_scroll = 0;
        }
        Browse::Bonus => worker_actions::start_bonus(state),
        Browse::Block => worker_actions::start_block(state),
        Browse::Notify => worker_actions::start_notify(state),
        Browse::Templates => templates::open(state),
        Browse::Reload => {
            state.start_reload();
            state.say(Tone::Info, "reloading…");
            return vec![Effect::Reload];
        }
        Browse::Help => state.help_visible = true,
        Browse::WorkerView => views::worker_view(state),
        Browse::HitView => views::hit_view(state),
        Browse::BackToWorkers => views::back_to_workers(state),
        Browse::Quit => return quit(state),
    }
    Vec::new()
}

fn scroll(state: &mut State, by: isize) {
    // Clamped against the content in `render`, which knows the wrapped height.
    state.detail_scroll = state.detail_scroll.saturating_add_signed(by);
    let max = state
        .detail
        .as_ref()
        .map(|d| d.answer_lines.len().max(d.raw_lines.len()) + 40)
        .unwrap_or(0);
    state.detail_scroll = state.detail_scroll.min(max);
}

/// The selected assignment's id and status.
fn selected(state: &mut State) -> Option<(String, AssignmentStatus)> {
    let found = state
        .selected_row()
        .map(|row| (row.assignment.id.clone(), row.assignment.status));
    if found.is_none() {
        state.say(Tone::Info, "no assignment selected");
    }
    found
}

fn toggle_override(state: &mut State) {
    let Some((id, status)) = selected(state) else {
        return;
    };
    if status != AssignmentStatus::Rejected {
        state.say(Tone::Info, "override applies to rejected assignments only");
        return;
    }
    if state.decisions.has_override(&id) {
        state.decisions.set_override(&id, false);
        state.say(Tone::Info, "override off");
        return;
    }
    let block = state
        .selected_row()
        .and_then(|row| state.review().override_block(row));
    match block {
        Some(reason) => state.say(Tone::Error, format!("cannot override: {reason}")),
        None => {
            state.decisions.set_override(&id, true);
            state.say(
                Tone::Info,
                "override on: a approves this rejected assignment",
            );
        }
    }
}

fn approve(state: &mut State) -> Vec<Effect> {
    let Some((id, _)) = selected(state) else {
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
    let Some((id, _)) = selected(state) else {
        return;
    };
    match state.review().rejection(&id, &state.drafts.text(&id)) {
        Ok(decision) => state.confirm = Some(Confirm::Reject(decision)),
        Err(problem) => state.say(Tone::Error, problem),
    }
}

fn toggle_mark(state: &mut State) {
    let Some((id, _)) = selected(state) else {
        return;
    };
    state.decisions.toggle_mark(&id);
    state.move_to(state.selection.cursor() + 1);
}

/// Marks every row shown, or unmarks everything when all shown are marked already.
fn mark_all(state: &mut State) {
    let shown: Vec<String> = state
        .selection
        .visible()
        .iter()
        .map(|&i| state.table.row(i).assignment.id.clone())
        .collect();
    if !shown.is_empty() && shown.iter().all(|id| state.decisions.is_marked(id)) {
        state.decisions.unmark_all();
        state.say(Tone::Info, "unmarked everything");
    } else {
        let count = shown.len();
        state.decisions.mark(shown);
        state.say(
            Tone::Info,
            format!("marked {count} shown; A approves all marked"),
        );
    }
}

/// Sends every pending decision of an earlier session again, as it was made.
fn resend_pending(state: &mut State) -> Vec<Effect> {
    let pending = state.decisions.pending_decisions();
    let mut effects = worker_actions::resend_pending(state);
    if pending.is_empty() {
        if effects.is_empty() {
            state.say(Tone::Info, "no pending decisions");
        }
        return effects;
    }
    effects.extend(send_checked(state, pending));
    effects
}

fn approve_marked(state: &mut State) {
    let marked: Vec<&str> = state
        .table
        .ordered()
        .filter(|(_, row)| state.decisions.is_marked(&row.assignment.id))
        .map(|(_, row)| row.assignment.id.as_str())
        .collect();
    if marked.is_empty() {
        state.say(Tone::Info, "nothing marked: Space marks assignments");
        return;
    }
    let bulk = state
        .review()
        .bulk_approval(marked, |id| state.drafts.text(id));
    let BulkApproval {
        decisions,
        total_cents,
        unpriced,
        skipped,
    } = bulk;
    if decisions.is_empty() {
        let first = skipped.first().cloned().unwrap_or_default();
        state.say(
            Tone::Error,
            format!("no marked assignment can be approved ({first})"),
        );
        return;
    }
    // Real money: in PRODUCTION a bulk approval is confirmed by typing how many.
    let typed = (state.endpoint == Endpoint::Production).then(String::new);
    state.confirm = Some(Confirm::ApproveMarked {
        decisions,
        total_cents,
        unpriced,
        skipped,
        typed,
    });
}

/// Keys for a question answered by typing the number of assignments, then Enter.
fn typed_confirm(state: &mut State, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    let Some(Confirm::ApproveMarked {
        decisions,
        typed: Some(typed),
        ..
    }) = &mut state.confirm
    else {
        return Vec::new();
    };
    match (action, key.code) {
        (Some(Action::No), _) => {
            state.confirm = None;
            state.say(Tone::Info, "cancelled");
        }
        (Some(Action::Submit), _) => {
            let wanted = decisions.len().to_string();
            if *typed == wanted {
                return confirmed(state);
            }
            typed.clear();
            state.say(
                Tone::Error,
                format!("type {wanted} (the number of assignments) and press Enter, or Esc"),
            );
        }
        (_, KeyCode::Char(c)) if c.is_ascii_digit() && typed.len() < 9 => typed.push(c),
        (_, KeyCode::Backspace) => {
            typed.pop();
        }
        _ => {}
    }
    Vec::new()
}

fn quit(state: &mut State) -> Vec<Effect> {
    let in_flight = state.decisions.in_flight();
    if in_flight == 0 {
        state.set_quit();
        return vec![Effect::Quit];
    }
    state.confirm = Some(Confirm::Quit { in_flight });
    Vec::new()
}

/// Ctrl-C: quits unless decisions are in flight; a second Ctrl-C forces it, leaving them in
/// the journal for the next start to reconcile.
fn interrupt(state: &mut State) -> Vec<Effect> {
    if matches!(state.confirm, Some(Confirm::Quit { .. })) || state.waiting_to_quit {
        state.set_quit();
        return vec![Effect::Quit];
    }
    state.help_visible = false;
    quit(state)
}

fn confirmed(state: &mut State) -> Vec<Effect> {
    match state.confirm.take() {
        Some(Confirm::Reject(decision)) => send_checked(state, vec![decision]),
        Some(Confirm::ApproveMarked { decisions, .. }) => {
            for decision in &decisions {
                state.decisions.unmark(&decision.assignment_id);
            }
            send_checked(state, decisions)
        }
        Some(Confirm::Quit { .. }) => {
            state.waiting_to_quit = true;
            finish_quitting(state)
        }
        Some(question @ Confirm::Worker(_)) => {
            state.confirm = Some(question);
            worker_actions::confirmed(state)
        }
        None => Vec::new(),
    }
}

/// Sends decisions still allowed (another may have been sent while the question was open).
fn send_checked(state: &mut State, decisions: Vec<Decision>) -> Vec<Effect> {
    let allowed: Vec<Decision> = decisions
        .into_iter()
        .filter(|d| state.decisions.blocked(&d.assignment_id).is_none())
        .collect();
    let effects: Vec<Effect> = allowed.into_iter().map(|d| send(state, d)).collect();
    if effects.len() > 1 {
        state.say(
            Tone::Info,
            format!("approving {} assignments…", effects.len()),
        );
    }
    effects
}

/// Records a decision as queued and hands it to the decision runner.
pub(super) fn send(state: &mut State, decision: Decision) -> Effect {
    let verb = match decision.kind {
        DecisionKind::Reject => "rejecting",
        DecisionKind::Approve { .. } => "approving",
    };
    state.say(
        Tone::Info,
        format!("{verb} {}…", short_id(&decision.assignment_id)),
    );
    state.queue(&decision.assignment_id);
    Effect::Send(decision)
}

#[cfg(test)]
mod tests;
