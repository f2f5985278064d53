//! The client side of MTurk: domain types the console uses, and (in time) the SDK client.

pub mod domain;
