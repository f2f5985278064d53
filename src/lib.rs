//! mturk-review: a terminal review console for Amazon Mechanical Turk requesters, and the
//! MTurk-compatible server it ships with.

pub mod answer;
pub mod clock;
pub mod console;
pub mod decisions_file;
pub mod export;
pub mod journal;
pub mod money;
pub mod mturk;
pub mod rules;
pub mod sanitize;
pub mod server;
