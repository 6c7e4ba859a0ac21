//! The stable-Rust side of fuzzing: every committed corpus file through its target, then a
//! bounded, seeded mutation run per target (the CI smoke run); `seeds` rewrites the generated
//! part of the corpora (`cargo test -p cloister-fuzzing --test it -- --ignored write_seeds`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // helpers outside #[test] fns

mod mutate;
mod regressions;
mod seeds;
mod smoke;
