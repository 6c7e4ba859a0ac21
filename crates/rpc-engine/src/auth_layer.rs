//! A tower layer in front of the engine server: every HTTP request (WebSocket upgrades
//! included) must carry `Authorization: Bearer <JWT>` valid for the shared secret, or it gets
//! 401 before jsonrpsee sees it.

use crate::jwt::{JwtSecret, unix_now};
use http::{HeaderValue, StatusCode, header};
use jsonrpsee::{
    core::BoxError,
    server::{HttpBody, HttpRequest, HttpResponse},
};
use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};
use tower::{Layer, Service};

/// Adds the JWT check to a service.
#[derive(Debug, Clone)]
pub struct JwtAuthLayer {
    secret: Arc<JwtSecret>,
}

impl JwtAuthLayer {
    /// A layer checking tokens against `secret`.
    pub fn new(secret: JwtSecret) -> Self {
        Self {
            secret: Arc::new(secret),
        }
    }
}

impl<S> Layer<S> for JwtAuthLayer {
    type Service = JwtAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JwtAuth {
            inner,
            secret: self.secret.clone(),
        }
    }
}

/// The service [`JwtAuthLayer`] makes.
#[derive(Debug, Clone)]
pub struct JwtAuth<S> {
    inner: S,
    secret: Arc<JwtSecret>,
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

impl<S, B> Service<HttpRequest<B>> for JwtAuth<S>
where
    S: Service<HttpRequest<B>, Response = HttpResponse>,
    S::Error: Into<BoxError> + 'static,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        let verdict = bearer_token(request.headers().get(header::AUTHORIZATION))
            .and_then(|token| self.secret.validate(token, unix_now()));
        match verdict {
            Ok(()) => {
                let call = self.inner.call(request);
                Box::pin(async move { call.await.map_err(Into::into) })
            }
            Err(err) => {
                tracing::debug!(target: "cloister::engine", %err, "engine request refused");
                let mut response =
                    HttpResponse::new(HttpBody::from(format!("{{\"error\":\"{err}\"}}")));
                *response.status_mut() = StatusCode::UNAUTHORIZED;
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                Box::pin(async move { Ok(response) })
            }
        }
    }
}

fn bearer_token(value: Option<&HeaderValue>) -> Result<&str, crate::jwt::JwtError> {
    value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or(crate::jwt::JwtError::MissingToken)
}
