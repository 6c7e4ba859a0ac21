//! Blocks, transactions and receipts by number or hash, each cut down to what the caller may
//! see: a hidden transaction or receipt reads as `null`, as one that does not exist.

use super::visible::{filter_block, mask_with_receipts, visible_mask};
use crate::{
    RpcContext, RpcResult,
    access::Viewer,
    convert::{ServedBlock, rpc_block, rpc_receipt_with_blob_fee, rpc_transaction},
};
use alloy_rpc_types_eth::{Block, BlockId, BlockNumberOrTag, Transaction, TransactionReceipt};
use cloister_primitives::{B256, Header, U256};
use cloister_storage::{StoreReader, TxLocation};

pub(super) fn by_number(
    viewer: &Viewer<'_>,
    ctx: &RpcContext,
    tag: BlockNumberOrTag,
    full: bool,
) -> RpcResult<Option<ServedBlock>> {
    let Some(number) = ctx.block_number(tag) else {
        return Ok(None);
    };
    visible_block(viewer, &ctx.chain.head().reader, number, full)
}

pub(super) fn by_hash(
    viewer: &Viewer<'_>,
    ctx: &RpcContext,
    hash: B256,
    full: bool,
) -> RpcResult<Option<ServedBlock>> {
    let head = ctx.chain.head();
    let Some(number) = head.reader.block_number(&hash)? else {
        return Ok(None);
    };
    visible_block(viewer, &head.reader, number, full)
}

fn visible_block(
    viewer: &Viewer<'_>,
    reader: &StoreReader,
    number: u64,
    full: bool,
) -> RpcResult<Option<ServedBlock>> {
    match rpc_block(reader, number, full)? {
        Some(block) => {
            let block = filter_block(viewer, reader, number, block)?;
            Ok(Some(ServedBlock::with_seal(reader, number, block)?))
        }
        None => Ok(None),
    }
}

pub(super) fn transaction_by_hash(
    viewer: &Viewer<'_>,
    ctx: &RpcContext,
    hash: B256,
) -> RpcResult<Option<Transaction>> {
    let head = ctx.chain.head();
    if let Some(at) = head.reader.tx_location(&hash)? {
        let (Some(tx), Some(header), Some(block_hash)) = (
            head.reader.transaction(at)?,
            head.reader.header(at.block)?,
            head.reader.canonical_hash(at.block)?,
        ) else {
            return Ok(None);
        };
        if !viewer.transaction(&head.reader, &tx, None)? {
            return Ok(None);
        }
        return Ok(Some(rpc_transaction(
            tx,
            &header,
            block_hash,
            u64::from(at.index),
        )));
    }
    let Some(pooled) = ctx
        .pool
        .get(&hash)
        .filter(|pooled| viewer.pooled(&pooled.tx))
    else {
        return Ok(None);
    };
    Ok(Some(Transaction {
        inner: pooled.tx.clone(),
        block_hash: None,
        block_number: None,
        transaction_index: None,
        effective_gas_price: None,
        block_timestamp: None,
    }))
}

pub(super) fn receipt(
    viewer: &Viewer<'_>,
    ctx: &RpcContext,
    hash: B256,
) -> RpcResult<Option<TransactionReceipt>> {
    let head = ctx.chain.head();
    let Some(at) = head.reader.tx_location(&hash)? else {
        return Ok(None);
    };
    let (Some(tx), Some(stored), Some(header), Some(block_hash)) = (
        head.reader.transaction(at)?,
        head.reader.receipt(at)?,
        head.reader.header(at.block)?,
        head.reader.canonical_hash(at.block)?,
    ) else {
        return Ok(None);
    };
    if !viewer.transaction(&head.reader, &tx, Some(stored.receipt.logs()))? {
        return Ok(None);
    }
    let blob_fee = blob_fee(ctx, &header);
    Ok(Some(rpc_receipt_with_blob_fee(
        &tx, stored, &header, block_hash, at, blob_fee,
    )))
}

/// Blob base fee of the block `header` (for its blob transactions' receipts).
fn blob_fee(ctx: &RpcContext, header: &Header) -> Option<u128> {
    ctx.chain
        .spec()
        .blob_params_at_timestamp(header.timestamp)
        .and_then(|params| header.blob_fee(params))
}

/// Number of the canonical block `id` names, if there is one (`None`, not an error: the
/// by-block methods answer `null` for unknown blocks, as geth does).
pub(super) fn resolve(ctx: &RpcContext, id: BlockId) -> RpcResult<Option<u64>> {
    match id {
        BlockId::Number(tag) => Ok(ctx.block_number(tag)),
        BlockId::Hash(hash) => Ok(ctx.chain.head().reader.block_number(&hash.block_hash)?),
    }
}

/// Transactions in a block the caller may see; `None` for an unknown block.
pub(super) fn transaction_count(
    viewer: &Viewer<'_>,
    ctx: &RpcContext,
    id: BlockId,
) -> RpcResult<Option<U256>> {
    let Some(number) = resolve(ctx, id)? else {
        return Ok(None);
    };
    let reader = &ctx.chain.head().reader;
    if reader.header(number)?.is_none() {
        return Ok(None);
    }
    let txs = reader.transactions(number)?;
    let visible = visible_mask(viewer, reader, number, &txs)?;
    Ok(Some(U256::from(
        visible.iter().filter(|shown| **shown).count(),
    )))
}

/// The transaction at `index` of a block; `None` when either does not exist or the caller may
/// not see it. Indexes are the real positions: hidden transactions leave gaps.
pub(super) fn transaction_at(
    viewer: &Viewer<'_>,
    ctx: &RpcContext,
    id: BlockId,
    index: u64,
) -> RpcResult<Option<Transaction>> {
    let Some(number) = resolve(ctx, id)? else {
        return Ok(None);
    };
    let Ok(index32) = u32::try_from(index) else {
        return Ok(None);
    };
    let reader = &ctx.chain.head().reader;
    let at = TxLocation {
        block: number,
        index: index32,
    };
    let (Some(tx), Some(header), Some(hash)) = (
        reader.transaction(at)?,
        reader.header(number)?,
        reader.canonical_hash(number)?,
    ) else {
        return Ok(None);
    };
    if !viewer.transaction(reader, &tx, None)? {
        return Ok(None);
    }
    Ok(Some(rpc_transaction(tx, &header, hash, index)))
}

/// Every receipt of a block the caller may see; `None` for an unknown block.
pub(super) fn block_receipts(
    viewer: &Viewer<'_>,
    ctx: &RpcContext,
    id: BlockId,
) -> RpcResult<Option<Vec<TransactionReceipt>>> {
    let Some(number) = resolve(ctx, id)? else {
        return Ok(None);
    };
    let reader = &ctx.chain.head().reader;
    let (Some(header), Some(hash)) = (reader.header(number)?, reader.canonical_hash(number)?)
    else {
        return Ok(None);
    };
    let txs = reader.transactions(number)?;
    let receipts = reader.receipts(number)?;
    let visible = if viewer.sees_everything() {
        vec![true; txs.len()]
    } else {
        mask_with_receipts(viewer, reader, &txs, &receipts)?
    };
    let blob_fee = blob_fee(ctx, &header);
    Ok(Some(
        txs.iter()
            .zip(receipts)
            .zip(0u32..)
            .zip(visible)
            .filter_map(|(entry, shown)| shown.then_some(entry))
            .map(|((tx, stored), index)| {
                let at = TxLocation {
                    block: number,
                    index,
                };
                rpc_receipt_with_blob_fee(tx, stored, &header, hash, at, blob_fee)
            })
            .collect(),
    ))
}

/// Uncles in a block: what its header lists; `None` for an unknown block.
pub(super) fn uncle_count(ctx: &RpcContext, id: BlockId) -> RpcResult<Option<U256>> {
    let Some(number) = resolve(ctx, id)? else {
        return Ok(None);
    };
    let reader = &ctx.chain.head().reader;
    if reader.header(number)?.is_none() {
        return Ok(None);
    }
    Ok(Some(U256::from(reader.body_extras(number)?.0.len())))
}

/// The uncle at `index` of a block, as a block without transactions (geth's shape).
pub(super) fn uncle_at(ctx: &RpcContext, id: BlockId, index: u64) -> RpcResult<Option<Block>> {
    let Some(number) = resolve(ctx, id)? else {
        return Ok(None);
    };
    let (ommers, _) = ctx.chain.head().reader.body_extras(number)?;
    let Some(uncle) = usize::try_from(index).ok().and_then(|i| ommers.get(i)) else {
        return Ok(None);
    };
    Ok(Some(crate::convert::rpc_uncle(uncle.clone())))
}
