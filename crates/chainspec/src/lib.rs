//! Cloister's chain specification.
//!
//! Reads a geth-format genesis.json (every fork block and timestamp, `blobSchedule`, `alloc`)
//! plus Cloister's own optional `cloister` section, validates it, and answers the
//! fork-dependent questions block building asks: which revm spec, which blob parameters,
//! which base fee. It also builds the genesis header exactly as geth does (state root computed
//! from `alloc` with alloy-trie) and embeds the dev chain (`genesis/dev.json`, chain id 7557).
//!
//! A genesis without a `cloister` section is a plain, transparent Ethereum chain.

mod blob;
mod cloister;
mod dev;
mod error;
mod forks;
mod genesis_header;
mod parse;
mod spec;

pub use alloy_genesis::{Genesis, GenesisAccount};
pub use alloy_hardforks::{
    EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition,
};
pub use blob::BlobSchedule;
pub use cloister::{AllowedMeasurement, CloisterConfig, GOVERNANCE_ADDRESS};
pub use dev::{
    DEV_ACCOUNT_COUNT, DEV_CHAIN_ID, DEV_GENESIS_JSON, DEV_MNEMONIC, dev_accounts,
    dev_genesis_json_at, is_dev_genesis,
};
pub use error::ChainSpecError;
pub use genesis_header::{
    DEFAULT_GENESIS_DIFFICULTY, DEFAULT_GENESIS_GAS_LIMIT, genesis_state_root,
};
pub use spec::ChainSpec;
