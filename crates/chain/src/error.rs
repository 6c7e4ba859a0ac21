//! Chain errors.

use cloister_primitives::B256;

/// Why a chain operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The storage layer failed.
    #[error(transparent)]
    Storage(#[from] cloister_storage::StorageError),
    /// The trie could not be updated.
    #[error("trie: {0}")]
    Trie(String),
    /// Execution failed or the block is invalid.
    #[error(transparent)]
    Execution(#[from] cloister_evm::ExecutionError),
    /// The datadir belongs to another chain.
    #[error("datadir was initialised with genesis {stored}, but the chain spec gives {expected}")]
    GenesisMismatch {
        /// Genesis hash in the datadir.
        stored: B256,
        /// Genesis hash of the chain spec in use.
        expected: B256,
    },
    /// Same genesis block, different config (chain id, forks or `cloister` section).
    #[error(
        "datadir was initialised with a different genesis config (chain id, forks or cloister section); use a new datadir"
    )]
    GenesisConfigMismatch,
    /// The datadir holds no chain.
    #[error("datadir is not initialised: run `cloister init` or start with --dev")]
    NotInitialised,
    /// Our own state root of the genesis alloc disagrees with the chain spec's.
    #[error("genesis state root {computed} differs from the chain spec's {expected}")]
    GenesisRoot {
        /// Root from our incremental trie.
        computed: B256,
        /// Root computed by the chain spec from the alloc.
        expected: B256,
    },
    /// A block does not follow the head.
    #[error("block {number} does not extend the head {head}")]
    NotOnHead {
        /// Number of the block.
        number: u64,
        /// Current head number.
        head: u64,
    },
    /// A root, bloom or gas figure does not match the header.
    #[error("block {number}: {what} mismatch: header {header}, computed {computed}")]
    Mismatch {
        /// Block number.
        number: u64,
        /// Which field.
        what: &'static str,
        /// Value in the header.
        header: String,
        /// Value computed here.
        computed: String,
    },
    /// Consensus did not commit the block (this node lost leadership, no quorum, shutdown).
    #[error("consensus did not commit the block: {0}")]
    NotCommitted(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The block seal could not be made, or does not hold.
    #[error(transparent)]
    Seal(#[from] crate::seal::SealError),
    /// The governance contract's configuration could not be read.
    #[error("governance: {0}")]
    Governance(String),
}
