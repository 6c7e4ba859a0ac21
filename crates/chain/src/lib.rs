//! The chain: genesis, building a block from the pool, sealing it (a validator's signature over
//! the block hash, kept beside the block: see [`seal_block`]), and committing it in one
//! storage transaction. Building and committing are separate steps ([`Chain::build_block`],
//! [`Chain::commit_block`]) so that replication can sit between them. Committed blocks are
//! published on a broadcast channel for RPC subscriptions.

mod assemble;
mod chain;
mod consortium;
mod error;
mod genesis;
mod import;
mod producer;
mod seal;
mod state_root;

pub use assemble::finish_header;
pub use chain::{Chain, ChainHead, CommittedBlock, SealedBlock};
pub use error::ChainError;
pub use import::{BlockError, ImportError, OmmerError};
pub use producer::{
    BlockProducer, BlockSink, LocalCommit, PoolSource, ProducerConfig, SealMode, SnapshotAccounts,
};
pub use seal::{SEAL_LEN, SealError, seal_block, seal_from_bytes, seal_signer, verify_seal};
pub use state_root::{AccountChange, StateChanges};
