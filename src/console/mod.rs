//! The review console's UI core: state, messages, `update`, the keymap and `render`.
//! Data flows one way: key -> `Message` -> `update` -> `Effect`s for the background tasks,
//! whose results come back as `Message`s; `render` only draws the state.
mod answer_view;
mod app;
mod decisions;
mod drafts;
#[cfg(test)]
mod fixtures;
mod format;
mod keymap;
mod loading;
mod message;
mod review;
mod rows;
mod selection;
mod state;
mod style;
#[cfg(test)]
mod test_support;
mod ui;
mod update;

pub use app::{Session, run};
pub use message::{Effect, Message};
pub use state::State;
pub use ui::render;
pub use update::update;
