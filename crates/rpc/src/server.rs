//! The HTTP + WebSocket server: limits, CORS and geth-shaped errors around any `RpcModule`.
//! Every limit answers with a JSON-RPC error (jsonrpsee's codes -32007 request too big,
//! -32008 response too big, -32010 batch too large, -32006 too many subscriptions), never a
//! dropped connection.

use crate::geth_errors::GethErrors;
use jsonrpsee::{
    RpcModule,
    server::{
        BatchRequestConfig, Server, ServerConfig, ServerHandle, middleware::rpc::RpcServiceBuilder,
    },
};
use std::net::SocketAddr;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

/// Server limits, address and browser access.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// Where to listen.
    pub addr: SocketAddr,
    /// Largest request body (HTTP) or message (WebSocket).
    pub max_request_bytes: u32,
    /// Largest response body (large: logs and traces).
    pub max_response_bytes: u32,
    /// Most simultaneous connections.
    pub max_connections: u32,
    /// Most live subscriptions on one WebSocket connection.
    pub max_subscriptions_per_connection: u32,
    /// Most calls in one JSON-RPC batch; `None`: unlimited.
    pub max_batch_len: Option<u32>,
    /// Origins browsers may call from (CORS): `"*"` for any, otherwise exact origins such as
    /// `http://localhost:3000`. Empty: no CORS headers (geth's default), so browsers refuse.
    pub cors_origins: Vec<String>,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8545)),
            max_request_bytes: 10 * 1024 * 1024,
            max_response_bytes: 512 * 1024 * 1024,
            max_connections: 1024,
            max_subscriptions_per_connection: 1024,
            // geth's default (`--rpc.batch-request-limit`).
            max_batch_len: Some(1000),
            cors_origins: Vec::new(),
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
    /// A CORS origin is not a valid header value.
    #[error("invalid CORS origin {0:?}")]
    CorsOrigin(String),
}

/// A running server.
#[derive(Debug)]
pub struct RpcServer {
    /// Where it listens (the real port when 0 was asked for).
    pub local_addr: SocketAddr,
    /// Stops it.
    pub handle: ServerHandle,
}

/// The CORS layer for `origins`, or `None` when browsers get no access.
fn cors_layer(origins: &[String]) -> Result<Option<CorsLayer>, ServeError> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let values = origins
            .iter()
            .map(|o| o.parse().map_err(|_| ServeError::CorsOrigin(o.clone())))
            .collect::<Result<Vec<http::HeaderValue>, _>>()?;
        AllowOrigin::list(values)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([http::Method::GET, http::Method::POST, http::Method::OPTIONS])
            .allow_headers(Any),
    ))
}

/// Starts the HTTP + WebSocket server with every method of `module`.
pub async fn serve(config: &RpcConfig, module: RpcModule<()>) -> Result<RpcServer, ServeError> {
    let batches = match config.max_batch_len {
        Some(limit) => BatchRequestConfig::Limit(limit),
        None => BatchRequestConfig::Unlimited,
    };
    let limits = ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .set_batch_request_config(batches)
        .set_id_provider(crate::id::GethIdProvider)
        .build();
    let max_response = usize::try_from(config.max_response_bytes).unwrap_or(usize::MAX);
    let rpc_middleware =
        RpcServiceBuilder::new().layer_fn(move |service| GethErrors::new(service, max_response));
    let http_middleware =
        tower::ServiceBuilder::new().option_layer(cors_layer(&config.cors_origins)?);
    let server = Server::builder()
        .set_config(limits)
        .set_rpc_middleware(rpc_middleware)
        .set_http_middleware(http_middleware)
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
