//! Integration tests of a whole node over real HTTP.

#![allow(clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

mod cluster_nodes;
mod common;
mod confidential_matrix;
mod contract_rule;
mod derived_values;
mod evm_bounds;
mod governance;
mod multi_address;
mod observability;
mod tls_mtls;
