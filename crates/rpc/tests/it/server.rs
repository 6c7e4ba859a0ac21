//! Server behaviour: geth-shaped errors, batches, limits as JSON-RPC errors, CORS.

use crate::post;
use cloister_rpc::{RpcConfig, serve};
use jsonrpsee::RpcModule;
use serde_json::{Value, json};

async fn toy_server(config: RpcConfig) -> String {
    let mut module = RpcModule::new(());
    module
        .register_method("test_echo", |params, _, _| {
            params.one::<u64>().map(|n| n * 2)
        })
        .unwrap();
    module
        .register_method("test_big", |params, _, _| {
            let len: usize = params.one()?;
            Ok::<_, jsonrpsee::types::ErrorObjectOwned>("x".repeat(len))
        })
        .unwrap();
    let config = RpcConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..config
    };
    let server = serve(&config, module).await.unwrap();
    let url = format!("http://{}", server.local_addr);
    // Keep the server running for the test's lifetime.
    std::mem::forget(server.handle);
    url
}

fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

#[tokio::test]
async fn invalid_params_have_no_data_and_unknown_methods_are_32601() {
    let url = toy_server(RpcConfig::default()).await;
    let bad = post(&url, request(1, "test_echo", json!(["nope"]))).await;
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    assert!(bad["error"].get("data").is_none(), "{bad}");
    assert_eq!(bad["id"], 1);

    let missing = post(&url, request(2, "test_nothing", json!([]))).await;
    assert_eq!(missing["error"]["code"], -32601, "{missing}");
    assert_eq!(
        missing["error"]["message"],
        "the method test_nothing does not exist/is not available"
    );

    let fine = post(&url, request(3, "test_echo", json!([21]))).await;
    assert_eq!(fine["result"], 42);
}

#[tokio::test]
async fn batches_answer_every_call_and_strip_data_too() {
    let url = toy_server(RpcConfig::default()).await;
    let answers = post(
        &url,
        json!([
            request(1, "test_echo", json!([1])),
            request(2, "test_echo", json!([true])),
        ]),
    )
    .await;
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 2);
    let by_id = |id: u64| answers.iter().find(|a| a["id"] == id).unwrap();
    assert_eq!(by_id(1)["result"], 2);
    assert_eq!(by_id(2)["error"]["code"], -32602);
    assert!(by_id(2)["error"].get("data").is_none());
}

#[tokio::test]
async fn limits_are_json_rpc_errors() {
    let url = toy_server(RpcConfig {
        max_response_bytes: 1_000,
        max_batch_len: Some(2),
        ..RpcConfig::default()
    })
    .await;
    let big = post(&url, request(1, "test_big", json!([5_000]))).await;
    assert_eq!(big["error"]["code"], -32008, "{big}");
    let small = post(&url, request(1, "test_big", json!([10]))).await;
    assert_eq!(small["result"], "x".repeat(10));

    let batch: Vec<Value> = (0..3)
        .map(|i| request(i, "test_echo", json!([i])))
        .collect();
    let too_many = post(&url, Value::Array(batch)).await;
    assert_eq!(too_many["error"]["code"], -32010, "{too_many}");
}

#[tokio::test]
async fn cors_headers_follow_the_configured_origins() {
    let open = toy_server(RpcConfig {
        cors_origins: vec!["http://dapp.example".into()],
        ..RpcConfig::default()
    })
    .await;
    let client = reqwest::Client::new();
    let preflight = client
        .request(reqwest::Method::OPTIONS, &open)
        .header("Origin", "http://dapp.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "http://dapp.example"
    );
    let other = client
        .post(&open)
        .header("Origin", "http://evil.example")
        .json(&request(1, "test_echo", json!([1])))
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let closed = toy_server(RpcConfig::default()).await;
    let response = client
        .post(&closed)
        .header("Origin", "http://dapp.example")
        .json(&request(1, "test_echo", json!([1])))
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
