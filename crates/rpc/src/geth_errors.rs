//! An RPC middleware that makes jsonrpsee's own errors look like geth's: invalid-params errors
//! (-32602) carry no `data` (jsonrpsee puts the parse failure there; geth puts it in the
//! message), unknown methods (-32601) get geth's message, and unsubscribing an unknown
//! subscription is geth's -32000 "subscription not found" rather than `false`.

use jsonrpsee::{
    MethodResponse,
    core::middleware::{Batch, BatchEntry, Notification, RpcServiceT},
    server::BatchResponseBuilder,
    types::{
        ErrorObject, Id, Request,
        error::{INVALID_PARAMS_CODE, METHOD_NOT_FOUND_CODE},
    },
};
use serde::Deserialize;
use std::future::Future;

/// Wraps the inner RPC service; see the module doc.
#[derive(Debug, Clone)]
pub struct GethErrors<S> {
    inner: S,
    max_response_bytes: usize,
}

impl<S> GethErrors<S> {
    /// Wraps `inner`; `max_response_bytes` bounds a whole batch answer, as jsonrpsee's own does.
    pub fn new(inner: S, max_response_bytes: usize) -> Self {
        Self {
            inner,
            max_response_bytes,
        }
    }
}

/// The part of an error response this middleware rewrites.
#[derive(Deserialize)]
struct ErrorResponse {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: i32,
    message: String,
    data: Option<serde_json::Value>,
}

/// geth's code for errors without their own (`subscription not found` among them).
const SERVER_ERROR: i32 = -32000;

/// geth's form of an error response, or `None` when `response` needs no change.
fn rewrite(response: &MethodResponse, id: Id<'_>, method: &str) -> Option<MethodResponse> {
    if method == "eth_unsubscribe" && response.is_success() {
        let answer: serde_json::Value = serde_json::from_str(response.as_json().get()).ok()?;
        if answer.get("result") != Some(&serde_json::Value::Bool(false)) {
            return None;
        }
        return Some(MethodResponse::error(
            id.into_owned(),
            ErrorObject::owned(SERVER_ERROR, "subscription not found", None::<()>),
        ));
    }
    let code = response.as_error_code()?;
    if code != INVALID_PARAMS_CODE && code != METHOD_NOT_FOUND_CODE {
        return None;
    }
    let parsed: ErrorResponse = serde_json::from_str(response.as_json().get()).ok()?;
    let ErrorBody {
        code,
        message,
        data,
    } = parsed.error;
    let message = if code == METHOD_NOT_FOUND_CODE {
        format!("the method {method} does not exist/is not available")
    } else {
        match data {
            None => return None,
            Some(serde_json::Value::String(detail)) => format!("invalid argument: {detail}"),
            Some(other) => format!("{message}: {other}"),
        }
    };
    Some(MethodResponse::error(
        id.into_owned(),
        ErrorObject::owned(code, message, None::<()>),
    ))
}

impl<S> RpcServiceT for GethErrors<S>
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
        async move {
            let id = request.id().into_owned();
            let method = request.method_name().to_owned();
            let response = inner.call(request).await;
            match rewrite(&response, id, &method) {
                Some(fixed) => fixed.with_extensions(response.extensions().clone()),
                None => response,
            }
        }
    }

    // Runs every call of the batch through `call` above, so batched errors are fixed too.
    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let service = self.clone();
        async move {
            let mut responses = BatchResponseBuilder::new_with_limit(service.max_response_bytes);
            let mut got_notification = false;
            for entry in batch {
                let response = match entry {
                    Ok(BatchEntry::Call(request)) => service.call(request).await,
                    Ok(BatchEntry::Notification(notification)) => {
                        got_notification = true;
                        service.inner.notification(notification).await;
                        continue;
                    }
                    Err(err) => {
                        let (err, id) = err.into_parts();
                        MethodResponse::error(id, err)
                    }
                };
                if let Err(too_big) = responses.append(response) {
                    return too_big;
                }
            }
            if responses.is_empty() && got_notification {
                MethodResponse::notification()
            } else {
                MethodResponse::from_batch(responses.finish())
            }
        }
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(notification)
    }
}
