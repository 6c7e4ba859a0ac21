//! The governance contract's genesis account: its constructor run once in a Cloister EVM over
//! an empty state, keeping the deployed code and the storage it wrote. The constructor stores
//! nothing but its arguments, so the account is a pure function of [`InitialGovernance`]; it
//! goes into genesis `alloc` at [`crate::GOVERNANCE_ADDRESS`] with nonce 1.

use crate::{
    GovernanceError, abi,
    artifact::{init_code, runtime_code},
    run,
};
use alloy_genesis::GenesisAccount;
use alloy_sol_types::SolValue;
use cloister_chainspec::ChainSpec;
use cloister_primitives::{Address, B256, Bytes, U256, keccak256, primitives::TxKind};
use revm::{
    context::result::Output,
    database::{CacheDB, EmptyDB},
};
use std::collections::BTreeMap;

/// Default share of members whose "for" votes apply a proposal that only adds: a majority.
pub const DEFAULT_ADD_BPS: u16 = 5001;
/// Default share for a proposal that removes or replaces something: two thirds.
pub const DEFAULT_REMOVE_BPS: u16 = 6667;
/// Default time a proposal stays open: seven days, in seconds.
pub const DEFAULT_VOTING_PERIOD: u64 = 7 * 24 * 60 * 60;

/// The configuration governance starts with (the constructor's arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialGovernance {
    /// Who may propose and vote (at least one).
    pub members: Vec<Address>,
    /// Who seals blocks (at least one).
    pub validators: Vec<Address>,
    /// Nodes admitted besides the validators.
    pub nodes: Vec<Address>,
    /// Allowed enclaves (the `id` field is ignored: the contract computes it).
    pub measurements: Vec<abi::Measurement>,
    /// Granted (account, role) pairs; roles are "auditor", "member", "admin".
    pub roles: Vec<(Address, String)>,
    /// The policy document (JSON); the contract refuses one the node's parser refuses.
    pub policy_json: Bytes,
    /// See `setThresholds`.
    pub add_bps: u16,
    /// See `setThresholds`.
    pub remove_bps: u16,
    /// Seconds a proposal stays open.
    pub voting_period: u64,
}

impl InitialGovernance {
    /// `members`, `validators` and `policy_json`, nothing else, default thresholds.
    pub fn new(members: Vec<Address>, validators: Vec<Address>, policy_json: Bytes) -> Self {
        Self {
            members,
            validators,
            nodes: Vec::new(),
            measurements: Vec::new(),
            roles: Vec::new(),
            policy_json,
            add_bps: DEFAULT_ADD_BPS,
            remove_bps: DEFAULT_REMOVE_BPS,
            voting_period: DEFAULT_VOTING_PERIOD,
        }
    }

    /// The ABI-encoded constructor arguments.
    pub fn constructor_args(&self) -> Vec<u8> {
        let (role_accounts, role_names): (Vec<Address>, Vec<String>) =
            self.roles.iter().cloned().unzip();
        (
            self.members.clone(),
            self.validators.clone(),
            self.nodes.clone(),
            self.measurements.clone(),
            role_accounts,
            role_names,
            self.policy_json.clone(),
            self.add_bps,
            self.remove_bps,
            self.voting_period,
        )
            .abi_encode_params()
    }
}

/// An allowed enclave with its `id` as the contract computes it.
pub fn measurement(
    mrenclave: B256,
    mrsigner: B256,
    product_id: u16,
    min_isv_svn: u16,
) -> abi::Measurement {
    let id = keccak256((mrenclave, mrsigner, product_id, min_isv_svn).abi_encode_params());
    abi::Measurement {
        id,
        mrenclave,
        mrsigner,
        productId: product_id,
        minIsvSvn: min_isv_svn,
    }
}

/// The governance contract as genesis holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenesisContract {
    /// The runtime code (the artifact's).
    pub code: Bytes,
    /// Every non-zero storage slot the constructor wrote.
    pub storage: BTreeMap<B256, B256>,
}

impl GenesisContract {
    /// The `alloc` entry: this code and storage, nonce 1 (a created contract's), no balance.
    pub fn to_genesis_account(&self) -> GenesisAccount {
        GenesisAccount {
            nonce: Some(1),
            balance: U256::ZERO,
            code: Some(self.code.clone()),
            storage: Some(self.storage.clone()),
            private_key: None,
        }
    }
}

/// Runs the constructor with `initial` on `spec`'s chain (its genesis rules and precompiles,
/// so the policy document is checked by the node's parser) and returns the account it made.
pub fn genesis_account(
    initial: &InitialGovernance,
    spec: &ChainSpec,
) -> Result<GenesisContract, GovernanceError> {
    let runtime = runtime_code()?;
    let mut data = init_code()?.to_vec();
    data.extend_from_slice(&initial.constructor_args());

    let env = run::free_env(spec, &spec.genesis_header());
    let mut evm = run::evm(spec, CacheDB::new(EmptyDB::new()), env);
    let tx = run::tx(spec.chain_id(), TxKind::Create, data.into());
    let (output, outcome) = run::transact(&mut evm, tx, "constructor")?;
    let Output::Create(code, Some(created)) = output else {
        return Err(GovernanceError::Evm(
            "the constructor created no account".into(),
        ));
    };
    if code != *runtime {
        return Err(GovernanceError::RuntimeMismatch);
    }
    let account = outcome
        .state
        .get(&created)
        .ok_or_else(|| GovernanceError::Evm("the created account is not in the state".into()))?;
    let storage = account
        .storage
        .iter()
        .filter(|(_, slot)| !slot.present_value.is_zero())
        .map(|(key, slot)| (B256::from(*key), B256::from(slot.present_value)))
        .collect();
    Ok(GenesisContract { code, storage })
}
