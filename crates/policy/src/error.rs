//! Why a policy document was refused.

use cloister_primitives::Address;

/// A policy document that cannot be enforced.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The JSON does not match the schema.
    #[error("policy document: {0}")]
    Json(#[from] serde_json::Error),
    /// A version this node does not understand.
    #[error("policy version {0} is not supported (this node knows version 1)")]
    Version(u64),
    /// A certificate fingerprint that is not 32 bytes of hex.
    #[error("certificate fingerprint {0:?} is not a SHA-256 hex digest")]
    Fingerprint(String),
    /// A contract rule with no gas to run.
    #[error("contract rule for {0} has a zero gas cap")]
    ZeroGasCap(Address),
}
