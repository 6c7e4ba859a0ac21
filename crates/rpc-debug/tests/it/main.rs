//! debug_ methods against a real dev node over HTTP, with transactions to small hand-assembled
//! contracts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly on purpose

mod client;
mod contracts;
mod raw;
mod tracers;
