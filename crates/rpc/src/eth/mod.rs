//! The `eth_` namespace: one jsonrpsee trait, its methods grouped by what they read in the
//! files beside this one.

mod block;
pub mod compact;
pub mod config;
mod fees;
mod proof;
pub mod send;
pub mod state;
mod visible;

use crate::{RpcContext, convert::ServedBlock};
use alloy_rpc_types_eth::{
    Block, BlockId, BlockNumberOrTag, EIP1186AccountProofResponse, FeeHistory, Index, Transaction,
    TransactionReceipt,
};
use alloy_serde::JsonStorageKey;
use cloister_primitives::{Address, B256, Bytes, U256};
use config::EthConfig;
use jsonrpsee::{Extensions, core::RpcResult as JsonResult, proc_macros::rpc};
use std::collections::BTreeMap;
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
    #[method(name = "accounts", with_extensions)]
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
    #[method(name = "getBalance", with_extensions)]
    fn balance(&self, address: Address, block: Option<BlockId>) -> JsonResult<U256>;
    /// Nonce of an account; with "pending", counting its pooled transactions.
    #[method(name = "getTransactionCount", with_extensions)]
    fn transaction_count(&self, address: Address, block: Option<BlockId>) -> JsonResult<U256>;
    /// Code of an account.
    #[method(name = "getCode")]
    fn code(&self, address: Address, block: Option<BlockId>) -> JsonResult<Bytes>;
    /// A storage slot.
    #[method(name = "getStorageAt", with_extensions)]
    fn storage_at(
        &self,
        address: Address,
        slot: StorageSlot,
        block: Option<BlockId>,
    ) -> JsonResult<B256>;
    /// A block by number or tag.
    #[method(name = "getBlockByNumber", with_extensions)]
    fn block_by_number(
        &self,
        number: BlockNumberOrTag,
        full: bool,
    ) -> JsonResult<Option<ServedBlock>>;
    /// A block by hash.
    #[method(name = "getBlockByHash", with_extensions)]
    fn block_by_hash(&self, hash: B256, full: bool) -> JsonResult<Option<ServedBlock>>;
    /// A mined or pending transaction.
    #[method(name = "getTransactionByHash", with_extensions)]
    fn transaction_by_hash(&self, hash: B256) -> JsonResult<Option<Transaction>>;
    /// The receipt of a mined transaction.
    #[method(name = "getTransactionReceipt", with_extensions)]
    fn transaction_receipt(&self, hash: B256) -> JsonResult<Option<TransactionReceipt>>;
    /// Submits a signed transaction.
    #[method(name = "sendRawTransaction", with_extensions)]
    fn send_raw_transaction(&self, bytes: Bytes) -> JsonResult<B256>;
    /// Where block rewards go: the validator's address on a Cloister chain, else zero.
    #[method(name = "coinbase")]
    fn coinbase(&self) -> JsonResult<Address>;
    /// Transactions in a block, by hash.
    #[method(name = "getBlockTransactionCountByHash", with_extensions)]
    fn block_transaction_count_by_hash(&self, hash: B256) -> JsonResult<Option<U256>>;
    /// Transactions in a block, by number or tag.
    #[method(name = "getBlockTransactionCountByNumber", with_extensions)]
    fn block_transaction_count_by_number(
        &self,
        number: BlockNumberOrTag,
    ) -> JsonResult<Option<U256>>;
    /// A transaction by block hash and index.
    #[method(name = "getTransactionByBlockHashAndIndex", with_extensions)]
    fn transaction_by_block_hash_and_index(
        &self,
        hash: B256,
        index: Index,
    ) -> JsonResult<Option<Transaction>>;
    /// A transaction by block number and index.
    #[method(name = "getTransactionByBlockNumberAndIndex", with_extensions)]
    fn transaction_by_block_number_and_index(
        &self,
        number: BlockNumberOrTag,
        index: Index,
    ) -> JsonResult<Option<Transaction>>;
    /// Every receipt of a block.
    #[method(name = "getBlockReceipts", with_extensions)]
    fn block_receipts(&self, block: BlockId) -> JsonResult<Option<Vec<TransactionReceipt>>>;
    /// Uncles in a block, by hash.
    #[method(name = "getUncleCountByBlockHash")]
    fn uncle_count_by_hash(&self, hash: B256) -> JsonResult<Option<U256>>;
    /// Uncles in a block, by number or tag.
    #[method(name = "getUncleCountByBlockNumber")]
    fn uncle_count_by_number(&self, number: BlockNumberOrTag) -> JsonResult<Option<U256>>;
    /// An uncle by block hash and index.
    #[method(name = "getUncleByBlockHashAndIndex")]
    fn uncle_by_hash_and_index(&self, hash: B256, index: Index) -> JsonResult<Option<Block>>;
    /// An uncle by block number and index.
    #[method(name = "getUncleByBlockNumberAndIndex")]
    fn uncle_by_number_and_index(
        &self,
        number: BlockNumberOrTag,
        index: Index,
    ) -> JsonResult<Option<Block>>;
    /// Base fees, gas use and tip percentiles (over what the caller may see) of recent blocks.
    #[method(name = "feeHistory", with_extensions)]
    fn fee_history(
        &self,
        block_count: U64Quantity,
        newest: BlockNumberOrTag,
        reward_percentiles: Option<Vec<f64>>,
    ) -> JsonResult<FeeHistory>;
    /// Blob base fee of the head block.
    #[method(name = "blobBaseFee")]
    fn blob_base_fee(&self) -> JsonResult<U256>;
    /// Base fee of the next block.
    #[method(name = "baseFee")]
    fn base_fee(&self) -> JsonResult<Option<U256>>;
    /// EIP-1186 account and storage proofs (head block only).
    #[method(name = "getProof")]
    fn proof(
        &self,
        address: Address,
        keys: Vec<JsonStorageKey>,
        block: Option<BlockId>,
    ) -> JsonResult<EIP1186AccountProofResponse>;
    /// Many storage slots of many accounts.
    #[method(name = "getStorageValues", with_extensions)]
    fn storage_values(
        &self,
        request: BTreeMap<Address, Vec<B256>>,
        block: Option<BlockId>,
    ) -> JsonResult<BTreeMap<Address, Vec<B256>>>;
    /// The fork configuration (EIP-7910).
    #[method(name = "config")]
    fn config(&self) -> JsonResult<EthConfig>;
}

/// A storage slot as geth reads it: hex with or without `0x`, any length up to 32 bytes
/// (left-padded); longer is an invalid-params error.
#[derive(Debug, Clone, Copy)]
pub struct StorageSlot(pub U256);

impl<'de> serde::Deserialize<'de> for StorageSlot {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(&text);
        if digits.len() > 64 {
            return Err(serde::de::Error::custom(format!(
                "storage key too long (want at most 32 bytes): {text:?}"
            )));
        }
        if digits.is_empty() {
            return Ok(Self(U256::ZERO));
        }
        U256::from_str_radix(digits, 16)
            .map(Self)
            .map_err(|_| serde::de::Error::custom(format!("invalid storage key: {text:?}")))
    }
}

/// A quantity parameter that geth also accepts as a plain JSON number (`eth_feeHistory`).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(untagged)]
pub enum U64Quantity {
    /// `"0x1b"`.
    Hex(alloy_primitives_u64::U64),
    /// `27`.
    Number(u64),
}

impl U64Quantity {
    fn get(self) -> u64 {
        match self {
            Self::Hex(v) => v.to(),
            Self::Number(v) => v,
        }
    }
}

use cloister_primitives::primitives as alloy_primitives_u64;

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

/// Suggested priority fee: 1 gwei, like geth's default on a quiet chain. `eth_gasPrice` and
/// `eth_maxPriorityFeePerGas` answer from it and the next base fee alone, never from the
/// transactions of recent blocks, so they reveal no tip the policy hides (geth's oracle samples
/// every transaction of recent blocks).
pub const SUGGESTED_TIP: u64 = 1_000_000_000;

impl EthApiServer for EthRpc {
    fn chain_id(&self) -> JsonResult<U256> {
        Ok(U256::from(self.ctx.chain.spec().chain_id()))
    }

    fn block_number(&self) -> JsonResult<U256> {
        Ok(U256::from(self.ctx.chain.head().header.number))
    }

    fn accounts(&self, ext: &Extensions) -> JsonResult<Vec<Address>> {
        let viewer = self.ctx.viewer(ext);
        Ok(self
            .ctx
            .signers
            .iter()
            .map(|s| s.address())
            .filter(|address| viewer.acts_as(address))
            .collect())
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

    fn balance(
        &self,
        ext: &Extensions,
        address: Address,
        block: Option<BlockId>,
    ) -> JsonResult<U256> {
        let balance = state::balance(&self.ctx, address, block)?;
        Ok(state::shown(
            self.ctx.viewer(ext).account(&address),
            balance,
        ))
    }

    fn transaction_count(
        &self,
        ext: &Extensions,
        address: Address,
        block: Option<BlockId>,
    ) -> JsonResult<U256> {
        let nonce = state::transaction_count(&self.ctx, address, block)?;
        Ok(state::shown(self.ctx.viewer(ext).account(&address), nonce))
    }

    fn code(&self, address: Address, block: Option<BlockId>) -> JsonResult<Bytes> {
        Ok(state::code(&self.ctx, address, block)?)
    }

    fn storage_at(
        &self,
        ext: &Extensions,
        address: Address,
        slot: StorageSlot,
        block: Option<BlockId>,
    ) -> JsonResult<B256> {
        let value = state::storage_at(&self.ctx, address, slot.0, block)?;
        if !self.ctx.viewer(ext).storage(&address) {
            return Ok(B256::ZERO);
        }
        Ok(value)
    }

    fn block_by_number(
        &self,
        ext: &Extensions,
        number: BlockNumberOrTag,
        full: bool,
    ) -> JsonResult<Option<ServedBlock>> {
        Ok(block::by_number(
            &self.ctx.viewer(ext),
            &self.ctx,
            number,
            full,
        )?)
    }

    fn block_by_hash(
        &self,
        ext: &Extensions,
        hash: B256,
        full: bool,
    ) -> JsonResult<Option<ServedBlock>> {
        Ok(block::by_hash(
            &self.ctx.viewer(ext),
            &self.ctx,
            hash,
            full,
        )?)
    }

    fn transaction_by_hash(&self, ext: &Extensions, hash: B256) -> JsonResult<Option<Transaction>> {
        Ok(block::transaction_by_hash(
            &self.ctx.viewer(ext),
            &self.ctx,
            hash,
        )?)
    }

    fn transaction_receipt(
        &self,
        ext: &Extensions,
        hash: B256,
    ) -> JsonResult<Option<TransactionReceipt>> {
        Ok(block::receipt(&self.ctx.viewer(ext), &self.ctx, hash)?)
    }

    fn send_raw_transaction(&self, ext: &Extensions, bytes: Bytes) -> JsonResult<B256> {
        Ok(send::raw(&self.ctx.viewer(ext), &self.ctx, &bytes)?)
    }

    fn coinbase(&self) -> JsonResult<Address> {
        Ok(self.ctx.chain.validator().unwrap_or_default())
    }

    fn block_transaction_count_by_hash(
        &self,
        ext: &Extensions,
        hash: B256,
    ) -> JsonResult<Option<U256>> {
        Ok(block::transaction_count(
            &self.ctx.viewer(ext),
            &self.ctx,
            hash.into(),
        )?)
    }

    fn block_transaction_count_by_number(
        &self,
        ext: &Extensions,
        number: BlockNumberOrTag,
    ) -> JsonResult<Option<U256>> {
        Ok(block::transaction_count(
            &self.ctx.viewer(ext),
            &self.ctx,
            number.into(),
        )?)
    }

    fn transaction_by_block_hash_and_index(
        &self,
        ext: &Extensions,
        hash: B256,
        index: Index,
    ) -> JsonResult<Option<Transaction>> {
        let viewer = self.ctx.viewer(ext);
        Ok(block::transaction_at(
            &viewer,
            &self.ctx,
            hash.into(),
            index.0 as u64,
        )?)
    }

    fn transaction_by_block_number_and_index(
        &self,
        ext: &Extensions,
        number: BlockNumberOrTag,
        index: Index,
    ) -> JsonResult<Option<Transaction>> {
        let viewer = self.ctx.viewer(ext);
        Ok(block::transaction_at(
            &viewer,
            &self.ctx,
            number.into(),
            index.0 as u64,
        )?)
    }

    fn block_receipts(
        &self,
        ext: &Extensions,
        block: BlockId,
    ) -> JsonResult<Option<Vec<TransactionReceipt>>> {
        Ok(block::block_receipts(
            &self.ctx.viewer(ext),
            &self.ctx,
            block,
        )?)
    }

    fn uncle_count_by_hash(&self, hash: B256) -> JsonResult<Option<U256>> {
        Ok(block::uncle_count(&self.ctx, hash.into())?)
    }

    fn uncle_count_by_number(&self, number: BlockNumberOrTag) -> JsonResult<Option<U256>> {
        Ok(block::uncle_count(&self.ctx, number.into())?)
    }

    fn uncle_by_hash_and_index(&self, hash: B256, index: Index) -> JsonResult<Option<Block>> {
        Ok(block::uncle_at(&self.ctx, hash.into(), index.0 as u64)?)
    }

    fn uncle_by_number_and_index(
        &self,
        number: BlockNumberOrTag,
        index: Index,
    ) -> JsonResult<Option<Block>> {
        Ok(block::uncle_at(&self.ctx, number.into(), index.0 as u64)?)
    }

    fn fee_history(
        &self,
        ext: &Extensions,
        block_count: U64Quantity,
        newest: BlockNumberOrTag,
        reward_percentiles: Option<Vec<f64>>,
    ) -> JsonResult<FeeHistory> {
        // The caller without its auditor role: see the fees module.
        let caller = crate::access::caller_of(ext).without(cloister_policy::Role::Auditor);
        let viewer = self.ctx.viewer_for(caller, crate::access::method_of(ext));
        Ok(fees::fee_history(
            &viewer,
            &self.ctx,
            block_count.get(),
            newest,
            reward_percentiles,
        )?)
    }

    fn blob_base_fee(&self) -> JsonResult<U256> {
        Ok(fees::blob_base_fee(&self.ctx))
    }

    fn base_fee(&self) -> JsonResult<Option<U256>> {
        Ok(fees::next_base_fee(&self.ctx))
    }

    fn proof(
        &self,
        address: Address,
        keys: Vec<JsonStorageKey>,
        block: Option<BlockId>,
    ) -> JsonResult<EIP1186AccountProofResponse> {
        Ok(proof::get_proof(&self.ctx, address, keys, block)?)
    }

    fn storage_values(
        &self,
        ext: &Extensions,
        request: BTreeMap<Address, Vec<B256>>,
        block: Option<BlockId>,
    ) -> JsonResult<BTreeMap<Address, Vec<B256>>> {
        let mut values = proof::storage_values(&self.ctx, request, block)?;
        let viewer = self.ctx.viewer(ext);
        for (address, slots) in &mut values {
            if !viewer.storage(address) {
                slots.iter_mut().for_each(|slot| *slot = B256::ZERO);
            }
        }
        Ok(values)
    }

    fn config(&self) -> JsonResult<EthConfig> {
        Ok(config::eth_config(&self.ctx))
    }
}
