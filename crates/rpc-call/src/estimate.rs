//! eth_estimateGas as geth's gas estimator does it: the ceiling is the request's gas (or the
//! block's limit), the sender's balance at the fee cap and the RPC gas cap; a plain transfer is
//! tried at 21000 first; a revert at the ceiling returns the revert (code 3 with data); then a
//! binary search, started at an optimistic guess, stops within 1.5% of the answer.

use crate::{
    call::{Prepared, reverted},
    limits::{CallError, Deadline},
    messages,
    request::sender,
};
use alloy_consensus::Transaction as _;
use alloy_hardforks::EthereumHardforks as _;
use alloy_rpc_types_eth::{BlockId, BlockOverrides, TransactionRequest, state::StateOverride};
use cloister_primitives::{U256, primitives::TxKind};
use cloister_rpc::{RpcContext, RpcError};
use revm::context::result::ExecutionResult;

/// Gas a plain value transfer costs.
const TX_GAS: u64 = 21_000;
/// Gas a call forwards on top of what it is given when it carries value.
const CALL_STIPEND: u64 = 2_300;
/// The search stops once the bracket is this fraction of the upper bound.
const ERROR_RATIO: f64 = 0.015;

/// eth_estimateGas; the whole search ends by `deadline`.
pub(crate) fn estimate_gas(
    ctx: &RpcContext,
    request: TransactionRequest,
    block: Option<BlockId>,
    state_overrides: Option<StateOverride>,
    block_overrides: Option<BlockOverrides>,
    deadline: Deadline,
) -> Result<u64, CallError> {
    let prepared = Prepared::new(ctx, block, state_overrides, block_overrides, deadline)?;
    let from = sender(&request);
    let mut hi = ceiling(ctx, &prepared, &request)?;
    if hi >= TX_GAS && plain_transfer(&prepared, &request)? {
        return Ok(TX_GAS);
    }

    let first = match prepared.run_plain(&prepared.tx(&request, hi)?, from) {
        // The ceiling (the gas cap, or what the sender's balance pays for) does not even cover
        // the intrinsic cost: geth's answer, not the limit's own complaint.
        Err(CallError::Rpc(RpcError::Rejected(message)))
            if message.contains("intrinsic gas too low") =>
        {
            return Err(RpcError::Halted(format!("gas required exceeds allowance ({hi})")).into());
        }
        other => other?,
    };
    let (used, peak) = match &first {
        ExecutionResult::Success { gas, .. } => (gas.tx_gas_used(), gas.total_gas_spent()),
        ExecutionResult::Revert { output, .. } => return Err(reverted(output.clone()).into()),
        ExecutionResult::Halt { reason, .. } => {
            let message = messages::halt(reason);
            return Err(RpcError::Halted(if message == "out of gas" {
                format!("gas required exceeds allowance ({hi})")
            } else {
                message
            })
            .into());
        }
    };
    let mut lo = used.saturating_sub(1);
    let optimistic = peak.saturating_add(CALL_STIPEND).saturating_mul(64) / 63;
    if optimistic < hi {
        if succeeds(&prepared, &request, optimistic)? {
            hi = optimistic;
        } else {
            lo = optimistic;
        }
    }
    while lo + 1 < hi {
        if ((hi - lo) as f64 / (hi as f64)) < ERROR_RATIO {
            break;
        }
        let mut mid = lo + (hi - lo) / 2;
        if mid > lo.saturating_mul(2) {
            // Most calls need little gas: look low first.
            mid = lo.saturating_mul(2);
        }
        if succeeds(&prepared, &request, mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

/// The most gas the search may try: the request's gas (or the block's limit), no more than
/// the sender can pay at the request's fee cap, the RPC gas cap and (Osaka) 2^24.
fn ceiling(
    ctx: &RpcContext,
    prepared: &Prepared,
    request: &TransactionRequest,
) -> Result<u64, CallError> {
    let mut hi = match request.gas {
        Some(gas) if gas >= TX_GAS => gas,
        _ => prepared.env.block_env.gas_limit,
    };
    let probe = prepared.tx(request, hi)?;
    let fee_cap = if probe.is_dynamic_fee() {
        probe.max_fee_per_gas()
    } else {
        probe.gas_price().unwrap_or_default()
    };
    if fee_cap > 0 {
        let balance = prepared
            .head
            .account(&sender(request))?
            .map(|a| a.balance)
            .unwrap_or_default();
        let available = balance.saturating_sub(probe.value());
        let allowance = available / U256::from(fee_cap);
        hi = hi.min(allowance.saturating_to::<u64>());
    }
    if ctx.gas_cap != 0 {
        hi = hi.min(ctx.gas_cap);
    }
    if let Some(cap) = ctx
        .chain
        .spec()
        .is_osaka_active_at_timestamp(prepared.env.block_env.timestamp.saturating_to())
        .then_some(1u64 << 24)
    {
        hi = hi.min(cap);
    }
    Ok(hi)
}

/// Whether `request` is a value transfer to an account without code that succeeds with the
/// intrinsic gas alone (then it needs exactly that). Cheap whatever the request: at most one
/// run of 21000 gas.
fn plain_transfer(prepared: &Prepared, request: &TransactionRequest) -> Result<bool, CallError> {
    let Some(TxKind::Call(to)) = request.to else {
        return Ok(false);
    };
    if request.input.input().is_some_and(|i| !i.is_empty())
        || request.authorization_list.is_some()
        || !prepared.head.code(&to)?.is_empty()
    {
        return Ok(false);
    }
    Ok(attempt(prepared, request, TX_GAS)?.is_some_and(|r| r.is_success()))
}

/// The gas of `request` when it is a plain transfer ([`plain_transfer`]) and the sender can
/// pay for it: found without an EVM turn, as it costs one run of 21000 gas.
pub(crate) fn transfer_gas(
    ctx: &RpcContext,
    request: &TransactionRequest,
) -> Result<Option<u64>, CallError> {
    // Run on an async worker: bounded, but never pausing (see `limits`).
    let prepared = Prepared::new(ctx, None, None, None, Deadline::after(ctx.evm_timeout))?;
    let fits = ceiling(ctx, &prepared, request)? >= TX_GAS && plain_transfer(&prepared, request)?;
    Ok(fits.then_some(TX_GAS))
}

/// The outcome at `gas`, or `None` when the transaction is refused at that limit.
fn attempt(
    prepared: &Prepared,
    request: &TransactionRequest,
    gas: u64,
) -> Result<Option<ExecutionResult>, CallError> {
    let tx = prepared.tx(request, gas)?;
    match prepared.run_plain(&tx, sender(request)) {
        Ok(result) => Ok(Some(result)),
        // Too little gas for the intrinsic cost is a failure of this limit, not of the request.
        Err(CallError::Rpc(RpcError::Rejected(_))) => Ok(None),
        Err(other) => Err(other),
    }
}

fn succeeds(
    prepared: &Prepared,
    request: &TransactionRequest,
    gas: u64,
) -> Result<bool, CallError> {
    Ok(attempt(prepared, request, gas)?.is_some_and(|r| r.is_success()))
}
