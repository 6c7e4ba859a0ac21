//! One simulated block: state overrides, the fork's system calls, each call as geth's simulator
//! runs it (nonce from state, gas from what the block has left, capped by the request's gas
//! budget), receipts and requests by alloy-evm's block executor, then the header completed
//! with the state root of everything simulated so far.

use super::{
    SimulateError,
    chain::PlannedBlock,
    header::{self, Executed},
    state_root::BaseState,
    transfers::SimulationTracer,
};
use crate::CallState;
use crate::{
    call::revert_reason,
    limits::Deadline,
    messages,
    overrides::apply_overrides,
    precompiles::create_evm,
    request::{RequestDefaults, build_tx, sender, tx_env},
};
use alloy_evm::{
    Evm,
    block::{BlockExecutionError, BlockExecutor, BlockValidationError},
    eth::{EthBlockExecutionCtx, EthBlockExecutor, receipt_builder::AlloyReceiptBuilder},
};
use alloy_hardforks::EthereumHardforks;
use alloy_rpc_types_eth::{
    Block, BlockTransactions, Header as RpcHeader, Log as RpcLog,
    simulate::{SimCallResult, SimulateError as CallError, SimulatedBlock},
};
use cloister_chain::AccountChange;
use cloister_chainspec::ChainSpec;
use cloister_evm::evm_env;
use cloister_primitives::{B256, Bytes, Header, Recovered, TxEnvelope, U256};
use cloister_storage::StoreReader;
use revm::{
    Database,
    context::{
        TxEnv,
        result::{ExecutionResult, InvalidTransaction},
    },
    database::states::bundle_state::BundleRetention,
    state::EvmState,
};
use std::borrow::Cow;

/// geth's code for a call that failed inside the EVM (not a revert).
const VM_ERROR: i32 = -32015;
/// geth's code for a reverted call.
const REVERTED: i32 = 3;

/// What every block of one simulation shares.
#[derive(Debug)]
pub struct Simulation<'a> {
    /// The chain's rules.
    pub spec: &'a ChainSpec,
    /// State of the base block plus everything simulated so far.
    pub state: CallState,
    /// The snapshot state roots are computed against (the head's).
    pub reader: &'a StoreReader,
    /// How the base block's state differs from the snapshot's head state.
    pub base_state: BaseState,
    /// Run with the checks a real block has (nonces, base fee).
    pub validate: bool,
    /// Record ether transfers as logs.
    pub trace_transfers: bool,
    /// Return transaction objects instead of hashes.
    pub full_transactions: bool,
    /// Gas the remaining calls may still use (the RPC gas cap over the whole simulation).
    pub budget: u64,
    /// When the whole simulation must have ended.
    pub deadline: &'a Deadline,
}

/// A simulated block and its calls' results.
#[derive(Debug)]
pub struct BlockOutcome {
    /// The sealed header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// The block as the RPC returns it.
    pub rpc: SimulatedBlock<Block>,
}

impl Simulation<'_> {
    /// Runs `block` on top of `parent` (whose hash is `parent_hash`), from the `template` header.
    pub fn run_block(
        &mut self,
        block: PlannedBlock,
        mut header: Header,
        parent: &Header,
        parent_hash: B256,
    ) -> Result<BlockOutcome, SimulateError> {
        let spec = self.spec;
        header::link_to_parent(spec, &mut header, parent, parent_hash, self.validate);
        let mut env = evm_env(spec, &header);
        env.cfg_env.disable_eip3607 = true;
        env.cfg_env.tx_gas_limit_cap = Some(u64::MAX);
        if !self.validate {
            env.cfg_env.disable_nonce_check = true;
            env.cfg_env.disable_base_fee = true;
        }
        if let Some(fee) = block.overrides.blob_base_fee
            && let Some(blob) = env.block_env.blob_excess_gas_and_price.as_mut()
        {
            blob.blob_gasprice = fee.saturating_to();
        }
        let shanghai = spec.is_shanghai_active_at_timestamp(header.timestamp);
        self.deadline.check()?;
        let tracer = (
            SimulationTracer::new(self.trace_transfers),
            self.deadline.inspector(),
        );
        let mut evm = create_evm(spec, &mut self.state, env, tracer);
        if let Some(overrides) = block.state_overrides {
            let (db, _, precompiles) = evm.components_mut();
            apply_overrides(overrides, db, precompiles.reachable_mut())?;
        }
        let exec_ctx = EthBlockExecutionCtx {
            parent_hash,
            parent_beacon_block_root: header.parent_beacon_block_root,
            ommers: &[],
            withdrawals: shanghai.then(|| Cow::Owned(Vec::new())),
            extra_data: Bytes::new(),
            tx_count_hint: Some(block.calls.len()),
            slot_number: None,
        };
        let mut executor =
            EthBlockExecutor::new(evm, exec_ctx, spec, AlloyReceiptBuilder::default());
        executor.apply_pre_execution_changes().map_err(internal)?;

        let mut transactions = Vec::with_capacity(block.calls.len());
        let mut calls = Vec::with_capacity(block.calls.len());
        let mut block_gas_used = 0u64;
        for (index, call) in block.calls.iter().enumerate() {
            let from = sender(call);
            let state_nonce = executor
                .evm_mut()
                .db_mut()
                .basic(from)
                .map_err(internal)?
                .map(|a| a.nonce)
                .unwrap_or_default();
            let nonce = call.nonce.unwrap_or(state_nonce);
            if self.validate {
                // geth checks nonces before fees; revm the other way round.
                check_nonce(nonce, state_nonce, from, call.gas.unwrap_or_default())?;
            }
            let remaining = header.gas_limit.saturating_sub(block_gas_used);
            let wanted = call.gas.unwrap_or(remaining);
            if remaining < wanted {
                return Err(SimulateError::BlockGasLimitReached {
                    remaining,
                    required: wanted,
                });
            }
            let gas = wanted.min(self.budget);
            let defaults = RequestDefaults {
                chain_id: spec.chain_id(),
                nonce,
                gas,
                london: header.base_fee_per_gas.is_some(),
            };
            let tx = build_tx(call, defaults).map_err(|e| SimulateError::BadCall(e.to_string()))?;
            let tx_hash = *tx.tx_hash();
            executor.evm_mut().inspector_mut().0.reset();
            let mut env = tx_env(&tx, from);
            let is_call = env.kind.is_call();
            if !self.validate {
                nonce_unchecked(&mut env);
            }
            let mut output = executor
                .execute_transaction_without_commit((
                    env,
                    Recovered::new_unchecked(tx.clone(), from),
                ))
                .map_err(|err| refused(err, from, gas))?;
            executor.evm_mut().inspector_mut().1.check()?;
            if is_call && state_nonce == u64::MAX {
                wrap_nonce(&mut output.result.state, from);
            }
            let result = output.result.result.clone();
            executor.commit_transaction(output);
            let used = result.tx_gas_used();
            block_gas_used = block_gas_used.saturating_add(used);
            if used > self.budget {
                return Err(SimulateError::GasCapExhausted {
                    need: used,
                    remaining: self.budget,
                });
            }
            self.budget -= used;
            let logs = executor.evm_mut().inspector_mut().0.take_logs();
            calls.push(call_result(&result, logs, &header, tx_hash, index as u64));
            transactions.push(Recovered::new_unchecked(tx, from));
        }

        let (evm, result) = executor.finish().map_err(internal)?;
        drop(evm);
        self.state.merge_transitions(BundleRetention::Reverts);
        let changes = AccountChange::from_bundle(&self.state.bundle_state);
        let state_root = self
            .base_state
            .state_root(self.reader, &changes)
            .map_err(internal)?;
        let envelopes: Vec<TxEnvelope> = transactions.iter().map(|t| t.inner().clone()).collect();
        header::seal(
            spec,
            &mut header,
            Executed {
                transactions: &envelopes,
                receipts: &result.receipts,
                gas_used: result.gas_used,
                blob_gas_used: result.blob_gas_used,
                requests: &result.requests,
                state_root,
            },
        );
        let hash = header.hash_slow();
        self.state.block_hashes.insert(header.number, hash);
        for call in &mut calls {
            for log in &mut call.logs {
                log.block_hash = Some(hash);
            }
        }
        let size = header::block_size(&header, &envelopes, shanghai);
        let rpc = rpc_block(
            &header,
            hash,
            size,
            transactions,
            calls,
            self.full_transactions,
            shanghai,
        );
        Ok(BlockOutcome { header, hash, rpc })
    }
}

/// With nonce checks off, geth runs a call whatever its nonce, even the highest; revm refuses
/// that one outright, so the EVM sees another (a call's nonce only matters to nonce checks,
/// and the transaction object keeps the real one).
fn nonce_unchecked(env: &mut TxEnv) {
    if env.kind.is_call() && env.nonce == u64::MAX {
        env.nonce = 0;
    }
}

/// geth increments a caller's nonce as a `uint64`, so a call from the highest nonce leaves
/// nonce 0; revm saturates and leaves it at the highest.
fn wrap_nonce(state: &mut EvmState, from: cloister_primitives::Address) {
    if let Some(account) = state.get_mut(&from)
        && account.info.nonce == u64::MAX
    {
        account.info.nonce = 0;
    }
}

/// A call the EVM refused: geth's code for the reason, geth's message.
fn refused(
    err: BlockExecutionError,
    from: cloister_primitives::Address,
    gas: u64,
) -> SimulateError {
    match err {
        BlockExecutionError::Validation(BlockValidationError::InvalidTx { error, .. }) => {
            match error.as_invalid_tx_err() {
                Some(invalid) => SimulateError::invalid_transaction(
                    invalid,
                    messages::invalid_tx(invalid, from, gas),
                ),
                None => SimulateError::Internal(error.to_string()),
            }
        }
        BlockExecutionError::Validation(
            BlockValidationError::TransactionGasLimitMoreThanAvailableBlockGas {
                transaction_gas_limit,
                block_available_gas,
            },
        ) => SimulateError::BlockGasLimitReached {
            remaining: block_available_gas,
            required: transaction_gas_limit,
        },
        other => internal(other),
    }
}

/// geth's nonce checks, in geth's order (before any fee check).
fn check_nonce(
    nonce: u64,
    state_nonce: u64,
    from: cloister_primitives::Address,
    gas: u64,
) -> Result<(), SimulateError> {
    let reason = if nonce < state_nonce {
        InvalidTransaction::NonceTooLow {
            tx: nonce,
            state: state_nonce,
        }
    } else if nonce > state_nonce {
        InvalidTransaction::NonceTooHigh {
            tx: nonce,
            state: state_nonce,
        }
    } else if state_nonce == u64::MAX {
        InvalidTransaction::NonceOverflowInTransaction
    } else {
        return Ok(());
    };
    let message = messages::invalid_tx(&reason, from, gas);
    Err(SimulateError::invalid_transaction(&reason, message))
}

fn internal(err: impl std::fmt::Display) -> SimulateError {
    SimulateError::Internal(err.to_string())
}

/// The result object of one call.
fn call_result(
    result: &ExecutionResult,
    logs: Vec<super::transfers::IndexedLog>,
    header: &Header,
    tx_hash: B256,
    index: u64,
) -> SimCallResult {
    let logs = logs
        .into_iter()
        .map(|entry| RpcLog {
            inner: entry.log,
            block_hash: None,
            block_number: Some(header.number),
            block_timestamp: Some(header.timestamp),
            transaction_hash: Some(tx_hash),
            transaction_index: Some(index),
            log_index: Some(entry.index),
            removed: false,
        })
        .collect();
    let (return_data, error) = match result {
        ExecutionResult::Success { output, .. } => (output.data().clone(), None),
        ExecutionResult::Revert { output, .. } => {
            let message = match revert_reason(output) {
                Some(reason) => format!("execution reverted: {reason}"),
                None => "execution reverted".to_string(),
            };
            let error = CallError {
                code: REVERTED,
                message,
                data: Some(output.clone()),
            };
            // geth returns no data for a failed call; the revert bytes are in the error.
            (Bytes::new(), Some(error))
        }
        ExecutionResult::Halt { reason, .. } => {
            let error = CallError {
                code: VM_ERROR,
                message: messages::halt(reason),
                data: None,
            };
            (Bytes::new(), Some(error))
        }
    };
    SimCallResult {
        return_data,
        logs,
        gas_used: result.tx_gas_used(),
        // Gas before refunds, but never below the EIP-7623 calldata floor (geth's peak).
        max_used_gas: Some(result.gas().total_gas_spent().max(result.gas().floor_gas())),
        status: result.is_success(),
        error,
    }
}

fn rpc_block(
    header: &Header,
    hash: B256,
    size: usize,
    transactions: Vec<Recovered<TxEnvelope>>,
    calls: Vec<SimCallResult>,
    full: bool,
    shanghai: bool,
) -> SimulatedBlock<Block> {
    let transactions = if full {
        BlockTransactions::Full(
            transactions
                .into_iter()
                .enumerate()
                .map(|(i, tx)| cloister_rpc::convert::rpc_transaction(tx, header, hash, i as u64))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(
            transactions
                .iter()
                .map(|tx| *tx.inner().tx_hash())
                .collect(),
        )
    };
    SimulatedBlock {
        inner: Block {
            header: RpcHeader {
                hash,
                inner: header.clone(),
                total_difficulty: None,
                size: Some(U256::from(size)),
            },
            uncles: Vec::new(),
            transactions,
            withdrawals: shanghai.then(Default::default),
        },
        calls,
    }
}
