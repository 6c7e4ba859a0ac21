//! The request-execution methods over HTTP against a dev node: eth_call with overrides,
//! eth_estimateGas, eth_createAccessList, eth_simulateV1 and eth_sendTransaction.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};

struct Node {
    handle: cloister_node::NodeHandle,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Node {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = cloister_node::NodeConfig::dev(dir.path().to_path_buf(), 0);
        let handle = cloister_node::launch(config).await.unwrap();
        Self {
            handle,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// The whole JSON-RPC response.
    async fn raw(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.client
            .post(self.handle.http_url())
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn result(&self, method: &str, params: Value) -> Value {
        let response = self.raw(method, params).await;
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    async fn error(&self, method: &str, params: Value) -> Value {
        let response = self.raw(method, params).await;
        response
            .get("error")
            .cloned()
            .unwrap_or_else(|| panic!("{method} did not fail: {response}"))
    }

    fn dev_account(&self) -> String {
        format!("{:#x}", self.handle.dev_accounts[0].address())
    }
}

/// Runtime code that returns the block number (NUMBER, MSTORE, RETURN 32 bytes).
const RETURN_NUMBER: &str = "0x4360005260206000f3";
/// Runtime code that reverts with `Error("nope")`.
const REVERT_NOPE: &str = "0x6064600c60003960646000fd08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000046e6f706500000000000000000000000000000000000000000000000000000000";
/// Runtime code that loads slot 1 and returns it.
const LOAD_SLOT_ONE: &str = "0x60015460005260206000f3";
const CONTRACT: &str = "0xc200000000000000000000000000000000000000";

mod call;
mod collision;
mod confidential;
mod simulate;
