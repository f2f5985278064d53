//! The loaded HITs and assignments: merging pages by id, finding a row by its assignment id,
//! the stable sort order (submit time, then id) and the precomputed lowercase search keys
//! used by the filter.
use std::collections::HashMap;

use crate::mturk::domain::{Assignment, EpochSecs, Hit};

/// At most this many bytes of answer text go into a row's search key, which keeps
/// filtering 100,000 rows on a keystroke fast whatever the workers wrote.
const SEARCH_ANSWER_BYTES: usize = 1024;

/// One loaded assignment with what the list needs to find and sort it quickly.
pub struct Row {
    pub assignment: Assignment,
    /// Index of its HIT in `Table::hits` (the HIT may not be loaded yet).
    pub hit_slot: usize,
    /// What the filter searches, lowercase: the assignment id, the worker id and the
    /// answer's text.
    search_key: String,
    /// Seen since the last reload started.
    seen: bool,
}

impl Row {
    pub fn sort_key(&self) -> SortKey<'_> {
        sort_key(&self.assignment)
    }
}

/// Oldest submission first (closest to auto-approval), ties by id; unknown times last.
pub type SortKey<'a> = (EpochSecs, &'a str);

pub fn sort_key(a: &Assignment) -> SortKey<'_> {
    (a.submit_time.unwrap_or(EpochSecs::MAX), a.id.as_str())
}

/// A HIT id that rows refer to, with the HIT once it is loaded.
pub struct HitSlot {
    pub hit: Option<Hit>,
    title_key: String,
}

/// What `Table::replace` replaced.
pub struct Replaced {
    pub index: usize,
    pub assignment: Assignment,
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
    by_id: HashMap<String, usize>,
    hits: Vec<HitSlot>,
    hit_slots: HashMap<String, usize>,
    /// All rows, sorted by `sort_key`.
    order: Vec<usize>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn row(&self, index: usize) -> &Row {
        &self.rows[index]
    }

    pub fn row_by_id(&self, assignment_id: &str) -> Option<&Row> {
        self.by_id.get(assignment_id).map(|&i| &self.rows[i])
    }

    pub fn hit(&self, row: &Row) -> Option<&Hit> {
        self.hits
            .get(row.hit_slot)
            .and_then(|slot| slot.hit.as_ref())
    }

    /// Rows in list order.
    pub fn ordered(&self) -> impl Iterator<Item = (usize, &Row)> {
        self.order.iter().map(|&i| (i, &self.rows[i]))
    }

    fn slot_for(&mut self, hit_id: &str) -> usize {
        if let Some(&slot) = self.hit_slots.get(hit_id) {
            return slot;
        }
        self.hits.push(HitSlot {
            hit: None,
            title_key: String::new(),
        });
        self.hit_slots
            .insert(hit_id.to_string(), self.hits.len() - 1);
        self.hits.len() - 1
    }

    pub fn merge_hits(&mut self, hits: Vec<Hit>) {
        for hit in hits {
            let slot = self.slot_for(&hit.id);
            self.hits[slot].title_key = hit.title.to_lowercase();
            self.hits[slot].hit = Some(hit);
        }
    }

    /// Adds or replaces assignments by id and restores the sort order.
    pub fn merge_assignments(&mut self, assignments: Vec<Assignment>) {
        for assignment in assignments {
            self.upsert(assignment);
        }
        let rows = &self.rows;
        // Stable and cheap on an already sorted prefix plus a short unsorted tail.
        self.order
            .sort_by(|&a, &b| rows[a].sort_key().cmp(&rows[b].sort_key()));
    }

    /// The index of an assignment's row.
    pub fn index_of(&self, assignment_id: &str) -> Option<usize> {
        self.by_id.get(assignment_id).copied()
    }

    /// Whether `replace` can take this assignment: it is loaded, and its HIT and place in
    /// the sort order stay (a settled decision changes only its status).
    pub fn replaces_in_place(&self, assignment: &Assignment) -> bool {
        self.row_by_id(&assignment.id).is_some_and(|row| {
            row.assignment.hit_id == assignment.hit_id && row.sort_key() == sort_key(assignment)
        })
    }

    /// Replaces a loaded assignment where it is, giving back the old one; the order is not
    /// looked at again, so `replaces_in_place` must have said yes.
    pub fn replace(&mut self, assignment: Assignment) -> Option<Replaced> {
        let index = *self.by_id.get(&assignment.id)?;
        let row = &mut self.rows[index];
        if row.assignment.answer != assignment.answer
            || row.assignment.worker_id != assignment.worker_id
        {
            row.search_key = search_key(&assignment);
        }
        row.seen = true;
        let old = std::mem::replace(&mut row.assignment, assignment);
        Some(Replaced {
            index,
            assignment: old,
        })
    }

    /// Whether a row contains `query` (lowercase) as `filtered` looks for it.
    pub fn matches(&self, row: &Row, query: &str) -> bool {
        query.is_empty()
            || self
                .hits
                .get(row.hit_slot)
                .is_some_and(|slot| slot.title_key.contains(query))
            || row.search_key.contains(query)
    }

    fn upsert(&mut self, assignment: Assignment) {
        let hit_slot = self.slot_for(&assignment.hit_id);
        let search_key = search_key(&assignment);
        if let Some(&index) = self.by_id.get(&assignment.id) {
            let row = &mut self.rows[index];
            row.assignment = assignment;
            row.hit_slot = hit_slot;
            row.search_key = search_key;
            row.seen = true;
            return;
        }
        self.by_id.insert(assignment.id.clone(), self.rows.len());
        self.order.push(self.rows.len());
        self.rows.push(Row {
            assignment,
            hit_slot,
            search_key,
            seen: true,
        });
    }

    /// Rows (in list order) that pass `keep` and contain `query` (lowercase) in their
    /// assignment id, worker id, HIT title or answer text.
    pub fn filtered(&self, query: &str, keep: impl Fn(&Row) -> bool) -> Vec<usize> {
        let title_matches: Vec<bool> = self
            .hits
            .iter()
            .map(|slot| slot.title_key.contains(query))
            .collect();
        self.order
            .iter()
            .copied()
            .filter(|&i| {
                let row = &self.rows[i];
                keep(row)
                    && (query.is_empty()
                        || title_matches[row.hit_slot]
                        || row.search_key.contains(query))
            })
            .collect()
    }

    /// Starts a reload: rows not delivered again before `drop_unseen` go away.
    pub fn mark_all_unseen(&mut self) {
        for row in &mut self.rows {
            row.seen = false;
        }
    }

    /// Drops rows the reload did not deliver, except those `keep` wants.
    pub fn drop_unseen(&mut self, keep: impl Fn(&Row) -> bool) {
        if self.rows.iter().all(|row| row.seen) {
            return;
        }
        let old = std::mem::take(&mut self.rows);
        self.by_id.clear();
        self.order.clear();
        let kept: Vec<Assignment> = old
            .into_iter()
            .filter(|row| row.seen || keep(row))
            .map(|row| row.assignment)
            .collect();
        self.merge_assignments(kept);
    }
}

/// The lowercase text a row is searched by: assignment and worker ids plus the answer's text
/// content (tags dropped, common entities decoded), capped at `SEARCH_ANSWER_BYTES`.
fn search_key(assignment: &Assignment) -> String {
    let mut key = assignment.id.to_lowercase();
    key.push('\n');
    key.push_str(&assignment.worker_id.to_lowercase());
    key.push('\n');
    let mut in_tag = false;
    let mut budget = SEARCH_ANSWER_BYTES;
    for c in assignment.answer.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                key.push(' ');
            }
            _ if in_tag => {}
            _ => {
                if budget < c.len_utf8() {
                    break;
                }
                budget -= c.len_utf8();
                key.extend(c.to_lowercase());
            }
        }
    }
    for (entity, text) in [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&apos;", "'"),
    ] {
        if key.contains(entity) {
            key = key.replace(entity, text);
        }
    }
    if key.contains("&amp;") {
        key = key.replace("&amp;", "&");
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::fixtures::{assignment, hit};

    #[test]
    fn merges_by_id_and_sorts_by_submit_time_then_id() {
        let mut table = Table::default();
        table.merge_assignments(vec![
            assignment("B", "H1", "W1", 300),
            assignment("A", "H1", "W2", 300),
            assignment("C", "H1", "W3", 100),
        ]);
        let mut replacement = assignment("C", "H1", "W3", 400);
        replacement.worker_id = "W9".into();
        table.merge_assignments(vec![replacement]);
        let ids: Vec<&str> = table
            .ordered()
            .map(|(_, r)| r.assignment.id.as_str())
            .collect();
        assert_eq!(ids, ["A", "B", "C"]);
        assert_eq!(table.len(), 3);
        assert_eq!(
            table
                .row_by_id("C")
                .map(|r| r.assignment.worker_id.as_str()),
            Some("W9")
        );
    }

    #[test]
    fn filters_by_ids_title_and_answer_text() {
        let mut table = Table::default();
        table.merge_hits(vec![hit("H1", "Rate Product Reviews"), hit("H2", "Survey")]);
        let mut a = assignment("3AXQ7", "H1", "WORKERONE", 1);
        a.answer = "<Answer><FreeText>Tom &amp; Jerry</FreeText></Answer>".into();
        table.merge_assignments(vec![a, assignment("B", "H2", "WORKERTWO", 2)]);
        let ids = |q: &str| -> Vec<String> {
            table
                .filtered(q, |_| true)
                .into_iter()
                .map(|i| table.row(i).assignment.id.clone())
                .collect()
        };
        assert_eq!(ids("product"), ["3AXQ7"]);
        assert_eq!(ids("workertwo"), ["B"]);
        assert_eq!(ids("3axq"), ["3AXQ7"]);
        assert_eq!(ids("tom & jerry"), ["3AXQ7"]);
        assert_eq!(
            ids("freetext"),
            Vec::<String>::new(),
            "tags are not searched"
        );
        assert_eq!(ids(""), ["3AXQ7", "B"]);
    }
}
