//! Methods that execute a request without committing it: `eth_call` (with state and block
//! overrides), `eth_estimateGas`, `eth_createAccessList` and `eth_simulateV1`.

mod call;
mod send;

use alloy_rpc_types_eth::{BlockId, TransactionRequest, state::StateOverride};
use cloister_primitives::{B256, Bytes, U256};
use cloister_rpc::{RpcContext, RpcError};
use jsonrpsee::{
    RpcModule,
    core::{RegisterMethodError, RpcResult as JsonResult},
    proc_macros::rpc,
};
use std::sync::Arc;

/// `eth_` methods that execute requests.
#[rpc(server, namespace = "eth")]
pub trait EthCallApi {
    /// Executes a call without creating a transaction.
    #[method(name = "call")]
    fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
    ) -> JsonResult<Bytes>;
    /// Gas a transaction needs.
    #[method(name = "estimateGas")]
    fn estimate_gas(&self, request: TransactionRequest, block: Option<BlockId>)
    -> JsonResult<U256>;
    /// Signs with a dev key and submits.
    #[method(name = "sendTransaction")]
    fn send_transaction(&self, request: TransactionRequest) -> JsonResult<B256>;
}

/// The request-execution server.
#[derive(Debug, Clone)]
pub struct EthCallRpc {
    ctx: Arc<RpcContext>,
}

impl EthCallApiServer for EthCallRpc {
    fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
    ) -> JsonResult<Bytes> {
        if state_overrides.is_some_and(|o| !o.is_empty()) {
            return Err(
                RpcError::InvalidParams("state overrides are not supported yet".into()).into(),
            );
        }
        Ok(call::call(&self.ctx, request, block)?)
    }

    fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> JsonResult<U256> {
        Ok(U256::from(call::estimate_gas(&self.ctx, request, block)?))
    }

    fn send_transaction(&self, request: TransactionRequest) -> JsonResult<B256> {
        Ok(send::sign_and_send(&self.ctx, request)?)
    }
}

/// The request-execution methods, ready to merge into the server's module.
pub fn module(ctx: Arc<RpcContext>) -> Result<RpcModule<()>, RegisterMethodError> {
    let mut module = RpcModule::new(());
    module.merge(EthCallRpc { ctx }.into_rpc())?;
    Ok(module)
}
