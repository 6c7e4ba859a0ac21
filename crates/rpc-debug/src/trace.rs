//! The tracing methods: a mined transaction, every transaction of a mined block, and a call
//! request on the state after a block (with geth's state and block overrides).

use crate::{
    DebugError,
    replay::{BlockReplay, replay_state},
    tracer,
};
use alloy_evm::{
    Evm,
    overrides::{apply_block_overrides, apply_state_overrides},
    rpc::TryIntoTxEnv,
};
use alloy_rpc_types_eth::{BlockId, TransactionRequest};
use alloy_rpc_types_trace::geth::{
    GethDebugTracingCallOptions, GethDebugTracingOptions, GethTrace, TraceResult,
};
use cloister_evm::{CloisterEvmFactory, evm_env};
use cloister_primitives::B256;
use cloister_rpc::RpcContext;
use cloister_rpc_call::Deadline;
use revm::context::{TxEnv, result::EVMError};
use revm_inspectors::tracing::TransactionContext;

/// One entry of a block trace: `{txHash, result}` as geth answers.
pub type BlockTraceEntry = TraceResult;

/// Traces the mined transaction `hash` on the state it originally ran on, by `deadline`.
pub(crate) fn transaction(
    ctx: &RpcContext,
    hash: B256,
    options: Option<GethDebugTracingOptions>,
    deadline: &Deadline,
) -> Result<GethTrace, DebugError> {
    let mut inspector = tracer::inspector(options)?;
    let head = ctx.chain.head();
    let at = head
        .reader
        .tx_location(&hash)?
        .ok_or(DebugError::TransactionNotFound)?;
    let mut replay = BlockReplay::open(ctx, at.block)?;
    let index = usize::try_from(at.index).unwrap_or(usize::MAX);
    if index >= replay.transactions.len() {
        return Err(DebugError::TransactionNotFound);
    }
    replay.skip_to(index, deadline)?;
    let (_, trace) = replay.trace_next(&mut inspector, deadline)?;
    Ok(trace)
}

/// Traces every transaction of block `number`, in order, by `deadline`.
pub(crate) fn block_by_number(
    ctx: &RpcContext,
    number: u64,
    options: Option<GethDebugTracingOptions>,
    deadline: &Deadline,
) -> Result<Vec<BlockTraceEntry>, DebugError> {
    let mut inspector = tracer::inspector(options)?;
    let mut replay = BlockReplay::open(ctx, number)?;
    let mut entries = Vec::with_capacity(replay.transactions.len());
    while replay.has_next() {
        let (tx_hash, trace) = replay.trace_next(&mut inspector, deadline)?;
        entries.push(TraceResult::Success {
            result: trace,
            tx_hash: Some(tx_hash),
        });
    }
    Ok(entries)
}

/// Traces every transaction of the canonical block `hash`, by `deadline`.
pub(crate) fn block_by_hash(
    ctx: &RpcContext,
    hash: B256,
    options: Option<GethDebugTracingOptions>,
    deadline: &Deadline,
) -> Result<Vec<BlockTraceEntry>, DebugError> {
    let number = ctx
        .chain
        .head()
        .reader
        .block_number(&hash)?
        .ok_or(DebugError::BlockHashNotFound(hash))?;
    block_by_number(ctx, number, options, deadline)
}

/// Traces `request` as a call on the state after `block` (default latest), in that block's
/// environment; nonce and EOA checks are off, as are fee checks when the request names no fee.
/// Execution halts at `deadline` (geth's timeout error).
pub(crate) fn call(
    ctx: &RpcContext,
    mut request: TransactionRequest,
    block: Option<BlockId>,
    options: Option<GethDebugTracingCallOptions>,
    deadline: &Deadline,
) -> Result<GethTrace, DebugError> {
    let options = options.unwrap_or_default();
    let mut inspector = tracer::inspector(Some(options.tracing_options))?;
    let at = ctx.state_at(block)?;
    let spec = ctx.chain.spec();
    let mut env = evm_env(spec, &at.header);
    env.cfg_env.disable_nonce_check = true;
    env.cfg_env.disable_eip3607 = true;
    if request.gas_price.is_none() && request.max_fee_per_gas.is_none() {
        env.cfg_env.disable_base_fee = true;
    }
    let mut state = replay_state(at.db);
    if let Some(overrides) = options.block_overrides {
        apply_block_overrides(overrides, &mut state, &mut env.block_env);
    }
    if let Some(overrides) = options.state_overrides {
        apply_state_overrides(overrides, &mut state)
            .map_err(|err| DebugError::InvalidRequest(err.to_string()))?;
    }
    let ceiling = ctx
        .gas_cap
        .min(env.block_env.gas_limit)
        .min(env.cfg_env.tx_gas_limit_cap.unwrap_or(u64::MAX));
    request.gas = Some(request.gas.unwrap_or(ceiling).min(ceiling));
    let tx_env: TxEnv = request
        .try_into_tx_env(&env)
        .map_err(|err| DebugError::InvalidRequest(err.to_string()))?;
    let mut bound = deadline.inspector();
    let outcome = {
        let mut evm = CloisterEvmFactory::for_spec(spec).create_evm_with_inspector(
            &mut state,
            env.clone(),
            (&mut inspector, &mut bound),
        );
        evm.transact(tx_env.clone()).map_err(|err| match err {
            EVMError::Transaction(invalid) => DebugError::InvalidTransaction(invalid.to_string()),
            EVMError::Header(invalid) => DebugError::InvalidTransaction(invalid.to_string()),
            EVMError::Database(db) => DebugError::State(db),
            other => DebugError::InvalidRequest(other.to_string()),
        })?
    };
    bound.check()?;
    tracer::finish(
        &mut inspector,
        TransactionContext::default(),
        &tx_env,
        &env,
        &outcome,
        &mut state,
    )
}
