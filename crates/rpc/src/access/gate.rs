//! [`PolicyGate`]: an RPC middleware that refuses, before it runs, any method the caller may
//! not call (with the same error an unknown method gets: a refused method reveals only the
//! caller's own role), records auditor-only calls in the audit log, and puts the method name
//! into the request for the [`super::Viewer`].

use super::{AuditEntry, AuditLog, MethodName, caller_of};
use cloister_policy::Policy;
use jsonrpsee::{
    MethodResponse,
    core::middleware::{Batch, Notification, RpcServiceT},
    types::{ErrorObject, Request, error::METHOD_NOT_FOUND_CODE},
};
use std::{future::Future, sync::Arc};

/// Longest parameter text kept in an audit entry.
const MAX_AUDITED_PARAMS: usize = 512;

/// Wraps the inner RPC service; see the module doc.
#[derive(Debug, Clone)]
pub struct PolicyGate<S> {
    inner: S,
    policy: Arc<Policy>,
    audit: AuditLog,
}

impl<S> PolicyGate<S> {
    /// Gates `inner` with `policy`.
    pub fn new(inner: S, policy: Arc<Policy>, audit: AuditLog) -> Self {
        Self {
            inner,
            policy,
            audit,
        }
    }
}

impl<S> RpcServiceT for PolicyGate<S>
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

    fn call<'a>(
        &self,
        mut request: Request<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        let inner = self.inner.clone();
        let caller = caller_of(request.extensions());
        let method = request.method_name().to_owned();
        let allowed = self.policy.method(&caller, &method);
        if allowed
            && self.policy.method_audited(&caller, &method)
            && let Some(auditor) = caller.address
        {
            let mut entry = AuditEntry::new(auditor, &method);
            let params = request.params();
            entry.params = Some(truncate(
                params.as_str().unwrap_or("[]"),
                MAX_AUDITED_PARAMS,
            ));
            self.audit.append(&entry);
        }
        async move {
            if !allowed {
                return MethodResponse::error(
                    request.id().into_owned(),
                    ErrorObject::owned(
                        METHOD_NOT_FOUND_CODE,
                        format!("the method {method} does not exist/is not available"),
                        None::<()>,
                    ),
                );
            }
            request.extensions_mut().insert(MethodName(method));
            inner.call(request).await
        }
    }

    // A batch goes through `call` one entry at a time (the outer GethErrors layer does that),
    // so this is reached only without it; refuse nothing here that `call` would not.
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

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
