//! The review rules: what an approval or a rejection sends, why an assignment cannot be
//! decided (or its rejection overridden) now, and what a bulk approval costs. They read the
//! loaded rows, this session's decisions, the drafts and the time, and change nothing:
//! `update` does what they say.
use super::decisions::DecisionStore;
use super::format::{duration, short_id};
use super::rows::{Row, Table};
use crate::money::{approval_cost_cents, parse_cents};
use crate::mturk::domain::{AssignmentStatus, Decision, DecisionKind, EpochSecs};
use crate::rules::{OVERRIDE_WINDOW_SECS, OverrideBlock, feedback_problem, override_block};

/// What the rules look at.
pub struct Review<'a> {
    pub table: &'a Table,
    pub decisions: &'a DecisionStore,
    pub now: EpochSecs,
}

/// A bulk approval as the question puts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkApproval {
    pub decisions: Vec<Decision>,
    /// Reward plus fees of the assignments whose HIT reward is known.
    pub total_cents: i64,
    /// Assignments whose cost could not be worked out (HIT not loaded).
    pub unpriced: usize,
    /// Marked assignments left out, with why.
    pub skipped: Vec<String>,
}

/// The feedback to send: None when the draft is blank; Err when MTurk would refuse it.
pub fn feedback(draft: &str) -> Result<Option<String>, String> {
    if draft.trim().is_empty() {
        return Ok(None);
    }
    match feedback_problem(draft) {
        Some(problem) => Err(problem),
        None => Ok(Some(draft.to_string())),
    }
}

/// When MTurk stops taking an override of this assignment's rejection: 30 days after
/// submission. None when the submit time is unknown.
pub fn override_closes(row: &Row) -> Option<EpochSecs> {
    row.assignment
        .submit_time
        .map(|submit| submit + OVERRIDE_WINDOW_SECS)
}

impl Review<'_> {
    /// Why this rejection cannot be overridden, if it cannot: MTurk allows it within 30
    /// days of submission, while the HIT still exists.
    pub fn override_block(&self, row: &Row) -> Option<String> {
        let hit_status = self.table.hit(row).map(|hit| hit.status.as_str());
        let block = override_block(row.assignment.submit_time, hit_status, self.now)?;
        Some(match block {
            OverrideBlock::SubmitTimeUnknown => "submit time unknown".to_string(),
            OverrideBlock::WindowClosed { secs_ago } => {
                format!("override window closed {} ago", duration(secs_ago))
            }
            OverrideBlock::HitUnknown => "HIT deleted or not loaded".to_string(),
            OverrideBlock::HitDeleted => "HIT deleted".to_string(),
        })
    }

    /// The decision that approves this assignment with this draft, or why it cannot be
    /// approved now.
    pub fn approval(&self, assignment_id: &str, draft: &str) -> Result<Decision, String> {
        let row = self.decidable(assignment_id)?;
        let override_rejection = match row.assignment.status {
            AssignmentStatus::Submitted => false,
            AssignmentStatus::Approved => return Err("already approved".to_string()),
            AssignmentStatus::Rejected if !self.decisions.has_override(assignment_id) => {
                return Err(match self.override_block(row) {
                    Some(reason) => format!("rejected, and it cannot be overridden: {reason}"),
                    None => "rejected: press o to override".to_string(),
                });
            }
            AssignmentStatus::Rejected => {
                if let Some(reason) = self.override_block(row) {
                    return Err(format!("cannot override: {reason}"));
                }
                true
            }
        };
        Ok(Decision {
            assignment_id: assignment_id.to_string(),
            worker_id: row.assignment.worker_id.clone(),
            kind: DecisionKind::Approve { override_rejection },
            feedback: feedback(draft)?,
        })
    }

    /// The decision that rejects this assignment with this draft as its feedback, or why
    /// it cannot be rejected now.
    pub fn rejection(&self, assignment_id: &str, draft: &str) -> Result<Decision, String> {
        let row = self.decidable(assignment_id)?;
        let status = row.assignment.status;
        if status != AssignmentStatus::Submitted {
            return Err(format!(
                "only submitted assignments can be rejected (this one is {})",
                status.as_str().to_lowercase()
            ));
        }
        match feedback(draft)? {
            None => Err("rejecting needs feedback: press e and tell the worker why".to_string()),
            Some(feedback) => Ok(Decision {
                assignment_id: assignment_id.to_string(),
                worker_id: row.assignment.worker_id.clone(),
                kind: DecisionKind::Reject,
                feedback: Some(feedback),
            }),
        }
    }

    /// Approving each of these assignments with its draft: the decisions, what they cost
    /// with MTurk's fees, and those left out, with why.
    pub fn bulk_approval<'i>(
        &self,
        assignment_ids: impl IntoIterator<Item = &'i str>,
        draft: impl Fn(&str) -> String,
    ) -> BulkApproval {
        let mut bulk = BulkApproval {
            decisions: Vec::new(),
            total_cents: 0,
            unpriced: 0,
            skipped: Vec::new(),
        };
        for id in assignment_ids {
            match self.approval(id, &draft(id)) {
                Ok(decision) => {
                    match self.approval_cost_cents(id) {
                        Some(cents) => bulk.total_cents += cents,
                        None => bulk.unpriced += 1,
                    }
                    bulk.decisions.push(decision);
                }
                Err(reason) => bulk.skipped.push(format!("{}: {reason}", short_id(id))),
            }
        }
        bulk
    }

    /// Reward plus MTurk's fee, when the HIT and its reward are known.
    fn approval_cost_cents(&self, assignment_id: &str) -> Option<i64> {
        let row = self.table.row_by_id(assignment_id)?;
        let hit = self.table.hit(row)?;
        let reward = parse_cents(&hit.reward)?;
        approval_cost_cents(reward, i64::from(hit.max_assignments))
    }

    /// The row, when it is loaded and no decision blocks a new one.
    fn decidable(&self, assignment_id: &str) -> Result<&Row, String> {
        let row = self
            .table
            .row_by_id(assignment_id)
            .ok_or_else(|| "no longer loaded".to_string())?;
        match self.decisions.blocked(assignment_id) {
            Some(blocked) => Err(blocked.reason().to_string()),
            None => Ok(row),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::fixtures::*;
    use crate::mturk::domain::{DecisionState, Hit};

    fn table() -> Table {
        let mut table = Table::default();
        table.merge_hits(sample_hits());
        table.merge_assignments(sample_assignments());
        table
    }

    fn review<'a>(table: &'a Table, decisions: &'a DecisionStore) -> Review<'a> {
        Review {
            table,
            decisions,
            now: NOW,
        }
    }

    fn row<'t>(table: &'t Table, id: &str) -> &'t Row {
        table.row_by_id(id).expect("a sample row")
    }

    #[test]
    fn blank_feedback_is_none_and_what_mturk_refuses_is_an_error() {
        assert_eq!(feedback("  \n "), Ok(None));
        assert_eq!(feedback("Thanks"), Ok(Some("Thanks".to_string())));
        assert!(feedback(&"x".repeat(1025)).is_err_and(|e| e.contains("1025 characters")));
        assert!(feedback("bell\u{7}").is_err_and(|e| e.contains("U+0007")));
    }

    #[test]
    fn an_override_needs_the_window_open_and_the_hit_there() {
        let mut table = table();
        let decisions = DecisionStore::default();
        let rules = review(&table, &decisions);
        assert_eq!(
            override_closes(row(&table, RECENT_REJECTED)),
            Some(NOW - 3 * DAY + 30 * DAY)
        );
        assert_eq!(rules.override_block(row(&table, RECENT_REJECTED)), None);
        assert_eq!(
            rules.override_block(row(&table, OLD_REJECTED)).as_deref(),
            Some("override window closed 10d 00h ago")
        );
        let mut unknown = assignment("3NOSUBMITTIME", RECEIPT_HIT, "W", NOW);
        unknown.submit_time = None;
        let mut orphan = assignment("3ORPHAN", "3NOTLOADED", "W", NOW - DAY);
        orphan.status = AssignmentStatus::Rejected;
        table.merge_assignments(vec![unknown, orphan]);
        let disposed = Hit {
            status: "Disposed".into(),
            ..sample_hits().remove(2)
        };
        table.merge_hits(vec![disposed]);
        let rules = review(&table, &decisions);
        let block = |id| rules.override_block(row(&table, id));
        assert_eq!(
            block("3NOSUBMITTIME").as_deref(),
            Some("submit time unknown")
        );
        assert_eq!(
            block("3ORPHAN").as_deref(),
            Some("HIT deleted or not loaded")
        );
        assert_eq!(block(RECENT_REJECTED).as_deref(), Some("HIT deleted"));
    }

    #[test]
    fn approving_sends_the_feedback_and_an_override_only_when_asked_and_allowed() {
        let table = table();
        let mut decisions = DecisionStore::default();
        let approved = review(&table, &decisions).approval(CROWD, "Great work");
        assert_eq!(
            approved,
            Ok(Decision {
                assignment_id: CROWD.into(),
                worker_id: "A1CROWDWORKER".into(),
                kind: DecisionKind::Approve {
                    override_rejection: false
                },
                feedback: Some("Great work".into()),
            })
        );
        let rules = review(&table, &decisions);
        assert_eq!(
            rules.approval(RECENT_REJECTED, ""),
            Err("rejected: press o to override".into())
        );
        assert_eq!(
            rules.approval(OLD_REJECTED, ""),
            Err("rejected, and it cannot be overridden: override window closed 10d 00h ago".into())
        );
        assert_eq!(rules.approval("3GONE", ""), Err("no longer loaded".into()));
        assert!(rules.approval(SURVEY, &"x".repeat(2000)).is_err());

        decisions.set_override(RECENT_REJECTED, true);
        decisions.set_override(OLD_REJECTED, true);
        let rules = review(&table, &decisions);
        let overridden = rules.approval(RECENT_REJECTED, "").map(|d| d.kind);
        assert_eq!(
            overridden,
            Ok(DecisionKind::Approve {
                override_rejection: true
            })
        );
        assert_eq!(
            rules.approval(OLD_REJECTED, ""),
            Err("cannot override: override window closed 10d 00h ago".into())
        );
    }

    #[test]
    fn nothing_is_decided_twice_at_once() {
        let mut table = table();
        let mut decisions = DecisionStore::default();
        decisions.queue(CROWD);
        decisions.queue(SURVEY);
        decisions.report(SURVEY.into(), DecisionState::Sending);
        let mut done = sample_assignments().remove(4);
        done.status = AssignmentStatus::Approved;
        decisions.report(
            MALFORMED.into(),
            DecisionState::Done(Box::new(done.clone())),
        );
        let rules = review(&table, &decisions);
        assert_eq!(
            rules.approval(CROWD, ""),
            Err("a decision is already queued".into())
        );
        assert_eq!(
            rules.rejection(SURVEY, "no"),
            Err("a decision is being sent".into())
        );
        assert_eq!(
            rules.approval(MALFORMED, ""),
            Err("already decided this session".into())
        );
        table.merge_assignments(vec![done]);
        let decisions = DecisionStore::default();
        assert_eq!(
            review(&table, &decisions).approval(MALFORMED, ""),
            Err("already approved".into())
        );
    }

    #[test]
    fn rejecting_needs_a_submitted_assignment_and_feedback() {
        let table = table();
        let decisions = DecisionStore::default();
        let rules = review(&table, &decisions);
        assert_eq!(
            rules.rejection(CROWD, "Copied from another review."),
            Ok(Decision {
                assignment_id: CROWD.into(),
                worker_id: "A1CROWDWORKER".into(),
                kind: DecisionKind::Reject,
                feedback: Some("Copied from another review.".into()),
            })
        );
        assert_eq!(
            rules.rejection(CROWD, " "),
            Err("rejecting needs feedback: press e and tell the worker why".into())
        );
        assert_eq!(
            rules.rejection(RECENT_REJECTED, "again"),
            Err("only submitted assignments can be rejected (this one is rejected)".into())
        );
        assert!(
            rules
                .rejection(CROWD, "tab\u{b}")
                .is_err_and(|e| e.contains("U+000B"))
        );
    }

    #[test]
    fn a_bulk_approval_costs_reward_plus_fees_and_says_what_it_leaves_out() {
        let mut table = table();
        table.merge_assignments(vec![assignment("3UNPRICED0001", "3NOHIT", "W", NOW)]);
        let decisions = DecisionStore::default();
        let ids = [SURVEY, CROWD, MALFORMED, OLD_REJECTED, "3UNPRICED0001"];
        let bulk = review(&table, &decisions).bulk_approval(ids, |id| {
            if id == CROWD {
                "Thanks!".into()
            } else {
                String::new()
            }
        });
        let approved: Vec<&str> = bulk
            .decisions
            .iter()
            .map(|d| d.assignment_id.as_str())
            .collect();
        assert_eq!(approved, [SURVEY, CROWD, MALFORMED, "3UNPRICED0001"]);
        assert_eq!(bulk.decisions[1].feedback.as_deref(), Some("Thanks!"));
        // Survey HIT: $1.20 with 12 assignments (40% fee) twice; sentiment: $0.50 (20%).
        assert_eq!(bulk.total_cents, 168 + 60 + 168);
        assert_eq!(bulk.unpriced, 1, "its HIT is not loaded");
        assert_eq!(
            bulk.skipped,
            [
                "…0000A4X9: rejected, and it cannot be overridden: override window closed 10d 00h ago"
            ]
        );
    }
}
