//! Methods that execute a request without committing it: `eth_call` (with state and block
//! overrides), `eth_estimateGas`, `eth_createAccessList` and `eth_simulateV1`; and
//! `eth_sendTransaction`, which signs with a dev key. Each enforces the confidentiality policy
//! first (module `confidential`): calls run from the caller, overrides are for auditors. Every
//! one that executes the EVM on request is bounded in time and concurrency (module `limits`).

mod access_list;
mod call;
mod confidential;
mod estimate;
pub mod limits;
mod messages;
mod overrides;
mod precompiles;
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
use cloister_rpc::{RpcContext, RpcError};
use jsonrpsee::{
    Extensions, RpcModule,
    core::{RegisterMethodError, RpcResult as JsonResult, async_trait},
    proc_macros::rpc,
};
use std::sync::Arc;

pub use confidential::OVERRIDES_REFUSED;
pub use limits::{CallError, Deadline, DeadlineInspector, EvmLimitError, run_bounded};
pub use simulate::SimulateError;

/// revm's cached state over the state of a stored block.
pub(crate) type CallState =
    cloister_evm::State<revm::database_interface::WrapDatabaseRef<cloister_evm::StateDb>>;

/// `eth_` methods that execute requests.
#[rpc(server, namespace = "eth")]
pub trait EthCallApi {
    /// Executes a call without creating a transaction.
    #[method(name = "call", with_extensions)]
    async fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
        block_overrides: Option<Box<BlockOverrides>>,
    ) -> JsonResult<Bytes>;
    /// Gas a transaction needs.
    #[method(name = "estimateGas", with_extensions)]
    async fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
        block_overrides: Option<Box<BlockOverrides>>,
    ) -> JsonResult<U256>;
    /// The access list a transaction would use, and its gas with that list.
    #[method(name = "createAccessList", with_extensions)]
    async fn create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
    ) -> JsonResult<AccessListResult>;
    /// Simulates a chain of blocks of calls on top of a block.
    #[method(name = "simulateV1", with_extensions)]
    async fn simulate_v1(
        &self,
        payload: SimulatePayload,
        block: Option<BlockId>,
    ) -> JsonResult<Vec<SimulatedBlock<Block>>>;
    /// Signs with a dev key and submits.
    #[method(name = "sendTransaction", with_extensions)]
    async fn send_transaction(&self, request: TransactionRequest) -> JsonResult<B256>;
}

/// The request-execution server.
#[derive(Debug, Clone)]
pub struct EthCallRpc {
    ctx: Arc<RpcContext>,
}

impl EthCallRpc {
    /// The server over `ctx` (its policy decides what each caller may run).
    pub fn new(ctx: Arc<RpcContext>) -> Self {
        Self { ctx }
    }
}

#[async_trait]
impl EthCallApiServer for EthCallRpc {
    async fn call(
        &self,
        ext: &Extensions,
        mut request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
        block_overrides: Option<Box<BlockOverrides>>,
    ) -> JsonResult<Bytes> {
        let viewer = self.ctx.viewer(ext);
        confidential::bind_from(&viewer, &mut request)?;
        confidential::check_overrides(
            &viewer,
            state_overrides.as_ref(),
            block_overrides.as_deref(),
        )?;
        Ok(run_bounded(&self.ctx, move |ctx, deadline: &Deadline| {
            call::call(
                ctx,
                request,
                block,
                state_overrides,
                block_overrides.map(|b| *b),
                deadline.clone(),
            )
        })
        .await?)
    }

    async fn estimate_gas(
        &self,
        ext: &Extensions,
        mut request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
        block_overrides: Option<Box<BlockOverrides>>,
    ) -> JsonResult<U256> {
        let viewer = self.ctx.viewer(ext);
        confidential::bind_from(&viewer, &mut request)?;
        confidential::check_overrides(
            &viewer,
            state_overrides.as_ref(),
            block_overrides.as_deref(),
        )?;
        let gas = run_bounded(&self.ctx, move |ctx, deadline: &Deadline| {
            estimate::estimate_gas(
                ctx,
                request,
                block,
                state_overrides,
                block_overrides.map(|b| *b),
                deadline.clone(),
            )
        })
        .await?;
        Ok(U256::from(gas))
    }

    async fn create_access_list(
        &self,
        ext: &Extensions,
        mut request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<StateOverride>,
    ) -> JsonResult<AccessListResult> {
        let viewer = self.ctx.viewer(ext);
        confidential::bind_from(&viewer, &mut request)?;
        confidential::check_overrides(&viewer, state_overrides.as_ref(), None)?;
        Ok(run_bounded(&self.ctx, move |ctx, deadline: &Deadline| {
            access_list::create_access_list(ctx, request, block, state_overrides, deadline.clone())
        })
        .await?)
    }

    async fn simulate_v1(
        &self,
        ext: &Extensions,
        mut payload: SimulatePayload,
        block: Option<BlockId>,
    ) -> JsonResult<Vec<SimulatedBlock<Block>>> {
        confidential::guard_simulation(&self.ctx.viewer(ext), &mut payload)?;
        Ok(run_bounded(&self.ctx, move |ctx, deadline: &Deadline| {
            simulate::simulate(ctx, payload, block, deadline)
        })
        .await?)
    }

    async fn send_transaction(
        &self,
        ext: &Extensions,
        request: TransactionRequest,
    ) -> JsonResult<B256> {
        // Someone else's address gets the answer an address without a key gets.
        if let Some(from) = request.from
            && !self.ctx.viewer(ext).acts_as(&from)
        {
            return Err(RpcError::UnknownAccount.into());
        }
        Ok(send::sign_and_send(&self.ctx, request).await?)
    }
}

/// The request-execution methods, ready to merge into the server's module.
pub fn module(ctx: Arc<RpcContext>) -> Result<RpcModule<()>, RegisterMethodError> {
    let mut module = RpcModule::new(());
    module.merge(EthCallRpc::new(ctx).into_rpc())?;
    Ok(module)
}
