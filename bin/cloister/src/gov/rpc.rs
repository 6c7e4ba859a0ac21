//! A small JSON-RPC client for `cloister gov`: plain or TLS (rustls) HTTP, to a node's URL or
//! a personal URL of a confidential chain (`https://host:port/rpc/<token>`), which is never
//! printed. Errors keep the node's code, message and data, so a revert reason reaches the user.

use alloy_primitives::{Address, Bytes, U256};
use serde_json::{Value, json};
use std::{path::Path, sync::atomic::AtomicU64, time::Duration};

/// A refused call: the node's JSON-RPC error.
#[derive(Debug, Clone)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)?;
        if let Some(reason) = self.revert_reason() {
            if !self.message.contains(&reason) {
                write!(f, ": {reason}")?;
            }
        } else if let Some(data) = &self.data {
            write!(f, ", data {data}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RpcError {}

impl RpcError {
    /// The `Error(string)` reason in the error's data, if the call reverted with one.
    pub fn revert_reason(&self) -> Option<String> {
        use alloy_sol_types::SolError as _;
        let hex = self.data.as_ref()?.as_str()?;
        let bytes: Bytes = hex.parse().ok()?;
        alloy_sol_types::Revert::abi_decode(&bytes)
            .ok()
            .map(|revert| revert.reason)
    }
}

/// A node's JSON-RPC endpoint.
#[derive(Debug)]
pub struct Rpc {
    http: reqwest::Client,
    url: String,
    next_id: AtomicU64,
}

impl Rpc {
    /// A client for `url`; `ca_cert` (PEM) is trusted besides the system's roots.
    pub fn new(url: &str, ca_cert: Option<&Path>) -> eyre::Result<Self> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            eyre::bail!("--rpc must be an http:// or https:// URL");
        }
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10));
        if let Some(path) = ca_cert {
            let pem = std::fs::read(path)
                .map_err(|e| eyre::eyre!("cannot read {}: {e}", path.display()))?;
            let certificate = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| eyre::eyre!("{}: {e}", path.display()))?;
            builder = builder.add_root_certificate(certificate);
        }
        Ok(Self {
            http: builder.build()?,
            url: url.to_owned(),
            next_id: AtomicU64::new(1),
        })
    }

    /// The URL without a personal token (`…/rpc/<token>`), for messages.
    pub fn shown_url(&self) -> String {
        match self.url.split_once("/rpc/") {
            Some((base, _)) => format!("{base}/rpc/<token>"),
            None => self.url.clone(),
        }
    }

    /// Calls `method`; `Err` holds either the node's refusal ([`RpcError`]) or a transport failure.
    pub async fn call(&self, method: &str, params: Value) -> eyre::Result<Value> {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let response = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| eyre::eyre!("{}: {}", self.shown_url(), without_url(e)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| eyre::eyre!("{}: {}", self.shown_url(), without_url(e)))?;
        let mut answer: Value = serde_json::from_str(&text).map_err(|_| {
            eyre::eyre!(
                "{} answered HTTP {status} with a body that is not JSON-RPC",
                self.shown_url()
            )
        })?;
        if let Some(error) = answer.get("error") {
            return Err(RpcError {
                code: error
                    .get("code")
                    .and_then(Value::as_i64)
                    .unwrap_or_default(),
                message: error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("error")
                    .to_owned(),
                data: error.get("data").cloned(),
            }
            .into());
        }
        match answer.get_mut("result") {
            Some(result) => Ok(result.take()),
            None => eyre::bail!("{}: answer without result", self.shown_url()),
        }
    }

    /// `eth_call` of `data` to `to` at the latest block; the returned bytes.
    pub async fn eth_call(&self, to: Address, data: &[u8]) -> eyre::Result<Bytes> {
        let result = self
            .call(
                "eth_call",
                json!([{ "to": to, "data": Bytes::copy_from_slice(data) }, "latest"]),
            )
            .await?;
        Ok(serde_json::from_value(result)?)
    }

    /// A quantity answer (`"0x1a"`) as U256.
    pub async fn quantity(&self, method: &str, params: Value) -> eyre::Result<U256> {
        let result = self.call(method, params).await?;
        quantity(&result)
    }
}

/// A JSON quantity as U256.
pub fn quantity(value: &Value) -> eyre::Result<U256> {
    let text = value
        .as_str()
        .ok_or_else(|| eyre::eyre!("expected a hex quantity, got {value}"))?;
    Ok(text.parse::<U256>()?)
}

/// reqwest's error without the URL (which may hold a personal token).
fn without_url(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn revert_reasons_are_decoded_and_tokens_hidden() {
        use alloy_sol_types::SolError as _;
        let data = alloy_sol_types::Revert::from("not a member").abi_encode();
        let error = RpcError {
            code: 3,
            message: "execution reverted".into(),
            data: Some(Value::String(format!(
                "0x{}",
                super::super::actions::hex(&data)
            ))),
        };
        assert_eq!(error.revert_reason().as_deref(), Some("not a member"));
        assert_eq!(
            error.to_string(),
            "execution reverted (code 3): not a member"
        );
        let rpc = Rpc::new("https://127.0.0.1:1/rpc/clst_secret", None).unwrap();
        assert_eq!(rpc.shown_url(), "https://127.0.0.1:1/rpc/<token>");
        assert!(Rpc::new("ftp://x", None).is_err());
    }
}
