//! Blocks as one caller may see them: the header always, the whole `logsBloom` only if the
//! policy shows it (else the bloom of the logs the caller may see), and only the transactions
//! the caller may see (with their real `transactionIndex`).

use crate::{
    RpcResult,
    access::{Viewer, masked_bloom},
};
use alloy_rpc_types_eth::{Block, BlockTransactions};
use cloister_primitives::RecoveredTx;
use cloister_storage::{StoreReader, StoredReceipt};

/// Which transactions of block `number` the viewer may see, by position. The block's receipts
/// are read once so that log parties need no lookup per transaction.
pub(super) fn visible_mask(
    viewer: &Viewer<'_>,
    reader: &StoreReader,
    number: u64,
    txs: &[RecoveredTx],
) -> RpcResult<Vec<bool>> {
    if viewer.sees_everything() {
        return Ok(vec![true; txs.len()]);
    }
    let receipts = reader.receipts(number)?;
    mask_with_receipts(viewer, reader, txs, &receipts)
}

/// As [`visible_mask`], with the block's receipts already read.
pub(super) fn mask_with_receipts(
    viewer: &Viewer<'_>,
    reader: &StoreReader,
    txs: &[RecoveredTx],
    receipts: &[StoredReceipt],
) -> RpcResult<Vec<bool>> {
    txs.iter()
        .enumerate()
        .map(|(i, tx)| {
            let logs = receipts.get(i).map(|r| r.receipt.logs());
            viewer.transaction(reader, tx, logs)
        })
        .collect()
}

/// `block` (number `number`) cut down to what the viewer may see.
pub(super) fn filter_block(
    viewer: &Viewer<'_>,
    reader: &StoreReader,
    number: u64,
    mut block: Block,
) -> RpcResult<Block> {
    if viewer.sees_everything() {
        return Ok(block);
    }
    let txs = reader.transactions(number)?;
    let receipts = reader.receipts(number)?;
    let mask = mask_with_receipts(viewer, reader, &txs, &receipts)?;
    if !viewer.bloom() {
        block.header.inner.logs_bloom = masked_bloom(&receipts, &mask);
    }
    block.transactions = match block.transactions {
        BlockTransactions::Full(full) => BlockTransactions::Full(keep(full, &mask)),
        BlockTransactions::Hashes(hashes) => BlockTransactions::Hashes(keep(hashes, &mask)),
        BlockTransactions::Uncle => BlockTransactions::Uncle,
    };
    Ok(block)
}

/// The items of `items` whose position `mask` marks.
fn keep<T>(items: Vec<T>, mask: &[bool]) -> Vec<T> {
    items
        .into_iter()
        .zip(mask)
        .filter_map(|(item, shown)| shown.then_some(item))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::keep;

    #[test]
    fn keep_follows_the_mask() {
        assert_eq!(
            keep(vec![1, 2, 3, 4], &[true, false, false, true]),
            vec![1, 4]
        );
        assert!(keep(vec![1], &[false]).is_empty());
    }
}
