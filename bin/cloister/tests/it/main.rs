//! Integration tests of the `cloister` binary as a black box: it is started as a child process
//! on a loopback port and driven only over HTTP JSON-RPC.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly on purpose

mod attest;
mod cluster;
mod crash;
mod gov;
mod marker;
mod node;
mod regressions;
mod restart;
mod rpc;
mod seal;
mod txs;
