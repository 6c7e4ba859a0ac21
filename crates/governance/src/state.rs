//! The configuration governance holds, read from the contract's views at one state. The node
//! reads it at startup and after any block with a log from the contract, and applies it from
//! the next block on.

use crate::{GOVERNANCE_ADDRESS, GovernanceError, abi, abi::ICloisterGovernance as gov, run};
use cloister_chainspec::ChainSpec;
use cloister_evm::{CloisterEvm, HasStorageRef, State};
use cloister_primitives::{Address, Bytes, Header};
use revm::{
    DatabaseRef, database::WrapDatabaseRef, inspector::NoOpInspector, primitives::KECCAK_EMPTY,
};

/// Everything the contract's views say about the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GovernanceState {
    /// Who may propose and vote.
    pub members: Vec<Address>,
    /// Who seals blocks.
    pub validators: Vec<Address>,
    /// Admitted nodes.
    pub nodes: Vec<Address>,
    /// Allowed enclaves.
    pub measurements: Vec<abi::Measurement>,
    /// Granted (account, role) pairs.
    pub roles: Vec<(Address, String)>,
    /// The policy document (JSON).
    pub policy_json: Bytes,
    /// 1 in genesis, bumped by every `setPolicy`.
    pub policy_version: u64,
    /// See `setThresholds`.
    pub add_bps: u16,
    /// See `setThresholds`.
    pub remove_bps: u16,
    /// Seconds a proposal stays open.
    pub voting_period: u64,
    /// Bumped by every applied change.
    pub config_version: u64,
}

/// The configuration at the state `db` holds (the state after `header`'s block on `spec`'s
/// chain); `None` when no code is at [`GOVERNANCE_ADDRESS`] (a chain without governance).
pub fn read_state<DB>(
    db: DB,
    spec: &ChainSpec,
    header: &Header,
) -> Result<Option<GovernanceState>, GovernanceError>
where
    DB: DatabaseRef + HasStorageRef + std::fmt::Debug + Send + Sync,
    DB::Error: std::error::Error + Send + Sync + 'static,
{
    with_contract(db, spec, header, |evm| {
        let members = run::view(evm, GOVERNANCE_ADDRESS, gov::getMembersCall {})?;
        let validators = run::view(evm, GOVERNANCE_ADDRESS, gov::getValidatorsCall {})?;
        let nodes = run::view(evm, GOVERNANCE_ADDRESS, gov::getNodesCall {})?;
        let measurements = run::view(evm, GOVERNANCE_ADDRESS, gov::getMeasurementsCall {})?;
        let roles = run::view(evm, GOVERNANCE_ADDRESS, gov::getRolesCall {})?;
        let policy = run::view(evm, GOVERNANCE_ADDRESS, gov::policyCall {})?;
        let thresholds = run::view(evm, GOVERNANCE_ADDRESS, gov::thresholdsCall {})?;
        let config_version = run::view(evm, GOVERNANCE_ADDRESS, gov::configVersionCall {})?;
        Ok(GovernanceState {
            members,
            validators,
            nodes,
            measurements,
            roles: roles.accounts.into_iter().zip(roles.roles).collect(),
            policy_json: policy.json,
            policy_version: policy.version,
            add_bps: thresholds.addBps,
            remove_bps: thresholds.removeBps,
            voting_period: thresholds.votingPeriod,
            config_version,
        })
    })
}

/// Only `configVersion` (one call): whether the configuration moved since the last read.
pub fn read_config_version<DB>(
    db: DB,
    spec: &ChainSpec,
    header: &Header,
) -> Result<Option<u64>, GovernanceError>
where
    DB: DatabaseRef + HasStorageRef + std::fmt::Debug + Send + Sync,
    DB::Error: std::error::Error + Send + Sync + 'static,
{
    with_contract(db, spec, header, |evm| {
        run::view(evm, GOVERNANCE_ADDRESS, gov::configVersionCall {})
    })
}

/// Runs `read` in an EVM over `db` when the governance contract has code there.
fn with_contract<DB, T>(
    db: DB,
    spec: &ChainSpec,
    header: &Header,
    read: impl FnOnce(
        &mut CloisterEvm<&mut State<WrapDatabaseRef<DB>>, NoOpInspector>,
    ) -> Result<T, GovernanceError>,
) -> Result<Option<T>, GovernanceError>
where
    DB: DatabaseRef + HasStorageRef + std::fmt::Debug + Send + Sync,
    DB::Error: std::error::Error + Send + Sync + 'static,
{
    let account = db
        .basic_ref(GOVERNANCE_ADDRESS)
        .map_err(|err| GovernanceError::Evm(err.to_string()))?;
    if account.is_none_or(|account| account.code_hash == KECCAK_EMPTY) {
        return Ok(None);
    }
    let mut state = State::builder().with_database_ref(db).build();
    let mut evm = run::evm(spec, &mut state, run::free_env(spec, header));
    read(&mut evm).map(Some)
}
