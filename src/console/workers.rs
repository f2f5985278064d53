//! The worker view's figures: loaded assignments grouped by worker, with their counts, their
//! median work time against other workers' on the same HITs, the `fast` flag, and whether
//! they are blocked. `group` is a pure function over the loaded assignments; `Workers` keeps
//! its result, with the blocks and a status change of one assignment applied in place.
use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashMap;

use crate::mturk::domain::{Assignment, AssignmentStatus, EpochSecs};

/// A worker is `fast` when, over at least `FAST_MIN_COMPARABLE` assignments that other
/// workers also did, the median of (their work time / the median of the others' work times
/// on that HIT) is under `FAST_RATIO`.
pub const FAST_RATIO: f64 = 0.25;
pub const FAST_MIN_COMPARABLE: usize = 3;
/// The rule, in the reviewer's words, for the help and the README.
pub const FAST_RULE: &str = "fast: on 3+ HITs others did too, median time under 1/4 of theirs";

/// One worker's row.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerRow {
    pub worker_id: String,
    /// Submitted, to decide.
    pub to_review: usize,
    pub approved: usize,
    pub rejected: usize,
    /// Median of SubmitTime - AcceptTime over their assignments with both times.
    pub median_secs: Option<EpochSecs>,
    /// Median, over their comparable assignments, of the others' median on that HIT.
    pub others_median_secs: Option<EpochSecs>,
    /// Their assignments on HITs where other workers' times are known too.
    pub comparable: usize,
    /// Median of their time / the others' median, over the comparable assignments.
    pub ratio: Option<f64>,
    pub fast: bool,
}

impl WorkerRow {
    /// Approved among the decided ones.
    pub fn approval_rate(&self) -> Option<f64> {
        let decided = self.approved + self.rejected;
        (decided > 0).then(|| self.approved as f64 / decided as f64)
    }

    fn count(&mut self, status: AssignmentStatus, by: isize) {
        let counter = match status {
            AssignmentStatus::Submitted => &mut self.to_review,
            AssignmentStatus::Approved => &mut self.approved,
            AssignmentStatus::Rejected => &mut self.rejected,
        };
        *counter = counter.saturating_add_signed(by);
    }
}

/// Work time of an assignment, when both times are known.
fn work_secs(a: &Assignment) -> Option<EpochSecs> {
    match (a.accept_time, a.submit_time) {
        (Some(accept), Some(submit)) if submit >= accept => Some(submit - accept),
        _ => None,
    }
}

/// The median of sorted values with the one at `skip` left out (None: nothing left).
fn median_without(sorted: &[EpochSecs], skip: usize) -> Option<f64> {
    let n = sorted.len().checked_sub(1).filter(|&n| n > 0)?;
    // Index into the list without `skip`.
    let at = |i: usize| sorted[if i < skip { i } else { i + 1 }] as f64;
    Some(if n % 2 == 1 {
        at(n / 2)
    } else {
        (at(n / 2 - 1) + at(n / 2)) / 2.0
    })
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// One row per worker, those with most to review first (then by worker id). HITs and
/// workers are numbered once, and every figure is worked out over flat arrays sorted by
/// worker, so that 100,000 assignments take a handful of allocations.
pub fn group<'a>(assignments: impl IntoIterator<Item = &'a Assignment>) -> Vec<WorkerRow> {
    // Two lookups per assignment: with SipHash they were most of the time. The ids are MTurk's,
    // not keys chosen to collide, so rustc's own faster FxHash serves.
    let mut hits: FxHashMap<&str, usize> = FxHashMap::default();
    let mut workers: FxHashMap<&str, usize> = FxHashMap::default();
    let mut rows: Vec<WorkerRow> = Vec::new();
    // (HIT, worker, work time) of each assignment with both times.
    let mut timed: Vec<(usize, usize, EpochSecs)> = Vec::new();
    for a in assignments {
        let worker = *workers.entry(a.worker_id.as_str()).or_insert_with(|| {
            rows.push(WorkerRow {
                worker_id: a.worker_id.clone(),
                to_review: 0,
                approved: 0,
                rejected: 0,
                median_secs: None,
                others_median_secs: None,
                comparable: 0,
                ratio: None,
                fast: false,
            });
            rows.len() - 1
        });
        rows[worker].count(a.status, 1);
        if let Some(secs) = work_secs(a) {
            let next = hits.len();
            let hit = *hits.entry(a.hit_id.as_str()).or_insert(next);
            timed.push((hit, worker, secs));
        }
    }
    // Each HIT's work times, sorted, so that the median of the others is a lookup.
    let mut by_hit: Vec<Vec<EpochSecs>> = vec![Vec::new(); hits.len()];
    for &(hit, _, secs) in &timed {
        by_hit[hit].push(secs);
    }
    for times in &mut by_hit {
        times.sort_unstable();
    }
    timed.sort_unstable_by_key(|&(_, worker, _)| worker);
    let (mut times, mut others, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for run in timed.chunk_by(|a, b| a.1 == b.1) {
        times.clear();
        others.clear();
        ratios.clear();
        for &(hit, _, secs) in run {
            times.push(secs as f64);
            let sorted = &by_hit[hit];
            let at = sorted.partition_point(|&t| t < secs);
            if let Some(median) = median_without(sorted, at) {
                others.push(median);
                ratios.push(if median > 0.0 {
                    secs as f64 / median
                } else {
                    1.0
                });
            }
        }
        let row = &mut rows[run[0].1];
        row.median_secs = median(&mut times).map(|m| m.round() as EpochSecs);
        row.others_median_secs = median(&mut others).map(|m| m.round() as EpochSecs);
        row.comparable = ratios.len();
        row.ratio = median(&mut ratios);
        row.fast =
            row.comparable >= FAST_MIN_COMPARABLE && row.ratio.is_some_and(|r| r < FAST_RATIO);
    }
    rows.sort_by(|a, b| {
        b.to_review
            .cmp(&a.to_review)
            .then_with(|| a.worker_id.cmp(&b.worker_id))
    });
    rows
}

/// The grouped rows, kept up to date as decisions settle, and the blocked workers.
#[derive(Debug, Default)]
pub struct Workers {
    rows: Vec<WorkerRow>,
    by_id: HashMap<String, usize>,
    blocked: HashSet<String>,
    /// Assignments arrived since `rows` were grouped.
    stale: bool,
}

impl Workers {
    pub fn rows(&self) -> &[WorkerRow] {
        &self.rows
    }

    pub fn get(&self, worker_id: &str) -> Option<&WorkerRow> {
        self.by_id.get(worker_id).map(|&i| &self.rows[i])
    }

    pub fn is_stale(&self) -> bool {
        self.stale
    }

    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    /// New figures from `group`.
    pub fn regroup(&mut self, rows: Vec<WorkerRow>) {
        self.by_id = rows
            .iter()
            .enumerate()
            .map(|(i, row)| (row.worker_id.clone(), i))
            .collect();
        self.rows = rows;
        self.stale = false;
    }

    /// One assignment of the worker changed status (a decision settled): its counts move
    /// without regrouping everything.
    pub fn status_changed(
        &mut self,
        worker_id: &str,
        from: AssignmentStatus,
        to: AssignmentStatus,
    ) {
        if from == to {
            return;
        }
        if let Some(&i) = self.by_id.get(worker_id) {
            self.rows[i].count(from, -1);
            self.rows[i].count(to, 1);
        }
    }

    pub fn is_blocked(&self, worker_id: &str) -> bool {
        self.blocked.contains(worker_id)
    }

    /// The worker is now blocked, or unblocked (ListWorkerBlocks, or a block key's result).
    pub fn set_blocked(&mut self, worker_id: &str, blocked: bool) {
        if blocked {
            self.blocked.insert(worker_id.to_string());
        } else {
            self.blocked.remove(worker_id);
        }
    }

    /// Forgets the blocks before a reload lists them again.
    pub fn clear_blocks(&mut self) {
        self.blocked.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::fixtures::{NOW, assignment};

    /// An assignment of `worker` on `hit` that took `secs`.
    fn took(id: &str, hit: &str, worker: &str, secs: i64) -> Assignment {
        let mut a = assignment(id, hit, worker, NOW);
        a.accept_time = Some(NOW - secs);
        a
    }

    #[test]
    fn counts_and_medians_per_worker() {
        let mut rejected = took("A2", "H2", "W1", 200);
        rejected.status = AssignmentStatus::Rejected;
        let mut approved = took("A3", "H1", "W2", 300);
        approved.status = AssignmentStatus::Approved;
        let rows = group(&[
            took("A1", "H1", "W1", 100),
            rejected,
            approved,
            took("A4", "H2", "W2", 400),
            took("A5", "H1", "W3", 500),
        ]);
        let w1 = &rows[0];
        assert_eq!(w1.worker_id, "W1");
        assert_eq!((w1.to_review, w1.approved, w1.rejected), (1, 0, 1));
        assert_eq!(w1.median_secs, Some(150));
        // On H1 the others took 300 and 500 (median 400); on H2 400.
        assert_eq!(w1.others_median_secs, Some(400));
        assert_eq!(w1.comparable, 2);
        assert_eq!(w1.ratio, Some((100.0 / 400.0 + 200.0 / 400.0) / 2.0));
        assert_eq!(rows[1].worker_id, "W2", "ties on to_review go by id");
        assert_eq!(rows[1].approval_rate(), Some(1.0));
        assert_eq!(w1.approval_rate(), Some(0.0));
        assert_eq!(rows[2].approval_rate(), None);
        assert!(rows.iter().all(|r| !r.fast));
    }

    #[test]
    fn fast_needs_three_comparable_assignments_under_a_quarter_of_the_others() {
        let mut all = Vec::new();
        for h in 0..3 {
            let hit = format!("H{h}");
            all.push(took(&format!("F{h}"), &hit, "FAST", 30));
            all.push(took(&format!("S{h}"), &hit, "SLOW1", 300));
            all.push(took(&format!("T{h}"), &hit, "SLOW2", 320));
        }
        let rows = group(&all);
        let fast: Vec<&str> = rows
            .iter()
            .filter(|r| r.fast)
            .map(|r| r.worker_id.as_str())
            .collect();
        assert_eq!(fast, ["FAST"]);
        // Two comparable assignments are not enough.
        let rows = group(&all[3..]);
        assert!(rows.iter().all(|r| !r.fast));
        assert_eq!(
            rows.iter()
                .find(|r| r.worker_id == "FAST")
                .map(|r| r.comparable),
            Some(2)
        );
    }

    #[test]
    fn a_settled_decision_and_a_block_update_in_place() {
        let mut workers = Workers::default();
        workers.mark_stale();
        workers.regroup(group(&[took("A1", "H1", "W1", 100)]));
        assert!(!workers.is_stale());
        workers.status_changed(
            "W1",
            AssignmentStatus::Submitted,
            AssignmentStatus::Approved,
        );
        let w1 = workers.get("W1").map(|r| (r.to_review, r.approved));
        assert_eq!(w1, Some((0, 1)));
        assert!(!workers.is_blocked("W1"));
        workers.set_blocked("W1", true);
        assert!(workers.is_blocked("W1"));
        workers.set_blocked("W1", false);
        assert!(!workers.is_blocked("W1"));
    }
}
