//! Execution: revm configured per block from the chain spec (through alloy-evm, which already
//! knows every fork's system calls, requests and receipts), reading state from a storage
//! snapshot. Two entry points: [`execute_block`] replays a given block (import; any invalid
//! transaction makes the block invalid) and [`build_block`] fills a new block from candidates
//! (production; invalid candidates are skipped and reported).

mod error;
mod executor;
mod state_db;

pub use error::ExecutionError;
pub use executor::{
    BlockInput, ExecutedBlock, IntermediateRoot, SkippedTx, TransactOutcome, TxSource, build_block,
    evm_env, execute_block, execute_block_pre_byzantium, transact,
};
pub use state_db::{StateDb, StateDbError};

pub use alloy_evm::{Evm, EvmEnv, EvmFactory, eth::EthEvmFactory};
pub use revm::database::{BundleAccount, BundleState, State};
