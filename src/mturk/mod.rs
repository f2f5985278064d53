//! The client side of MTurk: the domain types the console uses, the SDK client and its
//! errors, the loader and the decision runner (with the actions on workers it also runs) that
//! talk to MTurk on the console's behalf,
//! with their retries, adaptive concurrency and the outbox they report through. No UI
//! here, and nothing from `console`.

pub mod client;
pub mod decisions;
pub mod domain;
pub mod limiter;
pub mod loader;
pub mod outbox;
pub mod pagination;
pub mod retry;
pub mod worker_actions;
