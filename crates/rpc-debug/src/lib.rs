//! The `debug_` namespace: tracing of mined transactions, blocks and calls (struct logger,
//! callTracer, prestateTracer and revm-inspectors' other built-in tracers) and the raw
//! consensus-encoding getters, answering as geth does. Tracing re-executes, so it takes an EVM
//! turn and stops at the node's bound like eth_call (`cloister_rpc_call::limits`).

mod error;
mod params;
mod raw;
mod replay;
mod struct_log;
mod trace;
mod tracer;

pub use error::DebugError;
pub use params::PrefixedHash;
pub use trace::BlockTraceEntry;

use alloy_rpc_types_eth::{BlockId, BlockNumberOrTag, TransactionRequest};
use alloy_rpc_types_trace::geth::{
    GethDebugTracingCallOptions, GethDebugTracingOptions, GethTrace,
};
use cloister_primitives::Bytes;
use cloister_rpc::RpcContext;
use cloister_rpc_call::{Deadline, run_bounded};
use jsonrpsee::{
    RpcModule,
    core::{RegisterMethodError, RpcResult as JsonResult, async_trait},
    proc_macros::rpc,
};
use std::sync::Arc;

/// `debug_` methods.
#[rpc(server, namespace = "debug")]
pub trait DebugApi {
    /// Traces a mined transaction on the state it originally ran on.
    #[method(name = "traceTransaction")]
    async fn trace_transaction(
        &self,
        hash: PrefixedHash,
        options: Option<GethDebugTracingOptions>,
    ) -> JsonResult<GethTrace>;
    /// Traces every transaction of a block by number or tag.
    #[method(name = "traceBlockByNumber")]
    async fn trace_block_by_number(
        &self,
        number: BlockNumberOrTag,
        options: Option<GethDebugTracingOptions>,
    ) -> JsonResult<Vec<BlockTraceEntry>>;
    /// Traces every transaction of a block by hash.
    #[method(name = "traceBlockByHash")]
    async fn trace_block_by_hash(
        &self,
        hash: PrefixedHash,
        options: Option<GethDebugTracingOptions>,
    ) -> JsonResult<Vec<BlockTraceEntry>>;
    /// Traces a call request on the state after a block, with optional overrides.
    #[method(name = "traceCall")]
    async fn trace_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        options: Option<GethDebugTracingCallOptions>,
    ) -> JsonResult<GethTrace>;
    /// RLP of a block header (`null` for an unknown number).
    #[method(name = "getRawHeader")]
    fn raw_header(&self, block: BlockId) -> JsonResult<Option<Bytes>>;
    /// RLP of a block (`null` for an unknown number).
    #[method(name = "getRawBlock")]
    fn raw_block(&self, block: BlockId) -> JsonResult<Option<Bytes>>;
    /// EIP-2718 receipts of a block (`null` for an unknown number).
    #[method(name = "getRawReceipts")]
    fn raw_receipts(&self, block: BlockId) -> JsonResult<Option<Vec<Bytes>>>;
    /// EIP-2718 bytes of a mined or pooled transaction (`0x` when unknown).
    #[method(name = "getRawTransaction")]
    fn raw_transaction(&self, hash: PrefixedHash) -> JsonResult<Bytes>;
}

/// The `debug_` server.
#[derive(Debug, Clone)]
pub struct DebugRpc {
    ctx: Arc<RpcContext>,
}

impl DebugRpc {
    /// Serves `ctx`.
    pub fn new(ctx: Arc<RpcContext>) -> Self {
        Self { ctx }
    }

    /// Runs a trace off the async runtime (re-execution is CPU-bound) in an EVM turn, by the
    /// node's bound on EVM-executing calls.
    async fn blocking<T, F>(&self, job: F) -> JsonResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&RpcContext, &Deadline) -> Result<T, DebugError> + Send + 'static,
    {
        Ok(run_bounded(&self.ctx, job).await?)
    }
}

#[async_trait]
impl DebugApiServer for DebugRpc {
    async fn trace_transaction(
        &self,
        hash: PrefixedHash,
        options: Option<GethDebugTracingOptions>,
    ) -> JsonResult<GethTrace> {
        self.blocking(move |ctx, deadline| trace::transaction(ctx, hash.0, options, deadline))
            .await
    }

    async fn trace_block_by_number(
        &self,
        number: BlockNumberOrTag,
        options: Option<GethDebugTracingOptions>,
    ) -> JsonResult<Vec<BlockTraceEntry>> {
        self.blocking(move |ctx, deadline| {
            let resolved = ctx.block_number(number).ok_or_else(|| {
                DebugError::BlockNumberNotFound(number.as_number().unwrap_or_default())
            })?;
            trace::block_by_number(ctx, resolved, options, deadline)
        })
        .await
    }

    async fn trace_block_by_hash(
        &self,
        hash: PrefixedHash,
        options: Option<GethDebugTracingOptions>,
    ) -> JsonResult<Vec<BlockTraceEntry>> {
        self.blocking(move |ctx, deadline| trace::block_by_hash(ctx, hash.0, options, deadline))
            .await
    }

    async fn trace_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        options: Option<GethDebugTracingCallOptions>,
    ) -> JsonResult<GethTrace> {
        self.blocking(move |ctx, deadline| trace::call(ctx, request, block, options, deadline))
            .await
    }

    fn raw_header(&self, block: BlockId) -> JsonResult<Option<Bytes>> {
        Ok(raw::header(&self.ctx, block)?)
    }

    fn raw_block(&self, block: BlockId) -> JsonResult<Option<Bytes>> {
        Ok(raw::block(&self.ctx, block)?)
    }

    fn raw_receipts(&self, block: BlockId) -> JsonResult<Option<Vec<Bytes>>> {
        Ok(raw::receipts(&self.ctx, block)?)
    }

    fn raw_transaction(&self, hash: PrefixedHash) -> JsonResult<Bytes> {
        Ok(raw::transaction(&self.ctx, hash.0)?)
    }
}

/// The debug methods, ready to merge into the server's module.
pub fn module(ctx: Arc<RpcContext>) -> Result<RpcModule<()>, RegisterMethodError> {
    let mut module = RpcModule::new(());
    module.merge(DebugRpc::new(ctx).into_rpc())?;
    Ok(module)
}
