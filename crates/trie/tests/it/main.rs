//! Integration tests of cloister-trie against independent references: alloy-trie's
//! `HashBuilder` over the full leaf set, Ethereum's secure-trie vectors, the state roots of
//! ethereum/tests blockchain fixtures, and alloy-trie's proof verifier.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod blockchain;
mod common;
mod proofs;
mod random;
mod throughput;
mod vectors;
