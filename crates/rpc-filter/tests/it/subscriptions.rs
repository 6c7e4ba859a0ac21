//! eth_subscribe over WebSocket: newHeads, logs with filters, newPendingTransactions, and a
//! subscriber that stops reading while blocks keep coming.

use crate::common::{EMIT_TOPIC, TestNode, WsClient, assert_error, word};
use cloister_chain::{BlockProducer, ProducerConfig};
use cloister_rpc::RpcContext;
use cloister_rpc_filter::{FilterConfig, GethIdProvider, module_with_config};
use serde_json::{Value, json};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_logs_and_pending_transactions_stream() {
    let node = TestNode::start().await;
    let a = node.deploy_emitter().await;
    let b = node.deploy_emitter().await;
    let mut ws = WsClient::connect(node.handle.rpc_addr).await;
    let heads = ws.subscribe(json!(["newHeads"])).await;
    let logs_a = ws
        .subscribe(json!(["logs", {"address": a, "topics": [EMIT_TOPIC, [word(1), word(3)]]}]))
        .await;
    let pending = ws.subscribe(json!(["newPendingTransactions"])).await;
    let pending_full = ws.subscribe(json!(["newPendingTransactions", true])).await;
    assert!(heads != logs_a && logs_a != pending && pending != pending_full);

    let r1 = node.emit(&a, 1).await;
    let r2 = node.emit(&b, 1).await;
    let r3 = node.emit(&a, 3).await;
    let tx_hashes = [&r1, &r2, &r3].map(|r| r["transactionHash"].clone());
    let block_hashes = [&r1, &r2, &r3].map(|r| r["blockHash"].clone());

    let mut got_heads = Vec::new();
    let mut got_logs = Vec::new();
    let mut got_pending = Vec::new();
    let mut got_full = Vec::new();
    while got_heads.len() < 3 || got_logs.len() < 2 || got_pending.len() < 3 || got_full.len() < 3 {
        let note = ws.notification().await;
        let result = note["result"].clone();
        match &note["subscription"] {
            s if *s == heads => got_heads.push(result),
            s if *s == logs_a => got_logs.push(result),
            s if *s == pending => got_pending.push(result),
            s if *s == pending_full => got_full.push(result),
            other => panic!("unknown subscription {other}"),
        }
    }

    // Heads: the same header fields as eth_getBlockByNumber, without size or body.
    for (head, hash) in got_heads.iter().zip(&block_hashes) {
        assert_eq!(&head["hash"], hash);
        let block = ws.call("eth_getBlockByHash", json!([hash, false])).await["result"].clone();
        let mut expected = block.as_object().unwrap().clone();
        for body_field in [
            "size",
            "transactions",
            "uncles",
            "withdrawals",
            "totalDifficulty",
            // The seal is served beside the block, not as a header field.
            "sealSignature",
        ] {
            expected.remove(body_field);
        }
        assert_eq!(head, &Value::Object(expected));
    }
    // Logs: only a's, only topics 1 or 3, each exactly as its receipt shows it.
    assert_eq!(got_logs, vec![r1["logs"][0].clone(), r3["logs"][0].clone()]);
    assert_eq!(got_pending, tx_hashes.to_vec());
    for (tx, hash) in got_full.iter().zip(&tx_hashes) {
        assert_eq!(&tx["hash"], hash);
        assert_eq!(tx["blockHash"], Value::Null);
    }

    let stopped = ws.call("eth_unsubscribe", json!([heads])).await;
    assert_eq!(stopped["result"], json!(true), "{stopped}");
    // A second time the subscription is unknown: geth's error, not `false`.
    assert_error(
        &ws.call("eth_unsubscribe", json!([heads])).await,
        -32000,
        "subscription not found",
    );
    node.handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_subscriptions_fail_as_geth() {
    let node = TestNode::start().await;
    let mut ws = WsClient::connect(node.handle.rpc_addr).await;
    assert_error(
        &ws.call("eth_subscribe", json!(["newBananas"])).await,
        -32601,
        "no \"newBananas\" subscription in eth namespace",
    );
    assert_error(
        &ws.call(
            "eth_subscribe",
            json!(["logs", {"fromBlock": "0x9", "toBlock": "0x2"}]),
        )
        .await,
        -32602,
        "invalid block range params",
    );
    assert_error(
        &ws.call("eth_subscribe", json!(["logs", {"topics": [1]}]))
            .await,
        -32602,
        "invalid argument 1: invalid topic(s)",
    );
    node.handle.stop().await;
}

/// A client that subscribes and then reads nothing while more blocks commit than the broadcast
/// channel holds: production finishes, and the subscriber, once it reads again, still receives
/// the newest head. (Socket buffers may absorb every head here; the skipping itself is unit
/// tested in `subscribe.rs`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_subscriber_blocks_nothing_and_catches_up() {
    let node = TestNode::start().await;
    let mut stalled = WsClient::connect(node.handle.rpc_addr).await;
    let heads = stalled.subscribe(json!(["newHeads"])).await;

    let producer = BlockProducer::new(
        node.handle.chain.clone(),
        node.handle.pool.clone(),
        ProducerConfig::default(),
    );
    let last = tokio::task::spawn_blocking(move || {
        let mut last = 0;
        for _ in 0..1500 {
            last = producer.produce_one().unwrap().header.number;
        }
        last
    })
    .await
    .unwrap();
    assert_eq!(node.head().await, last);

    let mut received = 0;
    loop {
        let note = stalled.notification().await;
        assert_eq!(note["subscription"], heads);
        received += 1;
        if note["result"]["number"] == json!(format!("{last:#x}")) {
            break;
        }
    }
    assert!(received <= 1500, "{received}");
    node.handle.stop().await;
}

/// With geth's id provider on the server, subscription ids look like geth's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_ids_in_geth_shape() {
    let node = TestNode::start().await;
    let ctx = Arc::new(RpcContext::new(
        node.handle.chain.clone(),
        node.handle.pool.clone(),
        Vec::new(),
        50_000_000,
    ));
    let module = module_with_config(ctx, &FilterConfig::default()).unwrap();
    let config = jsonrpsee::server::ServerConfig::builder()
        .set_id_provider(GethIdProvider)
        .build();
    let server = jsonrpsee::server::Server::builder()
        .set_config(config)
        .build("127.0.0.1:0")
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let handle = server.start(module);
    let mut ws = WsClient::connect(addr).await;
    let id = ws.subscribe(json!(["newHeads"])).await;
    let digits = id.as_str().unwrap().strip_prefix("0x").unwrap();
    assert!(
        !digits.is_empty() && digits.len() <= 32 && !digits.starts_with('0'),
        "{id}"
    );
    handle.stop().unwrap();
    node.handle.stop().await;
}
