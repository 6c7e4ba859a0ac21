//! Why a block was refused: [`ImportError`] names the block, [`BlockError`] gives the rule.

use crate::ChainError;
use cloister_evm::ExecutionError;
use cloister_primitives::{B256, RecoveryError, U256};

/// Why [`crate::Chain::import_block`] did not import a block. The chain is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The block's parent is not the head: side chains and reorgs are not supported.
    #[error(
        "block {number} ({hash}): parent {parent} is not the head {head_number} ({head_hash}); side chains and reorgs are not supported"
    )]
    NotOnHead {
        /// Block number.
        number: u64,
        /// Block hash.
        hash: B256,
        /// Its parent hash.
        parent: B256,
        /// Current head number.
        head_number: u64,
        /// Current head hash.
        head_hash: B256,
    },
    /// The block breaks a consensus rule.
    #[error("block {number} ({hash}) is invalid: {reason}")]
    Invalid {
        /// Block number.
        number: u64,
        /// Block hash.
        hash: B256,
        /// The rule it breaks.
        reason: Box<BlockError>,
    },
    /// Storage or trie failure while importing: not the block's fault.
    #[error("block {number} ({hash}): {source}")]
    Chain {
        /// Block number.
        number: u64,
        /// Block hash.
        hash: B256,
        /// What failed.
        #[source]
        source: Box<ChainError>,
    },
}

impl ImportError {
    /// The rule the block breaks, when it is invalid.
    pub fn reason(&self) -> Option<&BlockError> {
        match self {
            Self::Invalid { reason, .. } => Some(reason.as_ref()),
            _ => None,
        }
    }
}

/// A consensus rule a block breaks.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// The number is not the parent's plus one.
    #[error("number {number} does not follow parent {parent}")]
    Number {
        /// Header number.
        number: u64,
        /// Parent number.
        parent: u64,
    },
    /// Extra data longer than 32 bytes.
    #[error("extra data is {len} bytes, longer than allowed")]
    ExtraDataTooLong {
        /// Its length.
        len: usize,
    },
    /// The DAO fork blocks must carry "dao-hard-fork" as extra data.
    #[error("DAO fork block must have extra data \"dao-hard-fork\"")]
    DaoExtraData,
    /// Timestamp not after the parent's (before it, on a Cloister chain).
    #[error("timestamp {timestamp} is too early for parent's {parent}")]
    Timestamp {
        /// Header timestamp.
        timestamp: u64,
        /// Parent timestamp.
        parent: u64,
    },
    /// Gas limit outside the bounds the parent allows.
    #[error("gas limit {gas_limit} is out of bounds for parent gas limit {parent}")]
    GasLimit {
        /// Header gas limit.
        gas_limit: u64,
        /// Parent gas limit (doubled at the London transition).
        parent: u64,
    },
    /// More gas used than the limit.
    #[error("gas used {gas_used} exceeds gas limit {gas_limit}")]
    GasUsedAboveLimit {
        /// Header gas used.
        gas_used: u64,
        /// Header gas limit.
        gas_limit: u64,
    },
    /// Wrong EIP-1559 base fee (or one present before London / missing after).
    #[error("base fee {header:?}, expected {expected:?}")]
    BaseFee {
        /// In the header.
        header: Option<u64>,
        /// By the rules.
        expected: Option<u64>,
    },
    /// Wrong difficulty.
    #[error("difficulty {header}, expected {expected}")]
    Difficulty {
        /// In the header.
        header: U256,
        /// By the rules of the fork.
        expected: U256,
    },
    /// A post-merge block has a non-zero nonce.
    #[error("post-merge block has non-zero nonce")]
    PostMergeNonce,
    /// A post-merge block has ommers.
    #[error("post-merge block has ommers")]
    PostMergeOmmers,
    /// A header field that must be present at this fork is missing, or the reverse.
    #[error("header field {field} must be {} at this fork", if *.present { "absent" } else { "present" })]
    FieldPresence {
        /// The field.
        field: &'static str,
        /// Whether it is present.
        present: bool,
    },
    /// Wrong EIP-4844 excess blob gas.
    #[error("excess blob gas {header}, expected {expected}")]
    ExcessBlobGas {
        /// In the header.
        header: u64,
        /// By the rules.
        expected: u64,
    },
    /// Blob gas used above the block maximum or not a multiple of a blob's gas.
    #[error("blob gas used {used} is invalid (maximum {max}, multiple of 131072)")]
    BlobGasUsed {
        /// In the header.
        used: u64,
        /// Block maximum at this fork.
        max: u64,
    },
    /// A blob transaction in a block carries its sidecar (network form).
    #[error("transaction {index} is a blob transaction with its sidecar")]
    BlobSidecarInBlock {
        /// Position in the block.
        index: usize,
    },
    /// The encoded block is above EIP-7934's limit.
    #[error("block is {size} bytes of RLP, above the limit {limit}")]
    BlockTooLarge {
        /// RLP size.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// A root or hash of the header differs from the one computed from the block.
    #[error("{what} mismatch: header {header}, computed {computed}")]
    Root {
        /// Which root.
        what: &'static str,
        /// In the header.
        header: B256,
        /// Computed.
        computed: B256,
    },
    /// Gas, blob gas or bloom differ from the execution's.
    #[error("{what} mismatch: header {header}, computed {computed}")]
    Mismatch {
        /// Which field.
        what: &'static str,
        /// In the header.
        header: String,
        /// Computed.
        computed: String,
    },
    /// Withdrawals in the body disagree with the fork.
    #[error("withdrawals must be {} at this fork", if *.present { "absent" } else { "present" })]
    Withdrawals {
        /// Whether the body has them.
        present: bool,
    },
    /// An uncle breaks a rule.
    #[error("uncle {index}: {reason}")]
    Ommer {
        /// Position in the block.
        index: usize,
        /// The rule.
        reason: OmmerError,
    },
    /// A transaction signature does not recover.
    #[error("transaction {index}: {source}")]
    Sender {
        /// Position in the block.
        index: usize,
        /// Why.
        #[source]
        source: RecoveryError,
    },
    /// Execution refused a transaction or the block.
    #[error(transparent)]
    Execution(ExecutionError),
    /// A Cloister chain's block without a valid validator seal.
    #[error("seal: {0}")]
    Seal(crate::SealError),
}

/// An uncle rule an ommer breaks.
#[derive(Debug, thiserror::Error)]
pub enum OmmerError {
    /// More than two uncles.
    #[error("too many uncles: {count}")]
    TooMany {
        /// How many.
        count: usize,
    },
    /// Included twice, or already included by an ancestor.
    #[error("uncle {0} is a duplicate")]
    Duplicate(B256),
    /// The uncle is an ancestor of the block.
    #[error("uncle {0} is an ancestor")]
    IsAncestor(B256),
    /// The uncle's parent is not one of the last seven ancestors (or is the block's parent).
    #[error("uncle {0} has no eligible parent")]
    Dangling(B256),
    /// The uncle's own header is invalid.
    #[error("uncle header invalid: {0}")]
    Header(Box<BlockError>),
}
