//! Acting on the worker of the selected assignment: `b` bonus, `B` block (or unblock a
//! blocked worker), `n` message. Each opens a small form (`WorkerForm`); Enter checks it
//! against MTurk's rules and asks (`Confirm::Worker`); `y` (in PRODUCTION, typing a bonus's
//! amount) sends it to the runner. Bad input keeps the form and says why; Esc cancels.
//! `WorkerActions` keeps what the console knows of workers: who is blocked (read at start,
//! then kept up to date by the blocks and unblocks sent), each assignment's latest bonus and
//! the bonuses of an earlier session still to pay.
use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::format::short_id;
use super::keymap::{Action, Context};
use super::message::Effect;
use super::state::{Confirm, State, Tone};
use crate::journal::BonusEntry;
use crate::money::{MAX_BONUS_CENTS, bonus_cost_cents, format_cents, parse_cents};
use crate::mturk::client::Endpoint;
use crate::mturk::domain::Bonus;
use crate::mturk::worker_actions::{ActionState, WorkerAction};
use crate::rules::notification_problem;

/// Where a bonus stands, for its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BonusProgress {
    Sending,
    Paid,
    Failed(String),
    /// Of an earlier session, not paid: P sends it again.
    Pending,
}

/// An assignment's latest bonus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BonusMark {
    pub amount_cents: i64,
    pub progress: BonusProgress,
}

#[derive(Debug, Default)]
pub struct WorkerActions {
    bonuses: HashMap<String, BonusMark>,
    /// Bonuses of an earlier session that were not paid, in journal order.
    pending: Vec<BonusEntry>,
}

impl WorkerActions {
    /// The latest bonus of an assignment, if one was granted or is pending.
    pub fn bonus(&self, assignment_id: &str) -> Option<&BonusMark> {
        self.bonuses.get(assignment_id)
    }

    fn mark(&mut self, bonus: &Bonus, progress: BonusProgress) {
        self.bonuses.insert(
            bonus.assignment_id.clone(),
            BonusMark {
                amount_cents: bonus.amount_cents,
                progress,
            },
        );
    }
}

/// Which form is open, and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    Bonus { assignment_id: String },
    Block,
    Notify,
}

/// A form of one or two one-line fields; Tab moves between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerForm {
    pub kind: FormKind,
    pub worker_id: String,
    /// Label and text of each field, in order.
    pub fields: Vec<(&'static str, String)>,
    pub focus: usize,
    /// Why the last Enter did not ask: shown in the form.
    pub problem: Option<String>,
}

impl WorkerForm {
    fn new(kind: FormKind, worker_id: String, labels: &[&'static str]) -> WorkerForm {
        WorkerForm {
            kind,
            worker_id,
            fields: labels.iter().map(|l| (*l, String::new())).collect(),
            focus: 0,
            problem: None,
        }
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            FormKind::Bonus { .. } => " Bonus ",
            FormKind::Block => " Block worker ",
            FormKind::Notify => " Message worker ",
        }
    }

    fn text(&self, field: usize) -> &str {
        self.fields.get(field).map_or("", |(_, text)| text.as_str())
    }

    /// What the form asks for, or why it cannot be asked yet.
    fn action(&self) -> Result<WorkerAction, String> {
        let worker_id = self.worker_id.clone();
        match &self.kind {
            FormKind::Bonus { assignment_id } => {
                let amount_cents = bonus_amount(self.text(0))?;
                let reason = self.text(1).trim();
                if reason.is_empty() {
                    return Err("a reason is required: the worker sees it".to_string());
                }
                Ok(WorkerAction::Bonus(Bonus {
                    assignment_id: assignment_id.clone(),
                    worker_id,
                    amount_cents,
                    reason: reason.to_string(),
                }))
            }
            FormKind::Block => {
                let reason = self.text(0).trim();
                if reason.is_empty() {
                    return Err("a reason is required to block (the worker does not see it)".into());
                }
                Ok(WorkerAction::Block {
                    worker_id,
                    reason: reason.to_string(),
                })
            }
            FormKind::Notify => {
                let (subject, text) = (self.text(0).trim(), self.text(1).trim());
                if subject.is_empty() || text.is_empty() {
                    return Err("a message needs a subject and a text".to_string());
                }
                if let Some(problem) = notification_problem(subject, text) {
                    return Err(problem);
                }
                Ok(WorkerAction::Notify {
                    worker_id,
                    subject: subject.to_string(),
                    text: text.to_string(),
                })
            }
        }
    }
}

/// A bonus amount as typed, in dollars ("1.50", "$2"), as cents; why not when it is no amount
/// MTurk would pay.
fn bonus_amount(typed: &str) -> Result<i64, String> {
    let typed = typed.trim();
    let cents = parse_cents(typed.strip_prefix('$').unwrap_or(typed))
        .ok_or_else(|| format!("{typed:?} is not an amount in dollars, such as 1.50"))?;
    if cents <= 0 {
        return Err("a bonus must be more than $0.00".to_string());
    }
    if cents > MAX_BONUS_CENTS {
        return Err(format!(
            "a bonus is at most ${}",
            format_cents(MAX_BONUS_CENTS)
        ));
    }
    Ok(cents)
}

/// A question about an action on a worker, waiting for y (or, for a bonus in PRODUCTION, the
/// amount typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerQuestion {
    pub action: WorkerAction,
    /// What a bonus costs with MTurk's fee.
    pub cost_cents: Option<i64>,
    pub typed: Option<String>,
}

/// Whom the keys act on: the worker view's row (no assignment), or the assignment under the
/// cursor (the list's, the HIT view's column) and its worker; else a word on the status line.
fn selected_worker(state: &mut State) -> Option<(Option<String>, String)> {
    let found = if state.context() == Context::Workers {
        state.selected_worker().map(|w| (None, w.worker_id.clone()))
    } else {
        state.acting_on().map(|row| {
            (
                Some(row.assignment.id.clone()),
                row.assignment.worker_id.clone(),
            )
        })
    };
    if found.is_none() {
        state.say(Tone::Info, "nothing selected");
    }
    found
}

/// `b`: the bonus form for the selected assignment's worker.
pub fn start_bonus(state: &mut State) {
    match selected_worker(state) {
        Some((Some(assignment_id), worker_id)) => {
            state.worker_form = Some(WorkerForm::new(
                FormKind::Bonus { assignment_id },
                worker_id,
                &["Amount $", "Reason"],
            ));
        }
        Some((None, _)) => state.say(
            Tone::Info,
            "a bonus is paid for an assignment: Enter shows this worker's",
        ),
        None => {}
    }
}

/// `B`: the block form, or for a blocked worker the question whether to unblock.
pub fn start_block(state: &mut State) {
    let Some((_, worker_id)) = selected_worker(state) else {
        return;
    };
    if state.views.workers.is_blocked(&worker_id) {
        ask_unblock(state, worker_id);
    } else {
        state.worker_form = Some(WorkerForm::new(FormKind::Block, worker_id, &["Reason"]));
    }
}

/// Asks whether to unblock a blocked worker (DeleteWorkerBlock), a decision of its own:
/// the worker view's row asks it too.
pub fn ask_unblock(state: &mut State, worker_id: String) {
    state.confirm = Some(Confirm::Worker(WorkerQuestion {
        action: WorkerAction::Unblock { worker_id },
        cost_cents: None,
        typed: None,
    }));
}

/// `n`: the message form for the selected assignment's worker.
pub fn start_notify(state: &mut State) {
    if let Some((_, worker_id)) = selected_worker(state) {
        state.worker_form = Some(WorkerForm::new(
            FormKind::Notify,
            worker_id,
            &["Subject", "Message"],
        ));
    }
}

/// Keys while a form is open: Tab moves, Enter asks, Esc cancels, the rest is typed.
pub fn form_key(state: &mut State, action: Option<Action>, key: KeyEvent) {
    let Some(form) = &mut state.worker_form else {
        return;
    };
    match action {
        Some(Action::No) => {
            state.worker_form = None;
            state.say(Tone::Info, "cancelled");
        }
        Some(Action::NextField) => form.focus = (form.focus + 1) % form.fields.len().max(1),
        Some(Action::Submit) => match form.action() {
            Ok(action) => {
                let cost_cents = action
                    .bonus()
                    .and_then(|bonus| bonus_cost_cents(bonus.amount_cents));
                // Real money: in PRODUCTION a bonus is confirmed by typing its amount.
                let typed = (action.bonus().is_some() && state.endpoint == Endpoint::Production)
                    .then(String::new);
                state.worker_form = None;
                state.confirm = Some(Confirm::Worker(WorkerQuestion {
                    action,
                    cost_cents,
                    typed,
                }));
            }
            Err(problem) => {
                form.problem = Some(problem.clone());
                state.say(Tone::Error, problem);
            }
        },
        _ => {
            if let Some((_, text)) = form.fields.get_mut(form.focus) {
                edit(text, key);
            }
        }
    }
}

/// A key typed into a one-line field.
fn edit(text: &mut String, key: KeyEvent) {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return;
    }
    match key.code {
        KeyCode::Char(c) => text.push(c),
        KeyCode::Backspace => {
            text.pop();
        }
        _ => {}
    }
}

/// Keys for a bonus confirmed by typing its amount, then Enter.
pub fn typed_key(state: &mut State, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    let Some(Confirm::Worker(WorkerQuestion {
        action: question,
        typed: Some(typed),
        ..
    })) = &mut state.confirm
    else {
        return Vec::new();
    };
    match (action, key.code) {
        (Some(Action::No), _) => {
            state.confirm = None;
            state.say(Tone::Info, "cancelled");
        }
        (Some(Action::Submit), _) => {
            let wanted = question.bonus().map_or(0, |b| b.amount_cents);
            if bonus_amount(typed).ok() == Some(wanted) {
                return confirmed(state);
            }
            typed.clear();
            state.say(
                Tone::Error,
                format!(
                    "type the amount ({}) and press Enter, or Esc",
                    format_cents(wanted)
                ),
            );
        }
        (_, KeyCode::Char(c)) if (c.is_ascii_digit() || c == '.') && typed.len() < 12 => {
            typed.push(c);
        }
        (_, KeyCode::Backspace) => {
            typed.pop();
        }
        _ => {}
    }
    Vec::new()
}

/// `y` on a question about a worker: hands the action to the runner.
pub fn confirmed(state: &mut State) -> Vec<Effect> {
    let Some(Confirm::Worker(question)) = state.confirm.take() else {
        return Vec::new();
    };
    vec![send(state, question.action)]
}

fn send(state: &mut State, action: WorkerAction) -> Effect {
    let worker = action.worker_id().to_string();
    let text = match &action {
        WorkerAction::Bonus(bonus) | WorkerAction::ResendBonus(BonusEntry { bonus, .. }) => {
            state.worker_actions.mark(bonus, BonusProgress::Sending);
            format!(
                "paying {worker} a ${} bonus…",
                format_cents(bonus.amount_cents)
            )
        }
        WorkerAction::Block { .. } => format!("blocking {worker}…"),
        WorkerAction::Unblock { .. } => format!("unblocking {worker}…"),
        WorkerAction::Notify { .. } => format!("sending {worker} a message…"),
    };
    state.say(Tone::Info, text);
    Effect::Worker(action)
}

/// `P`: the bonuses of an earlier session that were not paid, sent again, each under its own
/// journal entry and token.
pub fn resend_pending(state: &mut State) -> Vec<Effect> {
    let pending = std::mem::take(&mut state.worker_actions.pending);
    pending
        .into_iter()
        .map(|entry| send(state, WorkerAction::ResendBonus(entry)))
        .collect()
}

/// The runner's word on an action on a worker.
pub fn on_progress(state: &mut State, action: WorkerAction, progress: ActionState) {
    let worker = action.worker_id().to_string();
    let bonus = action.bonus().cloned();
    match progress {
        ActionState::Sending => {}
        ActionState::Retrying { attempt, reason } => state.say(
            Tone::Info,
            format!("{worker}: attempt {attempt} failed ({reason}); trying again"),
        ),
        ActionState::Failed(why) => {
            if let Some(bonus) = &bonus {
                state
                    .worker_actions
                    .mark(bonus, BonusProgress::Failed(why.clone()));
            }
            state.say(Tone::Error, format!("{worker}: {why}"));
        }
        ActionState::Done => {
            let text = match &action {
                WorkerAction::Bonus(bonus)
                | WorkerAction::ResendBonus(BonusEntry { bonus, .. }) => {
                    state.worker_actions.mark(bonus, BonusProgress::Paid);
                    format!(
                        "{worker}: bonus of ${} paid for {}",
                        format_cents(bonus.amount_cents),
                        short_id(&bonus.assignment_id)
                    )
                }
                WorkerAction::Block { .. } => {
                    state.set_worker_blocked(&worker, true);
                    format!("{worker}: blocked")
                }
                WorkerAction::Unblock { .. } => {
                    state.set_worker_blocked(&worker, false);
                    format!("{worker}: unblocked")
                }
                WorkerAction::Notify { .. } => format!("{worker}: message sent"),
            };
            state.say(Tone::Success, text);
        }
    }
}

/// Bonuses of an earlier session: paid ones are counted, the others come back on their
/// rows as pending.
pub fn on_reconciled(state: &mut State, confirmed: usize, pending: Vec<BonusEntry>) {
    for entry in &pending {
        state
            .worker_actions
            .mark(&entry.bonus, BonusProgress::Pending);
    }
    let count = pending.len();
    state.worker_actions.pending.extend(pending);
    let mut said = Vec::new();
    if confirmed > 0 {
        said.push(format!(
            "{confirmed} bonus(es) of the last session were paid"
        ));
    }
    if count > 0 {
        said.push(format!("{count} were not and are pending: P pays them"));
    }
    if !said.is_empty() {
        let tone = if count > 0 { Tone::Error } else { Tone::Info };
        state.say(tone, said.join("; "));
    }
}

#[cfg(test)]
mod tests;
