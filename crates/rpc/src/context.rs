//! What every RPC method reads from: the chain, the pool and (in dev mode) the keys it may sign
//! with. Also the resolution of block parameters to a stored block.

use crate::{RpcError, RpcResult};
use alloy_rpc_types_eth::{BlockId, BlockNumberOrTag};
use alloy_signer_local::PrivateKeySigner;
use cloister_chain::{Chain, ChainHead, SnapshotAccounts};
use cloister_primitives::{Address, Header};
use cloister_txpool::{AdmissionContext, TxPool};
use std::sync::Arc;

/// Shared state of the RPC server.
#[derive(Debug)]
pub struct RpcContext {
    /// The chain.
    pub chain: Arc<Chain>,
    /// The transaction pool.
    pub pool: Arc<TxPool>,
    /// Keys the node signs with for eth_sendTransaction and friends (dev mode only).
    pub signers: Vec<PrivateKeySigner>,
    /// Largest gas an eth_call or eth_estimateGas may use.
    pub gas_cap: u64,
}

impl RpcContext {
    /// The signer for `address`, if the node holds its key.
    pub fn signer(&self, address: &Address) -> Option<&PrivateKeySigner> {
        self.signers.iter().find(|s| &s.address() == address)
    }

    /// The head, for state reads that must be at the latest block. Older blocks are refused:
    /// this node keeps only the latest state.
    pub fn state_at(&self, block: Option<BlockId>) -> RpcResult<Arc<ChainHead>> {
        let head = self.chain.head();
        match block {
            None => Ok(head),
            Some(BlockId::Number(tag)) => match tag {
                BlockNumberOrTag::Latest
                | BlockNumberOrTag::Pending
                | BlockNumberOrTag::Safe
                | BlockNumberOrTag::Finalized => Ok(head),
                BlockNumberOrTag::Number(n) if n == head.header.number => Ok(head),
                BlockNumberOrTag::Number(n) if n > head.header.number => Err(RpcError::HeaderNotFound),
                BlockNumberOrTag::Earliest if head.header.number == 0 => Ok(head),
                _ => Err(RpcError::HistoricalState),
            },
            Some(BlockId::Hash(hash)) => {
                if hash.block_hash == head.hash {
                    Ok(head)
                } else if head.reader.block_number(&hash.block_hash)?.is_some() {
                    Err(RpcError::HistoricalState)
                } else {
                    Err(RpcError::HeaderNotFound)
                }
            }
        }
    }

    /// Number of the block a tag names, if it exists.
    pub fn block_number(&self, tag: BlockNumberOrTag) -> Option<u64> {
        let head = self.chain.head().header.number;
        match tag {
            BlockNumberOrTag::Earliest => Some(0),
            BlockNumberOrTag::Number(n) if n <= head => Some(n),
            BlockNumberOrTag::Number(_) => None,
            // Finality is immediate: safe = finalized = latest; no pending block is exposed.
            _ => Some(head),
        }
    }

    /// Admission facts for the block after the head.
    pub fn admission(&self, head: &ChainHead) -> AdmissionContext {
        let next = next_block_fields(&head.header);
        AdmissionContext {
            base_fee: next.0,
            block_gas_limit: head.header.gas_limit,
            spec: self.chain.spec().spec_id_at(head.header.number + 1, next.1),
        }
    }

    /// Nonces and balances at the head, for the pool.
    pub fn accounts(&self, head: &ChainHead) -> SnapshotAccounts {
        SnapshotAccounts(head.reader.clone())
    }
}

/// Base fee and timestamp of the block after `parent`.
pub fn next_block_fields(parent: &Header) -> (u64, u64) {
    let base_fee = parent
        .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
        .unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    (base_fee, now.max(parent.timestamp))
}
