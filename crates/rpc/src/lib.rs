//! Cloister's JSON-RPC server: jsonrpsee, HTTP and WebSocket on one port, one `#[rpc]` trait
//! per namespace, and errors mapped to geth's codes in one place ([`RpcError`]).

pub mod access;
mod block_state;
mod context;
pub mod convert;
mod dev_sign;
mod error;
mod eth;
mod geth_errors;
mod id;
pub mod metrics;
mod net_web3;
mod server;
mod txpool;

pub use block_state::{BlockState, is_pending};
pub use context::{RpcContext, next_block_fields};
pub use dev_sign::{DevSignApiServer, DevSignRpc, PersonalApiServer, SignedTransaction};
pub use error::{RpcError, RpcResult};
pub use eth::{
    EthApiServer, EthRpc, SUGGESTED_TIP,
    compact::{EthCompactApiServer, EthCompactRpc},
    send::{sign, submit},
    state::transaction_count,
};
pub use id::{GethIdProvider, new_id};
pub use jsonrpsee::server::ServerHandle;
pub use net_web3::{NetApiServer, NetWeb3Rpc, Web3ApiServer};
pub use server::{
    CallerLayer, ClientCertificate, Gatekeeper, Guard, HEALTH_PATH, Health, METRICS_PATH,
    PageFuture, RpcConfig, RpcServer, ServeError, StatusPages, TlsError, TlsIdentity, fingerprint,
    serve, serve_guarded, serve_observed,
};
pub use txpool::{PoolStatus, TxPoolApiServer, TxPoolRpc, pooled_rpc_transaction};

use jsonrpsee::RpcModule;
use std::sync::Arc;

/// The namespaces this crate serves (`eth_` without filters, subscriptions and calls, `net_`,
/// `web3_`, `txpool_`, and with dev keys the signing methods), ready to merge with the others.
pub fn core_module(ctx: Arc<RpcContext>) -> Result<RpcModule<()>, ServeError> {
    let mut module = RpcModule::new(());
    let chain_id = ctx.chain.spec().chain_id();
    if !ctx.signers.is_empty() {
        let signing = DevSignRpc::new(ctx.clone());
        module.merge(DevSignApiServer::into_rpc(signing.clone()))?;
        module.merge(PersonalApiServer::into_rpc(signing))?;
    }
    module.merge(TxPoolRpc::new(ctx.clone()).into_rpc())?;
    module.merge(EthCompactRpc::new(ctx.clone()).into_rpc())?;
    module.merge(EthRpc::new(ctx).into_rpc())?;
    let net_web3 = NetWeb3Rpc::new(chain_id);
    module.merge(NetApiServer::into_rpc(net_web3.clone()))?;
    module.merge(Web3ApiServer::into_rpc(net_web3))?;
    Ok(module)
}
