//! Execution: revm configured per block from the chain spec (through alloy-evm, which already
//! knows every fork's system calls, requests and receipts), reading state from a storage
//! snapshot. Two entry points: [`execute_block`] replays a given block (import; any invalid
//! transaction makes the block invalid) and [`build_block`] fills a new block from candidates
//! (production; invalid candidates are skipped and reported).
//!
//! Every path runs [`CloisterEvm`] (from [`CloisterEvmFactory`]): alloy-evm's Ethereum EVM plus
//! EIP-7610 (a creation onto an address with storage is a collision), for which the database
//! answers [`HasStorage`]; on Cloister chains it also has the policy check precompile
//! ([`POLICY_CHECK_ADDRESS`]).

mod cloister_evm;
mod collision;
mod error;
mod executor;
mod has_storage;
mod policy_check;
mod state_db;

pub use cloister_evm::{CloisterEvm, CloisterEvmFactory, RevmEthEvm};
pub use error::ExecutionError;
pub use executor::{
    BlockInput, ExecutedBlock, IntermediateRoot, SkippedTx, TransactOutcome, TxSource, build_block,
    evm_env, execute_block, execute_block_pre_byzantium, transact,
};
pub use has_storage::{HasStorage, HasStorageRef};
pub use policy_check::{
    BASE_GAS as POLICY_CHECK_BASE_GAS, GAS_PER_BYTE as POLICY_CHECK_GAS_PER_BYTE,
    POLICY_CHECK_ADDRESS, check_policy_json, policy_check_precompile,
};
pub use state_db::{StateDb, StateDbError};

pub use alloy_evm::{Evm, EvmEnv, EvmFactory};
pub use revm::database::{BundleAccount, BundleState, State};
