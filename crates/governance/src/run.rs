//! Running the contract outside a block: its constructor (to build the genesis account) and its
//! views (to read the configuration), in a Cloister EVM with every fee and limit check off.

use crate::GovernanceError;
use alloy_evm::Database;
use alloy_sol_types::{Revert, SolCall, SolError};
use cloister_chainspec::ChainSpec;
use cloister_evm::{CloisterEvm, CloisterEvmFactory, Evm, EvmEnv, HasStorage, evm_env};
use cloister_primitives::{Address, Bytes, Header, hex, primitives::TxKind};
use revm::{
    context::{
        TxEnv,
        result::{ExecutionResult, Output, ResultAndState},
    },
    inspector::NoOpInspector,
};

/// Gas for one run: views return whole lists, the constructor stores the genesis configuration.
const GAS: u64 = 1_000_000_000;

/// Who runs the constructor and the views (nothing stores it).
pub(crate) const RUNNER: Address = Address::ZERO;

/// The environment of `header` on `spec`'s chain, free of fees and gas caps.
pub(crate) fn free_env(spec: &ChainSpec, header: &Header) -> EvmEnv {
    let mut env = evm_env(spec, header);
    env.cfg_env.disable_nonce_check = true;
    env.cfg_env.disable_base_fee = true;
    env.cfg_env.disable_balance_check = true;
    env.cfg_env.tx_gas_limit_cap = Some(u64::MAX);
    env.block_env.gas_limit = GAS;
    env
}

/// A Cloister EVM of `spec`'s chain over `db`.
pub(crate) fn evm<DB: Database + HasStorage>(
    spec: &ChainSpec,
    db: DB,
    env: EvmEnv,
) -> CloisterEvm<DB, NoOpInspector> {
    CloisterEvmFactory::for_spec(spec).create_evm(db, env)
}

/// A transaction from [`RUNNER`] to `kind` with `data`.
pub(crate) fn tx(chain_id: u64, kind: TxKind, data: Bytes) -> TxEnv {
    TxEnv {
        caller: RUNNER,
        kind,
        data,
        gas_limit: GAS,
        gas_price: 0,
        gas_priority_fee: None,
        chain_id: Some(chain_id),
        ..Default::default()
    }
}

/// Runs `tx` without committing; the output of a successful run, else why not.
pub(crate) fn transact<DB>(
    evm: &mut CloisterEvm<DB, NoOpInspector>,
    tx: TxEnv,
    call: &'static str,
) -> Result<(Output, ResultAndState), GovernanceError>
where
    DB: Database + HasStorage,
{
    let outcome = evm
        .transact(tx)
        .map_err(|err| GovernanceError::Evm(err.to_string()))?;
    match &outcome.result {
        ExecutionResult::Success { output, .. } => Ok((output.clone(), outcome)),
        ExecutionResult::Revert { output, .. } => Err(GovernanceError::Reverted {
            call,
            reason: revert_reason(output),
            data: output.clone(),
        }),
        ExecutionResult::Halt { reason, .. } => Err(GovernanceError::Halted {
            call,
            reason: format!("{reason:?}"),
        }),
    }
}

/// Calls view `C` on the contract at `to`.
pub(crate) fn view<DB, C>(
    evm: &mut CloisterEvm<DB, NoOpInspector>,
    to: Address,
    call: C,
) -> Result<C::Return, GovernanceError>
where
    DB: Database + HasStorage,
    C: SolCall,
{
    let chain_id = evm.chain_id();
    let tx = tx(chain_id, TxKind::Call(to), call.abi_encode().into());
    let (output, _) = transact(evm, tx, C::SIGNATURE)?;
    C::abi_decode_returns(output.data()).map_err(|err| GovernanceError::Decode {
        call: C::SIGNATURE,
        reason: err.to_string(),
    })
}

/// An `Error(string)` revert's reason, else the data in hex.
pub fn revert_reason(data: &[u8]) -> String {
    match Revert::abi_decode(data) {
        Ok(revert) => revert.reason,
        Err(_) => hex::encode_prefixed(data),
    }
}
