//! `update`: applies one message to the state and says what the background tasks must do.
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::format::short_id;
use super::keymap::{self, Action, Context};
use super::message::{Effect, Message};
use super::state::{Confirm, Focus, Progress, State, StatusFilter, Tone};
use crate::money::{approval_cost_cents, parse_cents};
use crate::mturk::client::Endpoint;
use crate::mturk::decisions::RunnerEvent;
use crate::mturk::domain::{
    AssignmentStatus, Decision, DecisionKind, DecisionState, feedback_problem,
};
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
        } => {
            state.loading = Some(Progress {
                hits_done,
                hits_total,
            });
        }
        LoadEvent::Retrying { attempt, reason } => state.say(
            Tone::Info,
            format!("loading: attempt {attempt} failed ({reason}); trying again"),
        ),
        LoadEvent::Failed(error) => state.fail_loading(error.for_console()),
        LoadEvent::Finished => state.finish_loading(),
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
    }
    Vec::new()
}

fn on_decision(state: &mut State, assignment_id: String, decision: DecisionState) {
    let short = short_id(&assignment_id);
    match &decision {
        DecisionState::Done(assignment) => {
            state.say(
                Tone::Success,
                format!("{short}: {}", assignment.status.as_str().to_lowercase()),
            );
            state.marked.remove(&assignment_id);
            state.overrides.remove(&assignment_id);
            state.replace_assignment(assignment.as_ref().clone());
        }
        DecisionState::Failed(error) => state.say(Tone::Error, format!("{short}: {error}")),
        DecisionState::Retrying { attempt, reason } => state.say(
            Tone::Info,
            format!("{short}: attempt {attempt} failed ({reason}); trying again"),
        ),
        DecisionState::Queued | DecisionState::Sending | DecisionState::Pending(_) => {}
    }
    state.set_decision(assignment_id, decision);
    // Only the "decided this session" view changes which rows it shows with a decision's
    // progress (a done one has already been merged, and refreshed, above).
    if state.status_filter == StatusFilter::Decided {
        state.refresh(false);
    }
}

/// Decisions of an earlier session: the pending ones get their row, draft and override back.
fn on_reconciled(state: &mut State, confirmed: usize, pending: Vec<Decision>) {
    // A decision made since the start supersedes the earlier one.
    let pending: Vec<Decision> = pending
        .into_iter()
        .filter(|d| !state.decisions.contains_key(&d.assignment_id))
        .collect();
    let count = pending.len();
    for decision in pending {
        let id = decision.assignment_id.clone();
        if let Some(feedback) = &decision.feedback {
            state.set_draft_text(&id, feedback);
        }
        if decision.kind
            == (DecisionKind::Approve {
                override_rejection: true,
            })
        {
            state.overrides.insert(id.clone());
        }
        state.set_decision(id, DecisionState::Pending(Box::new(decision)));
    }
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
    state.refresh(false);
}

/// After "quit once sent": quits when the last decision in flight has finished.
fn finish_quitting(state: &mut State) -> Vec<Effect> {
    if !state.waiting_to_quit {
        return Vec::new();
    }
    let in_flight = state.in_flight();
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
    if state.load_error.is_some() {
        state.load_error = None;
        return Vec::new();
    }
    if state.help_visible {
        state.help_visible = false;
        return Vec::new();
    }
    match context {
        Context::TypedConfirm => typed_confirm(state, action, key),
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
            } else if let Some(row) = state.selected_row() {
                let id = row.assignment.id.clone();
                state.draft_mut(&id).input(key);
            }
            Vec::new()
        }
        Context::List | Context::Answer => match action {
            Some(action) => browse(state, action),
            None => Vec::new(),
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

fn browse(state: &mut State, action: Action) -> Vec<Effect> {
    let in_answer = state.focus == Focus::Answer;
    let viewport = state.viewport.get();
    match action {
        Action::Next => state.move_to(state.cursor + 1),
        Action::Previous => state.move_to(state.cursor.saturating_sub(1)),
        Action::First if in_answer => state.detail_scroll = 0,
        Action::First => state.move_to(0),
        Action::Last if in_answer => state.detail_scroll = usize::MAX,
        Action::Last => state.move_to(usize::MAX),
        Action::PageDown if in_answer => scroll(state, viewport.detail_rows.max(1) as isize),
        Action::PageUp if in_answer => scroll(state, -(viewport.detail_rows.max(1) as isize)),
        Action::PageDown => state.move_to(state.cursor + viewport.list_rows.max(1)),
        Action::PageUp => state.move_to(state.cursor.saturating_sub(viewport.list_rows.max(1))),
        Action::ScrollDown => scroll(state, 1),
        Action::ScrollUp => scroll(state, -1),
        Action::CycleFocus => {
            state.focus = match state.focus {
                Focus::List => Focus::Answer,
                Focus::Answer | Focus::Feedback => Focus::Feedback,
            };
        }
        Action::Edit => {
            if state.selected_row().is_some() {
                state.focus = Focus::Feedback;
            } else {
                state.say(Tone::Info, "no assignment selected");
            }
        }
        Action::ToggleOverride => toggle_override(state),
        Action::Approve => return approve(state),
        Action::Reject => reject(state),
        Action::ToggleMark => toggle_mark(state),
        Action::MarkAll => mark_all(state),
        Action::ApproveMarked => approve_marked(state),
        Action::ResendPending => return resend_pending(state),
        Action::StartFilter => state.filter_editing = true,
        Action::CycleStatus => {
            state.status_filter = state.status_filter.next();
            state.refresh(false);
            state.say(
                Tone::Info,
                format!("showing {}", state.status_filter.label()),
            );
        }
        Action::ToggleRaw => {
            state.raw_view = !state.raw_view;
            state.detail_scroll = 0;
        }
        Action::Reload => {
            state.start_reload();
            state.say(Tone::Info, "reloading…");
            return vec![Effect::Reload];
        }
        Action::Help => state.help_visible = true,
        Action::Quit => return quit(state),
        Action::Interrupt
        | Action::LeaveEditor
        | Action::KeepFilter
        | Action::ClearFilter
        | Action::Yes
        | Action::No
        | Action::Submit => {}
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
    if state.overrides.remove(&id) {
        state.say(Tone::Info, "override off");
        return;
    }
    let block = state
        .selected_row()
        .and_then(|row| state.override_block(row));
    match block {
        Some(reason) => state.say(Tone::Error, format!("cannot override: {reason}")),
        None => {
            state.overrides.insert(id);
            state.say(
                Tone::Info,
                "override on: a approves this rejected assignment",
            );
        }
    }
}

/// The feedback to send: None when the draft is blank; Err when MTurk would refuse it.
fn feedback_for(state: &State, id: &str) -> Result<Option<String>, String> {
    let text = state.draft_text(id);
    if text.trim().is_empty() {
        return Ok(None);
    }
    match feedback_problem(&text) {
        Some(problem) => Err(problem),
        None => Ok(Some(text)),
    }
}

/// Why an assignment cannot be approved now, or the decision that approves it.
fn approval(state: &State, id: &str) -> Result<Decision, String> {
    let Some(row) = state.table.find(id).map(|i| state.table.row(i)) else {
        return Err("no longer loaded".to_string());
    };
    if let Some(reason) = blocked_reason(state, id) {
        return Err(reason);
    }
    let override_rejection = match row.assignment.status {
        AssignmentStatus::Submitted => false,
        AssignmentStatus::Approved => return Err("already approved".to_string()),
        AssignmentStatus::Rejected if !state.overrides.contains(id) => {
            return Err(match state.override_block(row) {
                Some(reason) => format!("rejected, and it cannot be overridden: {reason}"),
                None => "rejected: press o to override".to_string(),
            });
        }
        AssignmentStatus::Rejected => {
            if let Some(reason) = state.override_block(row) {
                return Err(format!("cannot override: {reason}"));
            }
            true
        }
    };
    Ok(Decision {
        assignment_id: id.to_string(),
        worker_id: row.assignment.worker_id.clone(),
        kind: DecisionKind::Approve { override_rejection },
        feedback: feedback_for(state, id)?,
    })
}

fn worker_of(state: &State, id: &str) -> String {
    state
        .table
        .find(id)
        .map(|i| state.table.row(i).assignment.worker_id.clone())
        .unwrap_or_default()
}

fn blocked_reason(state: &State, id: &str) -> Option<String> {
    match state.decisions.get(id) {
        Some(DecisionState::Queued) => Some("a decision is already queued".to_string()),
        Some(DecisionState::Sending | DecisionState::Retrying { .. }) => {
            Some("a decision is being sent".to_string())
        }
        Some(DecisionState::Done(_)) => Some("already decided this session".to_string()),
        Some(DecisionState::Failed(_) | DecisionState::Pending(_)) | None => None,
    }
}

fn approve(state: &mut State) -> Vec<Effect> {
    let Some((id, _)) = selected(state) else {
        return Vec::new();
    };
    match approval(state, &id) {
        Ok(decision) => vec![send(state, decision)],
        Err(reason) => {
            state.say(Tone::Error, reason);
            Vec::new()
        }
    }
}

fn reject(state: &mut State) {
    let Some((id, status)) = selected(state) else {
        return;
    };
    let problem = if let Some(reason) = blocked_reason(state, &id) {
        Some(reason)
    } else if status != AssignmentStatus::Submitted {
        Some(format!(
            "only submitted assignments can be rejected (this one is {})",
            status.as_str().to_lowercase()
        ))
    } else {
        match feedback_for(state, &id) {
            Ok(None) => {
                Some("rejecting needs feedback: press e and tell the worker why".to_string())
            }
            Ok(Some(feedback)) => {
                state.confirm = Some(Confirm::Reject(Decision {
                    worker_id: worker_of(state, &id),
                    assignment_id: id,
                    kind: DecisionKind::Reject,
                    feedback: Some(feedback),
                }));
                None
            }
            Err(problem) => Some(problem),
        }
    };
    if let Some(problem) = problem {
        state.say(Tone::Error, problem);
    }
}

fn toggle_mark(state: &mut State) {
    let Some((id, _)) = selected(state) else {
        return;
    };
    if !state.marked.remove(&id) {
        state.marked.insert(id);
    }
    state.move_to(state.cursor + 1);
}

/// Marks every row shown, or unmarks everything when all shown are marked already.
fn mark_all(state: &mut State) {
    let shown: Vec<String> = state
        .visible
        .iter()
        .map(|&i| state.table.row(i).assignment.id.clone())
        .collect();
    if !shown.is_empty() && shown.iter().all(|id| state.marked.contains(id)) {
        state.marked.clear();
        state.say(Tone::Info, "unmarked everything");
    } else {
        let count = shown.len();
        state.marked.extend(shown);
        state.say(
            Tone::Info,
            format!("marked {count} shown; A approves all marked"),
        );
    }
}

/// Sends every pending decision of an earlier session again, as it was made.
fn resend_pending(state: &mut State) -> Vec<Effect> {
    let pending: Vec<Decision> = state
        .decisions
        .values()
        .filter_map(|d| match d {
            DecisionState::Pending(decision) => Some(decision.as_ref().clone()),
            _ => None,
        })
        .collect();
    if pending.is_empty() {
        state.say(Tone::Info, "no pending decisions");
        return Vec::new();
    }
    send_checked(state, pending)
}

fn approve_marked(state: &mut State) {
    let marked: Vec<String> = state
        .table
        .ordered()
        .filter(|(_, row)| state.marked.contains(&row.assignment.id))
        .map(|(_, row)| row.assignment.id.clone())
        .collect();
    if marked.is_empty() {
        state.say(Tone::Info, "nothing marked: Space marks assignments");
        return;
    }
    let mut decisions = Vec::new();
    let mut skipped = Vec::new();
    let (mut total_cents, mut unpriced) = (0, 0);
    for id in &marked {
        match approval(state, id) {
            Ok(decision) => {
                let price = state
                    .table
                    .find(id)
                    .and_then(|i| state.hit_of(state.table.row(i)))
                    .and_then(|hit| {
                        let reward = parse_cents(&hit.reward)?;
                        Some(approval_cost_cents(reward, i64::from(hit.max_assignments)))
                    });
                match price {
                    Some(cents) => total_cents += cents,
                    None => unpriced += 1,
                }
                decisions.push(decision);
            }
            Err(reason) => skipped.push(format!("{}: {reason}", short_id(id))),
        }
    }
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
    let in_flight = state.in_flight();
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
                state.marked.remove(&decision.assignment_id);
            }
            send_checked(state, decisions)
        }
        Some(Confirm::Quit { .. }) => {
            state.waiting_to_quit = true;
            finish_quitting(state)
        }
        None => Vec::new(),
    }
}

/// Sends decisions still allowed (another may have been sent while the question was open).
fn send_checked(state: &mut State, decisions: Vec<Decision>) -> Vec<Effect> {
    let allowed: Vec<Decision> = decisions
        .into_iter()
        .filter(|d| !state.is_blocked(&d.assignment_id))
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
fn send(state: &mut State, decision: Decision) -> Effect {
    let verb = match decision.kind {
        DecisionKind::Reject => "rejecting",
        DecisionKind::Approve { .. } => "approving",
    };
    state.say(
        Tone::Info,
        format!("{verb} {}…", short_id(&decision.assignment_id)),
    );
    state.set_decision(decision.assignment_id.clone(), DecisionState::Queued);
    Effect::Send(decision)
}
#[cfg(test)]
mod tests;
