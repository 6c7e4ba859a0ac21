//! TEMPORARY stand-ins until the contract's Rust side lands (same signatures); removed by the
//! merge of the contract branch.

use cloister_chainspec::ChainSpec;
use cloister_primitives::{Address, Bytes, Header};

/// Stand-in.
#[derive(Debug, thiserror::Error)]
pub enum GovernanceError {
    /// Stand-in.
    #[error("initial governance: {0}")]
    Invalid(String),
}

/// Stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GovernanceState {
    pub members: Vec<Address>,
    pub validators: Vec<Address>,
    pub nodes: Vec<Address>,
    pub measurements: Vec<crate::abi::Measurement>,
    pub roles: Vec<(Address, String)>,
    pub policy_json: Bytes,
    pub policy_version: u64,
    pub add_bps: u16,
    pub remove_bps: u16,
    pub voting_period: u64,
    pub config_version: u64,
}

/// Stand-in.
pub fn read_state<DB>(
    _db: DB,
    _spec: &ChainSpec,
    _header: &Header,
) -> Result<Option<GovernanceState>, GovernanceError> {
    Ok(None)
}

/// Stand-in.
#[derive(Debug, Clone)]
pub struct InitialGovernance {
    pub nodes: Vec<Address>,
    pub measurements: Vec<crate::abi::Measurement>,
}

impl InitialGovernance {
    /// Stand-in.
    pub fn new(_m: Vec<Address>, _v: Vec<Address>, _p: Bytes) -> Self {
        Self { nodes: Vec::new(), measurements: Vec::new() }
    }
}

/// Stand-in.
pub fn measurement(
    _a: cloister_primitives::B256,
    _b: cloister_primitives::B256,
    _c: u16,
    _d: u16,
) -> crate::abi::Measurement {
    crate::abi::Measurement {
        id: Default::default(),
        mrenclave: Default::default(),
        mrsigner: Default::default(),
        productId: 0,
        minIsvSvn: 0,
    }
}

/// Stand-in.
pub struct GenesisContract {
    pub code: Bytes,
    pub storage: std::collections::BTreeMap<cloister_primitives::B256, cloister_primitives::B256>,
}

/// Stand-in.
pub fn genesis_account(
    _i: &InitialGovernance,
    _s: &ChainSpec,
) -> Result<GenesisContract, GovernanceError> {
    Err(GovernanceError::Invalid("not yet".into()))
}
