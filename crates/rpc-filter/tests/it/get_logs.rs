//! eth_getLogs against real blocks: matching rules, log fields, limits and geth's errors.

use crate::common::{EMIT_TOPIC, TestNode, assert_error, call_url, word};
use cloister_rpc_filter::FilterConfig;
use serde_json::{Value, json};

fn count(logs: &Value) -> usize {
    logs.as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_match_receipts_and_filters() {
    let node = TestNode::start().await;
    let a = node.deploy_emitter().await;
    let b = node.deploy_emitter().await;
    let r1 = node.emit(&a, 1).await;
    let r2 = node.emit(&b, 2).await;
    let r3 = node.emit(&a, 3).await;
    let first = r1["blockNumber"].clone();
    let last = r3["blockNumber"].clone();
    let range = |extra: Value| {
        let mut filter = json!({"fromBlock": first, "toBlock": last});
        filter
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!([filter])
    };

    // Every log equals the one its receipt holds: same fields, blockTimestamp included.
    let all = node.result("eth_getLogs", range(json!({}))).await;
    let expected: Vec<Value> = [&r1, &r2, &r3]
        .iter()
        .map(|r| r["logs"][0].clone())
        .collect();
    assert_eq!(all, json!(expected));
    let block = node
        .result("eth_getBlockByNumber", json!([r1["blockNumber"], false]))
        .await;
    let log = &all[0];
    assert_eq!(log["blockTimestamp"], block["timestamp"]);
    assert_eq!(log["blockHash"], block["hash"]);
    assert_eq!(log["transactionHash"], r1["transactionHash"]);
    assert_eq!(log["removed"], false);
    assert_eq!(log["address"], json!(a));
    assert_eq!(log["topics"], json!([EMIT_TOPIC, word(1)]));
    let mut keys: Vec<&str> = log
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "address",
            "blockHash",
            "blockNumber",
            "blockTimestamp",
            "data",
            "logIndex",
            "removed",
            "topics",
            "transactionHash",
            "transactionIndex"
        ]
    );

    // Addresses: one, or any of several.
    let only_a = node
        .result("eth_getLogs", range(json!({"address": a})))
        .await;
    assert_eq!(only_a, json!([expected[0], expected[2]]));
    let both = node
        .result("eth_getLogs", range(json!({"address": [a, b]})))
        .await;
    assert_eq!(count(&both), 3);

    // Topics: null and [] are wildcards, a list is an OR, extra positions need extra topics.
    let by_topic = node
        .result("eth_getLogs", range(json!({"topics": [null, word(2)]})))
        .await;
    assert_eq!(by_topic, json!([expected[1]]));
    let either = node
        .result(
            "eth_getLogs",
            range(json!({"topics": [[], [word(1), word(3)]]})),
        )
        .await;
    assert_eq!(either, json!([expected[0], expected[2]]));
    let too_deep = node
        .result("eth_getLogs", range(json!({"topics": [null, null, null]})))
        .await;
    assert_eq!(too_deep, json!([]));
    let none = node
        .result("eth_getLogs", range(json!({"topics": [word(9)]})))
        .await;
    assert_eq!(none, json!([]));

    // EIP-234: one block by hash.
    let by_hash = node
        .result("eth_getLogs", json!([{"blockHash": r2["blockHash"]}]))
        .await;
    assert_eq!(by_hash, json!([expected[1]]));

    // Defaults: latest..latest is the head block only.
    let latest = node.result("eth_getLogs", json!([{}])).await;
    assert_eq!(latest, json!([expected[2]]));
    let from_earliest = node
        .result(
            "eth_getLogs",
            json!([{"fromBlock": "earliest", "toBlock": "finalized"}]),
        )
        .await;
    assert_eq!(count(&from_earliest), 3);
    node.handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_fail_as_geth() {
    let node = TestNode::start().await;
    let a = node.deploy_emitter().await;
    node.emit(&a, 1).await;
    let head = node.head().await;
    let hex = |n: u64| format!("{n:#x}");

    let reversed = node
        .call(
            "eth_getLogs",
            json!([{"fromBlock": hex(head), "toBlock": hex(head - 1)}]),
        )
        .await;
    assert_error(&reversed, -32602, "invalid block range params");
    let future = node
        .call(
            "eth_getLogs",
            json!([{"fromBlock": "0x1", "toBlock": hex(head + 2)}]),
        )
        .await;
    assert_error(
        &future,
        -32602,
        "block range extends beyond current head block",
    );
    let beyond_head = node
        .call("eth_getLogs", json!([{"fromBlock": hex(head + 5)}]))
        .await;
    assert_error(&beyond_head, -32602, "invalid block range params");
    let both = node
        .call(
            "eth_getLogs",
            json!([{"blockHash": format!("0x{}", "ab".repeat(32)), "fromBlock": "0x1"}]),
        )
        .await;
    assert_error(
        &both,
        -32602,
        "invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other",
    );
    let unknown = node
        .call(
            "eth_getLogs",
            json!([{"blockHash": format!("0x{}", "ab".repeat(32))}]),
        )
        .await;
    assert_error(&unknown, -32000, "unknown block");
    let pending = node
        .call("eth_getLogs", json!([{"toBlock": "pending"}]))
        .await;
    assert_error(&pending, -32602, "pending logs are not supported");
    let five_topics = node
        .call(
            "eth_getLogs",
            json!([{"topics": [null, null, null, null, null]}]),
        )
        .await;
    assert_error(
        &five_topics,
        -32602,
        "invalid argument 0: exceed max topics",
    );
    node.handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_limits_are_clear_errors() {
    let node = TestNode::start().await;
    let a = node.deploy_emitter().await;
    for n in 0..4 {
        node.emit(&a, n).await;
    }
    let head = node.head().await;
    let (url, server) = node
        .filter_server(FilterConfig {
            max_block_range: 2,
            max_results: 3,
            ..Default::default()
        })
        .await;
    let http = reqwest::Client::new();
    let wide = call_url(
        &http,
        &url,
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "toBlock": "0x3"}]),
    )
    .await;
    assert_error(&wide, -32602, "exceed maximum block range 2");
    let narrow = call_url(
        &http,
        &url,
        "eth_getLogs",
        json!([{"fromBlock": format!("{:#x}", head - 2), "toBlock": "latest"}]),
    )
    .await;
    assert_eq!(count(&narrow["result"]), 3, "{narrow}");

    let unlimited_range = FilterConfig {
        max_block_range: 0,
        max_results: 3,
        ..Default::default()
    };
    let (url2, server2) = node.filter_server(unlimited_range).await;
    let many = call_url(&http, &url2, "eth_getLogs", json!([{"fromBlock": "0x0"}])).await;
    assert_error(&many, -32000, "query returned more than 3 results");
    let fine = call_url(
        &http,
        &url2,
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "topics": [null, word(0)]}]),
    )
    .await;
    assert_eq!(count(&fine["result"]), 1, "{fine}");
    server.stop().unwrap();
    server2.stop().unwrap();
    node.handle.stop().await;
}
