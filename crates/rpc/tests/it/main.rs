//! Integration tests of cloister-rpc over real HTTP: a server with a toy module for the server
//! behaviour (errors, limits, CORS), and a dev node for the methods.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod dev_node;
mod policy;
mod server;

use serde_json::{Value, json};

/// POSTs one JSON-RPC body and returns the parsed answer.
pub async fn post(url: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Calls `method` and returns the whole response object.
pub async fn call(url: &str, method: &str, params: Value) -> Value {
    post(
        url,
        json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
    )
    .await
}

/// Calls `method` and returns its `result`, failing on an error.
pub async fn result(url: &str, method: &str, params: Value) -> Value {
    let response = call(url, method, params).await;
    assert!(response.get("error").is_none(), "{method}: {response}");
    response["result"].clone()
}
