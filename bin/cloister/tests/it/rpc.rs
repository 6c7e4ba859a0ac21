//! A minimal JSON-RPC client over reqwest: single calls and batches, with transport failures
//! (node gone) kept apart from errors the node answered with.

use serde_json::{Value, json};
use std::time::Duration;

/// Most calls in one HTTP batch.
const BATCH_CHUNK: usize = 500;

/// Why a call produced no result.
#[derive(Debug)]
pub enum RpcFailure {
    /// No answer: connection refused or reset, timeout, unreadable body.
    Transport(String),
    /// The node answered with a JSON-RPC error object.
    Node(Value),
}

/// Client of one node.
#[derive(Clone)]
pub struct Rpc {
    url: String,
    http: reqwest::Client,
}

impl Rpc {
    /// Client of `http://127.0.0.1:port`.
    pub fn new(port: u16) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        Self {
            url: format!("http://127.0.0.1:{port}"),
            http,
        }
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn post(&self, body: &Value) -> Result<Value, RpcFailure> {
        let response = self
            .http
            .post(&self.url)
            .json(body)
            .send()
            .await
            .map_err(|e| RpcFailure::Transport(e.to_string()))?;
        response
            .json::<Value>()
            .await
            .map_err(|e| RpcFailure::Transport(e.to_string()))
    }

    /// One call.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, RpcFailure> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let reply = self.post(&body).await?;
        match (reply.get("result"), reply.get("error")) {
            (_, Some(error)) => Err(RpcFailure::Node(error.clone())),
            (Some(result), None) => Ok(result.clone()),
            (None, None) => Err(RpcFailure::Transport(format!("malformed reply {reply}"))),
        }
    }

    /// One call that must succeed.
    pub async fn ok(&self, method: &str, params: Value) -> Value {
        match self.call(method, params.clone()).await {
            Ok(value) => value,
            Err(failure) => panic!("{method} {params} failed: {failure:?}"),
        }
    }

    /// Many calls in HTTP batches; results in call order. Any per-call error fails the whole.
    pub async fn batch(&self, calls: &[(&str, Value)]) -> Result<Vec<Value>, RpcFailure> {
        let mut results = Vec::with_capacity(calls.len());
        for chunk in calls.chunks(BATCH_CHUNK) {
            let body: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(id, (method, params))| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
                .collect();
            let reply = self.post(&Value::Array(body)).await?;
            let Value::Array(items) = reply else {
                return Err(RpcFailure::Transport(format!(
                    "batch reply is not an array: {reply}"
                )));
            };
            let mut ordered = vec![None; chunk.len()];
            for item in items {
                if let Some(error) = item.get("error") {
                    return Err(RpcFailure::Node(error.clone()));
                }
                let id = item.get("id").and_then(Value::as_u64).map(|id| id as usize);
                match (id, item.get("result")) {
                    (Some(id), Some(result)) if id < ordered.len() => {
                        ordered[id] = Some(result.clone())
                    }
                    _ => {
                        return Err(RpcFailure::Transport(format!(
                            "malformed batch item {item}"
                        )));
                    }
                }
            }
            for (index, result) in ordered.into_iter().enumerate() {
                let result = result
                    .ok_or_else(|| RpcFailure::Transport(format!("batch lost call {index}")))?;
                results.push(result);
            }
        }
        Ok(results)
    }

    /// A batch that must succeed.
    pub async fn batch_ok(&self, calls: &[(&str, Value)]) -> Vec<Value> {
        match self.batch(calls).await {
            Ok(values) => values,
            Err(failure) => panic!("batch of {} calls failed: {failure:?}", calls.len()),
        }
    }
}

/// A hex quantity (`"0x1a"`) as u64.
pub fn quantity(value: &Value) -> u64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a quantity: {value}"));
    u64::from_str_radix(text.trim_start_matches("0x"), 16)
        .unwrap_or_else(|_| panic!("bad quantity {text}"))
}

/// A hex quantity as u128 (balances here stay far below 2^128).
pub fn quantity_u128(value: &Value) -> u128 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a quantity: {value}"));
    u128::from_str_radix(text.trim_start_matches("0x"), 16)
        .unwrap_or_else(|_| panic!("bad quantity {text}"))
}

/// Polls eth_getTransactionReceipt until it is non-null (at most ~60 s).
pub async fn wait_receipt(rpc: &Rpc, hash: &str) -> Value {
    for _ in 0..1200 {
        let receipt = rpc.ok("eth_getTransactionReceipt", json!([hash])).await;
        if !receipt.is_null() {
            return receipt;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no receipt for {hash} within ~60 s");
}
