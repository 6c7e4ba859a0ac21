//! The raw getters: a block, a header, a block's receipts and a transaction in their consensus
//! encodings (RLP for blocks and headers, EIP-2718 for transactions and receipts), as geth
//! answers: an unknown block number is `null`, an unknown hash an error, an unknown transaction
//! the empty byte string.

use crate::DebugError;
use alloy_eips::eip2718::Encodable2718;
use alloy_rpc_types_eth::BlockId;
use cloister_primitives::{B256, Bytes, Header};
use cloister_rpc::RpcContext;
use cloister_storage::StoreReader;

/// The RLP of a block's header.
pub(crate) fn header(ctx: &RpcContext, block: BlockId) -> Result<Option<Bytes>, DebugError> {
    let reader = ctx.chain.head().reader.clone();
    let Some(number) = resolve(ctx, &reader, block)? else {
        return Ok(None);
    };
    Ok(reader
        .header(number)?
        .map(|h| Bytes::from(alloy_rlp::encode(&h))))
}

/// The RLP of a whole block (header, transactions, uncles, withdrawals).
pub(crate) fn block(ctx: &RpcContext, block: BlockId) -> Result<Option<Bytes>, DebugError> {
    let reader = ctx.chain.head().reader.clone();
    let Some(number) = resolve(ctx, &reader, block)? else {
        return Ok(None);
    };
    let Some(header) = reader.header(number)? else {
        return Ok(None);
    };
    Ok(Some(Bytes::from(alloy_rlp::encode(&full_block(
        &reader, number, header,
    )?))))
}

/// The EIP-2718 encodings of a block's receipts.
pub(crate) fn receipts(ctx: &RpcContext, block: BlockId) -> Result<Option<Vec<Bytes>>, DebugError> {
    let reader = ctx.chain.head().reader.clone();
    let Some(number) = resolve(ctx, &reader, block)? else {
        return Ok(None);
    };
    Ok(Some(
        reader
            .receipts(number)?
            .iter()
            .map(|stored| Bytes::from(stored.receipt.encoded_2718()))
            .collect(),
    ))
}

/// The EIP-2718 encoding of a mined or pooled transaction; empty when unknown.
pub(crate) fn transaction(ctx: &RpcContext, hash: B256) -> Result<Bytes, DebugError> {
    let reader = ctx.chain.head().reader.clone();
    if let Some(at) = reader.tx_location(&hash)?
        && let Some(tx) = reader.transaction(at)?
    {
        return Ok(Bytes::from(tx.inner().encoded_2718()));
    }
    Ok(ctx
        .pool
        .get(&hash)
        .map(|pooled| Bytes::from(pooled.tx.inner().encoded_2718()))
        .unwrap_or_default())
}

/// The canonical number a block parameter names: `None` for a number or tag past the head, an
/// error for an unknown hash.
fn resolve(
    ctx: &RpcContext,
    reader: &StoreReader,
    block: BlockId,
) -> Result<Option<u64>, DebugError> {
    match block {
        BlockId::Number(tag) => Ok(ctx.block_number(tag)),
        BlockId::Hash(hash) => reader
            .block_number(&hash.block_hash)?
            .map(Some)
            .ok_or(DebugError::BlockHashNotFound(hash.block_hash)),
    }
}

fn full_block(
    reader: &StoreReader,
    number: u64,
    header: Header,
) -> Result<alloy_consensus::Block<cloister_primitives::TxEnvelope>, DebugError> {
    let transactions = reader
        .transactions(number)?
        .into_iter()
        .map(|tx| tx.into_inner())
        .collect();
    let (ommers, withdrawals) = reader.body_extras(number)?;
    Ok(alloy_consensus::Block {
        header,
        body: alloy_consensus::BlockBody {
            transactions,
            ommers,
            withdrawals: withdrawals.map(Into::into),
        },
    })
}
