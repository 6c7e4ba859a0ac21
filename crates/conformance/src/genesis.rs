//! From a fixture's network, genesis header and `pre` to a [`ChainSpec`] and a genesis.

use crate::{
    fixture::{FixtureAccount, FixtureConfig, GenesisHeader},
    network::{NetworkError, chain_config},
};
use cloister_chainspec::{ChainSpec, ChainSpecError, Genesis, GenesisAccount};
use cloister_primitives::{Address, B256, U256};
use std::collections::BTreeMap;

/// Why no chain spec could be built.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The network is not supported.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// The chain spec refused the config.
    #[error(transparent)]
    ChainSpec(#[from] ChainSpecError),
    /// The genesis is not representable (a field does not fit).
    #[error("genesis field {0} out of range")]
    Field(&'static str),
}

/// The genesis alloc of a fixture's accounts (zero slots dropped).
pub fn alloc(accounts: &BTreeMap<Address, FixtureAccount>) -> BTreeMap<Address, GenesisAccount> {
    accounts
        .iter()
        .map(|(address, account)| {
            let storage: BTreeMap<B256, B256> = account
                .storage
                .iter()
                .filter(|(_, value)| !value.is_zero())
                .map(|(slot, value)| (B256::from(*slot), B256::from(*value)))
                .collect();
            let genesis_account = GenesisAccount {
                nonce: Some(account.nonce.saturating_to()),
                balance: account.balance,
                code: (!account.code.is_empty()).then(|| account.code.clone()),
                storage: (!storage.is_empty()).then_some(storage),
                ..Default::default()
            };
            (*address, genesis_account)
        })
        .collect()
}

/// The chain spec of a blockchain test.
pub fn blockchain_spec(
    network: &str,
    config: Option<&FixtureConfig>,
    header: &GenesisHeader,
    pre: &BTreeMap<Address, FixtureAccount>,
) -> Result<(ChainSpec, Genesis), GenesisError> {
    let fit = |value: U256, field| u64::try_from(value).map_err(|_| GenesisError::Field(field));
    let mut chain_config = chain_config(network, config.and_then(|c| c.blob_schedule.as_ref()))?;
    if let Some(chain_id) = config.and_then(|c| c.chainid) {
        chain_config.chain_id = fit(chain_id, "chainid")?;
    }
    let genesis = Genesis {
        config: chain_config,
        nonce: u64::from_be_bytes(header.nonce.0),
        timestamp: fit(header.timestamp, "timestamp")?,
        extra_data: header.extra_data.clone(),
        gas_limit: fit(header.gas_limit, "gasLimit")?,
        difficulty: header.difficulty,
        mix_hash: header.mix_hash,
        coinbase: header.coinbase,
        alloc: alloc(pre),
        base_fee_per_gas: header.base_fee_per_gas.map(|fee| fee.saturating_to()),
        excess_blob_gas: header
            .excess_blob_gas
            .map(|v| fit(v, "excessBlobGas"))
            .transpose()?,
        blob_gas_used: header
            .blob_gas_used
            .map(|v| fit(v, "blobGasUsed"))
            .transpose()?,
        number: Some(fit(header.number, "number")?),
        parent_hash: Some(header.parent_hash),
        ..Default::default()
    };
    let spec = ChainSpec::from_genesis(genesis.clone(), None)?;
    Ok((spec, genesis))
}

/// The chain spec of a state test fork (no alloc: state tests run on their own database).
pub fn state_spec(fork: &str, config: Option<&FixtureConfig>) -> Result<ChainSpec, GenesisError> {
    let mut chain_config = chain_config(fork, config.and_then(|c| c.blob_schedule.as_ref()))?;
    if let Some(chain_id) = config.and_then(|c| c.chainid) {
        chain_config.chain_id =
            u64::try_from(chain_id).map_err(|_| GenesisError::Field("chainid"))?;
    }
    let genesis = Genesis {
        config: chain_config,
        gas_limit: 30_000_000,
        ..Default::default()
    };
    Ok(ChainSpec::from_genesis(genesis, None)?)
}
