//! A dev node with an event-emitting contract, and small HTTP and WebSocket JSON-RPC clients.

use cloister_node::{NodeConfig, NodeHandle, launch};
use cloister_primitives::{
    Bytes, Encodable2718, U256,
    consensus::{TxEip1559, TypedTransaction},
    primitives::TxKind,
};
use cloister_rpc::{RpcConfig, RpcContext, serve};
use cloister_rpc_filter::{FilterConfig, module_with_config};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::{collections::VecDeque, net::SocketAddr, sync::Arc, time::Duration};
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async, tungstenite::Message};

/// Runtime code: `LOG2(mem[0..32] = caller, topic0 = 0xaa, topic1 = calldata[0..32])`.
const EMITTER_RUNTIME: &str = "60003560aa336000526020 6000a200";
/// Init code that returns the runtime above (15 bytes, copied from offset 12).
const EMITTER_INIT: &str = "600f600c600039600f6000f3";

/// The topic0 every emitter log carries.
pub const EMIT_TOPIC: &str = "0x00000000000000000000000000000000000000000000000000000000000000aa";

/// A 32-byte word as a hex topic.
pub fn word(n: u64) -> String {
    format!("0x{n:064x}")
}

/// A running dev node and an HTTP client for it.
pub struct TestNode {
    pub handle: NodeHandle,
    pub http: reqwest::Client,
    pub url: String,
    pub from: String,
    _dir: tempfile::TempDir,
}

impl TestNode {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let handle = launch(NodeConfig::dev(dir.path().to_path_buf(), 0))
            .await
            .unwrap();
        let url = handle.http_url();
        let mut node = Self {
            handle,
            http: reqwest::Client::new(),
            url,
            from: String::new(),
            _dir: dir,
        };
        let accounts = node.result("eth_accounts", json!([])).await;
        node.from = accounts[0].as_str().unwrap().to_string();
        node
    }

    /// A second server over the same chain and pool, with this crate's module only and
    /// `config`'s limits.
    pub async fn filter_server(
        &self,
        config: FilterConfig,
    ) -> (String, cloister_rpc::ServerHandle) {
        let ctx = Arc::new(RpcContext::new(
            self.handle.chain.clone(),
            self.handle.pool.clone(),
            Vec::new(),
            50_000_000,
        ));
        let module = module_with_config(ctx, &config).unwrap();
        let rpc_config = RpcConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Default::default()
        };
        let server = serve(&rpc_config, module).await.unwrap();
        (format!("http://{}", server.local_addr), server.handle)
    }

    /// The whole JSON-RPC response of a call to this node.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        call_url(&self.http, &self.url, method, params).await
    }

    /// The `result` of a call, failing the test on an error.
    pub async fn result(&self, method: &str, params: Value) -> Value {
        let response = self.call(method, params).await;
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    /// Sends a transaction from the first dev account and waits for its receipt.
    pub async fn transact(&self, to: Option<&str>, data: &str) -> Value {
        let mut tx = json!({"from": self.from, "data": data, "gas": "0x100000"});
        if let Some(to) = to {
            tx["to"] = json!(to);
        }
        let hash = self.result("eth_sendTransaction", json!([tx])).await;
        self.receipt(hash.as_str().unwrap()).await
    }

    /// Waits for the receipt of `hash`.
    pub async fn receipt(&self, hash: &str) -> Value {
        for _ in 0..500 {
            let receipt = self
                .result("eth_getTransactionReceipt", json!([hash]))
                .await;
            if !receipt.is_null() {
                assert_eq!(receipt["status"], "0x1", "{receipt}");
                return receipt;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no receipt for {hash}");
    }

    /// Deploys an emitter contract with a transaction signed here (a creation has no `to`,
    /// which eth_sendTransaction's request filling does not take); returns its address.
    pub async fn deploy_emitter(&self) -> String {
        let code = format!("{EMITTER_INIT}{}", EMITTER_RUNTIME.replace(' ', ""));
        let nonce = self
            .result("eth_getTransactionCount", json!([self.from, "pending"]))
            .await;
        let tx = TxEip1559 {
            chain_id: self.handle.chain.spec().chain_id(),
            nonce: u64::from_str_radix(nonce.as_str().unwrap().trim_start_matches("0x"), 16)
                .unwrap(),
            gas_limit: 200_000,
            max_fee_per_gas: 100_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Create,
            value: U256::ZERO,
            access_list: Default::default(),
            input: Bytes::from(hex_decode(&code)),
        };
        let envelope =
            cloister_rpc::sign(&self.handle.dev_accounts[0], TypedTransaction::Eip1559(tx))
                .unwrap();
        let raw = format!("0x{}", hex_encode(&envelope.encoded_2718()));
        let hash = self.result("eth_sendRawTransaction", json!([raw])).await;
        let receipt = self.receipt(hash.as_str().unwrap()).await;
        receipt["contractAddress"].as_str().unwrap().to_string()
    }

    /// Calls `emitter` so that it logs `topic1 = word(n)`; returns the receipt.
    pub async fn emit(&self, emitter: &str, n: u64) -> Value {
        self.transact(Some(emitter), &word(n)).await
    }

    pub async fn head(&self) -> u64 {
        let number = self.result("eth_blockNumber", json!([])).await;
        u64::from_str_radix(number.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    }
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn call_url(http: &reqwest::Client, url: &str, method: &str, params: Value) -> Value {
    http.post(url)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Asserts a response is an error with exactly this code and message, and no `data`.
pub fn assert_error(response: &Value, code: i64, message: &str) {
    assert_eq!(
        response["error"],
        json!({"code": code, "message": message}),
        "{response}"
    );
}

/// A raw WebSocket JSON-RPC client that keeps notifications aside while awaiting answers.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    notifications: VecDeque<Value>,
    next_id: u64,
}

impl WsClient {
    pub async fn connect(addr: SocketAddr) -> Self {
        let (stream, _) = connect_async(format!("ws://{addr}")).await.unwrap();
        Self {
            stream,
            notifications: VecDeque::new(),
            next_id: 1,
        }
    }

    async fn read(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(20), self.stream.next())
                .await
                .expect("no WebSocket message within 20 s")
                .unwrap()
                .unwrap();
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).unwrap();
            }
        }
    }

    /// Sends a request and returns its whole response.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.stream
            .send(Message::text(request.to_string()))
            .await
            .unwrap();
        loop {
            let message = self.read().await;
            if message["id"] == json!(id) {
                return message;
            }
            self.notifications.push_back(message);
        }
    }

    /// `eth_subscribe`; returns the subscription id.
    pub async fn subscribe(&mut self, params: Value) -> Value {
        let response = self.call("eth_subscribe", params).await;
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    /// The next notification's `params` (subscription and result).
    pub async fn notification(&mut self) -> Value {
        let message = match self.notifications.pop_front() {
            Some(message) => message,
            None => self.read().await,
        };
        assert_eq!(message["method"], "eth_subscription", "{message}");
        message["params"].clone()
    }
}
