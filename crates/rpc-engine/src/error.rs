//! Errors of the engine and testing methods, with the engine API's own codes (-38xxx) and
//! geth's -32000 for a block that cannot be built.

use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};

/// Errors of `engine_` and `testing_` methods.
#[derive(Debug, thiserror::Error)]
pub enum EngineRpcError {
    /// A forkchoice names a safe or finalized block that is not on the canonical chain.
    #[error("Invalid forkchoice state: {0}")]
    InvalidForkchoiceState(String),
    /// Payload attributes that do not fit the head.
    #[error("Invalid payload attributes: {0}")]
    InvalidPayloadAttributes(String),
    /// Attributes of a fork this method version does not serve.
    #[error("Unsupported fork")]
    UnsupportedFork,
    /// Malformed parameters.
    #[error("{0}")]
    InvalidParams(String),
    /// The block cannot be built (an invalid transaction, an unknown parent), geth's -32000.
    #[error("{0}")]
    Build(String),
    /// The node failed.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Engine API: the forkchoice state is inconsistent.
const INVALID_FORKCHOICE_STATE: i32 = -38002;
/// Engine API: the payload attributes are invalid.
const INVALID_PAYLOAD_ATTRIBUTES: i32 = -38003;
/// Engine API: a method version used with attributes of another fork.
const UNSUPPORTED_FORK: i32 = -38005;
/// geth's generic server error.
const SERVER_ERROR: i32 = -32000;

impl EngineRpcError {
    /// An internal failure.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        Self::Internal(err.to_string())
    }
}

impl From<cloister_storage::StorageError> for EngineRpcError {
    fn from(err: cloister_storage::StorageError) -> Self {
        Self::internal(err)
    }
}

impl From<EngineRpcError> for ErrorObjectOwned {
    fn from(err: EngineRpcError) -> Self {
        let code = match &err {
            EngineRpcError::InvalidForkchoiceState(_) => INVALID_FORKCHOICE_STATE,
            EngineRpcError::InvalidPayloadAttributes(_) => INVALID_PAYLOAD_ATTRIBUTES,
            EngineRpcError::UnsupportedFork => UNSUPPORTED_FORK,
            EngineRpcError::InvalidParams(_) => jsonrpsee::types::error::INVALID_PARAMS_CODE,
            EngineRpcError::Build(_) => SERVER_ERROR,
            EngineRpcError::Internal(_) => jsonrpsee::types::error::INTERNAL_ERROR_CODE,
        };
        ErrorObject::owned(code, err.to_string(), None::<()>)
    }
}
