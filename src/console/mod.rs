//! The review console: the event loop (`app`), the state and its parts (`state`: `rows`,
//! `selection`, `loading`, `decisions`, `drafts`), the review rules (`review`), acting on
//! workers (`worker_actions`), feedback templates (`templates`), messages,
//! `update`, the keymap and `render` (`ui`). Data flows one way: key -> `Message` ->
//! `update` -> `Effect`s for the loader and the decision runner, whose events come back
//! nested in `Message`s; `render` only draws the state. The worker and HIT views (`views`)
//! work from `workers`, `agreement` and `history`.
pub mod agreement;
mod answer_view;
mod app;
mod decisions;
mod drafts;
#[cfg(test)]
mod fixtures;
mod format;
mod history;
mod keymap;
mod loading;
mod message;
mod review;
mod rows;
mod selection;
mod state;
mod style;
mod templates;
#[cfg(test)]
mod test_support;
mod ui;
mod update;
mod views;
mod worker_actions;
pub mod workers;

pub use app::{Session, run};
pub use message::{Effect, Message};
pub use state::{State, WorkerSite};
pub use templates::default_path as default_templates_path;
pub use ui::render;
pub use update::update;
