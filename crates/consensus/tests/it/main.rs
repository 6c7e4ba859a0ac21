//! Integration tests of the consensus crate: openraft's own storage conformance suite against
//! Cloister's log store and chain state machine, and block entries round trips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly on purpose

mod cluster;
mod router;
mod suite;
mod transport_auth;
mod transport_cluster;
mod transport_support;
