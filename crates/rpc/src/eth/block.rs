//! Blocks, transactions and receipts by number or hash.

use crate::{
    RpcContext, RpcResult,
    convert::{rpc_block, rpc_receipt, rpc_transaction},
};
use alloy_rpc_types_eth::{Block, BlockNumberOrTag, Transaction, TransactionReceipt};
use cloister_primitives::B256;

pub(super) fn by_number(
    ctx: &RpcContext,
    tag: BlockNumberOrTag,
    full: bool,
) -> RpcResult<Option<Block>> {
    let Some(number) = ctx.block_number(tag) else {
        return Ok(None);
    };
    Ok(rpc_block(&ctx.chain.head().reader, number, full)?)
}

pub(super) fn by_hash(ctx: &RpcContext, hash: B256, full: bool) -> RpcResult<Option<Block>> {
    let head = ctx.chain.head();
    let Some(number) = head.reader.block_number(&hash)? else {
        return Ok(None);
    };
    Ok(rpc_block(&head.reader, number, full)?)
}

pub(super) fn transaction_by_hash(ctx: &RpcContext, hash: B256) -> RpcResult<Option<Transaction>> {
    let head = ctx.chain.head();
    if let Some(at) = head.reader.tx_location(&hash)? {
        let (Some(tx), Some(header), Some(block_hash)) = (
            head.reader.transaction(at)?,
            head.reader.header(at.block)?,
            head.reader.canonical_hash(at.block)?,
        ) else {
            return Ok(None);
        };
        return Ok(Some(rpc_transaction(
            tx,
            &header,
            block_hash,
            u64::from(at.index),
        )));
    }
    Ok(ctx.pool.get(&hash).map(|pooled| Transaction {
        inner: pooled.tx.clone(),
        block_hash: None,
        block_number: None,
        transaction_index: None,
        effective_gas_price: None,
        block_timestamp: None,
    }))
}

pub(super) fn receipt(ctx: &RpcContext, hash: B256) -> RpcResult<Option<TransactionReceipt>> {
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
    Ok(Some(rpc_receipt(&tx, stored, &header, block_hash, at)))
}
