//! The journal's integration tests: one binary, one module per concern.

mod append;
mod common;
mod fail_closed;
mod prepare;
mod prune;
mod query;
mod recovery;
mod tamper;
