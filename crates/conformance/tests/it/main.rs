//! Conformance test binary: the official blockchain and state tests (the `ethereum-tests` set
//! and the EIP-7610 `ethereum-tests-collision` set), and the hive fixture chain imported through
//! `cloister import`'s code path. A missing fixture set is skipped with a `SKIPPED` line, except
//! under `CI=true`, where it fails (see `cloister-fixtures`).
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod ethereum_tests;
mod hive_chain;
