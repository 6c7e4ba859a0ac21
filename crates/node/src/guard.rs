//! The node's [`Gatekeeper`]: sign-in tokens from `cloister-auth`, client certificates and
//! roles from the policy, the `/signin` pages and the `/governance` page.

use cloister_auth::AuthService;
use cloister_policy::{Caller, Policy};
use cloister_rpc::Gatekeeper;
use std::sync::Arc;

/// Tokens → callers through the auth service; certificates → callers through the policy.
#[derive(Debug)]
pub struct NodeGatekeeper {
    /// Sign-in and tokens.
    pub auth: Arc<AuthService>,
    /// Roles and certificate mappings.
    pub policy: Arc<Policy>,
}

impl Gatekeeper for NodeGatekeeper {
    fn caller_for_token(&self, token: &str) -> Option<Caller> {
        match self.auth.resolve(token) {
            Ok(Some(owner)) => Some(self.policy.caller_for_all(&owner.addresses())),
            Ok(None) => None,
            Err(err) => {
                tracing::warn!(target: "cloister::auth", %err, "token lookup failed");
                None
            }
        }
    }

    fn caller_for_certificate(&self, fingerprint: &[u8; 32]) -> Option<Caller> {
        self.policy.caller_for_certificate(fingerprint)
    }

    fn route(
        &self,
        method: &http::Method,
        path: &str,
        body: &[u8],
    ) -> Option<http::Response<String>> {
        crate::governance_page::handle(method, path)
            .or_else(|| cloister_auth::http::handle(&self.auth, method, path, body))
    }

    fn route_with_bearer(
        &self,
        method: &http::Method,
        path: &str,
        body: &[u8],
        bearer: Option<&str>,
    ) -> Option<http::Response<String>> {
        crate::governance_page::handle(method, path).or_else(|| {
            cloister_auth::http::handle_with_bearer(&self.auth, method, path, body, bearer)
        })
    }

    fn owns_path(&self, path: &str) -> bool {
        path == "/signin" || path.starts_with("/signin/") || crate::governance_page::owns(path)
    }
}
