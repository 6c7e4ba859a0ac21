//! Methods that execute a request without committing it: `eth_call` (with state and block
//! overrides), `eth_estimateGas`, `eth_createAccessList` and `eth_simulateV1`; and
//! `eth_sendTransaction`, which signs with a dev key.

mod access_list;
mod call;
mod estimate;
mod messages;
mod overrides;
mod request;
mod send;
mod simulate;

use alloy_eips::eip2930::AccessListResult;
use alloy_rpc_types_eth::{
    Block, BlockId, BlockOverrides, TransactionRequest,
    simulate::{SimulatePayload, SimulatedBlock},
    state::StateOverride,
};
use cloister_primitives::{B256, Bytes, U256};
use cloister_rpc::RpcContext;
use jsonrpsee::{
    RpcModule,
    core::{RegisterMethodError, RpcResult as JsonResult},
    proc_macros::rpc,
};
use std::sync::Arc;

pub use simulate::SimulateError;

/// revm's cached state over the state of a stored block.
pub(crate) type CallState =
    cloister_evm::State<revm::database_interface::WrapDatabaseRef<cloister_evm::StateDb>>;

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
        block_overrides: Option<Box<BlockOverrides>>,
    ) -> JsonResult<Bytes>;
    /// Gas a transaction needs.
    #[method(name = "estimateGas")]
    fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
        block_overrides: Option<Box<BlockOverrides>>,
    ) -> JsonResult<U256>;
    /// The access list a transaction would use, and its gas with that list.
    #[method(name = "createAccessList")]
    fn create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
    ) -> JsonResult<AccessListResult>;
    /// Simulates a chain of blocks of calls on top of a block.
    #[method(name = "simulateV1")]
    fn simulate_v1(
        &self,
        payload: SimulatePayload,
        block: Option<BlockId>,
    ) -> JsonResult<Vec<SimulatedBlock<Block>>>;
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
        block_overrides: Option<Box<BlockOverrides>>,
    ) -> JsonResult<Bytes> {
        Ok(call::call(
            &self.ctx,
            request,
            block,
            state_overrides,
            block_overrides.map(|b| *b),
        )?)
    }

    fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
        block_overrides: Option<Box<BlockOverrides>>,
    ) -> JsonResult<U256> {
        let gas = estimate::estimate_gas(
            &self.ctx,
            request,
            block,
            state_overrides,
            block_overrides.map(|b| *b),
        )?;
        Ok(U256::from(gas))
    }

    fn create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
    ) -> JsonResult<AccessListResult> {
        Ok(access_list::create_access_list(
            &self.ctx,
            request,
            block,
            state_overrides,
        )?)
    }

    fn simulate_v1(
        &self,
        payload: SimulatePayload,
        block: Option<BlockId>,
    ) -> JsonResult<Vec<SimulatedBlock<Block>>> {
        Ok(simulate::simulate(&self.ctx, payload, block)?)
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
