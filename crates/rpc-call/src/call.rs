//! eth_call: a request executed in a throwaway EVM on the state after the named block, with
//! state and block overrides, never committed. As in geth: nonce, EOA and base-fee checks are
//! off, the gas defaults to and is capped by the RPC gas cap (not the block's limit), and a
//! zero gas price also zeroes the block's base fee seen by the call.

use crate::CallState;
use crate::{
    limits::{CallError, Deadline},
    messages,
    overrides::{OverrideError, apply_block, apply_overrides},
    precompiles::create_evm,
    request::{RequestDefaults, build_tx, effective_gas_price, sender, tx_env},
};
use alloy_evm::{Evm, EvmEnv, eth::EthEvmContext};
use alloy_rpc_types_eth::{BlockId, BlockOverrides, TransactionRequest, state::StateOverride};
use alloy_sol_types::SolError;
use cloister_chainspec::ChainSpec;
use cloister_evm::{State, evm_env};
use cloister_primitives::{Address, Bytes, TxEnvelope};
use cloister_rpc::{BlockState, RpcContext, RpcError, RpcResult};
use revm::inspector::NoOpInspector;
use revm::{
    Inspector,
    context::result::{EVMError, ExecutionResult},
};
use std::sync::Arc;

/// A call's block, environment and overrides, ready to run a request any number of times.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The block the call runs on top of.
    pub head: BlockState,
    /// The EVM environment after block overrides.
    pub env: EvmEnv,
    spec: Arc<ChainSpec>,
    block_overrides: Option<BlockOverrides>,
    state_overrides: Option<StateOverride>,
    /// When every run of this call must have ended.
    deadline: Deadline,
}

impl Prepared {
    /// Resolves the block and applies the block overrides to its environment; every run must
    /// end by `deadline`.
    pub(crate) fn new(
        ctx: &RpcContext,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
        block_overrides: Option<BlockOverrides>,
        deadline: Deadline,
    ) -> RpcResult<Self> {
        let head = ctx.state_at(block)?;
        let spec = ctx.chain.spec().clone();
        let mut prepared = Self {
            env: evm_env(&spec, &head.header),
            head,
            spec,
            block_overrides,
            state_overrides,
            deadline,
        };
        let mut scratch = prepared.state();
        prepared.env = prepared.env_for(&mut scratch);
        Ok(prepared)
    }

    fn state(&self) -> CallState {
        State::builder()
            .with_database_ref(self.head.db.clone())
            .build()
    }

    /// The environment with geth's call settings and the block overrides (whose block hashes
    /// go into `state`).
    fn env_for(&self, state: &mut CallState) -> EvmEnv {
        let mut env = evm_env(&self.spec, &self.head.header);
        env.cfg_env.disable_nonce_check = true;
        env.cfg_env.disable_eip3607 = true;
        env.cfg_env.disable_base_fee = true;
        env.cfg_env.disable_block_gas_limit = true;
        env.cfg_env.tx_gas_limit_cap = Some(u64::MAX);
        if let Some(overrides) = self.block_overrides.clone() {
            apply_block(&self.spec, overrides, state, &mut env);
        }
        env
    }

    /// The base fee the (overridden) block has, if London is active.
    pub(crate) fn base_fee(&self) -> Option<u64> {
        self.head
            .header
            .base_fee_per_gas
            .map(|_| self.env.block_env.basefee)
    }

    /// The transaction geth would run for `request` with `gas`.
    pub(crate) fn tx(&self, request: &TransactionRequest, gas: u64) -> RpcResult<TxEnvelope> {
        let defaults = RequestDefaults {
            chain_id: self.spec.chain_id(),
            nonce: request.nonce.unwrap_or_default(),
            gas,
            london: self.head.header.base_fee_per_gas.is_some(),
        };
        build_tx(request, defaults).map_err(|e| RpcError::InvalidParams(e.to_string()))
    }

    /// Runs `tx` from `from` with `inspector` watching; a timeout once the deadline passes.
    pub(crate) fn run<I>(
        &self,
        tx: &TxEnvelope,
        from: Address,
        inspector: &mut I,
    ) -> Result<ExecutionResult, CallError>
    where
        I: for<'a> Inspector<EthEvmContext<&'a mut CallState>>,
    {
        self.deadline.check()?;
        let mut bound = self.deadline.inspector();
        let mut state = self.state();
        let mut env = self.env_for(&mut state);
        let tx_env = tx_env(tx, from);
        if effective_gas_price(tx, self.base_fee()) == 0 {
            env.block_env.basefee = 0;
        }
        if tx_env.max_fee_per_blob_gas == 0
            && let Some(blob) = env.block_env.blob_excess_gas_and_price.as_mut()
        {
            blob.blob_gasprice = 0;
        }
        let mut evm = create_evm(&self.spec, &mut state, env, (inspector, &mut bound));
        if let Some(overrides) = self.state_overrides.clone() {
            let (db, _, precompiles) = evm.components_mut();
            apply_overrides(overrides, db, precompiles.reachable_mut()).map_err(override_error)?;
        }
        let gas = tx_env.gas_limit;
        let outcome = evm.transact(tx_env).map_err(|err| match err {
            EVMError::Transaction(invalid) => {
                RpcError::Rejected(messages::invalid_tx(&invalid, from, gas))
            }
            other => RpcError::internal(other),
        })?;
        drop(evm);
        bound.check()?;
        Ok(outcome.result)
    }

    /// Runs `tx` with no inspector but the deadline's.
    pub(crate) fn run_plain(
        &self,
        tx: &TxEnvelope,
        from: Address,
    ) -> Result<ExecutionResult, CallError> {
        self.run(tx, from, &mut NoOpInspector)
    }
}

/// Gas of a call: the request's, capped by the RPC gas cap (geth's `CallDefaults`).
pub(crate) fn call_gas(ctx: &RpcContext, request: &TransactionRequest) -> u64 {
    let cap = if ctx.gas_cap == 0 {
        u64::MAX / 2
    } else {
        ctx.gas_cap
    };
    request.gas.map_or(cap, |gas| gas.min(cap))
}

/// eth_call, ending by `deadline`.
pub(crate) fn call(
    ctx: &RpcContext,
    request: TransactionRequest,
    block: Option<BlockId>,
    state_overrides: Option<StateOverride>,
    block_overrides: Option<BlockOverrides>,
    deadline: Deadline,
) -> Result<Bytes, CallError> {
    let prepared = Prepared::new(ctx, block, state_overrides, block_overrides, deadline)?;
    let tx = prepared.tx(&request, call_gas(ctx, &request))?;
    match prepared.run_plain(&tx, sender(&request))? {
        ExecutionResult::Success { output, .. } => Ok(output.into_data()),
        ExecutionResult::Revert { output, .. } => Err(reverted(output).into()),
        ExecutionResult::Halt { reason, .. } => {
            Err(RpcError::Halted(messages::halt(&reason)).into())
        }
    }
}

/// The error of a reverted call: code 3, the decoded reason in the message, the bytes as data.
pub(crate) fn reverted(output: Bytes) -> RpcError {
    RpcError::Reverted {
        reason: revert_reason(&output),
        data: output,
    }
}

/// The reason geth shows for revert data: an `Error(string)` message or a `Panic(uint)` text.
pub(crate) fn revert_reason(output: &[u8]) -> Option<String> {
    if let Ok(revert) = alloy_sol_types::Revert::abi_decode(output) {
        return Some(revert.reason);
    }
    alloy_sol_types::Panic::abi_decode(output)
        .ok()
        .map(|panic| panic_text(panic.code.saturating_to::<u64>()))
}

/// geth's wording of Solidity panic codes.
fn panic_text(code: u64) -> String {
    match code {
        0x00 => "generic panic".into(),
        0x01 => "assert(false)".into(),
        0x11 => "arithmetic underflow or overflow".into(),
        0x12 => "division or modulo by zero".into(),
        0x21 => "enum overflow".into(),
        0x22 => "invalid encoded storage byte array accessed".into(),
        0x31 => "out-of-bounds array access; popping on an empty array".into(),
        0x32 => "out-of-bounds access of an array or bytesN".into(),
        0x41 => "out of memory".into(),
        0x51 => "uninitialized function".into(),
        other => format!("unknown panic code: {other:#x}"),
    }
}

/// Overrides that cannot apply are the caller's error, reported as geth does (-32000).
pub(crate) fn override_error(err: OverrideError) -> RpcError {
    RpcError::Rejected(err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_data_reads_as_geth() {
        let data = cloister_primitives::hex::decode(
            "4e487b710000000000000000000000000000000000000000000000000000000000000001",
        )
        .unwrap();
        assert_eq!(revert_reason(&data).as_deref(), Some("assert(false)"));
    }

    #[test]
    fn error_string_reads_as_its_reason() {
        let data = alloy_sol_types::Revert::from("user error").abi_encode();
        assert_eq!(revert_reason(&data).as_deref(), Some("user error"));
    }
}
