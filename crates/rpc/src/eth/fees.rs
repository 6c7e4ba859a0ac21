//! Fee data: `eth_feeHistory` (with reward percentiles, geth's algorithm), `eth_blobBaseFee`
//! and `eth_baseFee`.

use crate::{RpcContext, RpcError, RpcResult};
use alloy_consensus::Transaction as _;
use alloy_rpc_types_eth::{BlockNumberOrTag, FeeHistory};
use cloister_primitives::{Header, U256};
use cloister_storage::StoreReader;

/// Most blocks one `eth_feeHistory` call covers (geth's `maxBlockFetchers` cap, 1024).
const MAX_FEE_HISTORY_BLOCKS: u64 = 1024;

/// Fee history of `block_count` blocks ending at `newest`.
pub(super) fn fee_history(
    ctx: &RpcContext,
    block_count: u64,
    newest: BlockNumberOrTag,
    percentiles: Option<Vec<f64>>,
) -> RpcResult<FeeHistory> {
    let percentiles = percentiles.unwrap_or_default();
    check_percentiles(&percentiles)?;
    let head = ctx.chain.head();
    let head_number = head.header.number;
    let newest = match newest {
        BlockNumberOrTag::Number(n) if n > head_number => {
            return Err(RpcError::Rejected(format!(
                "request beyond head block: requested {n}, head {head_number}"
            )));
        }
        tag => ctx.block_number(tag).ok_or(RpcError::HeaderNotFound)?,
    };
    let block_count = block_count.min(MAX_FEE_HISTORY_BLOCKS).min(newest + 1);
    if block_count == 0 {
        return Ok(FeeHistory::default());
    }
    let oldest = newest + 1 - block_count;
    let spec = ctx.chain.spec();
    let mut history = FeeHistory {
        oldest_block: oldest,
        reward: (!percentiles.is_empty()).then(Vec::new),
        ..FeeHistory::default()
    };
    let mut last_header = None;
    for number in oldest..=newest {
        let header = head
            .reader
            .header(number)?
            .ok_or(RpcError::HeaderNotFound)?;
        let blob_params = spec.blob_params_at_timestamp(header.timestamp);
        history
            .base_fee_per_gas
            .push(u128::from(header.base_fee_per_gas.unwrap_or_default()));
        history
            .gas_used_ratio
            .push(ratio(header.gas_used, header.gas_limit));
        history.base_fee_per_blob_gas.push(
            blob_params
                .and_then(|p| header.blob_fee(p))
                .unwrap_or_default(),
        );
        history.blob_gas_used_ratio.push(match blob_params {
            Some(p) => ratio(
                header.blob_gas_used.unwrap_or_default(),
                p.max_blob_gas_per_block(),
            ),
            None => 0.0,
        });
        if let Some(rewards) = history.reward.as_mut() {
            rewards.push(block_rewards(&head.reader, &header, &percentiles)?);
        }
        last_header = Some(header);
    }
    if let Some(last) = last_header {
        let next_base_fee = spec
            .next_block_base_fee(&last, last.timestamp)
            .unwrap_or_default();
        history.base_fee_per_gas.push(u128::from(next_base_fee));
        let next_blob_fee = spec
            .blob_params_at_timestamp(last.timestamp)
            .and_then(|p| last.next_block_blob_fee(p))
            .unwrap_or_default();
        history.base_fee_per_blob_gas.push(next_blob_fee);
    }
    Ok(history)
}

/// geth's checks: each percentile in 0..=100 and none below the one before.
fn check_percentiles(percentiles: &[f64]) -> RpcResult<()> {
    let mut previous = 0.0;
    for &p in percentiles {
        if !(0.0..=100.0).contains(&p) || p < previous {
            return Err(RpcError::Rejected(format!(
                "invalid reward percentile: {p}"
            )));
        }
        previous = p;
    }
    Ok(())
}

fn ratio(used: u64, limit: u64) -> f64 {
    if limit == 0 {
        0.0
    } else {
        used as f64 / limit as f64
    }
}

/// The effective tip at each percentile of the block's gas, transactions sorted by tip
/// (geth's weighting: a transaction counts as much as the gas it used).
fn block_rewards(
    reader: &StoreReader,
    header: &Header,
    percentiles: &[f64],
) -> RpcResult<Vec<u128>> {
    let txs = reader.transactions(header.number)?;
    if txs.is_empty() {
        return Ok(vec![0; percentiles.len()]);
    }
    let receipts = reader.receipts(header.number)?;
    let base_fee = header.base_fee_per_gas.unwrap_or_default();
    let mut tips: Vec<(u128, u64)> = txs
        .iter()
        .zip(&receipts)
        .map(|(tx, receipt)| {
            (
                tx.effective_tip_per_gas(base_fee).unwrap_or_default(),
                receipt.gas_used,
            )
        })
        .collect();
    tips.sort_unstable_by_key(|(tip, _)| *tip);
    let mut rewards = Vec::with_capacity(percentiles.len());
    let mut index = 0;
    let mut gas_so_far = tips.first().map_or(0, |(_, gas)| *gas);
    for &p in percentiles {
        let threshold = header.gas_used as f64 * p / 100.0;
        while (gas_so_far as f64) < threshold && index + 1 < tips.len() {
            index += 1;
            gas_so_far += tips[index].1;
        }
        rewards.push(tips.get(index).map_or(0, |(tip, _)| *tip));
    }
    Ok(rewards)
}

/// Blob base fee of the head block (geth's `eth_blobBaseFee`); zero before Cancun.
pub(super) fn blob_base_fee(ctx: &RpcContext) -> U256 {
    let head = ctx.chain.head();
    let fee = ctx
        .chain
        .spec()
        .blob_params_at_timestamp(head.header.timestamp)
        .and_then(|p| head.header.blob_fee(p))
        .unwrap_or_default();
    U256::from(fee)
}

/// Base fee of the block after the head; `None` before London.
pub(super) fn next_base_fee(ctx: &RpcContext) -> Option<U256> {
    let head = ctx.chain.head();
    ctx.chain
        .spec()
        .next_block_base_fee(&head.header, head.header.timestamp)
        .map(U256::from)
}
