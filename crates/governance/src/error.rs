//! Why building the governance genesis account or reading the contract's state failed.

use cloister_primitives::Bytes;

/// A governance operation that failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GovernanceError {
    /// The embedded artifact cannot be decoded (a build problem: recompile the contract).
    #[error("governance artifact: {0}")]
    Artifact(String),
    /// The EVM could not run the call (a database or environment failure).
    #[error("governance EVM: {0}")]
    Evm(String),
    /// The contract reverted; `reason` is the decoded revert string when there is one.
    #[error("governance contract {call} reverted: {reason}")]
    Reverted {
        /// What was run (the constructor or a view's name).
        call: &'static str,
        /// The revert reason, or the raw revert data in hex.
        reason: String,
        /// The raw revert data.
        data: Bytes,
    },
    /// The contract halted (out of gas, invalid opcode, ...).
    #[error("governance contract {call} halted: {reason}")]
    Halted {
        /// What was run.
        call: &'static str,
        /// revm's halt reason.
        reason: String,
    },
    /// A view returned data that does not decode as its ABI says.
    #[error("governance contract {call} returned undecodable data: {reason}")]
    Decode {
        /// The view.
        call: &'static str,
        /// The decoder's complaint.
        reason: String,
    },
    /// The constructor deployed other code than the artifact's runtime code.
    #[error(
        "the governance constructor deployed code that differs from the artifact's runtime code"
    )]
    RuntimeMismatch,
    /// The initial configuration is refused before running anything.
    #[error("initial governance: {0}")]
    Invalid(String),
}
