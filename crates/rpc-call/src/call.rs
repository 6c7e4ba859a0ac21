//! eth_call and eth_estimateGas: a transaction request executed on the head state in a
//! throwaway EVM, never committed. As in geth, nonce checks are off, and so is the base fee
//! check when the request names no fee.

use alloy_evm::{Evm, EvmFactory, rpc::TryIntoTxEnv};
use alloy_rpc_types_eth::{BlockId, TransactionRequest};
use alloy_sol_types::SolError;
use cloister_evm::{EthEvmFactory, State, evm_env};
use cloister_primitives::Bytes;
use cloister_rpc::BlockState;
use cloister_rpc::{RpcContext, RpcError, RpcResult};
use revm::context::{TxEnv, result::ExecutionResult};

pub(super) fn call(
    ctx: &RpcContext,
    request: TransactionRequest,
    block: Option<BlockId>,
) -> RpcResult<Bytes> {
    let head = ctx.state_at(block)?;
    let gas = request.gas.unwrap_or(u64::MAX).min(gas_ceiling(ctx, &head));
    match run(ctx, &head, request, gas)? {
        ExecutionResult::Success { output, .. } => Ok(output.into_data()),
        ExecutionResult::Revert { output, .. } => Err(reverted(output)),
        ExecutionResult::Halt { reason, .. } => Err(RpcError::Halted(halt_message(&reason))),
    }
}

pub(super) fn estimate_gas(
    ctx: &RpcContext,
    request: TransactionRequest,
    block: Option<BlockId>,
) -> RpcResult<u64> {
    let head = ctx.state_at(block)?;
    let mut hi = request.gas.unwrap_or(u64::MAX).min(gas_ceiling(ctx, &head));
    let used = match run(ctx, &head, request.clone(), hi)? {
        ExecutionResult::Success { gas, .. } => gas.tx_gas_used(),
        ExecutionResult::Revert { output, .. } => return Err(reverted(output)),
        ExecutionResult::Halt { .. } => {
            return Err(RpcError::Halted(format!(
                "gas required exceeds allowance ({hi})"
            )));
        }
    };
    // Refunds and the 63/64 rule mean the limit needed can exceed the gas used; search between.
    if succeeds(ctx, &head, &request, used)? {
        return Ok(used);
    }
    let mut lo = used;
    let optimistic = used.saturating_add(used / 63).saturating_add(2_300).min(hi);
    if optimistic < hi && succeeds(ctx, &head, &request, optimistic)? {
        hi = optimistic;
    }
    while hi - lo > 1 && (hi - lo) * 100 > hi {
        let mid = lo + (hi - lo) / 2;
        if succeeds(ctx, &head, &request, mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

/// Most gas a call may use: the RPC cap, the block gas limit and the fork's per-tx cap (EIP-7825).
fn gas_ceiling(ctx: &RpcContext, head: &BlockState) -> u64 {
    let tx_cap = evm_env(ctx.chain.spec(), &head.header)
        .cfg_env
        .tx_gas_limit_cap
        .unwrap_or(u64::MAX);
    ctx.gas_cap.min(head.header.gas_limit).min(tx_cap)
}

fn succeeds(
    ctx: &RpcContext,
    head: &BlockState,
    request: &TransactionRequest,
    gas: u64,
) -> RpcResult<bool> {
    match run(ctx, head, request.clone(), gas) {
        Ok(result) => Ok(result.is_success()),
        // Too little gas for the intrinsic cost is a failure of this limit, not of the request.
        Err(RpcError::Rejected(_)) => Ok(false),
        Err(other) => Err(other),
    }
}

fn run(
    ctx: &RpcContext,
    head: &BlockState,
    mut request: TransactionRequest,
    gas: u64,
) -> RpcResult<ExecutionResult> {
    let no_fee = request.gas_price.is_none() && request.max_fee_per_gas.is_none();
    request.gas = Some(gas);
    let mut env = evm_env(ctx.chain.spec(), &head.header);
    env.cfg_env.disable_nonce_check = true;
    env.cfg_env.disable_eip3607 = true;
    if no_fee {
        env.cfg_env.disable_base_fee = true;
    }
    let tx: TxEnv = request
        .try_into_tx_env(&env)
        .map_err(|e| RpcError::InvalidParams(e.to_string()))?;
    let state = State::builder().with_database_ref(head.db.clone()).build();
    let mut evm = EthEvmFactory::default().create_evm(state, env);
    let outcome = evm.transact(tx).map_err(|err| match err {
        revm::context::result::EVMError::Transaction(invalid) => {
            RpcError::Rejected(invalid.to_string())
        }
        other => RpcError::internal(other),
    })?;
    Ok(outcome.result)
}

fn reverted(output: Bytes) -> RpcError {
    let reason = alloy_sol_types::Revert::abi_decode(&output)
        .ok()
        .map(|r| r.reason);
    RpcError::Reverted {
        reason,
        data: output,
    }
}

fn halt_message(reason: &impl std::fmt::Debug) -> String {
    format!("execution halted: {reason:?}")
}
