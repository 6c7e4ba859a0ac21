//! State and block overrides as geth applies them: accounts in address order, a precompile that
//! is overridden (or moved with `movePrecompileToAddress`) stops being one, and block fields
//! replace the header's in the EVM environment (and its fork rules follow the new number/time).

use crate::CallState;
use alloy_evm::{
    EvmEnv,
    overrides::{StateOverrideError, apply_block_overrides, apply_state_overrides},
    precompiles::PrecompilesMap,
};
use alloy_rpc_types_eth::{BlockOverrides, state::StateOverride};
use cloister_chainspec::ChainSpec;
use cloister_primitives::Address;

/// Why overrides could not be applied (geth answers all of them with -32000).
#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    /// `movePrecompileToAddress` on an account that is no precompile.
    #[error("account {0} is not a precompile")]
    NotAPrecompile(Address),
    /// A precompile moved onto an address that is itself overridden.
    #[error("account {0} is already overridden")]
    DestinationOverridden(Address),
    /// An address a precompile was moved to is overridden afterwards.
    #[error("account {0} has already been overridden by a precompile")]
    OverriddenByPrecompile(Address),
    /// Both `state` and `stateDiff` for one account.
    #[error("account {0} has both 'state' and 'stateDiff'")]
    StateAndStateDiff(Address),
    /// Bad code or a failed state read.
    #[error("{0}")]
    Apply(String),
}

/// Applies `overrides` to `state`, and their precompile moves and removals to `precompiles`.
pub fn apply_overrides(
    overrides: StateOverride,
    state: &mut CallState,
    precompiles: &mut PrecompilesMap,
) -> Result<(), OverrideError> {
    let mut addresses: Vec<Address> = overrides.keys().copied().collect();
    addresses.sort_unstable();
    let mut moved_to = Vec::new();
    for address in &addresses {
        let Some(account) = overrides.get(address) else {
            continue;
        };
        if moved_to.contains(address) {
            return Err(OverrideError::OverriddenByPrecompile(*address));
        }
        let is_precompile = precompiles.get(address).is_some();
        if let Some(destination) = account.move_precompile_to {
            if !is_precompile {
                return Err(OverrideError::NotAPrecompile(*address));
            }
            if overrides.contains_key(&destination) {
                return Err(OverrideError::DestinationOverridden(destination));
            }
            moved_to.push(destination);
            if destination != *address {
                precompiles
                    .move_precompiles([(*address, destination)])
                    .map_err(|e| OverrideError::Apply(e.to_string()))?;
            }
        }
        if precompiles.get(address).is_some() {
            precompiles.apply_precompile(address, |_| None);
        }
        if account.state.is_some() && account.state_diff.is_some() {
            return Err(OverrideError::StateAndStateDiff(*address));
        }
    }
    apply_state_overrides(overrides, state).map_err(|err| match err {
        StateOverrideError::BothStateAndStateDiff(address) => {
            OverrideError::StateAndStateDiff(address)
        }
        other => OverrideError::Apply(other.to_string()),
    })
}

/// Applies block overrides to `env` (number, time, gas limit, fee recipient, prevRandao, base
/// fee, blob base fee, block hashes into `state`) and re-derives the fork rules.
pub fn apply_block(
    spec: &ChainSpec,
    overrides: BlockOverrides,
    state: &mut CallState,
    env: &mut EvmEnv,
) {
    apply_block_overrides(overrides, state, &mut env.block_env);
    let number = env.block_env.number.saturating_to::<u64>();
    let timestamp = env.block_env.timestamp.saturating_to::<u64>();
    env.cfg_env.spec = spec.spec_id_at(number, timestamp);
}
