//! This session's decisions, with the marks and overrides that lead to them: one store whose
//! transitions (queue, report, settle, restore) keep its counts right, and whose queries say
//! what is in flight and what is blocked, and why. Whether a decision may be sent is decided
//! here, and only here.
use std::collections::{HashMap, HashSet};

use crate::mturk::domain::{Decision, DecisionKind, DecisionState};

/// Why no new decision may be sent for an assignment now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    Queued,
    /// Being sent, or waiting to be tried again.
    Sending,
    /// Done this session.
    Decided,
}

impl Blocked {
    fn of(state: &DecisionState) -> Option<Blocked> {
        match state {
            DecisionState::Queued => Some(Blocked::Queued),
            DecisionState::Sending | DecisionState::Retrying { .. } => Some(Blocked::Sending),
            DecisionState::Done(_) => Some(Blocked::Decided),
            // A failed decision may be tried again, a pending one sent again.
            DecisionState::Failed(_) | DecisionState::Pending(_) => None,
        }
    }

    /// Still on its way to MTurk.
    pub fn in_flight(self) -> bool {
        self != Blocked::Decided
    }

    pub fn reason(self) -> &'static str {
        match self {
            Blocked::Queued => "a decision is already queued",
            Blocked::Sending => "a decision is being sent",
            Blocked::Decided => "already decided this session",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    in_flight: usize,
    decided: usize,
    pending: usize,
}

impl Counts {
    fn add(&mut self, state: &DecisionState, by: isize) {
        let count = match state {
            DecisionState::Done(_) => &mut self.decided,
            DecisionState::Pending(_) => &mut self.pending,
            _ if Blocked::of(state).is_some_and(Blocked::in_flight) => &mut self.in_flight,
            _ => return,
        };
        *count = count.saturating_add_signed(by);
    }
}

#[derive(Debug, Default)]
pub struct DecisionStore {
    states: HashMap<String, DecisionState>,
    marked: HashSet<String>,
    overrides: HashSet<String>,
    counts: Counts,
}

impl DecisionStore {
    // ----- transitions -----

    /// The reviewer sent a decision: it waits for the runner.
    pub fn queue(&mut self, assignment_id: &str) {
        self.set(assignment_id.to_string(), DecisionState::Queued);
    }

    /// The runner's word on a decision; a done one is settled.
    pub fn report(&mut self, assignment_id: String, state: DecisionState) {
        if matches!(state, DecisionState::Done(_)) {
            self.settle(&assignment_id);
        }
        self.set(assignment_id, state);
    }

    /// A decision took effect: its mark and its override have done their work.
    fn settle(&mut self, assignment_id: &str) {
        self.marked.remove(assignment_id);
        self.overrides.remove(assignment_id);
    }

    /// A decision of an earlier session that did not take effect comes back as pending,
    /// with its override, unless one was made for that assignment since. False when not.
    pub fn restore(&mut self, decision: Decision) -> bool {
        if self.states.contains_key(&decision.assignment_id) {
            return false;
        }
        let id = decision.assignment_id.clone();
        if decision.kind
            == (DecisionKind::Approve {
                override_rejection: true,
            })
        {
            self.overrides.insert(id.clone());
        }
        self.set(id, DecisionState::Pending(Box::new(decision)));
        true
    }

    fn set(&mut self, assignment_id: String, state: DecisionState) {
        self.counts.add(&state, 1);
        if let Some(old) = self.states.insert(assignment_id, state) {
            self.counts.add(&old, -1);
        }
    }

    // ----- queries -----

    pub fn get(&self, assignment_id: &str) -> Option<&DecisionState> {
        self.states.get(assignment_id)
    }

    /// A decision was made for it this session (in any state).
    pub fn contains(&self, assignment_id: &str) -> bool {
        self.states.contains_key(assignment_id)
    }

    pub fn blocked(&self, assignment_id: &str) -> Option<Blocked> {
        self.states.get(assignment_id).and_then(Blocked::of)
    }

    /// How many blocked assignments pass `which`: a pass over the decisions only.
    pub fn count_blocked(&self, which: impl Fn(&str) -> bool) -> usize {
        self.states
            .iter()
            .filter(|(id, state)| Blocked::of(state).is_some() && which(id))
            .count()
    }

    /// Decisions queued or being sent.
    pub fn in_flight(&self) -> usize {
        self.counts.in_flight
    }

    /// Decisions done this session.
    pub fn decided(&self) -> usize {
        self.counts.decided
    }

    /// Decisions of an earlier session waiting to be sent again.
    pub fn pending(&self) -> usize {
        self.counts.pending
    }

    /// The pending decisions, as they were made.
    pub fn pending_decisions(&self) -> Vec<Decision> {
        self.states
            .values()
            .filter_map(|state| match state {
                DecisionState::Pending(decision) => Some(decision.as_ref().clone()),
                _ => None,
            })
            .collect()
    }

    // ----- marks and overrides -----

    pub fn is_marked(&self, assignment_id: &str) -> bool {
        self.marked.contains(assignment_id)
    }

    pub fn marked_count(&self) -> usize {
        self.marked.len()
    }

    pub fn toggle_mark(&mut self, assignment_id: &str) {
        if !self.marked.remove(assignment_id) {
            self.marked.insert(assignment_id.to_string());
        }
    }

    pub fn mark(&mut self, assignment_ids: impl IntoIterator<Item = String>) {
        self.marked.extend(assignment_ids);
    }

    pub fn unmark(&mut self, assignment_id: &str) {
        self.marked.remove(assignment_id);
    }

    pub fn unmark_all(&mut self) {
        self.marked.clear();
    }

    /// The reviewer chose to override this rejection on approval.
    pub fn has_override(&self, assignment_id: &str) -> bool {
        self.overrides.contains(assignment_id)
    }

    pub fn set_override(&mut self, assignment_id: &str, on: bool) {
        if on {
            self.overrides.insert(assignment_id.to_string());
        } else {
            self.overrides.remove(assignment_id);
        }
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    #[cfg(test)]
    pub fn no_overrides(&self) -> bool {
        self.overrides.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::fixtures::{NOW, assignment};

    fn approve(id: &str, override_rejection: bool) -> Decision {
        Decision {
            assignment_id: id.into(),
            worker_id: "AWORKER".into(),
            kind: DecisionKind::Approve { override_rejection },
            feedback: None,
        }
    }

    fn done(id: &str) -> DecisionState {
        DecisionState::Done(Box::new(assignment(id, "H", "W", NOW)))
    }

    #[test]
    fn a_decision_is_blocked_from_queued_to_done_and_free_after_a_failure() {
        let mut store = DecisionStore::default();
        assert_eq!(store.blocked("A"), None);
        store.queue("A");
        assert_eq!(store.blocked("A"), Some(Blocked::Queued));
        assert_eq!(store.in_flight(), 1);
        store.report("A".into(), DecisionState::Sending);
        assert_eq!(store.blocked("A"), Some(Blocked::Sending));
        let retrying = DecisionState::Retrying {
            attempt: 1,
            reason: "ServiceFault".into(),
        };
        store.report("A".into(), retrying);
        assert_eq!(
            store.blocked("A").map(Blocked::reason),
            Some("a decision is being sent")
        );
        assert_eq!(store.in_flight(), 1, "one decision, however often reported");
        store.report("A".into(), DecisionState::Failed("RequestError".into()));
        assert_eq!(
            store.blocked("A"),
            None,
            "a failed decision may be tried again"
        );
        assert_eq!((store.in_flight(), store.decided()), (0, 0));
        assert!(store.contains("A"), "but it was made this session");

        store.queue("A");
        store.report("A".into(), done("A"));
        assert_eq!(store.blocked("A"), Some(Blocked::Decided));
        assert!(!Blocked::Decided.in_flight());
        assert_eq!((store.in_flight(), store.decided()), (0, 1));
    }

    #[test]
    fn a_done_decision_takes_its_mark_and_override_with_it() {
        let mut store = DecisionStore::default();
        store.mark(["A".to_string(), "B".to_string()]);
        store.set_override("A", true);
        store.queue("A");
        store.report("A".into(), DecisionState::Failed("x".into()));
        assert!(
            store.is_marked("A") && store.has_override("A"),
            "kept on failure"
        );
        store.report("A".into(), done("A"));
        assert!(!store.is_marked("A") && !store.has_override("A"));
        assert_eq!(store.marked_count(), 1);
    }

    #[test]
    fn pending_decisions_come_back_with_their_override_unless_decided_since() {
        let mut store = DecisionStore::default();
        store.queue("B");
        assert!(store.restore(approve("A", true)));
        assert!(!store.restore(approve("B", false)), "decided since");
        assert!(store.has_override("A"));
        assert_eq!(store.pending(), 1);
        assert_eq!(store.blocked("A"), None, "P may send it again");
        assert_eq!(store.pending_decisions(), [approve("A", true)]);
        store.queue("A");
        assert_eq!((store.pending(), store.in_flight()), (0, 2));
        assert!(store.pending_decisions().is_empty());
    }

    #[test]
    fn blocked_assignments_are_counted_by_what_the_caller_asks() {
        let mut store = DecisionStore::default();
        store.queue("A");
        store.report("B".into(), done("B"));
        store.report("C".into(), DecisionState::Failed("x".into()));
        assert_eq!(store.count_blocked(|_| true), 2);
        assert_eq!(store.count_blocked(|id| id == "B"), 1);
    }

    #[test]
    fn marks_toggle() {
        let mut store = DecisionStore::default();
        store.toggle_mark("A");
        assert!(store.is_marked("A"));
        store.toggle_mark("A");
        assert!(!store.is_marked("A"));
        store.mark(["A".to_string(), "B".to_string()]);
        store.unmark("A");
        assert_eq!(store.marked_count(), 1);
        store.unmark_all();
        assert_eq!(store.marked_count(), 0);
    }
}
