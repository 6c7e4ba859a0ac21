//! Governance contract tests: the compiled contract installed through `genesis_account` at
//! 0x…C0C0 on the dev chain (a Cloister chain, so the policy check precompile is there), run
//! in revm over an in-memory state with a settable block timestamp.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod artifact;
mod chain;
mod dev_genesis;
mod genesis;
mod proposals;
mod votes;
