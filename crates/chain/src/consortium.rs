//! The consortium configuration a chain enforces (validators, admitted nodes, measurements,
//! roles, policy): read from the governance contract's state at the head, or the genesis
//! `cloister` section when the chain has no contract. Re-read after every block that has a log
//! of the contract (each applied change emits one), so a change made in block N is in force
//! from block N+1 on, on every node alike; a restart reads it again from the head.

use crate::{ChainError, ChainHead};
use cloister_chainspec::ChainSpec;
use cloister_evm::StateDb;
use cloister_governance::{Consortium, GOVERNANCE_ADDRESS};
use cloister_storage::StoredReceipt;

/// The configuration in force after `head`.
pub(crate) fn read(spec: &ChainSpec, head: &ChainHead) -> Result<Consortium, ChainError> {
    let Some(cloister) = spec.cloister() else {
        return Ok(Consortium::default());
    };
    // Governed only if genesis lists members (the spec then insists on the contract); a
    // contract's code lying in `alloc` without members governs nothing.
    if cloister.members.is_empty() {
        return Ok(Consortium::from_genesis(cloister));
    }
    let db = StateDb::new(head.reader.clone());
    match cloister_governance::read_state(db, spec, &head.header)
        .map_err(|e| ChainError::Governance(e.to_string()))?
    {
        Some(state) => Consortium::from_state(state, cloister.allow_simulated_tee)
            .map_err(|e| ChainError::Governance(e.to_string())),
        None => Ok(Consortium::from_genesis(cloister)),
    }
}

/// At genesis, the contract must hold what the `cloister` section says (a genesis edited
/// after its contract was written would otherwise run with validators nobody listed).
pub(crate) fn check_genesis(spec: &ChainSpec, consortium: &Consortium) -> Result<(), ChainError> {
    let Some(cloister) = spec.cloister() else {
        return Ok(());
    };
    if consortium.governed
        && (consortium.validators != cloister.validators
            || consortium.members != cloister.members
            || consortium.nodes != cloister.followers)
    {
        return Err(ChainError::Governance(
            "the genesis `cloister` section and the governance contract in `alloc` disagree \
             (validators, members or followers): rewrite the contract with `cloister gov genesis`"
                .into(),
        ));
    }
    Ok(())
}

/// Whether a block's receipts carry a log of the governance contract.
pub(crate) fn touched(receipts: &[StoredReceipt]) -> bool {
    receipts.iter().any(|r| {
        r.receipt
            .logs()
            .iter()
            .any(|log| log.address == GOVERNANCE_ADDRESS)
    })
}
