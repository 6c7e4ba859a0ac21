//! `ChainSpec`: everything the node derives from genesis.json, and the fork-dependent rules
//! (EVM spec, blob and base-fee parameters) that block building and validation ask of it.

use crate::{
    BlobSchedule, ChainSpecError, CloisterConfig,
    forks::{check_fork_order, fork_schedule},
    genesis_header::build_genesis_header,
    parse::{ParsedGenesis, parse_genesis_json},
};
use alloy_eips::{
    eip1559::{BaseFeeParams, INITIAL_BASE_FEE},
    eip7840::BlobParams,
};
use alloy_evm::eth::spec::EthExecutorSpec;
use alloy_genesis::Genesis;
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};
use cloister_primitives::{Address, B256, BlockNumber, Header, U256};
use revm::primitives::hardfork::SpecId;
use std::path::Path;

/// A validated chain: genesis, fork schedule, blob schedule, Cloister settings and the
/// genesis header (computed once, at construction).
#[derive(Debug, Clone)]
pub struct ChainSpec {
    chain_id: u64,
    genesis: Genesis,
    forks: Vec<(EthereumHardfork, ForkCondition)>,
    hardforks: EthereumChainHardforks,
    blob_schedule: BlobSchedule,
    cloister: Option<CloisterConfig>,
    deposit_contract_address: Option<Address>,
    genesis_header: Header,
    genesis_hash: B256,
}

impl ChainSpec {
    /// Parses and validates geth-format genesis.json text, with an optional `cloister` section.
    pub fn from_genesis_json(json: &str) -> Result<Self, ChainSpecError> {
        let ParsedGenesis { genesis, cloister } = parse_genesis_json(json)?;
        Self::from_genesis(genesis, cloister)
    }

    /// Reads, parses and validates a genesis.json file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ChainSpecError> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path).map_err(|source| ChainSpecError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_genesis_json(&json)
    }

    /// Builds a chain spec from an already parsed genesis; `cloister: None` is a plain chain.
    ///
    /// `genesis.difficulty` is taken as given (geth's defaults for a missing one are applied
    /// only by [`Self::from_genesis_json`], which can see that it is missing).
    pub fn from_genesis(
        genesis: Genesis,
        cloister: Option<CloisterConfig>,
    ) -> Result<Self, ChainSpecError> {
        validate_parts(&genesis, cloister.as_ref())?;
        let forks = fork_schedule(&genesis.config);
        let hardforks = EthereumChainHardforks::new(forks.clone());
        let blob_schedule = BlobSchedule::from_config(&genesis.config)?;
        let genesis_header = build_genesis_header(&genesis, &hardforks)?;
        let genesis_hash = genesis_header.hash_slow();
        Ok(Self {
            chain_id: genesis.config.chain_id,
            deposit_contract_address: genesis.config.deposit_contract_address,
            genesis,
            forks,
            hardforks,
            blob_schedule,
            cloister,
            genesis_header,
            genesis_hash,
        })
    }

    /// Re-checks the spec: chain id, fork order, merge settings, blob schedule, `cloister`.
    ///
    /// Construction already runs these checks; this is for callers holding a spec built
    /// elsewhere who want the error explicitly.
    pub fn validate(&self) -> Result<(), ChainSpecError> {
        validate_parts(&self.genesis, self.cloister.as_ref())
    }

    /// EIP-155 chain id.
    pub const fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The genesis as parsed (without the `cloister` section).
    pub const fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// Every scheduled fork and its activation, in fork order.
    pub fn forks(&self) -> &[(EthereumHardfork, ForkCondition)] {
        &self.forks
    }

    /// The fork schedule in alloy's type.
    pub const fn hardforks(&self) -> &EthereumChainHardforks {
        &self.hardforks
    }

    /// Blob parameters of every blob-carrying fork.
    pub const fn blob_schedule(&self) -> &BlobSchedule {
        &self.blob_schedule
    }

    /// The `cloister` section; `None` for a plain transparent Ethereum chain.
    pub const fn cloister(&self) -> Option<&CloisterConfig> {
        self.cloister.as_ref()
    }

    /// Terminal total difficulty of the merge, if the chain merges.
    pub const fn terminal_total_difficulty(&self) -> Option<U256> {
        self.genesis.config.terminal_total_difficulty
    }

    /// EIP-155 replay protection is tracked by geth apart from Spurious Dragon's EIP-158.
    pub fn is_eip155_active_at_block(&self, number: BlockNumber) -> bool {
        self.genesis
            .config
            .eip155_block
            .is_some_and(|block| number >= block)
    }

    /// The revm rules in force for a block with this number and timestamp.
    pub fn spec_id_at(&self, number: BlockNumber, timestamp: u64) -> SpecId {
        alloy_evm::spec_by_timestamp_and_block_number(self, timestamp, number)
    }

    /// Blob parameters for a block at `timestamp`; `None` before Cancun.
    pub fn blob_params_at_timestamp(&self, timestamp: u64) -> Option<BlobParams> {
        if self.is_osaka_active_at_timestamp(timestamp) {
            let bpo = self.blob_schedule.active_bpo_at_timestamp(timestamp);
            Some(bpo.unwrap_or(self.blob_schedule.osaka))
        } else if self.is_prague_active_at_timestamp(timestamp) {
            Some(self.blob_schedule.prague)
        } else if self.is_cancun_active_at_timestamp(timestamp) {
            Some(self.blob_schedule.cancun)
        } else {
            None
        }
    }

    /// EIP-1559 parameters: Ethereum's (change denominator 8, elasticity 2).
    pub const fn base_fee_params(&self) -> BaseFeeParams {
        BaseFeeParams::ethereum()
    }

    /// Base fee of the child of `parent`; `None` before London.
    ///
    /// The first London block gets the initial 1 gwei; later ones follow EIP-1559. Ethereum's
    /// base-fee parameters do not change with time; `timestamp` keeps callers fork-agnostic.
    pub fn next_block_base_fee(&self, parent: &Header, _timestamp: u64) -> Option<u64> {
        let number = parent.number.checked_add(1)?;
        if !self.is_london_active_at_block(number) {
            return None;
        }
        if !self.is_london_active_at_block(parent.number) {
            return Some(INITIAL_BASE_FEE);
        }
        parent.next_block_base_fee(self.base_fee_params())
    }

    /// The genesis block header, as geth builds it for this genesis.
    pub fn genesis_header(&self) -> Header {
        self.genesis_header.clone()
    }

    /// Hash of the genesis header.
    pub const fn genesis_hash(&self) -> B256 {
        self.genesis_hash
    }
}

/// The checks shared by construction and [`ChainSpec::validate`].
fn validate_parts(
    genesis: &Genesis,
    cloister: Option<&CloisterConfig>,
) -> Result<(), ChainSpecError> {
    if genesis.config.chain_id == 0 {
        return Err(ChainSpecError::ZeroChainId);
    }
    check_fork_order(&genesis.config)?;
    BlobSchedule::from_config(&genesis.config)?;
    if let Some(base_fee) = genesis.base_fee_per_gas {
        u64::try_from(base_fee).map_err(|_| ChainSpecError::BaseFeeOverflow(base_fee))?;
    }
    if let Some(cloister) = cloister {
        cloister.validate()?;
        // A genesis that lists members is governed: the contract must be there, or the
        // members could never vote (write it with `cloister gov genesis`).
        let has_contract = genesis
            .alloc
            .get(&crate::GOVERNANCE_ADDRESS)
            .and_then(|account| account.code.as_ref())
            .is_some_and(|code| !code.is_empty());
        if !cloister.members.is_empty() && !has_contract {
            return Err(ChainSpecError::NoGovernanceContract);
        }
    }
    Ok(())
}

impl EthereumHardforks for ChainSpec {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        self.hardforks.ethereum_fork_activation(fork)
    }
}

impl EthExecutorSpec for ChainSpec {
    fn deposit_contract_address(&self) -> Option<Address> {
        self.deposit_contract_address
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;

    /// London at block 2, Cancun at time 100, Prague at 200, Osaka at 300.
    fn staged() -> ChainSpec {
        ChainSpec::from_genesis_json(
            r#"{"config":{"chainId":9,"homesteadBlock":0,"eip150Block":0,"eip155Block":0,
            "eip158Block":0,"byzantiumBlock":0,"constantinopleBlock":0,"petersburgBlock":0,
            "istanbulBlock":0,"berlinBlock":1,"londonBlock":2,"mergeNetsplitBlock":3,
            "terminalTotalDifficulty":0,"shanghaiTime":50,"cancunTime":100,"pragueTime":200,
            "osakaTime":300,"bpo1Time":400},"gasLimit":"0x1c9c380"}"#,
        )
        .unwrap()
    }

    #[test]
    fn spec_id_follows_schedule() {
        let spec = staged();
        assert_eq!(spec.spec_id_at(0, 0), SpecId::ISTANBUL);
        assert_eq!(spec.spec_id_at(1, 0), SpecId::BERLIN);
        assert_eq!(spec.spec_id_at(2, 0), SpecId::LONDON);
        assert_eq!(spec.spec_id_at(3, 0), SpecId::MERGE);
        assert_eq!(spec.spec_id_at(4, 50), SpecId::SHANGHAI);
        assert_eq!(spec.spec_id_at(5, 100), SpecId::CANCUN);
        assert_eq!(spec.spec_id_at(6, 299), SpecId::PRAGUE);
        assert_eq!(spec.spec_id_at(7, 300), SpecId::OSAKA);
    }

    #[test]
    fn blob_params_follow_schedule() {
        let spec = staged();
        assert_eq!(spec.blob_params_at_timestamp(99), None);
        assert_eq!(
            spec.blob_params_at_timestamp(100),
            Some(BlobParams::cancun())
        );
        assert_eq!(
            spec.blob_params_at_timestamp(200),
            Some(BlobParams::prague())
        );
        assert_eq!(
            spec.blob_params_at_timestamp(300),
            Some(BlobParams::osaka())
        );
        assert_eq!(spec.blob_params_at_timestamp(400), Some(BlobParams::bpo1()));
    }

    #[test]
    fn base_fee_starts_at_london() {
        let spec = staged();
        // Genesis is pre-London, so it has no base fee.
        assert_eq!(spec.genesis_header().base_fee_per_gas, None);
        let block_0 = Header {
            number: 0,
            gas_limit: 30_000_000,
            ..Default::default()
        };
        assert_eq!(spec.next_block_base_fee(&block_0, 0), None);
        let block_1 = Header {
            number: 1,
            gas_limit: 30_000_000,
            ..Default::default()
        };
        assert_eq!(
            spec.next_block_base_fee(&block_1, 0),
            Some(INITIAL_BASE_FEE)
        );
        let full_block_2 = Header {
            number: 2,
            gas_limit: 30_000_000,
            gas_used: 30_000_000,
            base_fee_per_gas: Some(INITIAL_BASE_FEE),
            ..Default::default()
        };
        // A full block raises the base fee by 1/8.
        assert_eq!(
            spec.next_block_base_fee(&full_block_2, 0),
            Some(1_125_000_000)
        );
    }

    #[test]
    fn plain_chain_has_no_cloister_section() {
        let spec = staged();
        assert!(spec.cloister().is_none());
        assert!(spec.validate().is_ok());
        assert!(spec.is_eip155_active_at_block(0));
        assert_eq!(spec.deposit_contract_address(), None);
    }

    #[test]
    fn zero_chain_id_is_rejected() {
        let err = ChainSpec::from_genesis_json(r#"{"config":{"chainId":0}}"#).unwrap_err();
        assert!(matches!(err, ChainSpecError::ZeroChainId));
    }
}
