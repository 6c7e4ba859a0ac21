//! The engine API on its own JWT-authenticated port (what hive and consensus tooling speak:
//! `engine_forkchoiceUpdatedV3` for an imported chain's head, safe and finalized blocks), and
//! the `testing_` namespace (`testing_buildBlockV1`) on the public port.

use cloister_rpc::RpcContext;
use jsonrpsee::{RpcModule, core::RegisterMethodError};
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
    /// Not built yet.
    #[error("the engine API is not available in this build")]
    Unavailable,
}

/// A running engine API server.
#[derive(Debug)]
pub struct EngineServer {
    /// Where it listens.
    pub local_addr: SocketAddr,
    /// Stops it.
    pub handle: jsonrpsee::server::ServerHandle,
}

/// Starts the engine API server.
pub async fn serve(
    _config: &EngineConfig,
    _ctx: Arc<RpcContext>,
) -> Result<EngineServer, EngineError> {
    Err(EngineError::Unavailable)
}

/// Methods served on the public port (`testing_buildBlockV1`, `eth_capabilities`).
pub fn public_module(_ctx: Arc<RpcContext>) -> Result<RpcModule<()>, RegisterMethodError> {
    Ok(RpcModule::new(()))
}
