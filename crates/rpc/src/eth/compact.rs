//! Compact reads that clients use to save round trips: a block's header without its body
//! (`eth_getHeaderByNumber` / `eth_getHeaderByHash`, as geth serves them) and an account's
//! balance, nonce and code in one call (`eth_getAccountInfo`, as reth and anvil serve it).
//!
//! Each answers what the separate reads would: the header carries the bloom the caller may see
//! (as in `eth_getBlockBy*`); balance and nonce are shown to the account and auditors only, a
//! hidden account reading as balance 0 and nonce 0, like `eth_getBalance` and
//! `eth_getTransactionCount`. Code is public to every signed-in caller (`eth_getCode`), so it
//! is shown as `eth_getCode` shows it: a hidden contract still reads as a contract.

use super::{state, visible::mask_with_receipts};
use crate::{RpcContext, RpcResult, access::Viewer, access::masked_bloom};
use alloy_rpc_types_eth::{AccountInfo, BlockId, BlockNumberOrTag, Header as RpcHeader};
use cloister_primitives::{Address, B256};
use jsonrpsee::{Extensions, core::RpcResult as JsonResult, proc_macros::rpc};
use std::sync::Arc;

/// The compact `eth_` reads.
#[rpc(server, namespace = "eth")]
pub trait EthCompactApi {
    /// A block's header by number or tag.
    #[method(name = "getHeaderByNumber", with_extensions)]
    fn header_by_number(&self, number: BlockNumberOrTag) -> JsonResult<Option<RpcHeader>>;
    /// A block's header by hash.
    #[method(name = "getHeaderByHash", with_extensions)]
    fn header_by_hash(&self, hash: B256) -> JsonResult<Option<RpcHeader>>;
    /// Balance, nonce and code of an account at a block (default latest).
    #[method(name = "getAccountInfo", with_extensions)]
    fn account_info(&self, address: Address, block: Option<BlockId>) -> JsonResult<AccountInfo>;
}

/// The server of [`EthCompactApi`].
#[derive(Debug, Clone)]
pub struct EthCompactRpc {
    ctx: Arc<RpcContext>,
}

impl EthCompactRpc {
    /// Serves `ctx`.
    pub fn new(ctx: Arc<RpcContext>) -> Self {
        Self { ctx }
    }
}

impl EthCompactApiServer for EthCompactRpc {
    fn header_by_number(
        &self,
        ext: &Extensions,
        number: BlockNumberOrTag,
    ) -> JsonResult<Option<RpcHeader>> {
        let Some(number) = self.ctx.block_number(number) else {
            return Ok(None);
        };
        Ok(header(&self.ctx.viewer(ext), &self.ctx, number)?)
    }

    fn header_by_hash(&self, ext: &Extensions, hash: B256) -> JsonResult<Option<RpcHeader>> {
        let number = self.ctx.chain.head().reader.block_number(&hash);
        let Some(number) = number.map_err(crate::RpcError::from)? else {
            return Ok(None);
        };
        Ok(header(&self.ctx.viewer(ext), &self.ctx, number)?)
    }

    fn account_info(
        &self,
        ext: &Extensions,
        address: Address,
        block: Option<BlockId>,
    ) -> JsonResult<AccountInfo> {
        let viewer = self.ctx.viewer(ext);
        let code = state::code(&self.ctx, address, block)?;
        if !viewer.account(&address) {
            return Ok(AccountInfo {
                code,
                ..AccountInfo::default()
            });
        }
        let balance = state::balance(&self.ctx, address, block)?;
        let nonce = state::transaction_count(&self.ctx, address, block)?;
        Ok(AccountInfo {
            balance,
            nonce: nonce.saturating_to(),
            code,
        })
    }
}

/// The header of canonical block `number`, with the bloom `viewer` may see.
fn header(viewer: &Viewer<'_>, ctx: &RpcContext, number: u64) -> RpcResult<Option<RpcHeader>> {
    let reader = &ctx.chain.head().reader;
    let (Some(mut inner), Some(hash)) = (reader.header(number)?, reader.canonical_hash(number)?)
    else {
        return Ok(None);
    };
    if !viewer.bloom() {
        let txs = reader.transactions(number)?;
        let receipts = reader.receipts(number)?;
        let mask = mask_with_receipts(viewer, reader, &txs, &receipts)?;
        inner.logs_bloom = masked_bloom(&receipts, &mask);
    }
    Ok(Some(RpcHeader {
        hash,
        inner,
        total_difficulty: None,
        size: None,
    }))
}
