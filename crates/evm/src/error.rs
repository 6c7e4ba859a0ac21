//! Execution errors: a block that is invalid, or a failure to read state.

use cloister_primitives::B256;

/// Why a block could not be executed.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionError {
    /// A transaction of an imported block is invalid (nonce, balance, gas, signature...).
    #[error("invalid transaction {hash}: {reason}")]
    InvalidTransaction {
        /// Hash of the offending transaction.
        hash: B256,
        /// What revm or alloy-evm refused.
        reason: String,
    },
    /// The block as a whole violates a rule (gas, system call, requests).
    #[error("invalid block: {0}")]
    InvalidBlock(String),
    /// State could not be read; not the block's fault.
    #[error("state access failed: {0}")]
    State(String),
}
