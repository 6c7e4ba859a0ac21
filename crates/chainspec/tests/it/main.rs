//! Integration tests of cloister-chainspec: the execution-apis conformance genesis, the dev
//! chain (and the generator that keeps genesis/dev.json in sync), and validation errors.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod conformance;
mod dev_chain;
mod dev_genesis_file;
mod validation;
