//! Methods on the public port: `eth_capabilities` (what history this node serves) and
//! `testing_buildBlockV1` (build a block on the head without committing it).

use crate::build::{BlockTransactions, BuildRequest, TestingConfig, build_payload};
use crate::payload::PayloadEnvelope;
use alloy_rpc_types_engine::PayloadAttributes;
use cloister_primitives::{B256, Bytes};
use cloister_rpc::RpcContext;
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::Serialize;
use std::sync::Arc;

/// One kind of data and the oldest block it is served for.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceCapability {
    /// Never: this node serves every kind.
    pub disabled: bool,
    /// The oldest block served, as a quantity.
    #[serde(with = "quantity")]
    pub oldest_block: u64,
}

/// The newest block.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HeadCapability {
    /// Its number.
    #[serde(with = "quantity")]
    pub number: u64,
    /// Its hash.
    pub hash: B256,
}

/// `eth_capabilities`: nothing is pruned (full history of blocks, receipts, logs and state);
/// proofs come from the current tries only, so they start at the head.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Capabilities {
    /// The head.
    pub head: HeadCapability,
    /// Account state.
    pub state: ResourceCapability,
    /// Transactions by hash.
    pub tx: ResourceCapability,
    /// Logs.
    pub logs: ResourceCapability,
    /// Receipts.
    pub receipts: ResourceCapability,
    /// Blocks.
    pub blocks: ResourceCapability,
    /// Merkle proofs.
    pub stateproofs: ResourceCapability,
}

/// Quantity (0x-hex) serialization of a u64.
mod quantity {
    pub fn serialize<S: serde::Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{value:#x}"))
    }
}

/// The public-port methods of this crate.
#[rpc(server)]
pub trait PublicApi {
    /// What data this node serves.
    #[method(name = "eth_capabilities")]
    fn capabilities(&self) -> RpcResult<Capabilities>;

    /// Builds a block on `parent` from `transactions` (null: from the pool) without
    /// committing it, and returns its payload envelope.
    #[method(name = "testing_buildBlockV1")]
    async fn build_block_v1(
        &self,
        parent: B256,
        attributes: PayloadAttributes,
        transactions: Option<Vec<Bytes>>,
        extra_data: Option<Bytes>,
    ) -> RpcResult<PayloadEnvelope>;
}

/// The public methods over a node's context.
#[derive(Debug, Clone)]
pub struct PublicRpc {
    ctx: Arc<RpcContext>,
    config: TestingConfig,
}

impl PublicRpc {
    /// The methods over `ctx`.
    pub fn new(ctx: Arc<RpcContext>, config: TestingConfig) -> Self {
        Self { ctx, config }
    }
}

#[jsonrpsee::core::async_trait]
impl PublicApiServer for PublicRpc {
    fn capabilities(&self) -> RpcResult<Capabilities> {
        let head = self.ctx.chain.head();
        let all = ResourceCapability {
            disabled: false,
            oldest_block: 0,
        };
        Ok(Capabilities {
            head: HeadCapability {
                number: head.header.number,
                hash: head.hash,
            },
            state: all.clone(),
            tx: all.clone(),
            logs: all.clone(),
            receipts: all.clone(),
            blocks: all,
            stateproofs: ResourceCapability {
                disabled: false,
                oldest_block: head.header.number,
            },
        })
    }

    async fn build_block_v1(
        &self,
        parent: B256,
        attributes: PayloadAttributes,
        transactions: Option<Vec<Bytes>>,
        extra_data: Option<Bytes>,
    ) -> RpcResult<PayloadEnvelope> {
        let request = BuildRequest {
            parent_hash: parent,
            attributes,
            transactions: transactions.map_or(BlockTransactions::Pool, BlockTransactions::Given),
            extra_data: extra_data.unwrap_or_default(),
        };
        let (ctx, config) = (self.ctx.clone(), self.config);
        // Execution and the state root are CPU work: keep them off the async workers.
        let built = tokio::task::spawn_blocking(move || build_payload(&ctx, &config, request))
            .await
            .map_err(crate::EngineRpcError::internal)??;
        Ok(built)
    }
}
