//! cloister-evm integration tests: EIP-7610 creation collisions on every entry point, with no
//! fixture files (the EEST cases run in cloister-conformance), and the policy check precompile
//! (Cloister chains only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod collision;
mod policy_check;
