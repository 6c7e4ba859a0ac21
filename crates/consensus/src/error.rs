//! Consensus errors, and their mapping onto openraft's storage errors.

use openraft::{AnyError, StorageError, StorageIOError};

/// Why a consensus operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsensusError {
    /// The chain's or the log's storage failed.
    #[error(transparent)]
    Storage(#[from] cloister_storage::StorageError),
    /// The chain refused to build, commit or import.
    #[error(transparent)]
    Chain(#[from] cloister_chain::ChainError),
    /// A committed block failed this node's checks: its state would diverge, so it stops.
    #[error("committed block {number} does not apply here: {source}")]
    Diverged {
        /// The block's number.
        number: u64,
        /// Why.
        #[source]
        source: Box<cloister_chain::ImportError>,
    },
    /// An entry, a snapshot or stored metadata does not decode.
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// What was being decoded.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A snapshot names blocks that differ from this node's at the same height.
    #[error("snapshot block {number} is {theirs}, this node holds {ours}")]
    SnapshotMismatch {
        /// Height.
        number: u64,
        /// Hash in the snapshot.
        theirs: cloister_primitives::B256,
        /// Hash here.
        ours: cloister_primitives::B256,
    },
    /// A blocking task was cancelled or panicked.
    #[error("background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl ConsensusError {
    pub(crate) fn decode(what: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Decode {
            what,
            reason: reason.to_string(),
        }
    }
}

/// A storage error for openraft, from one of ours, read side.
pub(crate) fn read_err(err: impl std::error::Error + 'static) -> StorageError<u64> {
    StorageIOError::read(AnyError::new(&err)).into()
}

/// A storage error for openraft, from one of ours, write side.
pub(crate) fn write_err(err: impl std::error::Error + 'static) -> StorageError<u64> {
    StorageIOError::write(AnyError::new(&err)).into()
}

/// A state machine error for openraft.
pub(crate) fn apply_err(err: impl std::error::Error + 'static) -> StorageError<u64> {
    StorageIOError::write_state_machine(AnyError::new(&err)).into()
}
