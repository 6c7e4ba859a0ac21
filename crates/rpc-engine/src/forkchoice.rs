//! `engine_forkchoiceUpdatedV3` and `engine_exchangeCapabilities` for a node that imports its
//! chain (it never builds payloads here): a known head that is the chain head, or one of its
//! ancestors, is VALID; an unknown head is SYNCING; safe and finalized must be canonical.

use crate::EngineRpcError;
use alloy_rpc_types_engine::{
    ForkchoiceState, ForkchoiceUpdated, PayloadAttributes, PayloadStatus, PayloadStatusEnum,
};
use cloister_chainspec::EthereumHardforks;
use cloister_primitives::B256;
use cloister_rpc::RpcContext;
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use parking_lot::RwLock;
use std::sync::Arc;

/// Engine methods this node serves (what `engine_exchangeCapabilities` answers; the spec
/// leaves `engine_exchangeCapabilities` itself out).
pub const ENGINE_CAPABILITIES: &[&str] = &["engine_forkchoiceUpdatedV3"];

/// The safe and finalized blocks the consensus side last named (zero: none yet).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FinalityMarks {
    /// The safe block.
    pub safe: B256,
    /// The finalized block.
    pub finalized: B256,
}

/// `engine_` methods.
#[rpc(server, namespace = "engine")]
pub trait EngineApi {
    /// Sets head, safe and finalized blocks; refuses to build a payload.
    #[method(name = "forkchoiceUpdatedV3")]
    fn forkchoice_updated_v3(
        &self,
        state: ForkchoiceState,
        attributes: Option<PayloadAttributes>,
    ) -> RpcResult<ForkchoiceUpdated>;

    /// The engine methods this node serves.
    #[method(name = "exchangeCapabilities")]
    fn exchange_capabilities(&self, consensus_methods: Vec<String>) -> RpcResult<Vec<String>>;
}

/// The engine API over the node's chain.
#[derive(Debug, Clone)]
pub struct EngineRpc {
    ctx: Arc<RpcContext>,
    marks: Arc<RwLock<FinalityMarks>>,
}

impl EngineRpc {
    /// The engine API of `ctx`'s chain.
    pub fn new(ctx: Arc<RpcContext>) -> Self {
        Self {
            ctx,
            marks: Arc::default(),
        }
    }

    /// The safe and finalized blocks last set.
    pub fn finality_marks(&self) -> FinalityMarks {
        *self.marks.read()
    }

    fn forkchoice(
        &self,
        state: ForkchoiceState,
        attributes: Option<PayloadAttributes>,
    ) -> Result<ForkchoiceUpdated, EngineRpcError> {
        if state.head_block_hash.is_zero() {
            return Err(EngineRpcError::InvalidForkchoiceState(
                "head block hash is zero".into(),
            ));
        }
        let head = self.ctx.chain.head();
        let Some(head_number) = head.reader.block_number(&state.head_block_hash)? else {
            // Not a block we hold: the spec's answer while the node would sync to it.
            return Ok(ForkchoiceUpdated::new(PayloadStatus::from_status(
                PayloadStatusEnum::Syncing,
            )));
        };
        let canonical = |hash: B256| -> Result<bool, EngineRpcError> {
            Ok(hash.is_zero() || head.reader.block_number(&hash)?.is_some())
        };
        if !canonical(state.safe_block_hash)? {
            return Err(EngineRpcError::InvalidForkchoiceState(
                "safe block is not canonical".into(),
            ));
        }
        if !canonical(state.finalized_block_hash)? {
            return Err(EngineRpcError::InvalidForkchoiceState(
                "finalized block is not canonical".into(),
            ));
        }
        *self.marks.write() = FinalityMarks {
            safe: state.safe_block_hash,
            finalized: state.finalized_block_hash,
        };
        let valid = ForkchoiceUpdated::new(
            PayloadStatus::from_status(PayloadStatusEnum::Valid)
                .with_latest_valid_hash(state.head_block_hash),
        );
        // An ancestor of the head: the spec lets the node keep its head and build nothing.
        if head_number < head.header.number {
            return Ok(valid);
        }
        if let Some(attributes) = attributes {
            self.refuse_attributes(&head.header, &attributes)?;
        }
        Ok(valid)
    }

    /// Checks attributes as the spec orders (fork, then timestamp) and then refuses to build:
    /// this node imports blocks, it does not produce payloads for a consensus client.
    fn refuse_attributes(
        &self,
        head: &cloister_primitives::Header,
        attributes: &PayloadAttributes,
    ) -> Result<(), EngineRpcError> {
        let spec = self.ctx.chain.spec();
        if attributes.parent_beacon_block_root.is_none() || attributes.withdrawals.is_none() {
            return Err(EngineRpcError::InvalidParams(
                "payload attributes V3 need withdrawals and parentBeaconBlockRoot".into(),
            ));
        }
        if !spec.is_cancun_active_at_timestamp(attributes.timestamp) {
            return Err(EngineRpcError::UnsupportedFork);
        }
        if attributes.timestamp <= head.timestamp {
            return Err(EngineRpcError::InvalidPayloadAttributes(format!(
                "timestamp {} is not after the head's {}",
                attributes.timestamp, head.timestamp
            )));
        }
        Err(EngineRpcError::Build(
            "payload building through the engine API is not supported by this node".into(),
        ))
    }
}

impl EngineApiServer for EngineRpc {
    fn forkchoice_updated_v3(
        &self,
        state: ForkchoiceState,
        attributes: Option<PayloadAttributes>,
    ) -> RpcResult<ForkchoiceUpdated> {
        Ok(self.forkchoice(state, attributes)?)
    }

    fn exchange_capabilities(&self, _consensus_methods: Vec<String>) -> RpcResult<Vec<String>> {
        Ok(ENGINE_CAPABILITIES.iter().map(|m| m.to_string()).collect())
    }
}
