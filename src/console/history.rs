//! Approved assignments the loader's second phase brings (the review queue holds only
//! Submitted and Rejected work): kept by id for the worker and HIT views, never listed.
use std::collections::HashMap;

use crate::mturk::domain::Assignment;

#[derive(Debug, Default)]
pub struct History {
    by_id: HashMap<String, Assignment>,
    /// The second phase has ended.
    loaded: bool,
}

impl History {
    pub fn get(&self, assignment_id: &str) -> Option<&Assignment> {
        self.by_id.get(assignment_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Assignment> {
        self.by_id.values()
    }

    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    pub fn merge(&mut self, assignments: Vec<Assignment>) {
        for a in assignments {
            self.by_id.insert(a.id.clone(), a);
        }
    }

    pub fn finish(&mut self) {
        self.loaded = true;
    }

    /// A reload lists everything again.
    pub fn clear(&mut self) {
        self.by_id.clear();
        self.loaded = false;
    }
}
