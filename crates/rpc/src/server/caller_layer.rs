//! The HTTP layer that decides who is calling before any JSON-RPC runs: a token in the path
//! (`/rpc/<token>`, the personal URL a wallet stores) or in `Authorization: Bearer`, or the
//! client certificate of a mutual-TLS connection. The [`Caller`] goes into the request's
//! extensions, where jsonrpsee hands it to every method and subscription of the request or
//! WebSocket connection. Paths the [`Gatekeeper`] serves itself (the sign-in page) never reach
//! JSON-RPC.

use bytes::Bytes;
use cloister_policy::Caller;
use http_body_util::BodyExt;
use jsonrpsee::server::{HttpBody, HttpResponse};
use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

/// Largest body of a non-RPC request (sign-in messages are small).
const MAX_ROUTE_BODY: usize = 64 * 1024;

/// Who a credential stands for, and the node's own HTTP pages.
pub trait Gatekeeper: Send + Sync + std::fmt::Debug + 'static {
    /// The caller a sign-in token stands for; `None` if unknown, expired or revoked.
    fn caller_for_token(&self, token: &str) -> Option<Caller>;
    /// The caller a client certificate (SHA-256 of its DER) stands for.
    fn caller_for_certificate(&self, fingerprint: &[u8; 32]) -> Option<Caller>;
    /// Answers a non-RPC request itself (e.g. `/signin`; `path` includes the query), or `None`.
    fn route(
        &self,
        method: &http::Method,
        path: &str,
        body: &[u8],
    ) -> Option<http::Response<String>>;
    /// Whether `path` is one [`Gatekeeper::route`] may answer (decided before reading a body).
    fn owns_path(&self, path: &str) -> bool;
    /// [`Gatekeeper::route`] for a request carrying `Authorization: Bearer <bearer>` (the
    /// sign-in page adds an address to the token it presents).
    fn route_with_bearer(
        &self,
        method: &http::Method,
        path: &str,
        body: &[u8],
        _bearer: Option<&str>,
    ) -> Option<http::Response<String>> {
        self.route(method, path, body)
    }
}

/// SHA-256 of the client certificate of the connection, put in by the TLS acceptor.
#[derive(Debug, Clone, Copy)]
pub struct ClientCertificate(pub [u8; 32]);

/// The layer; see the module doc.
#[derive(Debug, Clone)]
pub struct CallerLayer {
    gatekeeper: Arc<dyn Gatekeeper>,
}

impl CallerLayer {
    /// Resolves callers with `gatekeeper`.
    pub fn new(gatekeeper: Arc<dyn Gatekeeper>) -> Self {
        Self { gatekeeper }
    }
}

impl<S> tower::Layer<S> for CallerLayer {
    type Service = CallerService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        CallerService {
            inner,
            gatekeeper: self.gatekeeper.clone(),
        }
    }
}

/// The service [`CallerLayer`] wraps around JSON-RPC.
#[derive(Debug, Clone)]
pub struct CallerService<S> {
    inner: S,
    gatekeeper: Arc<dyn Gatekeeper>,
}

/// `/rpc/<token>` → the token, or `None` for other paths.
fn path_token(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/rpc/")?;
    let token = rest.split('/').next().unwrap_or_default();
    (!token.is_empty()).then_some(token)
}

fn bearer(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim())
}

fn unauthorized() -> HttpResponse {
    let body = r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"invalid or expired token: sign in again at /signin"}}"#;
    let mut response = http::Response::new(HttpBody::from(body));
    *response.status_mut() = http::StatusCode::UNAUTHORIZED;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn to_http_body(response: http::Response<String>) -> HttpResponse {
    response.map(HttpBody::from)
}

impl<S, B> tower::Service<http::Request<B>> for CallerService<S>
where
    S: tower::Service<http::Request<B>, Response = HttpResponse> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let gatekeeper = self.gatekeeper.clone();
        let path = request.uri().path().to_string();
        if gatekeeper.owns_path(&path) {
            let method = request.method().clone();
            let path = request
                .uri()
                .path_and_query()
                .map_or_else(|| path.clone(), |p| p.as_str().to_string());
            let bearer_token = bearer(request.headers()).map(str::to_owned);
            return Box::pin(async move {
                let limited = http_body_util::Limited::new(request.into_body(), MAX_ROUTE_BODY);
                let body = match limited.collect().await {
                    Ok(collected) => collected.to_bytes(),
                    Err(_) => {
                        let mut too_big =
                            http::Response::new(HttpBody::from("request body too large"));
                        *too_big.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
                        return Ok(too_big);
                    }
                };
                let response = gatekeeper
                    .route_with_bearer(&method, &path, &body, bearer_token.as_deref())
                    .map(to_http_body)
                    .unwrap_or_else(|| {
                        let mut missing = http::Response::new(HttpBody::from("not found"));
                        *missing.status_mut() = http::StatusCode::NOT_FOUND;
                        missing
                    });
                Ok(response)
            });
        }
        let token = path_token(&path).or_else(|| bearer(request.headers()));
        let caller = match token {
            Some(token) => match gatekeeper.caller_for_token(token) {
                Some(caller) => caller,
                None => return Box::pin(async { Ok(unauthorized()) }),
            },
            None => request
                .extensions()
                .get::<ClientCertificate>()
                .and_then(|cert| gatekeeper.caller_for_certificate(&cert.0))
                .unwrap_or(Caller::ANONYMOUS),
        };
        if path_token(&path).is_some() {
            // JSON-RPC does not care about the path; keep the token out of anything later
            // layers might log.
            let mut parts = request.uri().clone().into_parts();
            parts.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
            if let Ok(uri) = http::Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
        request.extensions_mut().insert(caller);
        let mut inner = self.inner.clone();
        Box::pin(async move { inner.call(request).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_from_path_and_header() {
        assert_eq!(path_token("/rpc/abc"), Some("abc"));
        assert_eq!(path_token("/rpc/abc/"), Some("abc"));
        assert_eq!(path_token("/rpc/"), None);
        assert_eq!(path_token("/"), None);
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer xyz"),
        );
        assert_eq!(bearer(&headers), Some("xyz"));
    }
}
