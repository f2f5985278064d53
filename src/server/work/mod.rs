//! The worker's side of a HIT's life, whatever drives it (the worker site, tests): finding
//! work, previewing, accepting, returning, submitting, and abandonment at the deadline, with
//! MTurk's rules.
