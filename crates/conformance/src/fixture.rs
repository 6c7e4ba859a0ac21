//! The JSON shapes of blockchain and state test fixtures (only the fields the runners use).

use crate::network::FixtureBlobSchedule;
use cloister_primitives::{Address, B256, Bytes, U256, primitives::B64};
use serde::Deserialize;
use std::collections::BTreeMap;

/// An account of `pre` or `postState`.
#[derive(Debug, Clone, Deserialize)]
pub struct FixtureAccount {
    /// Nonce.
    pub nonce: U256,
    /// Balance.
    pub balance: U256,
    /// Code.
    #[serde(default)]
    pub code: Bytes,
    /// Storage (zero values may appear and mean "no slot").
    #[serde(default)]
    pub storage: BTreeMap<U256, U256>,
}

/// `config` of an EEST fixture.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixtureConfig {
    /// Blob parameters per fork.
    #[serde(default)]
    pub blob_schedule: Option<FixtureBlobSchedule>,
    /// Chain id (always 1 in this set).
    #[serde(default)]
    pub chainid: Option<U256>,
}

/// The genesis header fields a genesis config can set, plus its hash.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenesisHeader {
    /// Hash the genesis must have.
    pub hash: B256,
    /// Parent hash.
    pub parent_hash: B256,
    /// Beneficiary.
    pub coinbase: Address,
    /// Difficulty.
    pub difficulty: U256,
    /// Gas limit.
    pub gas_limit: U256,
    /// Timestamp.
    pub timestamp: U256,
    /// Extra data.
    pub extra_data: Bytes,
    /// Mix hash.
    pub mix_hash: B256,
    /// Nonce.
    pub nonce: B64,
    /// Number.
    pub number: U256,
    /// London base fee.
    #[serde(default)]
    pub base_fee_per_gas: Option<U256>,
    /// Cancun excess blob gas.
    #[serde(default)]
    pub excess_blob_gas: Option<U256>,
    /// Cancun blob gas used.
    #[serde(default)]
    pub blob_gas_used: Option<U256>,
}

/// One block of a blockchain test.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixtureBlock {
    /// The block as RLP: what is imported.
    pub rlp: Bytes,
    /// Present when the block must be refused.
    #[serde(default)]
    pub expect_exception: Option<String>,
}

/// One blockchain test case.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockchainCase {
    /// Fork rules.
    pub network: String,
    /// EEST config.
    #[serde(default)]
    pub config: Option<FixtureConfig>,
    /// Genesis header.
    pub genesis_block_header: GenesisHeader,
    /// Genesis state.
    pub pre: BTreeMap<Address, FixtureAccount>,
    /// Blocks in import order.
    pub blocks: Vec<FixtureBlock>,
    /// Expected head hash.
    pub lastblockhash: B256,
    /// Expected full state.
    #[serde(default)]
    pub post_state: Option<BTreeMap<Address, FixtureAccount>>,
    /// Expected state root (instead of `postState`).
    #[serde(default)]
    pub post_state_hash: Option<B256>,
}

/// Block environment of a state test.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateEnv {
    /// Beneficiary.
    pub current_coinbase: Address,
    /// Gas limit.
    pub current_gas_limit: U256,
    /// Number.
    pub current_number: U256,
    /// Timestamp.
    pub current_timestamp: U256,
    /// Difficulty (pre-merge).
    #[serde(default)]
    pub current_difficulty: Option<U256>,
    /// Prevrandao (post-merge).
    #[serde(default)]
    pub current_random: Option<B256>,
    /// Base fee.
    #[serde(default)]
    pub current_base_fee: Option<U256>,
    /// Excess blob gas.
    #[serde(default)]
    pub current_excess_blob_gas: Option<U256>,
}

/// One expected outcome of a state test.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatePost {
    /// Post-state root.
    pub hash: B256,
    /// Keccak of the RLP list of logs.
    pub logs: B256,
    /// The signed transaction.
    pub txbytes: Bytes,
    /// Present when the transaction is invalid.
    #[serde(default)]
    pub expect_exception: Option<String>,
}

/// One state test (several forks and transaction variants).
#[derive(Debug, Clone, Deserialize)]
pub struct StateCase {
    /// Block environment.
    pub env: StateEnv,
    /// EEST config.
    #[serde(default)]
    pub config: Option<FixtureConfig>,
    /// State before.
    pub pre: BTreeMap<Address, FixtureAccount>,
    /// Outcomes per fork.
    pub post: BTreeMap<String, Vec<StatePost>>,
}
