//! Posting one JSON-RPC line to a node the way hive does: verbatim body, JSON content type,
//! a per-request timeout; and the JWT-authenticated engine call that precedes the tests.

use crate::ReplayError;
use cloister_rpc_engine::{JwtSecret, jwt::unix_now};
use std::time::Duration;

/// Per-request timeout. hive uses 5 s; the replayer runs inside the test suite on a loaded
/// 2-core machine, where one answer (a blob transaction's KZG checks) has taken longer, so it
/// allows more. Answers are compared exactly the same way.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP JSON-RPC client with hive's settings.
#[derive(Debug, Clone)]
pub struct RpcClient {
    http: reqwest::Client,
}

impl RpcClient {
    /// A client with hive's timeout.
    pub fn new() -> Result<Self, ReplayError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| ReplayError::Http(e.to_string()))?;
        Ok(Self { http })
    }

    /// Posts `body` as is and returns the response text.
    pub async fn post(&self, url: &str, body: &str) -> Result<String, ReplayError> {
        self.send(url, body, None).await
    }

    /// Posts `body` with a fresh JWT for `secret` (engine port).
    pub async fn post_authenticated(
        &self,
        url: &str,
        body: &str,
        secret: &JwtSecret,
    ) -> Result<String, ReplayError> {
        self.send(url, body, Some(secret.token(unix_now()))).await
    }

    async fn send(
        &self,
        url: &str,
        body: &str,
        token: Option<String>,
    ) -> Result<String, ReplayError> {
        let mut request = self
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ReplayError::Http(e.to_string()))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| ReplayError::Http(e.to_string()))?;
        if !status.is_success() && text.trim().is_empty() {
            return Err(ReplayError::Http(format!("HTTP {status}")));
        }
        Ok(text)
    }
}
