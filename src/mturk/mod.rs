//! The client side of MTurk: domain types the console uses, the SDK client, and the loader
//! and decision runner that talk to MTurk on the console's behalf. No UI here.

pub mod client;
pub mod decisions;
pub mod domain;
pub mod limiter;
pub mod loader;
pub mod outbox;
pub mod retry;
