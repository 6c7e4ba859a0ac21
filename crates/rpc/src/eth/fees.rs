//! Fee data: `eth_feeHistory` (with reward percentiles, geth's algorithm), `eth_blobBaseFee`
//! and `eth_baseFee`.
//!
//! Confidentiality: every value here comes either from headers (base fees, gas used ratios,
//! blob fees: header-level facts every caller sees) or from the transactions the caller may
//! see. Reward percentiles are computed over the caller-visible transactions of each block
//! only, weighted by their own gas: a block whose transactions are all hidden reads like an
//! empty block (zero rewards), and one hidden transaction with a distinctive tip changes
//! nothing a stranger gets. On a transparent chain (permissive policy) every transaction is
//! visible and the answer is geth's. An auditor's rewards count what it sees without its
//! auditor role, so that polling wallets do not fill the audit log with every transaction of
//! 1024 blocks. The gas price and priority fee suggestions (`eth_gasPrice`,
//! `eth_maxPriorityFeePerGas`) are the next base fee and the fixed [`super::SUGGESTED_TIP`]:
//! no transaction is read at all.

use super::visible::mask_with_receipts;
use crate::{RpcContext, RpcError, RpcResult, access::Viewer};
use alloy_consensus::Transaction as _;
use alloy_rpc_types_eth::{BlockNumberOrTag, FeeHistory};
use cloister_primitives::{Header, U256};
use cloister_storage::StoreReader;

/// Most blocks one `eth_feeHistory` call covers (geth's `maxBlockFetchers` cap, 1024).
const MAX_FEE_HISTORY_BLOCKS: u64 = 1024;

/// Fee history of `block_count` blocks ending at `newest`, rewards over what `viewer` may see.
pub(super) fn fee_history(
    viewer: &Viewer<'_>,
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
            rewards.push(block_rewards(viewer, &head.reader, &header, &percentiles)?);
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

/// The effective tip at each percentile of the gas of the block's transactions the viewer may
/// see, sorted by tip (geth's weighting: a transaction counts as much as the gas it used). With
/// every transaction visible the total is the header's gas used, exactly as geth computes it;
/// otherwise it is the gas of the visible ones, so hidden transactions weigh nothing either.
fn block_rewards(
    viewer: &Viewer<'_>,
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
    let (mask, total_gas) = if viewer.sees_everything() {
        (vec![true; txs.len()], header.gas_used)
    } else {
        let mask = mask_with_receipts(viewer, reader, &txs, &receipts)?;
        let visible_gas = receipts
            .iter()
            .zip(&mask)
            .filter(|(_, shown)| **shown)
            .map(|(receipt, _)| receipt.gas_used)
            .sum();
        (mask, visible_gas)
    };
    let tips: Vec<(u128, u64)> = txs
        .iter()
        .zip(&receipts)
        .zip(&mask)
        .filter(|(_, shown)| **shown)
        .map(|((tx, receipt), _)| {
            (
                tx.effective_tip_per_gas(base_fee).unwrap_or_default(),
                receipt.gas_used,
            )
        })
        .collect();
    Ok(percentile_rewards(tips, total_gas, percentiles))
}

/// geth's `processBlock` reward loop: `tips` (tip, gas used) sorted by tip, walked until the
/// gas so far reaches each percentile of `total_gas` (truncated to whole gas, as geth does).
/// No transactions: zero rewards, as for an empty block.
fn percentile_rewards(
    mut tips: Vec<(u128, u64)>,
    total_gas: u64,
    percentiles: &[f64],
) -> Vec<u128> {
    if tips.is_empty() {
        return vec![0; percentiles.len()];
    }
    tips.sort_by_key(|(tip, _)| *tip);
    let mut rewards = Vec::with_capacity(percentiles.len());
    let mut index = 0;
    let mut gas_so_far = tips.first().map_or(0, |(_, gas)| *gas);
    for &p in percentiles {
        let threshold = (total_gas as f64 * p / 100.0) as u64;
        while gas_so_far < threshold && index + 1 < tips.len() {
            index += 1;
            gas_so_far += tips[index].1;
        }
        rewards.push(tips.get(index).map_or(0, |(tip, _)| *tip));
    }
    rewards
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

#[cfg(test)]
mod tests {
    use super::percentile_rewards;

    #[test]
    fn rewards_follow_geths_gas_weighting() {
        // 21000 gas at 1, 50000 at 3, 29000 at 2: sorted 1, 2, 3 with 21k, 50k, 50k gas.
        let tips = vec![(1, 21_000), (3, 50_000), (2, 29_000)];
        assert_eq!(
            percentile_rewards(tips, 100_000, &[0.0, 21.0, 21.5, 50.0, 50.5, 100.0]),
            vec![1, 1, 2, 2, 3, 3]
        );
    }

    #[test]
    fn nothing_visible_reads_as_an_empty_block() {
        assert_eq!(
            percentile_rewards(vec![], 21_000, &[10.0, 90.0]),
            vec![0, 0]
        );
        assert!(percentile_rewards(vec![], 0, &[]).is_empty());
    }
}
