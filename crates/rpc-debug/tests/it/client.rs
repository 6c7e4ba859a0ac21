//! A minimal JSON-RPC client and a dev node to talk to.

use serde_json::{Value, json};
use std::time::Duration;

/// A running dev node and an HTTP client for it.
pub struct DevNode {
    pub node: cloister_node::NodeHandle,
    pub url: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl DevNode {
    /// A dev node sealing as transactions arrive.
    pub async fn start() -> Self {
        Self::with_block_time(None).await
    }

    /// A dev node sealing on an interval (so several transactions share a block).
    pub async fn with_block_time(block_time: Option<Duration>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = cloister_node::NodeConfig::dev(dir.path().to_path_buf(), 0);
        config.block_time = block_time;
        let node = cloister_node::launch(config).await.unwrap();
        let url = node.http_url();
        Self {
            node,
            url,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// The whole response object.
    pub async fn call_raw(&self, method: &str, params: Value) -> Value {
        self.http
            .post(&self.url)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The result; panics on an error answer.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let response = self.call_raw(method, params).await;
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The error object; panics on a result.
    pub async fn error(&self, method: &str, params: Value) -> Value {
        let response = self.call_raw(method, params).await;
        assert!(
            response.get("error").is_some(),
            "{method} succeeded: {response}"
        );
        response["error"].clone()
    }

    /// The first dev account.
    pub async fn sender(&self) -> String {
        self.call("eth_accounts", json!([])).await[0]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Sends a transaction signed by a dev key and waits for its receipt.
    pub async fn send(&self, tx: Value) -> Value {
        let hash = self.call("eth_sendTransaction", json!([tx])).await;
        self.receipt(hash.as_str().unwrap()).await
    }

    /// Waits for the receipt of `hash`.
    pub async fn receipt(&self, hash: &str) -> Value {
        for _ in 0..400 {
            let receipt = self.call("eth_getTransactionReceipt", json!([hash])).await;
            if !receipt.is_null() {
                return receipt;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no receipt for {hash}");
    }
}

/// A hex quantity as a number.
pub fn quantity(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// A 32-byte word holding `n`, as hex.
pub fn word(n: u64) -> String {
    format!("0x{n:064x}")
}
