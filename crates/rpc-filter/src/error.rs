//! Errors of the log, filter and subscription methods, each mapped to the code and message geth
//! gives (eth/filters/api.go): range problems are invalid params (-32602), the rest -32000.

use cloister_rpc::RpcError;
use jsonrpsee::types::{
    ErrorObject, ErrorObjectOwned,
    error::{INVALID_PARAMS_CODE, METHOD_NOT_FOUND_CODE},
};

/// geth's code for errors that are not about the shape of the request.
const SERVER_ERROR: i32 = -32000;

/// What went wrong in a filter method.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// A parameter did not decode (geth prefixes the position of the argument).
    #[error("invalid argument {index}: {reason}")]
    InvalidArgument {
        /// Position of the argument in `params`.
        index: usize,
        /// Why it was refused.
        reason: String,
    },
    /// More parameters than the method takes.
    #[error("too many arguments, want at most {0}")]
    TooManyArguments(usize),
    /// `fromBlock` is after `toBlock`.
    #[error("invalid block range params")]
    InvalidBlockRange,
    /// `toBlock` is after the head.
    #[error("block range extends beyond current head block")]
    BlockRangeIntoFuture,
    /// The pending block has no logs to offer.
    #[error("pending logs are not supported")]
    PendingLogsUnsupported,
    /// The range spans more blocks than configured.
    #[error("exceed maximum block range {0}")]
    ExceedMaxBlockRange(u64),
    /// More logs matched than one answer may hold.
    #[error("query returned more than {0} results")]
    TooManyResults(usize),
    /// Too many addresses, or topics in one position.
    #[error("exceed max addresses or topics per search position")]
    ExceedCriteriaLimit,
    /// `blockHash` names no block.
    #[error("unknown block")]
    UnknownBlock,
    /// No installed filter has this id (never installed, uninstalled or expired).
    #[error("filter not found")]
    FilterNotFound,
    /// `eth_subscribe` to a kind of event that does not exist.
    #[error("no {0:?} subscription in eth namespace")]
    UnknownSubscription(String),
    /// Reading the chain failed.
    #[error(transparent)]
    Storage(#[from] cloister_storage::StorageError),
    /// The blocking task that read the chain did not finish.
    #[error("log query task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Deciding what the caller may see failed (a storage read under the policy).
    #[error(transparent)]
    Policy(#[from] RpcError),
}

impl FilterError {
    /// An argument that did not decode.
    pub(crate) fn argument(index: usize, reason: impl std::fmt::Display) -> Self {
        Self::InvalidArgument {
            index,
            reason: reason.to_string(),
        }
    }
}

impl From<FilterError> for ErrorObjectOwned {
    fn from(err: FilterError) -> Self {
        let err = match err {
            FilterError::Policy(err) => return err.into(),
            other => other,
        };
        if matches!(err, FilterError::Storage(_) | FilterError::Task(_)) {
            return RpcError::internal(err).into();
        }
        let code = match &err {
            FilterError::InvalidArgument { .. }
            | FilterError::TooManyArguments(_)
            | FilterError::InvalidBlockRange
            | FilterError::BlockRangeIntoFuture
            | FilterError::PendingLogsUnsupported
            | FilterError::ExceedMaxBlockRange(_) => INVALID_PARAMS_CODE,
            FilterError::UnknownSubscription(_) => METHOD_NOT_FOUND_CODE,
            FilterError::Storage(_)
            | FilterError::Task(_)
            | FilterError::Policy(_)
            | FilterError::TooManyResults(_)
            | FilterError::ExceedCriteriaLimit
            | FilterError::UnknownBlock
            | FilterError::FilterNotFound => SERVER_ERROR,
        };
        ErrorObject::owned(code, err.to_string(), None::<()>)
    }
}

/// Result of a filter method.
pub type FilterResult<T> = Result<T, FilterError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn object(err: FilterError) -> serde_json::Value {
        serde_json::to_value(ErrorObjectOwned::from(err)).unwrap()
    }

    #[test]
    fn codes_and_messages_match_geth() {
        assert_eq!(
            object(FilterError::InvalidBlockRange),
            serde_json::json!({"code": -32602, "message": "invalid block range params"})
        );
        assert_eq!(
            object(FilterError::FilterNotFound),
            serde_json::json!({"code": -32000, "message": "filter not found"})
        );
        assert_eq!(
            object(FilterError::UnknownSubscription("foo".into())),
            serde_json::json!({"code": -32601, "message": "no \"foo\" subscription in eth namespace"})
        );
        assert_eq!(
            object(FilterError::argument(0, "bad")),
            serde_json::json!({"code": -32602, "message": "invalid argument 0: bad"})
        );
    }
}
