//! Block execution on alloy-evm's Ethereum executor: pre-execution system calls (EIP-2935,
//! EIP-4788), transactions, post-execution requests (EIP-6110/7002/7251), rewards and
//! withdrawals, all chosen per fork by the chain spec.

use crate::{ExecutionError, StateDb};
use alloy_eips::{eip4895::Withdrawal, eip7685::Requests};
use alloy_evm::{
    EvmEnv, EvmFactory,
    block::{BlockExecutionError, BlockExecutor, BlockValidationError},
    eth::{
        EthBlockExecutionCtx, EthBlockExecutor, EthEvmFactory, receipt_builder::AlloyReceiptBuilder,
    },
};
use cloister_chainspec::ChainSpec;
use cloister_primitives::{Address, Header, ReceiptEnvelope, RecoveredTx};
use revm::database::{BundleState, State, states::bundle_state::BundleRetention};
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
    run(spec, db, input, &mut strict, usize::MAX, true).map(|(block, _)| block)
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
    run(spec, db, input, source, max_txs, false)
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
) -> Result<(ExecutedBlock, Vec<SkippedTx>), ExecutionError> {
    let header = input.header;
    let mut state = State::builder()
        .with_database_ref(db)
        .with_bundle_update()
        .build();
    let evm = EthEvmFactory::default().create_evm(&mut state, evm_env(spec, header));
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
        if !strict
            && header
                .gas_limit
                .saturating_sub(executor.cumulative_tx_gas_used)
                < MIN_TX_GAS
        {
            break;
        }
    }

    let (_, result) = executor.finish().map_err(block_error)?;
    state.merge_transitions(BundleRetention::PlainState);
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
