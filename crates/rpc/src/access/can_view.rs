//! The `contract` visibility rule: ask `canView(address viewer, bytes32 txHash)` on a contract,
//! read-only, at the head, with a gas cap. Anything but a clean `true` denies (fail closed).

use crate::RpcContext;
use alloy_evm::Evm;
use alloy_sol_types::{SolCall, sol};
use cloister_evm::{CloisterEvmFactory, State, evm_env};
use cloister_primitives::{Address, B256, primitives::TxKind};
use revm::context::{TxEnv, result::ExecutionResult};

sol! {
    /// The view function a `contract` rule names.
    function canView(address viewer, bytes32 txHash) external view returns (bool);
}

/// Whether `contract` lets `viewer` see transaction `tx_hash`.
pub(super) fn ask(
    ctx: &RpcContext,
    contract: Address,
    gas_cap: u64,
    viewer: Address,
    tx_hash: B256,
) -> bool {
    let head = ctx.chain.head();
    let mut state = State::builder()
        .with_database_ref(cloister_evm::StateDb::new(head.reader.clone()))
        .build();
    let mut env = evm_env(ctx.chain.spec(), &head.header);
    env.cfg_env.disable_nonce_check = true;
    env.cfg_env.disable_base_fee = true;
    env.cfg_env.disable_balance_check = true;
    let data = canViewCall {
        viewer,
        txHash: tx_hash,
    }
    .abi_encode();
    let tx = TxEnv {
        caller: Address::ZERO,
        kind: TxKind::Call(contract),
        data: data.into(),
        gas_limit: gas_cap,
        gas_price: 0,
        gas_priority_fee: None,
        chain_id: Some(ctx.chain.spec().chain_id()),
        ..Default::default()
    };
    let mut evm = CloisterEvmFactory::for_spec(ctx.chain.spec()).create_evm(&mut state, env);
    let outcome = match evm.transact(tx) {
        Ok(outcome) => outcome,
        Err(err) => {
            tracing::debug!(target: "cloister::policy", %err, "canView did not run");
            return false;
        }
    };
    match outcome.result {
        ExecutionResult::Success { output, .. } => {
            canViewCall::abi_decode_returns(output.data()).unwrap_or(false)
        }
        _ => false,
    }
}
