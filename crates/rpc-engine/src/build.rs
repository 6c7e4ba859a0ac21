//! Building (never committing) a block on the head for `testing_buildBlockV1`: the header from
//! the payload attributes, execution of the given transactions (or the pool's best), the state
//! root from the execution bundle, then the payload envelope.

use crate::{
    EngineRpcError,
    payload::{PayloadBody, PayloadEnvelope, envelope},
};
use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, proofs};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_rpc_types_engine::PayloadAttributes;
use cloister_chain::{PoolSource, StateChanges, finish_header};
use cloister_chainspec::{ChainSpec, EthereumHardforks};
use cloister_evm::{BlockInput, ExecutedBlock, ExecutionError, StateDb};
use cloister_primitives::{
    B256, Bytes, Decodable2718, Header, RecoveredTx, Transaction, TxEnvelope, U256, recover_signer,
};
use cloister_rpc::RpcContext;

/// Settings of the `testing_` namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestingConfig {
    /// The gas limit built blocks move toward (at most 1/1024 of the parent's per block), like
    /// geth's `--miner.gaslimit`; hive passes it as HIVE_TARGET_GAS_LIMIT.
    pub target_gas_limit: u64,
}

/// geth's default gas ceiling, and what hive's rpc-compat chain expects.
pub const DEFAULT_TARGET_GAS_LIMIT: u64 = 60_000_000;

impl Default for TestingConfig {
    fn default() -> Self {
        Self {
            target_gas_limit: DEFAULT_TARGET_GAS_LIMIT,
        }
    }
}

/// The lowest gas limit a block may have.
const MIN_GAS_LIMIT: u64 = 5_000;
/// A block's gas limit may differ from its parent's by less than parent / this.
const GAS_LIMIT_BOUND_DIVISOR: u64 = 1_024;
/// Most pool transactions tried in one built block.
const MAX_POOL_TXS: usize = 20_000;

/// The gas limit of a child of a block with `parent_limit`, one allowed step toward `target`.
pub fn next_gas_limit(parent_limit: u64, target: u64) -> u64 {
    let target = target.max(MIN_GAS_LIMIT);
    // One less than the bound, so the step is strictly inside it.
    let step = (parent_limit / GAS_LIMIT_BOUND_DIVISOR).saturating_sub(1);
    if parent_limit < target {
        (parent_limit + step).min(target)
    } else {
        parent_limit.saturating_sub(step).max(target)
    }
}

/// Transactions to put in the block: the caller's (all must apply) or the pool's (best first,
/// invalid ones skipped).
#[derive(Debug)]
pub enum BlockTransactions {
    /// Raw EIP-2718 transactions, in order.
    Given(Vec<Bytes>),
    /// Whatever the pool holds.
    Pool,
}

/// What `testing_buildBlockV1` asks for.
#[derive(Debug)]
pub struct BuildRequest {
    /// Hash of the parent (must be the head).
    pub parent_hash: B256,
    /// Timestamp, fee recipient, randao, withdrawals, beacon root.
    pub attributes: PayloadAttributes,
    /// The transactions.
    pub transactions: BlockTransactions,
    /// Header extra data.
    pub extra_data: Bytes,
}

/// Builds the block `request` describes on top of the head, without committing it.
pub fn build_payload(
    ctx: &RpcContext,
    config: &TestingConfig,
    request: BuildRequest,
) -> Result<PayloadEnvelope, EngineRpcError> {
    let spec = ctx.chain.spec();
    let head = ctx.chain.head();
    if request.parent_hash != head.hash {
        // State roots are computed against the head's tries, so only the head can be a parent.
        return Err(match head.reader.block_number(&request.parent_hash)? {
            Some(_) => EngineRpcError::Build("parent is not the head of the chain".into()),
            None => EngineRpcError::Build(format!("unknown parent {}", request.parent_hash)),
        });
    }
    let attributes = &request.attributes;
    if attributes.timestamp <= head.header.timestamp {
        return Err(EngineRpcError::InvalidPayloadAttributes(format!(
            "timestamp {} is not after the parent's {}",
            attributes.timestamp, head.header.timestamp
        )));
    }
    let mut header = next_header(spec, &head.header, head.hash, config, &request);
    let withdrawals = attributes.withdrawals.clone().unwrap_or_default();
    let input = BlockInput {
        header: &header,
        ommers: &[],
        withdrawals: header
            .withdrawals_root
            .is_some()
            .then_some(withdrawals.as_slice()),
    };
    let db = StateDb::new(head.reader.clone());
    let executed = match request.transactions {
        BlockTransactions::Given(raw) => {
            cloister_evm::execute_block(spec, db, input, decode_transactions(&raw)?)
                .map_err(execution_error)?
        }
        BlockTransactions::Pool => {
            let base_fee = header.base_fee_per_gas.unwrap_or_default();
            let mut source = PoolSource::new(ctx.pool.best_transactions(base_fee));
            cloister_evm::build_block(spec, db, input, &mut source, MAX_POOL_TXS)
                .map_err(execution_error)?
                .0
        }
    };
    let state_root = StateChanges::from_executed(&head.reader, &executed)
        .map_err(EngineRpcError::internal)?
        .state_root;
    finish_header(&mut header, &executed, state_root);
    let hash = header.hash_slow();
    let transactions: Vec<TxEnvelope> = executed
        .transactions
        .iter()
        .map(|tx| tx.inner().clone())
        .collect();
    Ok(envelope(PayloadBody {
        header: &header,
        hash,
        transactions: &transactions,
        withdrawals: if header.withdrawals_root.is_some() {
            withdrawals
        } else {
            Vec::new()
        },
        block_value: block_value(&executed, header.base_fee_per_gas.unwrap_or_default()),
        requests: &executed.requests,
    }))
}

/// The header known before execution, per fork.
fn next_header(
    spec: &ChainSpec,
    parent: &Header,
    parent_hash: B256,
    config: &TestingConfig,
    request: &BuildRequest,
) -> Header {
    let attributes = &request.attributes;
    let number = parent.number + 1;
    let timestamp = attributes.timestamp;
    let cancun = spec.is_cancun_active_at_timestamp(timestamp);
    let base_fee = spec.is_london_active_at_block(number).then(|| {
        parent
            .next_block_base_fee(BaseFeeParams::ethereum())
            .unwrap_or(alloy_eips::eip1559::INITIAL_BASE_FEE)
    });
    let excess_blob_gas = cancun.then(|| {
        spec.blob_params_at_timestamp(timestamp)
            .and_then(|params| parent.next_block_excess_blob_gas(params))
            .unwrap_or_default()
    });
    let withdrawals_root = spec.is_shanghai_active_at_timestamp(timestamp).then(|| {
        proofs::calculate_withdrawals_root(attributes.withdrawals.as_deref().unwrap_or_default())
    });
    Header {
        parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: attributes.suggested_fee_recipient,
        difficulty: U256::ZERO,
        number,
        gas_limit: next_gas_limit(parent.gas_limit, config.target_gas_limit),
        timestamp,
        extra_data: request.extra_data.clone(),
        mix_hash: attributes.prev_randao,
        base_fee_per_gas: base_fee,
        withdrawals_root,
        blob_gas_used: cancun.then_some(0),
        excess_blob_gas,
        parent_beacon_block_root: cancun
            .then(|| attributes.parent_beacon_block_root.unwrap_or_default()),
        requests_hash: spec
            .is_prague_active_at_timestamp(timestamp)
            .then_some(alloy_eips::eip7685::EMPTY_REQUESTS_HASH),
        ..Default::default()
    }
}

/// Priority fees the block pays its fee recipient.
fn block_value(block: &ExecutedBlock, base_fee: u64) -> U256 {
    let mut previous_cumulative = 0;
    block
        .transactions
        .iter()
        .zip(&block.receipts)
        .map(|(tx, receipt)| {
            let cumulative = receipt.cumulative_gas_used();
            let gas_used = cumulative - previous_cumulative;
            previous_cumulative = cumulative;
            let tip = tx.effective_tip_per_gas(base_fee).unwrap_or_default();
            U256::from(tip) * U256::from(gas_used)
        })
        .sum()
}

fn decode_transactions(raw: &[Bytes]) -> Result<Vec<RecoveredTx>, EngineRpcError> {
    raw.iter()
        .map(|bytes| {
            let tx = TxEnvelope::decode_2718(&mut bytes.as_ref()).map_err(|err| {
                EngineRpcError::InvalidParams(format!("invalid transaction: {err}"))
            })?;
            let signer = recover_signer(&tx).map_err(|err| {
                EngineRpcError::InvalidParams(format!("invalid transaction signature: {err}"))
            })?;
            Ok(RecoveredTx::new_unchecked(tx, signer))
        })
        .collect()
}

fn execution_error(err: ExecutionError) -> EngineRpcError {
    match err {
        ExecutionError::InvalidTransaction { reason, .. } => EngineRpcError::Build(reason),
        ExecutionError::InvalidBlock(reason) => EngineRpcError::Build(reason),
        other => EngineRpcError::internal(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gas_limit_steps_toward_target_like_geth() {
        // The fixtures' parent has 200M and the child 0xbe8c711 with a 60M target.
        assert_eq!(next_gas_limit(200_000_000, 60_000_000), 0xbe8c711);
        assert_eq!(next_gas_limit(30_000_000, 60_000_000), 30_029_295);
        assert_eq!(next_gas_limit(60_000_000, 60_000_000), 60_000_000);
        // Never overshoots the target.
        assert_eq!(next_gas_limit(59_999_000, 60_000_000), 60_000_000);
        assert_eq!(next_gas_limit(60_001_000, 60_000_000), 60_000_000);
        assert_eq!(next_gas_limit(10_000, 0), 9_992);
        assert_eq!(next_gas_limit(5_001, 0), MIN_GAS_LIMIT);
    }
}
