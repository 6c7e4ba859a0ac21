//! eth_simulateV1's errors and geth's codes for them (-38010 … -38026 for simulation-specific
//! failures, -32000 for plain errors such as bad overrides, -32603 for the rest).

use crate::{limits::EvmLimitError, overrides::OverrideError};
use cloister_rpc::RpcError;
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};
use revm::context::result::InvalidTransaction;

/// geth's code for an error with no more specific one.
const PLAIN_ERROR: i32 = -32000;
const INVALID_PARAMS: i32 = -32602;
const INTERNAL: i32 = -32603;
const NONCE_TOO_LOW: i32 = -38010;
const NONCE_TOO_HIGH: i32 = -38011;
const BASE_FEE_TOO_LOW: i32 = -38012;
const INTRINSIC_GAS: i32 = -38013;
const INSUFFICIENT_FUNDS: i32 = -38014;
const BLOCK_GAS_LIMIT_REACHED: i32 = -38015;
const BLOCK_NUMBER_INVALID: i32 = -38020;
const BLOCK_TIMESTAMP_INVALID: i32 = -38021;
const SENDER_NOT_EOA: i32 = -38024;
const INIT_CODE_TOO_LARGE: i32 = -38025;
const CLIENT_LIMIT_EXCEEDED: i32 = -38026;

/// Why a simulation failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// An error shared with the other methods (unknown block, internal failure...).
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// No blocks to simulate.
    #[error("empty input")]
    EmptyInput,
    /// Too many blocks or calls.
    #[error("{0}")]
    TooMany(String),
    /// Block numbers do not increase.
    #[error("block numbers must be in order: {number} <= {previous}")]
    BlockNumberOrder {
        /// The block's number.
        number: u64,
        /// The number before it.
        previous: u64,
    },
    /// Block timestamps do not increase.
    #[error("block timestamps must be in order: {time} <= {previous}")]
    TimestampOrder {
        /// The block's timestamp.
        time: u64,
        /// The timestamp before it.
        previous: u64,
    },
    /// A call asks for more gas than the block has left.
    #[error("block gas limit reached: remaining: {remaining}, required: {required}")]
    BlockGasLimitReached {
        /// Gas the block has left.
        remaining: u64,
        /// Gas the call asks for.
        required: u64,
    },
    /// A call the EVM refused to run (code chosen from revm's reason as geth does).
    #[error("{message}")]
    InvalidTransaction {
        /// geth's code for this kind of refusal.
        code: i32,
        /// geth's message.
        message: String,
    },
    /// A request that cannot be made into a transaction.
    #[error("{0}")]
    BadCall(String),
    /// State overrides that cannot apply.
    #[error(transparent)]
    Override(#[from] OverrideError),
    /// The simulation used up the RPC gas cap.
    #[error("RPC gas cap exhausted: need {need}, remaining {remaining}")]
    GasCapExhausted {
        /// Gas the call used.
        need: u64,
        /// Gas left in the budget.
        remaining: u64,
    },
    /// The node failed.
    #[error("{0}")]
    Internal(String),
    /// The simulation ran out of time or found no turn.
    #[error(transparent)]
    Limit(#[from] EvmLimitError),
}

impl SimulateError {
    /// A refused transaction, with geth's code for `reason`.
    pub fn invalid_transaction(reason: &InvalidTransaction, message: String) -> Self {
        let code = match reason {
            InvalidTransaction::NonceTooLow { .. } => NONCE_TOO_LOW,
            InvalidTransaction::NonceTooHigh { .. } => NONCE_TOO_HIGH,
            InvalidTransaction::GasPriceLessThanBasefee => BASE_FEE_TOO_LOW,
            InvalidTransaction::CallGasCostMoreThanGasLimit { .. }
            | InvalidTransaction::GasFloorMoreThanGasLimit { .. } => INTRINSIC_GAS,
            InvalidTransaction::LackOfFundForMaxFee { .. }
            | InvalidTransaction::OverflowPaymentInTransaction => INSUFFICIENT_FUNDS,
            InvalidTransaction::RejectCallerWithCode => SENDER_NOT_EOA,
            InvalidTransaction::CreateInitCodeSizeLimit => INIT_CODE_TOO_LARGE,
            InvalidTransaction::PriorityFeeGreaterThanMaxFee => INVALID_PARAMS,
            _ => INTERNAL,
        };
        Self::InvalidTransaction { code, message }
    }

    fn code(&self) -> i32 {
        match self {
            Self::Rpc(_) => PLAIN_ERROR,
            Self::EmptyInput => INVALID_PARAMS,
            Self::TooMany(_) => CLIENT_LIMIT_EXCEEDED,
            Self::BlockNumberOrder { .. } => BLOCK_NUMBER_INVALID,
            Self::TimestampOrder { .. } => BLOCK_TIMESTAMP_INVALID,
            Self::BlockGasLimitReached { .. } => BLOCK_GAS_LIMIT_REACHED,
            Self::InvalidTransaction { code, .. } => *code,
            Self::BadCall(_) | Self::Override(_) | Self::GasCapExhausted { .. } => PLAIN_ERROR,
            Self::Internal(_) => INTERNAL,
            Self::Limit(_) => PLAIN_ERROR,
        }
    }
}

impl From<SimulateError> for ErrorObjectOwned {
    fn from(err: SimulateError) -> Self {
        match err {
            SimulateError::Rpc(rpc) => rpc.into(),
            SimulateError::Limit(limit) => limit.into(),
            other => ErrorObject::owned(other.code(), other.to_string(), None::<()>),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_geths() {
        let err: ErrorObjectOwned = SimulateError::TimestampOrder {
            time: 1,
            previous: 2,
        }
        .into();
        assert_eq!(err.code(), -38021);
        assert!(err.data().is_none());
        let err: ErrorObjectOwned = SimulateError::invalid_transaction(
            &InvalidTransaction::NonceTooLow { tx: 0, state: 1 },
            "nonce too low".into(),
        )
        .into();
        assert_eq!(err.code(), -38010);
        let err: ErrorObjectOwned = SimulateError::EmptyInput.into();
        assert_eq!(err.code(), -32602);
    }
}
