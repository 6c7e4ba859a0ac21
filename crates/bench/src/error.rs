//! The one error type of the bench: transport, node answers, signing, and the bench's own
//! verdicts (rejected, reverted, timed out).

use std::time::Duration;

use alloy_primitives::{Address, U256};

/// Everything that can stop a bench run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The configuration cannot produce a run.
    #[error("invalid bench configuration: {0}")]
    InvalidConfig(&'static str),
    /// The funder key is not a valid secp256k1 secret key.
    #[error("funder key is not a valid secp256k1 secret key")]
    InvalidFunderKey,
    /// The HTTP request failed (connection, timeout, non-JSON body).
    #[error("http request for {method} failed: {source}")]
    Http {
        /// First JSON-RPC method of the request.
        method: &'static str,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The node answered with a JSON-RPC error object.
    #[error("{method} returned error {code}: {message}")]
    Rpc {
        /// The JSON-RPC method.
        method: &'static str,
        /// JSON-RPC error code.
        code: i64,
        /// JSON-RPC error message, as the node wrote it.
        message: String,
    },
    /// The node's answer did not have the expected shape.
    #[error("malformed answer to {method}: {detail}")]
    Malformed {
        /// The JSON-RPC method.
        method: &'static str,
        /// What was wrong.
        detail: &'static str,
    },
    /// The node's `result` could not be decoded into the expected type.
    #[error("cannot decode result of {method}: {source}")]
    Decode {
        /// The JSON-RPC method.
        method: &'static str,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
    /// The funder cannot pay for the setup and the load.
    #[error("funder holds {available} wei but the run needs up to {needed} wei")]
    Underfunded {
        /// Worst-case cost of the run.
        needed: U256,
        /// The funder's balance.
        available: U256,
    },
    /// The token did not credit what it was sent: it is not a working ERC-20.
    #[error("token balance of {owner} is {found}, expected {expected}")]
    TokenBalance {
        /// Whose balance was read.
        owner: Address,
        /// What it should be.
        expected: U256,
        /// What `balanceOf` returned.
        found: U256,
    },
    /// Signing a transaction failed.
    #[error("signing failed: {0}")]
    Signing(#[from] alloy_signer::Error),
    /// The node refused some measured transactions at submission.
    #[error("node rejected {count} transaction(s); first: {first}")]
    Rejected {
        /// How many submissions failed.
        count: usize,
        /// The first rejection, as the node phrased it.
        first: String,
    },
    /// Some transactions were mined but did not succeed.
    #[error("{phase}: {count} transaction(s) mined with status 0")]
    Reverted {
        /// Which phase sent them.
        phase: &'static str,
        /// How many receipts had status 0.
        count: usize,
    },
    /// Not everything was committed within the time allowed.
    #[error("{phase}: only {done} of {expected} done after {after:?}")]
    Timeout {
        /// Which phase was waiting.
        phase: &'static str,
        /// How many were done.
        done: usize,
        /// How many were expected.
        expected: usize,
        /// The time allowed.
        after: Duration,
    },
    /// A background task of the bench died.
    #[error("bench task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}
