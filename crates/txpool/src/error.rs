//! Why the pool refuses a transaction. The `Display` text of every variant starts with geth's
//! exact message (core/error.go, core/txpool/errors.go, legacypool), because wallets and
//! JSON-RPC libraries match on it; the detail after the colon follows geth's wording too.

use cloister_primitives::{Address, U256};

/// The chain state could not be read while checking a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to read account state: {0}")]
pub struct StateReadError(pub String);

/// A transaction the pool refuses to hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The same transaction hash is already in the pool.
    #[error("already known")]
    AlreadyKnown,
    /// The nonce was already used at the current head.
    #[error("nonce too low: next nonce {next}, tx nonce {tx}")]
    NonceTooLow {
        /// The sender's nonce at the head.
        next: u64,
        /// The transaction's nonce.
        tx: u64,
    },
    /// EIP-2681: the nonce cannot be incremented past `u64::MAX`.
    #[error("nonce has max value")]
    NonceMax,
    /// The balance does not cover this transaction alone.
    #[error(
        "insufficient funds for gas * price + value: balance {balance}, tx cost {cost}, overshot {}",
        cost.saturating_sub(*balance)
    )]
    InsufficientFunds {
        /// The sender's balance at the head.
        balance: U256,
        /// `gas_limit * max_fee + value (+ blob gas)` of the transaction.
        cost: U256,
    },
    /// The balance covers the transaction but not together with the sender's pooled ones.
    #[error(
        "insufficient funds for gas * price + value: balance {balance}, queued cost {queued_cost}, tx cost {cost}, overshot {}",
        queued_cost.saturating_add(*cost).saturating_sub(*balance)
    )]
    InsufficientFundsWithQueued {
        /// The sender's balance at the head.
        balance: U256,
        /// The summed cost of the sender's pooled transactions.
        queued_cost: U256,
        /// The cost of the new transaction.
        cost: U256,
    },
    /// The gas limit does not cover the intrinsic cost.
    #[error("intrinsic gas too low: gas {gas}, minimum needed {minimum}")]
    IntrinsicGasTooLow {
        /// The transaction's gas limit.
        gas: u64,
        /// The intrinsic gas it needs.
        minimum: u64,
    },
    /// EIP-7623: the gas limit does not cover the calldata floor.
    #[error("insufficient gas for floor data gas cost: gas {gas}, minimum needed {minimum}")]
    FloorDataGas {
        /// The transaction's gas limit.
        gas: u64,
        /// The floor it needs.
        minimum: u64,
    },
    /// The fee cap is below the next block's base fee.
    #[error(
        "max fee per gas less than block base fee: address {sender}, maxFeePerGas: {max_fee}, baseFee: {base_fee}"
    )]
    FeeCapBelowBaseFee {
        /// The transaction's sender.
        sender: Address,
        /// The transaction's fee cap.
        max_fee: u128,
        /// The next block's base fee.
        base_fee: u64,
    },
    /// The tip is larger than the fee cap.
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
    /// The transaction is signed for another chain.
    #[error("invalid sender: invalid chain id for signer: have {have} want {want}")]
    InvalidChainId {
        /// The chain id the transaction carries.
        have: u64,
        /// This chain's id.
        want: u64,
    },
    /// A legacy transaction without EIP-155 replay protection.
    #[error("only replay-protected (EIP-155) transactions allowed over RPC")]
    UnprotectedTransaction,
    /// The encoded transaction is larger than the pool accepts.
    #[error("oversized data: transaction size {size}, limit {limit}")]
    OversizedData {
        /// The encoded (EIP-2718) size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// EIP-3860: contract creation code larger than the fork allows.
    #[error("max initcode size exceeded: code size {size} limit {limit}")]
    MaxInitCodeSizeExceeded {
        /// The initcode length.
        size: usize,
        /// The fork's limit.
        limit: usize,
    },
    /// A transaction already pooled with this nonce pays more than the new one may replace.
    #[error("replacement transaction underpriced")]
    ReplacementUnderpriced,
    /// The pool holds `max_total` transactions and none cheaper can be evicted.
    #[error("txpool is full")]
    PoolFull,
    /// The gas limit is above the block gas limit.
    #[error("exceeds block gas limit")]
    ExceedsBlockGasLimit,
    /// EIP-7825 (Osaka): the gas limit is above the per-transaction cap.
    #[error("transaction gas limit too high (cap: {cap}, tx: {gas})")]
    GasLimitTooHigh {
        /// The protocol cap.
        cap: u64,
        /// The transaction's gas limit.
        gas: u64,
    },
    /// The transaction's type is refused by this pool or not active at this fork.
    #[error("transaction type not supported: {0}")]
    TxTypeNotSupported(TxTypeRejection),
    /// An EIP-7702 transaction without authorizations.
    #[error("set code tx must have at least one authorization tuple")]
    EmptyAuthorizationList,
    /// The sender already holds `max_per_sender` pooled transactions.
    #[error("account limit exceeded: pooled {pooled} txs")]
    AccountLimitExceeded {
        /// How many transactions the sender has pooled.
        pooled: usize,
    },
    /// A blob transaction's sidecar is missing, malformed or fails its KZG proofs (geth's
    /// `validateBlobTx` message).
    #[error("{0}")]
    Blob(String),
    /// The chain state could not be read.
    #[error(transparent)]
    StateRead(#[from] StateReadError),
}

impl PoolError {
    /// The message for a caller who may not see the sender's account: geth's text up to the
    /// colon (clients map "nonce too low" and "insufficient funds for gas * price + value" to
    /// their own errors), without the sender's nonce, balance, pooled cost or pooled count that
    /// the full message quotes. `None` when the full message quotes none of them.
    pub fn without_account_state(&self) -> Option<&'static str> {
        match self {
            Self::NonceTooLow { .. } => Some("nonce too low"),
            Self::InsufficientFunds { .. } | Self::InsufficientFundsWithQueued { .. } => {
                Some("insufficient funds for gas * price + value")
            }
            Self::AccountLimitExceeded { .. } => Some("account limit exceeded"),
            _ => None,
        }
    }
}

/// Why a transaction type is refused; the text follows geth's `ValidateTransaction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TxTypeRejection {
    /// The pool does not take this type at all (blob transactions on Cloister chains).
    #[error("tx type {0} not supported by this pool")]
    NotAccepted(u8),
    /// The fork that introduces this type is not active yet.
    #[error("type {ty} rejected, pool not yet in {fork}")]
    ForkNotActive {
        /// The EIP-2718 type byte.
        ty: u8,
        /// The fork that introduces it.
        fork: &'static str,
    },
}

/// A pool configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A limit that must be positive is zero.
    #[error("txpool config: `{0}` must be greater than zero")]
    Zero(&'static str),
    /// The per-sender limit is above the pool's total limit.
    #[error("txpool config: `max_per_sender` ({per_sender}) exceeds `max_total` ({total})")]
    SenderLimitAboveTotal {
        /// `max_per_sender`.
        per_sender: usize,
        /// `max_total`.
        total: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::PoolError;
    use cloister_primitives::{Address, U256};

    #[test]
    fn without_account_state_keeps_geths_prefix_only() {
        let cases = [
            PoolError::NonceTooLow { next: 5, tx: 3 },
            PoolError::InsufficientFunds {
                balance: U256::from(7),
                cost: U256::from(9),
            },
            PoolError::InsufficientFundsWithQueued {
                balance: U256::from(7),
                queued_cost: U256::from(4),
                cost: U256::from(5),
            },
            PoolError::AccountLimitExceeded { pooled: 16 },
        ];
        for err in cases {
            let full = err.to_string();
            let short = err.without_account_state().expect("quotes the account");
            assert!(full.starts_with(&format!("{short}:")), "{full} / {short}");
            assert!(!short.chars().any(|c| c.is_ascii_digit()), "{short}");
        }
        assert_eq!(
            PoolError::NonceTooLow { next: 5, tx: 3 }.without_account_state(),
            Some("nonce too low")
        );
        let plain = [
            PoolError::AlreadyKnown,
            PoolError::ReplacementUnderpriced,
            PoolError::FeeCapBelowBaseFee {
                sender: Address::ZERO,
                max_fee: 1,
                base_fee: 2,
            },
        ];
        for err in plain {
            assert_eq!(err.without_account_state(), None, "{err}");
        }
    }
}
