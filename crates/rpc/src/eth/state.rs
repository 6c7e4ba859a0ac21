//! Account state reads: balance, nonce, code, storage.

use crate::{RpcContext, RpcResult};
use alloy_rpc_types_eth::{BlockId, BlockNumberOrTag};
use cloister_primitives::{Address, B256, Bytes, U256};

pub(super) fn balance(ctx: &RpcContext, address: Address, block: Option<BlockId>) -> RpcResult<U256> {
    let head = ctx.state_at(block)?;
    Ok(head.reader.account(&address)?.map(|a| a.balance).unwrap_or_default())
}

pub(super) fn transaction_count(
    ctx: &RpcContext,
    address: Address,
    block: Option<BlockId>,
) -> RpcResult<U256> {
    let pending = matches!(block, Some(BlockId::Number(BlockNumberOrTag::Pending)));
    let head = ctx.state_at(block)?;
    let mined = head.reader.account(&address)?.map(|a| a.nonce).unwrap_or_default();
    let nonce = if pending {
        ctx.pool.pending_nonce(address).map_or(mined, |pooled| pooled.max(mined))
    } else {
        mined
    };
    Ok(U256::from(nonce))
}

pub(super) fn code(ctx: &RpcContext, address: Address, block: Option<BlockId>) -> RpcResult<Bytes> {
    let head = ctx.state_at(block)?;
    let Some(account) = head.reader.account(&address)? else { return Ok(Bytes::new()) };
    Ok(head.reader.bytecode(&account.code_hash)?.unwrap_or_default())
}

pub(super) fn storage_at(
    ctx: &RpcContext,
    address: Address,
    slot: U256,
    block: Option<BlockId>,
) -> RpcResult<B256> {
    let head = ctx.state_at(block)?;
    Ok(B256::from(head.reader.storage(&address, &B256::from(slot))?))
}
