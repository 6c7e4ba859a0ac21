//! [`Metered`]: an RPC middleware that counts and times every call by method name into
//! [`RpcMetrics`]. It sits inside the layer that splits batches, so each call of a batch is
//! one observation, and outside the policy gate, so a refused call is counted too (under its
//! method's name: the answer is the same for everyone, and the name set is fixed).

use crate::metrics::RpcMetrics;
use jsonrpsee::{
    MethodResponse,
    core::middleware::{Batch, Notification, RpcServiceT},
    types::Request,
};
use std::{future::Future, sync::Arc, time::Instant};

/// Wraps the inner RPC service; see the module doc.
#[derive(Debug, Clone)]
pub struct Metered<S> {
    inner: S,
    metrics: Arc<RpcMetrics>,
}

impl<S> Metered<S> {
    /// Counts the calls through `inner` into `metrics`.
    pub fn new(inner: S, metrics: Arc<RpcMetrics>) -> Self {
        Self { inner, metrics }
    }
}

impl<S> RpcServiceT for Metered<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let inner = self.inner.clone();
        let metrics = self.metrics.clone();
        async move {
            let method = request.method_name().to_owned();
            let started = Instant::now();
            let response = inner.call(request).await;
            metrics.observe(&method, started.elapsed());
            response
        }
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.batch(batch)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(notification)
    }
}
