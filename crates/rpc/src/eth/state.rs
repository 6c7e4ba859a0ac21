//! Account state reads: balance, nonce, code, storage.

use crate::{RpcContext, RpcResult, block_state::is_pending};
use alloy_rpc_types_eth::BlockId;
use cloister_primitives::{Address, B256, Bytes, U256};

pub(super) fn balance(
    ctx: &RpcContext,
    address: Address,
    block: Option<BlockId>,
) -> RpcResult<U256> {
    let state = ctx.state_at(block)?;
    Ok(state
        .account(&address)?
        .map(|a| a.balance)
        .unwrap_or_default())
}

/// Nonce of an account at a block; with "pending", counting its pooled transactions.
pub fn transaction_count(
    ctx: &RpcContext,
    address: Address,
    block: Option<BlockId>,
) -> RpcResult<U256> {
    let pending = is_pending(block.as_ref());
    let state = ctx.state_at(block)?;
    let mined = state
        .account(&address)?
        .map(|a| a.nonce)
        .unwrap_or_default();
    let nonce = if pending {
        ctx.pool
            .pending_nonce(address)
            .map_or(mined, |pooled| pooled.max(mined))
    } else {
        mined
    };
    Ok(U256::from(nonce))
}

/// `value` if the caller may see it, else zero: what a nonexistent account shows.
pub(super) fn shown(visible: bool, value: U256) -> U256 {
    if visible { value } else { U256::ZERO }
}

pub(super) fn code(ctx: &RpcContext, address: Address, block: Option<BlockId>) -> RpcResult<Bytes> {
    Ok(ctx.state_at(block)?.code(&address)?)
}

pub(super) fn storage_at(
    ctx: &RpcContext,
    address: Address,
    slot: U256,
    block: Option<BlockId>,
) -> RpcResult<B256> {
    Ok(B256::from(
        ctx.state_at(block)?.storage(&address, &B256::from(slot))?,
    ))
}
