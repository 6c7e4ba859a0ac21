//! Every RPC error, and the one place where each becomes a JSON-RPC error object with geth's
//! code and message.

use cloister_primitives::Bytes;
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned, error::INVALID_PARAMS_CODE};

/// geth's code for a failed transaction submission or execution.
const SERVER_ERROR: i32 = -32000;
/// geth's code for a reverted call, with the revert bytes as `data`.
const EXECUTION_REVERTED: i32 = 3;

/// Errors of RPC methods.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// Parameters that parse but make no sense.
    #[error("{0}")]
    InvalidParams(String),
    /// The transaction was refused by the pool or is undecodable (geth's message).
    #[error("{0}")]
    Rejected(String),
    /// A call reverted.
    #[error("execution reverted{}", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Reverted {
        /// Decoded `Error(string)` reason, if any.
        reason: Option<String>,
        /// Raw revert data.
        data: Bytes,
    },
    /// A call halted (out of gas, invalid opcode...).
    #[error("{0}")]
    Halted(String),
    /// The requested block is not known.
    #[error("header not found")]
    HeaderNotFound,
    /// A proof of an old block was asked for: Merkle tries are kept for the latest block only.
    #[error("historical state not available: proofs are served for the latest block only")]
    HistoricalState,
    /// `from` is not an account this node can sign for.
    #[error("unknown account")]
    UnknownAccount,
    /// A call named a `from` that is not the caller's own address.
    #[error("from must be the caller's own address")]
    NotCaller,
    /// Anything that is the node's fault, not the caller's.
    #[error("internal error: {0}")]
    Internal(String),
}

impl RpcError {
    /// An internal failure; the message is for logs, the caller sees only the category.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        Self::Internal(err.to_string())
    }
}

impl From<cloister_storage::StorageError> for RpcError {
    fn from(err: cloister_storage::StorageError) -> Self {
        Self::internal(err)
    }
}

impl From<RpcError> for ErrorObjectOwned {
    fn from(err: RpcError) -> Self {
        let message = err.to_string();
        match err {
            RpcError::InvalidParams(_) => {
                ErrorObject::owned(INVALID_PARAMS_CODE, message, None::<()>)
            }
            RpcError::Reverted { data, .. } => {
                ErrorObject::owned(EXECUTION_REVERTED, message, Some(data))
            }
            RpcError::Internal(_) => {
                tracing::warn!(target: "cloister::rpc", %message, "internal error");
                ErrorObject::owned(
                    jsonrpsee::types::error::INTERNAL_ERROR_CODE,
                    message,
                    None::<()>,
                )
            }
            _ => ErrorObject::owned(SERVER_ERROR, message, None::<()>),
        }
    }
}

/// Result of an RPC method.
pub type RpcResult<T> = Result<T, RpcError>;
