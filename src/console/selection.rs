//! What the list shows and where the reviewer is in it: the visible rows (indices into the
//! table, in list order), the cursor, the pin that keeps the selection on its assignment as
//! rows arrive, and the viewport the last frame had.
use std::cell::Cell;

use super::rows::{Row, SortKey, Table};
use crate::mturk::domain::EpochSecs;

/// Sizes the last frame had, remembered by `render` so paging and scrolling fit the screen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Viewport {
    pub list_rows: usize,
    pub list_offset: usize,
    pub detail_rows: usize,
}

#[derive(Debug, Default)]
pub struct Selection {
    /// Rows shown, in list order (indices into the table).
    visible: Vec<usize>,
    /// Position of the selection in `visible`.
    cursor: usize,
    /// The selected assignment by sort key, so arriving rows never move it.
    selected: Option<(EpochSecs, String)>,
    /// Whether the reviewer has chosen a row; until then the selection stays on the first
    /// row while pages arrive.
    pinned: bool,
    viewport: Cell<Viewport>,
}

impl Selection {
    /// The rows shown, in list order (indices into the table).
    pub fn visible(&self) -> &[usize] {
        &self.visible
    }

    /// Position of the selection among the rows shown.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The selected row, if any row is shown.
    pub fn row<'t>(&self, table: &'t Table) -> Option<&'t Row> {
        self.visible.get(self.cursor).map(|&i| table.row(i))
    }

    /// Shows these rows (from `Table::filtered`). The selection stays on its assignment when
    /// still shown, or moves to the nearest row; `to_first` moves it to the first instead.
    pub fn show(&mut self, table: &Table, visible: Vec<usize>, to_first: bool) {
        self.visible = visible;
        self.reposition(table, to_first);
    }

    /// Shows or hides one row (by its index in the table), in its place in list order; the
    /// selection stays as `show` keeps it.
    pub fn show_row(&mut self, table: &Table, index: usize, shown: bool) {
        let key = table.row(index).sort_key();
        let at = self
            .visible
            .partition_point(|&i| table.row(i).sort_key() < key);
        let there = self.visible.get(at) == Some(&index);
        match (shown, there) {
            (true, false) => self.visible.insert(at, index),
            (false, true) => {
                self.visible.remove(at);
            }
            _ => {}
        }
        self.reposition(table, false);
    }

    fn reposition(&mut self, table: &Table, to_first: bool) {
        let cursor = match (&self.selected, to_first) {
            (Some((submit, id)), false) if self.pinned => {
                let key: SortKey = (*submit, id.as_str());
                let at = self
                    .visible
                    .partition_point(|&i| table.row(i).sort_key() < key);
                at.min(self.visible.len().saturating_sub(1))
            }
            _ => 0,
        };
        self.select(table, cursor);
    }

    /// Moves the selection where the reviewer asked (clamped), and keeps it there as rows
    /// arrive.
    pub fn move_to(&mut self, table: &Table, position: usize) {
        self.pinned = true;
        self.select(table, position);
    }

    fn select(&mut self, table: &Table, position: usize) {
        self.cursor = position.min(self.visible.len().saturating_sub(1));
        self.selected = self.row(table).map(|row| {
            let (submit, id) = row.sort_key();
            (submit, id.to_string())
        });
    }

    pub fn viewport(&self) -> Viewport {
        self.viewport.get()
    }

    /// What the frame being drawn has room for (`render` works from `&State`).
    pub fn set_viewport(&self, viewport: Viewport) {
        self.viewport.set(viewport);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::fixtures::{NOW, assignment};

    /// A table of A, B, C, D (submitted in that order) with all of them shown.
    fn shown() -> (Table, Selection) {
        let mut table = Table::default();
        let rows = ["A", "B", "C", "D"].iter().enumerate();
        table.merge_assignments(
            rows.map(|(i, id)| assignment(id, "H", "W", NOW + i as i64))
                .collect(),
        );
        let mut selection = Selection::default();
        selection.show(&table, table.filtered("", |_| true), false);
        (table, selection)
    }

    fn selected(table: &Table, selection: &Selection) -> String {
        selection
            .row(table)
            .map(|row| row.assignment.id.clone())
            .unwrap_or_default()
    }

    #[test]
    fn moves_are_clamped_to_the_rows_shown() {
        let (table, mut selection) = shown();
        assert_eq!(selected(&table, &selection), "A");
        selection.move_to(&table, 2);
        assert_eq!(selected(&table, &selection), "C");
        selection.move_to(&table, usize::MAX);
        assert_eq!(
            (selection.cursor(), selected(&table, &selection)),
            (3, "D".into())
        );
    }

    #[test]
    fn a_chosen_row_stays_selected_as_rows_arrive_and_go() {
        let (mut table, mut selection) = shown();
        selection.move_to(&table, 2);
        table.merge_assignments(vec![assignment("0", "H", "W", NOW - 10)]);
        selection.show(&table, table.filtered("", |_| true), false);
        assert_eq!(
            (selection.cursor(), selected(&table, &selection)),
            (3, "C".into())
        );
        // C no longer shown: the selection goes to its neighbour in list order.
        selection.show(
            &table,
            table.filtered("", |r| r.assignment.id != "C"),
            false,
        );
        assert_eq!(selected(&table, &selection), "D");
        selection.show(&table, table.filtered("", |_| true), true);
        assert_eq!(selected(&table, &selection), "0", "to_first");
    }

    #[test]
    fn until_the_reviewer_moves_the_first_row_stays_selected() {
        let (mut table, mut selection) = shown();
        table.merge_assignments(vec![assignment("0", "H", "W", NOW - 10)]);
        selection.show(&table, table.filtered("", |_| true), false);
        assert_eq!(selected(&table, &selection), "0");
    }

    #[test]
    fn nothing_shown_nothing_selected() {
        let (table, mut selection) = shown();
        selection.show(&table, Vec::new(), false);
        assert!(selection.row(&table).is_none());
        assert_eq!(selection.cursor(), 0);
    }
}
