//! The `eth_` namespace: one jsonrpsee trait, its methods grouped by what they read in the
//! files beside this one.

mod block;
pub mod send;
pub mod state;

use crate::RpcContext;
use alloy_rpc_types_eth::{Block, BlockId, BlockNumberOrTag, Transaction, TransactionReceipt};
use cloister_primitives::{Address, B256, Bytes, U256};
use jsonrpsee::{core::RpcResult as JsonResult, proc_macros::rpc};
use std::sync::Arc;

/// `eth_` methods.
#[rpc(server, namespace = "eth")]
pub trait EthApi {
    /// Chain id (EIP-155).
    #[method(name = "chainId")]
    fn chain_id(&self) -> JsonResult<U256>;
    /// Number of the newest block.
    #[method(name = "blockNumber")]
    fn block_number(&self) -> JsonResult<U256>;
    /// Accounts the node signs for (dev mode).
    #[method(name = "accounts")]
    fn accounts(&self) -> JsonResult<Vec<Address>>;
    /// Whether the node is syncing: never, on a chain it produces.
    #[method(name = "syncing")]
    fn syncing(&self) -> JsonResult<bool>;
    /// A legacy gas price suggestion: next base fee plus the suggested tip.
    #[method(name = "gasPrice")]
    fn gas_price(&self) -> JsonResult<U256>;
    /// Suggested priority fee.
    #[method(name = "maxPriorityFeePerGas")]
    fn max_priority_fee_per_gas(&self) -> JsonResult<U256>;
    /// Balance of an account.
    #[method(name = "getBalance")]
    fn balance(&self, address: Address, block: Option<BlockId>) -> JsonResult<U256>;
    /// Nonce of an account; with "pending", counting its pooled transactions.
    #[method(name = "getTransactionCount")]
    fn transaction_count(&self, address: Address, block: Option<BlockId>) -> JsonResult<U256>;
    /// Code of an account.
    #[method(name = "getCode")]
    fn code(&self, address: Address, block: Option<BlockId>) -> JsonResult<Bytes>;
    /// A storage slot.
    #[method(name = "getStorageAt")]
    fn storage_at(&self, address: Address, slot: U256, block: Option<BlockId>) -> JsonResult<B256>;
    /// A block by number or tag.
    #[method(name = "getBlockByNumber")]
    fn block_by_number(&self, number: BlockNumberOrTag, full: bool) -> JsonResult<Option<Block>>;
    /// A block by hash.
    #[method(name = "getBlockByHash")]
    fn block_by_hash(&self, hash: B256, full: bool) -> JsonResult<Option<Block>>;
    /// A mined or pending transaction.
    #[method(name = "getTransactionByHash")]
    fn transaction_by_hash(&self, hash: B256) -> JsonResult<Option<Transaction>>;
    /// The receipt of a mined transaction.
    #[method(name = "getTransactionReceipt")]
    fn transaction_receipt(&self, hash: B256) -> JsonResult<Option<TransactionReceipt>>;
    /// Submits a signed transaction.
    #[method(name = "sendRawTransaction")]
    fn send_raw_transaction(&self, bytes: Bytes) -> JsonResult<B256>;
}

/// The `eth_` server.
#[derive(Debug, Clone)]
pub struct EthRpc {
    ctx: Arc<RpcContext>,
}

impl EthRpc {
    /// Serves `ctx`.
    pub fn new(ctx: Arc<RpcContext>) -> Self {
        Self { ctx }
    }
}

/// Suggested priority fee: 1 gwei, like geth's default on a quiet chain.
pub const SUGGESTED_TIP: u64 = 1_000_000_000;

impl EthApiServer for EthRpc {
    fn chain_id(&self) -> JsonResult<U256> {
        Ok(U256::from(self.ctx.chain.spec().chain_id()))
    }

    fn block_number(&self) -> JsonResult<U256> {
        Ok(U256::from(self.ctx.chain.head().header.number))
    }

    fn accounts(&self) -> JsonResult<Vec<Address>> {
        Ok(self.ctx.signers.iter().map(|s| s.address()).collect())
    }

    fn syncing(&self) -> JsonResult<bool> {
        Ok(false)
    }

    fn gas_price(&self) -> JsonResult<U256> {
        let (base_fee, _) = crate::context::next_block_fields(&self.ctx.chain.head().header);
        Ok(U256::from(base_fee) + U256::from(SUGGESTED_TIP))
    }

    fn max_priority_fee_per_gas(&self) -> JsonResult<U256> {
        Ok(U256::from(SUGGESTED_TIP))
    }

    fn balance(&self, address: Address, block: Option<BlockId>) -> JsonResult<U256> {
        Ok(state::balance(&self.ctx, address, block)?)
    }

    fn transaction_count(&self, address: Address, block: Option<BlockId>) -> JsonResult<U256> {
        Ok(state::transaction_count(&self.ctx, address, block)?)
    }

    fn code(&self, address: Address, block: Option<BlockId>) -> JsonResult<Bytes> {
        Ok(state::code(&self.ctx, address, block)?)
    }

    fn storage_at(&self, address: Address, slot: U256, block: Option<BlockId>) -> JsonResult<B256> {
        Ok(state::storage_at(&self.ctx, address, slot, block)?)
    }

    fn block_by_number(&self, number: BlockNumberOrTag, full: bool) -> JsonResult<Option<Block>> {
        Ok(block::by_number(&self.ctx, number, full)?)
    }

    fn block_by_hash(&self, hash: B256, full: bool) -> JsonResult<Option<Block>> {
        Ok(block::by_hash(&self.ctx, hash, full)?)
    }

    fn transaction_by_hash(&self, hash: B256) -> JsonResult<Option<Transaction>> {
        Ok(block::transaction_by_hash(&self.ctx, hash)?)
    }

    fn transaction_receipt(&self, hash: B256) -> JsonResult<Option<TransactionReceipt>> {
        Ok(block::receipt(&self.ctx, hash)?)
    }

    fn send_raw_transaction(&self, bytes: Bytes) -> JsonResult<B256> {
        Ok(send::raw(&self.ctx, &bytes)?)
    }
}
