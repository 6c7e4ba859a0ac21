//! Integration tests of `cloister-bench` against a real node.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly on purpose

mod anvil;
