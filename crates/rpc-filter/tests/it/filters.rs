//! Installed filters: block, log and pending-transaction filters polled over HTTP, uninstall
//! and expiry.

use crate::common::{EMIT_TOPIC, TestNode, assert_error, call_url, word};
use cloister_rpc_filter::FilterConfig;
use serde_json::{Value, json};
use std::time::Duration;

fn is_geth_id(id: &Value) -> bool {
    let digits = id.as_str().and_then(|s| s.strip_prefix("0x")).unwrap_or("");
    !digits.is_empty()
        && digits.len() <= 32
        && !digits.starts_with('0')
        && digits.chars().all(|c| c.is_ascii_hexdigit())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_and_log_filters_report_new_blocks_once() {
    let node = TestNode::start().await;
    let a = node.deploy_emitter().await;
    let b = node.deploy_emitter().await;
    node.emit(&a, 100).await; // before the filters: never reported as a change

    let blocks = node.result("eth_newBlockFilter", json!([])).await;
    let logs_a = node
        .result(
            "eth_newFilter",
            json!([{"address": a, "topics": [EMIT_TOPIC]}]),
        )
        .await;
    let everything = node
        .result("eth_newFilter", json!([{"fromBlock": "0x1"}]))
        .await;
    assert!(
        is_geth_id(&blocks) && is_geth_id(&logs_a),
        "{blocks} {logs_a}"
    );
    assert_eq!(
        node.result("eth_getFilterChanges", json!([blocks])).await,
        json!([])
    );

    let r1 = node.emit(&a, 1).await;
    let r2 = node.emit(&b, 2).await;
    let r3 = node.emit(&a, 3).await;

    let new_blocks = node.result("eth_getFilterChanges", json!([blocks])).await;
    assert_eq!(
        new_blocks,
        json!([r1["blockHash"], r2["blockHash"], r3["blockHash"]])
    );
    assert_eq!(
        node.result("eth_getFilterChanges", json!([blocks])).await,
        json!([])
    );

    let new_logs = node.result("eth_getFilterChanges", json!([logs_a])).await;
    assert_eq!(new_logs, json!([r1["logs"][0], r3["logs"][0]]));
    assert_eq!(
        node.result("eth_getFilterChanges", json!([logs_a])).await,
        json!([])
    );
    let all_new = node
        .result("eth_getFilterChanges", json!([everything]))
        .await;
    assert_eq!(all_new.as_array().unwrap().len(), 3);

    // eth_getFilterLogs re-runs the criteria over the chain: the pre-filter log is included
    // for the fromBlock 0x1 filter, and the default latest..latest filter sees the head only.
    let history = node.result("eth_getFilterLogs", json!([everything])).await;
    assert_eq!(history.as_array().unwrap().len(), 4);
    let latest_only = node.result("eth_getFilterLogs", json!([logs_a])).await;
    assert_eq!(latest_only, json!([r3["logs"][0]]));
    assert_error(
        &node.call("eth_getFilterLogs", json!([blocks])).await,
        -32000,
        "filter not found",
    );

    assert_eq!(
        node.result("eth_uninstallFilter", json!([logs_a])).await,
        json!(true)
    );
    assert_eq!(
        node.result("eth_uninstallFilter", json!([logs_a])).await,
        json!(false)
    );
    assert_error(
        &node.call("eth_getFilterChanges", json!([logs_a])).await,
        -32000,
        "filter not found",
    );
    node.handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_filters_respect_their_block_bounds_and_refuse_bad_ranges() {
    let node = TestNode::start().await;
    let a = node.deploy_emitter().await;
    let head = node.head().await;
    // Only the next block (head + 1) is inside this filter's range.
    let bounded = node
        .result(
            "eth_newFilter",
            json!([{"fromBlock": format!("{:#x}", head + 1), "toBlock": format!("{:#x}", head + 1)}]),
        )
        .await;
    let r1 = node.emit(&a, 1).await;
    node.emit(&a, 2).await;
    let changes = node.result("eth_getFilterChanges", json!([bounded])).await;
    assert_eq!(changes, json!([r1["logs"][0]]));

    assert_error(
        &node
            .call(
                "eth_newFilter",
                json!([{"fromBlock": "0x5", "toBlock": "0x4"}]),
            )
            .await,
        -32602,
        "invalid block range params",
    );
    assert_error(
        &node
            .call("eth_newFilter", json!([{"fromBlock": "pending"}]))
            .await,
        -32602,
        "pending logs are not supported",
    );
    node.handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_transaction_filters_give_hashes_or_objects() {
    let node = TestNode::start().await;
    let hashes = node
        .result("eth_newPendingTransactionFilter", json!([]))
        .await;
    let full = node
        .result("eth_newPendingTransactionFilter", json!([true]))
        .await;
    let a = node.deploy_emitter().await;
    let receipt = node.emit(&a, 7).await;
    let tx_hash = receipt["transactionHash"].clone();

    let seen = node.result("eth_getFilterChanges", json!([hashes])).await;
    let seen = seen.as_array().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1], tx_hash);
    let objects = node.result("eth_getFilterChanges", json!([full])).await;
    let tx = &objects[1];
    assert_eq!(tx["hash"], tx_hash);
    assert_eq!(tx["from"], json!(node.from));
    assert_eq!(tx["to"], json!(a));
    assert_eq!(tx["input"], json!(word(7)));
    assert_eq!(tx["blockHash"], Value::Null);
    assert_eq!(tx["blockNumber"], Value::Null);
    assert_eq!(tx["transactionIndex"], Value::Null);
    if tx["type"] == "0x2" {
        assert_eq!(tx["gasPrice"], tx["maxFeePerGas"]);
    }
    assert_eq!(
        node.result("eth_getFilterChanges", json!([hashes])).await,
        json!([])
    );
    node.handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_filters_expire_and_polled_ones_live() {
    let node = TestNode::start().await;
    let (url, server) = node
        .filter_server(FilterConfig {
            filter_timeout: Duration::from_secs(1),
            ..Default::default()
        })
        .await;
    let http = reqwest::Client::new();
    let idle = call_url(&http, &url, "eth_newBlockFilter", json!([])).await["result"].clone();
    let polled = call_url(&http, &url, "eth_newBlockFilter", json!([])).await["result"].clone();
    // Poll one filter well within its timeout, several times, while the other stays idle.
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let changes = call_url(&http, &url, "eth_getFilterChanges", json!([polled])).await;
        assert_eq!(changes["result"], json!([]), "{changes}");
    }
    let gone = call_url(&http, &url, "eth_getFilterChanges", json!([idle])).await;
    assert_error(&gone, -32000, "filter not found");
    assert_eq!(
        call_url(&http, &url, "eth_uninstallFilter", json!([polled])).await["result"],
        json!(true)
    );
    server.stop().unwrap();
    node.handle.stop().await;
}
