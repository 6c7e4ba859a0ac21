//! Errors of the debug methods and their JSON-RPC form: geth's code -32000 and geth's messages
//! for what the caller asked wrongly or for what does not exist; everything shared with the
//! other namespaces goes through [`RpcError`]'s mapping.

use cloister_evm::StateDbError;
use cloister_primitives::B256;
use cloister_rpc::RpcError;
use cloister_rpc_call::EvmLimitError;
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};
use revm::database_interface::bal::EvmDatabaseError;

/// geth's code for a failed request that is not a parameter error.
const SERVER_ERROR: i32 = -32000;

/// Why a debug method failed.
#[derive(Debug, thiserror::Error)]
pub enum DebugError {
    /// No mined transaction has this hash.
    #[error("transaction not found")]
    TransactionNotFound,
    /// No canonical block has this number.
    #[error("block #{0} not found")]
    BlockNumberNotFound(u64),
    /// No canonical block has this hash.
    #[error("block {0} not found")]
    BlockHashNotFound(B256),
    /// The genesis block has no parent state to replay from.
    #[error("genesis is not traceable")]
    GenesisNotTraceable,
    /// A tracer name this node does not know (JavaScript tracers included).
    #[error("tracer not found: {0}")]
    UnknownTracer(String),
    /// `tracerConfig` does not fit the chosen tracer.
    #[error("invalid tracer config: {0}")]
    InvalidTracerConfig(String),
    /// The call request cannot become a transaction (fees, blob hashes...).
    #[error("{0}")]
    InvalidRequest(String),
    /// revm refused the transaction (nonce, balance, gas): geth reports it as is.
    #[error("{0}")]
    InvalidTransaction(String),
    /// A stored block does not replay (a bug or a corrupt store).
    #[error("replay of block {block} failed: {reason}")]
    Replay {
        /// The block.
        block: u64,
        /// What failed.
        reason: String,
    },
    /// State could not be read.
    #[error("state read failed: {0}")]
    State(#[from] EvmDatabaseError<StateDbError>),
    /// The shared RPC layer failed (block resolution, storage).
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The blocking task running the trace died.
    #[error("trace task failed: {0}")]
    Task(String),
    /// The trace ran out of time or found no turn (geth's "execution aborted (timeout = 5s)").
    #[error(transparent)]
    Limit(#[from] EvmLimitError),
}

impl From<cloister_storage::StorageError> for DebugError {
    fn from(err: cloister_storage::StorageError) -> Self {
        Self::Rpc(RpcError::from(err))
    }
}

impl From<DebugError> for ErrorObjectOwned {
    fn from(err: DebugError) -> Self {
        match err {
            DebugError::Rpc(inner) => inner.into(),
            DebugError::Limit(limit) => limit.into(),
            DebugError::State(_) | DebugError::Replay { .. } | DebugError::Task(_) => {
                RpcError::internal(err).into()
            }
            other => ErrorObject::owned(SERVER_ERROR, other.to_string(), None::<()>),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_errors_are_server_errors_without_data() {
        let obj = ErrorObjectOwned::from(DebugError::GenesisNotTraceable);
        assert_eq!(obj.code(), -32000);
        assert_eq!(obj.message(), "genesis is not traceable");
        assert!(obj.data().is_none());
        let obj = ErrorObjectOwned::from(DebugError::BlockHashNotFound(B256::with_last_byte(1)));
        assert_eq!(
            obj.message(),
            "block 0x0000000000000000000000000000000000000000000000000000000000000001 not found"
        );
    }

    #[test]
    fn internal_failures_use_the_internal_code() {
        let obj = ErrorObjectOwned::from(DebugError::Task("cancelled".into()));
        assert_eq!(obj.code(), jsonrpsee::types::error::INTERNAL_ERROR_CODE);
    }
}
