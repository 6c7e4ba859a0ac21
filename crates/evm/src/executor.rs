//! Block execution on alloy-evm's Ethereum executor: pre-execution system calls (EIP-2935,
//! EIP-4788), transactions, post-execution requests (EIP-6110/7002/7251), rewards and
//! withdrawals, all chosen per fork by the chain spec.

use crate::{CloisterEvmFactory, ExecutionError, HasStorageRef, StateDb};
use alloy_consensus::Eip658Value;
use alloy_eips::{eip4895::Withdrawal, eip7685::Requests};
use alloy_eips::{
    eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
};
use alloy_evm::Evm;
use alloy_evm::{
    EvmEnv,
    block::{BlockExecutionError, BlockExecutor, BlockValidationError},
    eth::{EthBlockExecutionCtx, EthBlockExecutor, receipt_builder::AlloyReceiptBuilder},
};
use cloister_chainspec::ChainSpec;
use cloister_chainspec::EthereumHardforks;
use cloister_primitives::{Address, B256, Header, ReceiptEnvelope, RecoveredTx};
use revm::primitives::KECCAK_EMPTY;
use revm::{
    DatabaseRef,
    context::result::{EVMError, ExecutionResult, HaltReason},
    database::{BundleState, State, WrapDatabaseRef, states::bundle_state::BundleRetention},
};
use std::borrow::Cow;

/// What execution needs to know about the block besides its transactions.
#[derive(Debug, Clone, Copy)]
pub struct BlockInput<'a> {
    /// The block's header as known before execution: number, timestamp, beneficiary, gas limit,
    /// base fee, prevrandao (mix hash), excess blob gas, parent hash, parent beacon root.
    pub header: &'a Header,
    /// Uncles (pre-merge blocks only).
    pub ommers: &'a [Header],
    /// Withdrawals (from Shanghai).
    pub withdrawals: Option<&'a [Withdrawal]>,
}

/// The outcome of executing a block.
#[derive(Debug)]
pub struct ExecutedBlock {
    /// The transactions that are in the block (for a built block: those that were included).
    pub transactions: Vec<RecoveredTx>,
    /// One receipt per transaction.
    pub receipts: Vec<ReceiptEnvelope>,
    /// Gas used by the block.
    pub gas_used: u64,
    /// Blob gas used by the block.
    pub blob_gas_used: u64,
    /// EIP-7685 requests (empty before Prague).
    pub requests: Requests,
    /// Every state change of the block.
    pub bundle: BundleState,
}

/// A candidate that [`build_block`] left out, and why.
#[derive(Debug)]
pub struct SkippedTx {
    /// The transaction.
    pub tx: RecoveredTx,
    /// revm's or alloy-evm's reason.
    pub reason: String,
}

/// Where [`build_block`] takes candidates from: best first, nonce order per sender.
pub trait TxSource {
    /// The next candidate, if any.
    fn next_tx(&mut self) -> Option<RecoveredTx>;
    /// Skip the remaining transactions of `sender` (one of its transactions did not fit).
    fn skip_sender(&mut self, sender: Address);
}

/// The EVM environment of the block whose header is `header`.
pub fn evm_env(spec: &ChainSpec, header: &Header) -> EvmEnv {
    EvmEnv::for_eth_block(
        header,
        spec,
        spec.chain_id(),
        spec.blob_params_at_timestamp(header.timestamp),
    )
}

/// Replays the given transactions; any invalid one makes the block invalid.
pub fn execute_block(
    spec: &ChainSpec,
    db: StateDb,
    input: BlockInput<'_>,
    txs: Vec<RecoveredTx>,
) -> Result<ExecutedBlock, ExecutionError> {
    let mut source = txs.into_iter();
    let mut strict = StrictSource { txs: &mut source };
    run(spec, db, input, &mut strict, usize::MAX, true, None).map(|(block, _)| block)
}

/// Computes the state root of the state so far from the block's changes up to now.
pub type IntermediateRoot<'a> = dyn FnMut(&BundleState) -> Result<B256, ExecutionError> + 'a;

/// Like [`execute_block`], but for blocks before Byzantium, whose receipts carry the state
/// root after each transaction (EIP-658 replaced it by a status): `intermediate_root` is asked
/// for that root after every transaction.
pub fn execute_block_pre_byzantium(
    spec: &ChainSpec,
    db: StateDb,
    input: BlockInput<'_>,
    txs: Vec<RecoveredTx>,
    intermediate_root: &mut IntermediateRoot<'_>,
) -> Result<ExecutedBlock, ExecutionError> {
    let mut source = txs.into_iter();
    let mut strict = StrictSource { txs: &mut source };
    run(
        spec,
        db,
        input,
        &mut strict,
        usize::MAX,
        true,
        Some(intermediate_root),
    )
    .map(|(block, _)| block)
}

/// Fills a new block from `source` until it runs dry, the block's gas runs out or `max_txs`
/// are included. Returns the block and the candidates that were skipped.
pub fn build_block(
    spec: &ChainSpec,
    db: StateDb,
    input: BlockInput<'_>,
    source: &mut dyn TxSource,
    max_txs: usize,
) -> Result<(ExecutedBlock, Vec<SkippedTx>), ExecutionError> {
    run(spec, db, input, source, max_txs, false, None)
}

struct StrictSource<'a, I: Iterator<Item = RecoveredTx>> {
    txs: &'a mut I,
}

impl<I: Iterator<Item = RecoveredTx>> TxSource for StrictSource<'_, I> {
    fn next_tx(&mut self) -> Option<RecoveredTx> {
        self.txs.next()
    }
    fn skip_sender(&mut self, _sender: Address) {}
}

/// Smallest gas a transaction can use: once less than this is left the block is full.
const MIN_TX_GAS: u64 = 21_000;

fn run(
    spec: &ChainSpec,
    db: StateDb,
    input: BlockInput<'_>,
    source: &mut dyn TxSource,
    max_txs: usize,
    strict: bool,
    mut intermediate_root: Option<&mut IntermediateRoot<'_>>,
) -> Result<(ExecutedBlock, Vec<SkippedTx>), ExecutionError> {
    let header = input.header;
    let mut state = State::builder()
        .with_database_ref(db)
        .with_bundle_update()
        .build();
    let evm = CloisterEvmFactory::for_spec(spec).create_evm(&mut state, evm_env(spec, header));
    let ctx = EthBlockExecutionCtx {
        parent_hash: header.parent_hash,
        parent_beacon_block_root: header.parent_beacon_block_root,
        ommers: input.ommers,
        withdrawals: input.withdrawals.map(Cow::Borrowed),
        extra_data: header.extra_data.clone(),
        tx_count_hint: None,
        slot_number: None,
    };
    let mut executor = EthBlockExecutor::new(evm, ctx, spec, AlloyReceiptBuilder::default());
    executor
        .apply_pre_execution_changes()
        .map_err(block_error)?;

    let mut included = Vec::new();
    let mut skipped = Vec::new();
    let mut post_states = Vec::new();
    while included.len() < max_txs {
        let Some(tx) = source.next_tx() else { break };
        match executor.execute_transaction(&tx) {
            Ok(_) => included.push(tx),
            Err(err) if strict => return Err(block_error(err)),
            Err(BlockExecutionError::Validation(reason)) => {
                source.skip_sender(tx.signer());
                skipped.push(SkippedTx {
                    reason: reason.to_string(),
                    tx,
                });
            }
            Err(err) => return Err(block_error(err)),
        }
        if let Some(root_of) = intermediate_root.as_mut() {
            let state = executor.evm_mut().db_mut();
            state.merge_transitions(BundleRetention::PlainState);
            post_states.push(root_of(&state.bundle_state)?);
        }
        if !strict
            && header
                .gas_limit
                .saturating_sub(executor.cumulative_tx_gas_used)
                < MIN_TX_GAS
        {
            break;
        }
    }

    if strict && spec.is_prague_active_at_timestamp(header.timestamp) {
        require_request_contracts(executor.evm_mut().db_mut())?;
    }
    let (_, mut result) = executor.finish().map_err(block_error)?;
    state.merge_transitions(BundleRetention::PlainState);
    for (receipt, root) in result.receipts.iter_mut().zip(post_states) {
        if let ReceiptEnvelope::Legacy(legacy) = receipt {
            legacy.receipt.status = Eip658Value::PostState(root);
        }
    }
    let block = ExecutedBlock {
        transactions: included,
        receipts: result.receipts,
        gas_used: result.gas_used,
        blob_gas_used: result.blob_gas_used,
        requests: result.requests,
        bundle: state.take_bundle(),
    };
    Ok((block, skipped))
}

/// EIP-7002 and EIP-7251: a Prague block whose request contracts have no code is invalid (geth
/// and the execution specs refuse it; alloy-evm would call the empty account and succeed).
fn require_request_contracts(
    state: &mut State<WrapDatabaseRef<StateDb>>,
) -> Result<(), ExecutionError> {
    for address in [
        WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
        CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
    ] {
        let account = revm::Database::basic(state, address)
            .map_err(|err| ExecutionError::State(err.to_string()))?;
        if account.is_none_or(|info| info.code_hash == KECCAK_EMPTY) {
            return Err(ExecutionError::InvalidBlock(format!(
                "system contract {address} has no code"
            )));
        }
    }
    Ok(())
}

fn block_error(err: BlockExecutionError) -> ExecutionError {
    match err {
        BlockExecutionError::Validation(BlockValidationError::InvalidTx { hash, error }) => {
            ExecutionError::InvalidTransaction {
                hash,
                reason: error.to_string(),
            }
        }
        BlockExecutionError::Validation(other) => ExecutionError::InvalidBlock(other.to_string()),
        BlockExecutionError::Internal(internal) => ExecutionError::State(internal.to_string()),
    }
}

/// What one transaction did outside a block (state tests): revm's result and its changes.
#[derive(Debug)]
pub struct TransactOutcome {
    /// Success, revert or halt, with gas and logs.
    pub result: ExecutionResult<HaltReason>,
    /// The state changes, the sender's fee and the beneficiary's tip included.
    pub bundle: BundleState,
}

/// Runs one transaction against `db` in the block environment of `header`, with no block-level
/// work (no system calls, rewards or withdrawals): what the state tests check.
pub fn transact<DB>(
    spec: &ChainSpec,
    db: DB,
    header: &Header,
    tx: &RecoveredTx,
) -> Result<TransactOutcome, ExecutionError>
where
    DB: DatabaseRef + HasStorageRef + std::fmt::Debug,
    DB::Error: std::error::Error + Send + Sync + 'static,
{
    let mut state = State::builder()
        .with_database_ref(db)
        .with_bundle_update()
        .build();
    let mut evm = CloisterEvmFactory::for_spec(spec).create_evm(&mut state, evm_env(spec, header));
    let result = evm.transact_commit(tx).map_err(|err| match err {
        EVMError::Transaction(invalid) => ExecutionError::InvalidTransaction {
            hash: *tx.tx_hash(),
            reason: invalid.to_string(),
        },
        EVMError::Header(invalid) => ExecutionError::InvalidBlock(invalid.to_string()),
        other => ExecutionError::State(other.to_string()),
    })?;
    drop(evm);
    state.merge_transitions(BundleRetention::PlainState);
    Ok(TransactOutcome {
        result,
        bundle: state.take_bundle(),
    })
}
