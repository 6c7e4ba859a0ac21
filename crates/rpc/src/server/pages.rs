//! The node's own `GET` pages on the RPC port, answered before any caller is resolved (so a
//! confidential chain serves them without sign-in, like a load balancer or Prometheus needs):
//! - `/metrics`: Prometheus text format 0.0.4, the node's gauges, counters and histograms
//!   ([`StatusPages::metrics`]) followed by the server's JSON-RPC counts and latencies;
//! - `/health`: `200` with a small JSON document when the node is serving, `503` with the
//!   reason when it is not ([`StatusPages::health`]).
//!
//! Both must carry nothing per user: no caller addresses, no transaction hashes, no parameters.
//! Other methods on these paths (a JSON-RPC `POST /health`) go on to JSON-RPC as before.

use crate::metrics::{CONTENT_TYPE, Exposition, RpcMetrics};
use jsonrpsee::server::{HttpBody, HttpResponse};
use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

/// Path of the metrics page.
pub const METRICS_PATH: &str = "/metrics";
/// Path of the health page.
pub const HEALTH_PATH: &str = "/health";

/// A boxed future of a page.
pub type PageFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What `/health` answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    /// `200` when true, `503` when not.
    pub serving: bool,
    /// The JSON document (status, and the reason when not serving).
    pub body: serde_json::Value,
}

/// What the node shows on its pages; the server adds its RPC metrics.
pub trait StatusPages: Send + Sync + std::fmt::Debug + 'static {
    /// The node's metrics, rendered now (chain head, pool, consensus, block times).
    fn metrics(&self) -> PageFuture<'_, Exposition>;
    /// Whether the node is serving.
    fn health(&self) -> PageFuture<'_, Health>;
}

/// The layer serving the pages; see the module doc.
#[derive(Debug, Clone)]
pub struct PagesLayer {
    pages: Arc<dyn StatusPages>,
    rpc: Arc<RpcMetrics>,
}

impl PagesLayer {
    /// Serves `pages`, with `rpc`'s counts appended to `/metrics`.
    pub fn new(pages: Arc<dyn StatusPages>, rpc: Arc<RpcMetrics>) -> Self {
        Self { pages, rpc }
    }
}

impl<S> tower::Layer<S> for PagesLayer {
    type Service = PagesService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        PagesService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`PagesLayer`] wraps around the rest of the server.
#[derive(Debug, Clone)]
pub struct PagesService<S> {
    inner: S,
    layer: PagesLayer,
}

fn response(status: http::StatusCode, content_type: &'static str, body: String) -> HttpResponse {
    let mut response = http::Response::new(HttpBody::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}

impl PagesLayer {
    async fn metrics_page(&self) -> HttpResponse {
        let mut page = self.pages.metrics().await;
        self.rpc.write(&mut page);
        response(http::StatusCode::OK, CONTENT_TYPE, page.finish())
    }

    async fn health_page(&self) -> HttpResponse {
        let health = self.pages.health().await;
        let status = if health.serving {
            http::StatusCode::OK
        } else {
            http::StatusCode::SERVICE_UNAVAILABLE
        };
        response(status, "application/json", health.body.to_string())
    }
}

impl<S, B> tower::Service<http::Request<B>> for PagesService<S>
where
    S: tower::Service<http::Request<B>, Response = HttpResponse> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.method() == http::Method::GET {
            let layer = self.layer.clone();
            match request.uri().path() {
                METRICS_PATH => return Box::pin(async move { Ok(layer.metrics_page().await) }),
                HEALTH_PATH => return Box::pin(async move { Ok(layer.health_page().await) }),
                _ => {}
            }
        }
        let mut inner = self.inner.clone();
        Box::pin(async move { inner.call(request).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::convert::Infallible;
    use tower::{Layer, Service, ServiceExt};

    #[derive(Debug)]
    struct Fixed {
        serving: bool,
    }

    impl StatusPages for Fixed {
        fn metrics(&self) -> PageFuture<'_, Exposition> {
            Box::pin(async {
                let mut page = Exposition::new();
                page.gauge("cloister_head_block_number", "Head", 7.0);
                page
            })
        }
        fn health(&self) -> PageFuture<'_, Health> {
            let serving = self.serving;
            Box::pin(async move {
                Health {
                    serving,
                    body: serde_json::json!({"status": if serving { "ok" } else { "unavailable" }}),
                }
            })
        }
    }

    fn inner() -> impl Service<
        http::Request<String>,
        Response = HttpResponse,
        Error = Infallible,
        Future = impl Future<Output = Result<HttpResponse, Infallible>> + Send,
    > + Clone
    + Send
    + 'static {
        tower::service_fn(|_request: http::Request<String>| async {
            Ok::<_, Infallible>(http::Response::new(HttpBody::from("rpc")))
        })
    }

    async fn get(serving: bool, method: http::Method, path: &str) -> (u16, String, String) {
        let rpc = Arc::new(RpcMetrics::new(["eth_chainId"]));
        rpc.observe("eth_chainId", std::time::Duration::from_millis(1));
        let layer = PagesLayer::new(Arc::new(Fixed { serving }), rpc);
        let request = http::Request::builder()
            .method(method)
            .uri(path)
            .body(String::new())
            .expect("request");
        let response = layer
            .layer(inner())
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            content_type,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    #[tokio::test]
    async fn metrics_and_health_are_answered_here_and_the_rest_goes_on() {
        let (status, content_type, body) = get(true, http::Method::GET, "/metrics").await;
        assert_eq!(status, 200);
        assert_eq!(content_type, CONTENT_TYPE);
        assert!(body.contains("cloister_head_block_number 7\n"), "{body}");
        assert!(body.contains("cloister_rpc_requests_total{method=\"eth_chainId\"} 1\n"));

        let (status, content_type, body) = get(true, http::Method::GET, "/health").await;
        assert_eq!((status, content_type.as_str()), (200, "application/json"));
        assert_eq!(body, r#"{"status":"ok"}"#);
        let (status, _, body) = get(false, http::Method::GET, "/health").await;
        assert_eq!(
            (status, body.as_str()),
            (503, r#"{"status":"unavailable"}"#)
        );

        for (method, path) in [
            (http::Method::POST, "/health"),
            (http::Method::POST, "/metrics"),
            (http::Method::GET, "/"),
            (http::Method::GET, "/metrics/x"),
        ] {
            let (status, _, body) = get(true, method, path).await;
            assert_eq!((status, body.as_str()), (200, "rpc"), "{path}");
        }
    }
}
