//! The figures table, printed as Markdown so it can go into the README as it is.

use std::time::Duration;

pub struct Row {
    pub figure: String,
    pub measured: String,
    pub baseline: String,
    pub ratio: String,
    pub goal: String,
    pub met: bool,
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
}

impl Table {
    /// Adds a row, and prints it at once so a long run shows progress.
    pub fn push(&mut self, row: Row) {
        eprintln!(
            "  {} | {} | {} | {} | {}",
            row.figure,
            row.measured,
            row.baseline,
            row.ratio,
            if row.met { "met" } else { "NOT met" }
        );
        self.rows.push(row);
    }

    pub fn print(&self) {
        println!("| Figure | Measured | Baseline | Ratio | Goal | Met? |");
        println!("| --- | --- | --- | --- | --- | --- |");
        for row in &self.rows {
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                row.figure,
                row.measured,
                row.baseline,
                row.ratio,
                row.goal,
                if row.met { "yes" } else { "**no**" }
            );
        }
    }
}

/// "1.62 s", or "51 ms" under a second.
pub fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

pub fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}
