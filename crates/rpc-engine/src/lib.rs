//! The engine API on its own JWT-authenticated port (what hive and consensus tooling speak:
//! `engine_forkchoiceUpdatedV3` for an imported chain's head, safe and finalized blocks), and
//! on the public port `eth_capabilities` and the `testing_` namespace (`testing_buildBlockV1`).

mod auth_layer;
mod build;
mod error;
mod forkchoice;
pub mod jwt;
mod payload;
mod public;

pub use auth_layer::{JwtAuth, JwtAuthLayer};
pub use build::{
    BlockTransactions, BuildRequest, DEFAULT_TARGET_GAS_LIMIT, TestingConfig, build_payload,
    next_gas_limit,
};
pub use error::EngineRpcError;
pub use forkchoice::{ENGINE_CAPABILITIES, EngineApiServer, EngineRpc, FinalityMarks};
pub use jwt::{JwtError, JwtSecret};
pub use payload::{BlobsBundle, PayloadEnvelope};
pub use public::{Capabilities, PublicApiServer, PublicRpc};

use cloister_rpc::RpcContext;
use jsonrpsee::{
    RpcModule,
    core::RegisterMethodError,
    server::{Server, ServerConfig},
};
use std::{net::SocketAddr, path::PathBuf, sync::Arc};

/// Where the engine API listens and the file holding its JWT secret (hex, 32 bytes).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Address of the authenticated port.
    pub addr: SocketAddr,
    /// The JWT secret file.
    pub jwt_secret: PathBuf,
}

/// The engine API could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The JWT secret file is missing or malformed.
    #[error("engine API: {0}")]
    Secret(#[from] JwtError),
    /// The address could not be bound.
    #[error("engine API cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Two methods have one name (a programming error).
    #[error("engine API method registration: {0}")]
    Register(#[from] RegisterMethodError),
    /// The core namespaces could not be assembled.
    #[error("engine API: {0}")]
    Core(#[from] cloister_rpc::ServeError),
}

/// A running engine API server.
#[derive(Debug)]
pub struct EngineServer {
    /// Where it listens.
    pub local_addr: SocketAddr,
    /// Stops it.
    pub handle: jsonrpsee::server::ServerHandle,
}

/// Largest request or response on the engine port (payloads with blobs are large).
const MAX_ENGINE_BODY_BYTES: u32 = 256 * 1024 * 1024;

/// Starts the engine API server: `engine_` methods plus the core `eth_` namespace that
/// consensus clients also read on this port, every request behind the JWT check.
pub async fn serve(
    config: &EngineConfig,
    ctx: Arc<RpcContext>,
) -> Result<EngineServer, EngineError> {
    let secret = JwtSecret::from_file(&config.jwt_secret)?;
    let mut module = engine_module(ctx.clone())?;
    module.merge(cloister_rpc::core_module(ctx)?)?;
    let limits = ServerConfig::builder()
        .max_request_body_size(MAX_ENGINE_BODY_BYTES)
        .max_response_body_size(MAX_ENGINE_BODY_BYTES)
        .build();
    let server = Server::builder()
        .set_config(limits)
        .set_http_middleware(tower::ServiceBuilder::new().layer(JwtAuthLayer::new(secret)))
        .build(config.addr)
        .await
        .map_err(|source| EngineError::Bind {
            addr: config.addr,
            source,
        })?;
    let local_addr = server.local_addr().map_err(|source| EngineError::Bind {
        addr: config.addr,
        source,
    })?;
    let handle = server.start(module);
    tracing::info!(target: "cloister::engine", addr = %local_addr, "engine API listening");
    Ok(EngineServer { local_addr, handle })
}

/// The `engine_` methods alone.
pub fn engine_module(ctx: Arc<RpcContext>) -> Result<RpcModule<()>, RegisterMethodError> {
    let mut module = RpcModule::new(());
    module.merge(EngineRpc::new(ctx).into_rpc())?;
    Ok(module)
}

/// Methods served on the public port (`testing_buildBlockV1`, `eth_capabilities`) with the
/// default [`TestingConfig`] (block gas limits move toward 60M, geth's default).
pub fn public_module(ctx: Arc<RpcContext>) -> Result<RpcModule<()>, RegisterMethodError> {
    public_module_with(ctx, TestingConfig::default())
}

/// Methods served on the public port, with explicit testing settings.
pub fn public_module_with(
    ctx: Arc<RpcContext>,
    config: TestingConfig,
) -> Result<RpcModule<()>, RegisterMethodError> {
    let mut module = RpcModule::new(());
    module.merge(PublicRpc::new(ctx, config).into_rpc())?;
    Ok(module)
}
