//! An RPC middleware that makes jsonrpsee's own errors look like geth's: invalid-params errors
//! (-32602) carry no `data` (jsonrpsee puts the parse failure there; geth puts it in the
//! message), unknown methods (-32601) get geth's message, and unsubscribing an unknown
//! subscription is geth's -32000 "subscription not found" rather than `false`. Over plain
//! HTTP, where jsonrpsee answers subscription methods with a bare -32603, `eth_subscribe` gets
//! geth's -32601 "notifications not supported" (clients read that code as "poll instead") and
//! `eth_unsubscribe` gets "subscription not found".

use jsonrpsee::{
    MethodResponse,
    core::middleware::{Batch, BatchEntry, Notification, RpcServiceT},
    server::BatchResponseBuilder,
    types::{
        ErrorObject, Id, Request,
        error::{INTERNAL_ERROR_CODE, INVALID_PARAMS_CODE, METHOD_NOT_FOUND_CODE},
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
    if matches!(method, "eth_subscribe" | "eth_unsubscribe") && is_transport_refusal(response) {
        return Some(without_subscriptions(method, id));
    }
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

/// jsonrpsee's answer to a subscription method on a transport without subscriptions: exactly
/// -32603 "Internal error" (the node's own internal errors always say more).
fn is_transport_refusal(response: &MethodResponse) -> bool {
    if response.as_error_code() != Some(INTERNAL_ERROR_CODE) {
        return false;
    }
    serde_json::from_str::<ErrorResponse>(response.as_json().get())
        .is_ok_and(|parsed| parsed.error.message == "Internal error")
}

/// geth's answer to `method` over a transport without notifications (plain HTTP).
fn without_subscriptions(method: &str, id: Id<'_>) -> MethodResponse {
    let error = if method == "eth_subscribe" {
        ErrorObject::owned(
            METHOD_NOT_FOUND_CODE,
            "notifications not supported",
            None::<()>,
        )
    } else {
        ErrorObject::owned(SERVER_ERROR, "subscription not found", None::<()>)
    };
    MethodResponse::error(id.into_owned(), error)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_over_http_get_geths_errors() {
        let bare = MethodResponse::error(
            Id::Number(1),
            ErrorObject::from(jsonrpsee::types::ErrorCode::InternalError),
        );
        let fixed = rewrite(&bare, Id::Number(1), "eth_subscribe").expect("rewritten");
        assert_eq!(fixed.as_error_code(), Some(METHOD_NOT_FOUND_CODE));
        assert!(
            fixed
                .as_json()
                .get()
                .contains("\"notifications not supported\"")
        );
        let fixed = rewrite(&bare, Id::Number(1), "eth_unsubscribe").expect("rewritten");
        assert_eq!(fixed.as_error_code(), Some(SERVER_ERROR));
        assert!(fixed.as_json().get().contains("\"subscription not found\""));
        // Other methods' internal errors, and the node's own (which say more), stay.
        assert!(rewrite(&bare, Id::Number(1), "eth_call").is_none());
        let ours = MethodResponse::error(
            Id::Number(1),
            ErrorObject::owned(INTERNAL_ERROR_CODE, "internal error: disk", None::<()>),
        );
        assert!(rewrite(&ours, Id::Number(1), "eth_subscribe").is_none());
    }
}
