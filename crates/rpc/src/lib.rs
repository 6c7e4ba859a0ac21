//! Cloister's JSON-RPC server: jsonrpsee, HTTP and WebSocket on one port, one `#[rpc]` trait
//! per namespace, and errors mapped to geth's codes in one place ([`RpcError`]).

mod block_state;
mod context;
pub mod convert;
mod error;
mod eth;
mod net_web3;

pub use block_state::{BlockState, is_pending};
pub use context::{RpcContext, next_block_fields};
pub use error::{RpcError, RpcResult};
pub use eth::{
    EthApiServer, EthRpc, SUGGESTED_TIP,
    send::{sign, submit},
    state::transaction_count,
};
pub use jsonrpsee::server::ServerHandle;
pub use net_web3::{NetApiServer, NetWeb3Rpc, Web3ApiServer};

use jsonrpsee::{
    RpcModule,
    server::{Server, ServerConfig},
};
use std::{net::SocketAddr, sync::Arc};

/// Server limits and address.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// Where to listen.
    pub addr: SocketAddr,
    /// Largest request body.
    pub max_request_bytes: u32,
    /// Largest response body (large: logs and traces).
    pub max_response_bytes: u32,
    /// Most simultaneous connections.
    pub max_connections: u32,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8545)),
            max_request_bytes: 10 * 1024 * 1024,
            max_response_bytes: 256 * 1024 * 1024,
            max_connections: 1024,
        }
    }
}

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Two methods have one name (a programming error).
    #[error("method registration: {0}")]
    Register(#[from] jsonrpsee::core::RegisterMethodError),
}

/// A running server.
#[derive(Debug)]
pub struct RpcServer {
    /// Where it listens (the real port when 0 was asked for).
    pub local_addr: SocketAddr,
    /// Stops it.
    pub handle: ServerHandle,
}

/// The namespaces this crate serves (`eth_` without filters and subscriptions, `net_`,
/// `web3_`), ready to merge with the others.
pub fn core_module(ctx: Arc<RpcContext>) -> Result<RpcModule<()>, ServeError> {
    let mut module = RpcModule::new(());
    let chain_id = ctx.chain.spec().chain_id();
    module.merge(EthRpc::new(ctx).into_rpc())?;
    let net_web3 = NetWeb3Rpc::new(chain_id);
    module.merge(NetApiServer::into_rpc(net_web3.clone()))?;
    module.merge(Web3ApiServer::into_rpc(net_web3))?;
    Ok(module)
}

/// Starts the HTTP + WebSocket server with every method of `module`.
pub async fn serve(config: &RpcConfig, module: RpcModule<()>) -> Result<RpcServer, ServeError> {
    let limits = ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .build();
    let server = Server::builder()
        .set_config(limits)
        .build(config.addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?;
    let local_addr = server.local_addr().map_err(|source| ServeError::Bind {
        addr: config.addr,
        source,
    })?;
    let handle = server.start(module);
    Ok(RpcServer { local_addr, handle })
}
