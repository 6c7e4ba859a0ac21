//! The HTTP + WebSocket server: limits, CORS and geth-shaped errors around any `RpcModule`.
//! Every limit answers with a JSON-RPC error (jsonrpsee's codes -32007 request too big,
//! -32008 response too big, -32010 batch too large, -32006 too many subscriptions), never a
//! dropped connection.
//!
//! With a [`Gatekeeper`] the server resolves each request's caller (token or client
//! certificate) and gates methods by the policy; with a [`TlsIdentity`] it speaks only TLS.
//! With [`StatusPages`] ([`serve_observed`]) it also answers `GET /metrics` and `GET /health`
//! before any caller is resolved, and counts every call by method.

mod caller_layer;
mod metered;
mod pages;
mod tls;

pub use caller_layer::{CallerLayer, ClientCertificate, Gatekeeper};
pub use metered::Metered;
pub use pages::{HEALTH_PATH, Health, METRICS_PATH, PageFuture, PagesLayer, StatusPages};
pub use tls::{TlsError, TlsIdentity, fingerprint, server_config};

use crate::{
    access::{AuditLog, PolicyGate},
    geth_errors::GethErrors,
    metrics::RpcMetrics,
};
use cloister_policy::Policy;
use jsonrpsee::{
    RpcModule,
    server::{
        BatchRequestConfig, Server, ServerConfig, ServerHandle, middleware::rpc::RpcServiceBuilder,
        serve_with_graceful_shutdown, stop_channel,
    },
};
use std::{net::SocketAddr, sync::Arc};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

/// Who may call what: the policy, the audit log and the credential checks.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The policy that gates methods.
    pub policy: Arc<Policy>,
    /// Where auditor-only calls are recorded.
    pub audit: AuditLog,
    /// Tokens, certificates and the sign-in pages.
    pub gatekeeper: Arc<dyn Gatekeeper>,
}

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
    /// TLS could not be configured.
    #[error(transparent)]
    Tls(#[from] TlsError),
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

/// Starts the HTTP + WebSocket server with every method of `module`, open to everyone (dev
/// and in-process tests).
pub async fn serve(config: &RpcConfig, module: RpcModule<()>) -> Result<RpcServer, ServeError> {
    serve_guarded(config, module, None, None).await
}

/// Starts the server: plain or (with `tls`) TLS only; with `guard`, callers are resolved and
/// methods gated by the policy.
pub async fn serve_guarded(
    config: &RpcConfig,
    module: RpcModule<()>,
    guard: Option<Guard>,
    tls: Option<TlsIdentity>,
) -> Result<RpcServer, ServeError> {
    serve_observed(config, module, guard, tls, None).await
}

/// [`serve_guarded`], and with `pages` the `/metrics` and `/health` pages (open to anyone who
/// reaches the port, sign-in or not) and per-method call counts and latencies.
pub async fn serve_observed(
    config: &RpcConfig,
    module: RpcModule<()>,
    guard: Option<Guard>,
    tls: Option<TlsIdentity>,
    pages: Option<Arc<dyn StatusPages>>,
) -> Result<RpcServer, ServeError> {
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
    let gate = guard.as_ref().map(|g| (g.policy.clone(), g.audit.clone()));
    // The method names served now are the only `method` label values besides "other".
    let observed = pages.map(|pages| (pages, Arc::new(RpcMetrics::new(module.method_names()))));
    let metered = observed.as_ref().map(|(_, rpc)| rpc.clone());
    let rpc_middleware =
        RpcServiceBuilder::new()
            .layer_fn(move |service| GethErrors::new(service, max_response))
            .option_layer(metered.map(|rpc| {
                tower::layer::layer_fn(move |service| Metered::new(service, rpc.clone()))
            }))
            .option_layer(gate.map(|(policy, audit)| {
                tower::layer::layer_fn(move |service| {
                    PolicyGate::new(service, policy.clone(), audit.clone())
                })
            }));
    let http_middleware = tower::ServiceBuilder::new()
        .option_layer(cors_layer(&config.cors_origins)?)
        .option_layer(observed.map(|(pages, rpc)| PagesLayer::new(pages, rpc)))
        .option_layer(guard.map(|g| CallerLayer::new(g.gatekeeper)));
    let builder = Server::builder()
        .set_config(limits)
        .set_rpc_middleware(rpc_middleware)
        .set_http_middleware(http_middleware);
    let bind_err = |source| ServeError::Bind {
        addr: config.addr,
        source,
    };
    let Some(identity) = tls else {
        let server = builder.build(config.addr).await.map_err(bind_err)?;
        let local_addr = server.local_addr().map_err(bind_err)?;
        let handle = server.start(module);
        return Ok(RpcServer { local_addr, handle });
    };

    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config(&identity)?));
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(bind_err)?;
    let local_addr = listener.local_addr().map_err(bind_err)?;
    let services = builder.to_service_builder();
    let methods: jsonrpsee::Methods = module.into();
    let (stop, handle) = stop_channel();
    let connections = Arc::new(tokio::sync::Semaphore::new(
        usize::try_from(config.max_connections).unwrap_or(1024),
    ));
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = stop.clone().shutdown() => break,
            };
            let Ok((tcp, _peer)) = accepted else { continue };
            let Ok(permit) = connections.clone().try_acquire_owned() else {
                continue; // over the limit: drop the connection, as jsonrpsee does
            };
            let acceptor = acceptor.clone();
            let service = services.clone().build(methods.clone(), stop.clone());
            let stop = stop.clone();
            tokio::spawn(async move {
                let _permit = permit;
                let handshake =
                    tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp));
                let Ok(Ok(stream)) = handshake.await else {
                    return;
                };
                let client = stream
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|chain| chain.first())
                    .map(|leaf| ClientCertificate(fingerprint(leaf)));
                let service = tower::ServiceBuilder::new()
                    .map_request(move |mut request: http::Request<_>| {
                        if let Some(cert) = client {
                            request.extensions_mut().insert(cert);
                        }
                        request
                    })
                    .service(service);
                if let Err(err) =
                    serve_with_graceful_shutdown(stream, service, stop.shutdown()).await
                {
                    tracing::debug!(target: "cloister::rpc", %err, "TLS connection ended");
                }
            });
        }
    });
    Ok(RpcServer { local_addr, handle })
}
