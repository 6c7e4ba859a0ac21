//! The tracers on mined transactions, blocks and calls.

use crate::{
    client::{DevNode, quantity, word},
    contracts::{REVERTER, SWAP, deploy, proxy},
};
use serde_json::{Value, json};
use std::time::Duration;

const GAS: u64 = 0x30000;

fn ops(trace: &Value) -> Vec<&str> {
    trace["structLogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|log| log["op"].as_str().unwrap())
        .collect()
}

fn step<'a>(trace: &'a Value, op: &str) -> &'a Value {
    trace["structLogs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|log| log["op"] == op)
        .unwrap_or_else(|| panic!("no {op} step"))
}

/// Swap contract holding 7, then a mined transaction storing 9 in it.
async fn swapped(node: &DevNode) -> (String, String, Value) {
    let from = node.sender().await;
    let swap = deploy(node, &from, SWAP).await;
    node.send(json!({"from": from, "to": swap, "data": word(7), "gas": format!("{GAS:#x}")}))
        .await;
    let receipt = node
        .send(json!({"from": from, "to": swap, "data": word(9), "gas": format!("{GAS:#x}")}))
        .await;
    (from, swap, receipt)
}

#[tokio::test]
async fn struct_logger_replays_the_mined_transaction() {
    let node = DevNode::start().await;
    let (_, _, receipt) = swapped(&node).await;
    let hash = receipt["transactionHash"].clone();
    let trace = node.call("debug_traceTransaction", json!([hash])).await;

    assert_eq!(
        trace["gas"].as_u64().unwrap(),
        quantity(&receipt["gasUsed"])
    );
    assert_eq!(trace["failed"], false);
    // The contract returns the slot's previous value: the replay saw the earlier transaction.
    assert_eq!(trace["returnValue"], word(7));
    assert_eq!(
        ops(&trace),
        [
            "PUSH1",
            "SLOAD",
            "PUSH1",
            "MSTORE",
            "PUSH1",
            "CALLDATALOAD",
            "DUP1",
            "PUSH1",
            "SSTORE",
            "PUSH1",
            "MSTORE",
            "PUSH1",
            "PUSH1",
            "PUSH1",
            "LOG1",
            "PUSH1",
            "PUSH1",
            "RETURN"
        ]
    );
    let first = &trace["structLogs"][0];
    // Calldata: 31 zero bytes at 4 gas and one non-zero byte at 16.
    assert_eq!(first["gas"].as_u64().unwrap(), GAS - 21_000 - 31 * 4 - 16);
    assert_eq!(first["pc"], 0);
    assert_eq!(first["depth"], 1);
    assert_eq!(first["stack"], json!([]));
    assert!(first.get("memory").is_none(), "memory is off by default");
    let sload = step(&trace, "SLOAD");
    assert_eq!(sload["storage"][word(0)], word(7));
    assert_eq!(sload["stack"], json!(["0x0"]));
    let sstore = step(&trace, "SSTORE");
    assert_eq!(sstore["storage"][word(0)], word(9));
    assert_eq!(sstore["stack"], json!(["0x9", "0x9", "0x0"]));
}

#[tokio::test]
async fn struct_logger_options_gate_fields() {
    let node = DevNode::start().await;
    let (_, _, receipt) = swapped(&node).await;
    let hash = receipt["transactionHash"].clone();
    let options = json!({"disableStack": true, "disableStorage": true, "enableMemory": true});
    let trace = node
        .call("debug_traceTransaction", json!([hash, options]))
        .await;
    let logs = trace["structLogs"].as_array().unwrap();
    assert!(
        logs.iter()
            .all(|l| l.get("stack").is_none() && l.get("storage").is_none())
    );
    let ret = step(&trace, "RETURN");
    assert_eq!(ret["memory"], json!([word(7), word(9)]));
}

#[tokio::test]
async fn call_tracer_shows_nested_calls_and_logs() {
    let node = DevNode::start().await;
    let (from, swap, _) = swapped(&node).await;
    let proxy_address = deploy(&node, &from, &proxy(&swap)).await;
    let receipt = node
        .send(json!({"from": from, "to": proxy_address, "data": word(11), "gas": format!("{GAS:#x}")}))
        .await;
    let hash = receipt["transactionHash"].clone();

    let options = json!({"tracer": "callTracer", "tracerConfig": {"withLog": true}});
    let top = node
        .call("debug_traceTransaction", json!([hash, options]))
        .await;
    assert_eq!(top["type"], "CALL");
    assert_eq!(top["from"], from.to_lowercase());
    assert_eq!(top["to"], proxy_address.to_lowercase());
    assert_eq!(
        top["gasUsed"].as_str().map(|_| quantity(&top["gasUsed"])),
        Some(quantity(&receipt["gasUsed"]))
    );
    assert_eq!(top["output"], word(9));
    let inner = &top["calls"][0];
    assert_eq!(inner["type"], "CALL");
    assert_eq!(inner["to"], swap.to_lowercase());
    assert_eq!(inner["input"], word(11));
    assert_eq!(inner["logs"][0]["topics"], json!([word(0x2a)]));
    assert_eq!(inner["logs"][0]["data"], word(11));

    let options = json!({"tracer": "callTracer", "tracerConfig": {"onlyTopCall": true}});
    let only_top = node
        .call("debug_traceTransaction", json!([hash, options]))
        .await;
    assert!(only_top.get("calls").is_none(), "{only_top}");
    assert_eq!(only_top["output"], word(9));
}

#[tokio::test]
async fn prestate_tracer_reports_state_before_and_after() {
    let node = DevNode::start().await;
    let (from, swap, receipt) = swapped(&node).await;
    let hash = receipt["transactionHash"].clone();
    let swap = swap.to_lowercase();

    let pre = node
        .call(
            "debug_traceTransaction",
            json!([hash, {"tracer": "prestateTracer"}]),
        )
        .await;
    assert_eq!(pre[&swap]["storage"][word(0)], word(7));
    assert!(pre[from.to_lowercase()]["balance"].is_string());

    let options = json!({"tracer": "prestateTracer", "tracerConfig": {"diffMode": true}});
    let diff = node
        .call("debug_traceTransaction", json!([hash, options]))
        .await;
    assert_eq!(diff["pre"][&swap]["storage"][word(0)], word(7));
    assert_eq!(diff["post"][&swap]["storage"][word(0)], word(9));
}

#[tokio::test]
async fn reverted_transaction_is_a_failed_trace() {
    let node = DevNode::start().await;
    let from = node.sender().await;
    let reverter = deploy(&node, &from, REVERTER).await;
    let receipt = node
        .send(json!({"from": from, "to": reverter, "gas": format!("{GAS:#x}")}))
        .await;
    assert_eq!(receipt["status"], "0x0");
    let trace = node
        .call(
            "debug_traceTransaction",
            json!([receipt["transactionHash"]]),
        )
        .await;
    assert_eq!(trace["failed"], true);
    assert_eq!(trace["returnValue"], "0x");
    assert_eq!(ops(&trace).last(), Some(&"REVERT"));
    let call = node
        .call(
            "debug_traceTransaction",
            json!([receipt["transactionHash"], {"tracer": "callTracer"}]),
        )
        .await;
    assert_eq!(call["error"], "execution reverted");
}

#[tokio::test]
async fn block_trace_runs_each_transaction_on_the_state_of_the_ones_before() {
    let node = DevNode::with_block_time(Some(Duration::from_millis(1500))).await;
    let from = node.sender().await;
    let swap = deploy(&node, &from, SWAP).await;
    // Two swaps in one block: the second must see the first's store. Retried if an interval
    // boundary happens to split them.
    for _ in 0..5 {
        let nonce = node
            .call("eth_getTransactionCount", json!([from, "pending"]))
            .await;
        let nonce = quantity(&nonce);
        let mut hashes = Vec::new();
        for (offset, value) in [(0, 3), (1, 5)] {
            let tx = json!({"from": from, "to": swap, "data": word(value), "gas": format!("{GAS:#x}"),
                "nonce": format!("{:#x}", nonce + offset)});
            hashes.push(node.call("eth_sendTransaction", json!([tx])).await);
        }
        let first = node.receipt(hashes[0].as_str().unwrap()).await;
        let second = node.receipt(hashes[1].as_str().unwrap()).await;
        if first["blockNumber"] != second["blockNumber"] {
            continue;
        }
        let by_number = node
            .call("debug_traceBlockByNumber", json!([first["blockNumber"]]))
            .await;
        let entries = by_number.as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["txHash"], hashes[0]);
        assert_eq!(entries[1]["txHash"], hashes[1]);
        assert_eq!(entries[1]["result"]["returnValue"], word(3));
        assert_eq!(
            entries[1]["result"]["gas"].as_u64().unwrap(),
            quantity(&second["gasUsed"])
        );
        let by_hash = node
            .call(
                "debug_traceBlockByHash",
                json!([first["blockHash"], {"tracer": "callTracer"}]),
            )
            .await;
        assert_eq!(by_hash[1]["txHash"], hashes[1]);
        assert_eq!(by_hash[1]["result"]["output"], word(3));
        // The single-transaction trace agrees with the block trace.
        let single = node
            .call("debug_traceTransaction", json!([hashes[1]]))
            .await;
        assert_eq!(single, entries[1]["result"]);
        node.node.stop().await;
        return;
    }
    panic!("the two transactions never shared a block");
}

#[tokio::test]
async fn trace_call_runs_on_the_named_state_with_overrides() {
    let node = DevNode::start().await;
    let (from, swap, receipt) = swapped(&node).await;
    let request = json!({"from": from, "to": swap, "data": word(1)});
    let latest = node
        .call("debug_traceCall", json!([request, "latest"]))
        .await;
    assert_eq!(latest["returnValue"], word(9));
    assert_eq!(latest["failed"], false);
    // On the state after the block before the second swap, slot 0 still held 7.
    let before = quantity(&receipt["blockNumber"]) - 1;
    let older = node
        .call("debug_traceCall", json!([request, format!("{before:#x}")]))
        .await;
    assert_eq!(older["returnValue"], word(7));
    // State overrides replace the slot.
    let overrides = json!({"stateOverrides": {swap.clone(): {"stateDiff": {word(0): word(42)}}},
        "tracer": "callTracer"});
    let overridden = node
        .call("debug_traceCall", json!([request, "latest", overrides]))
        .await;
    assert_eq!(overridden["output"], word(42));
    // Nothing was committed.
    let slot = node
        .call("eth_getStorageAt", json!([swap, "0x0", "latest"]))
        .await;
    assert_eq!(slot, word(9));
}

#[tokio::test]
async fn errors_are_geths() {
    let node = DevNode::start().await;
    let (_, _, receipt) = swapped(&node).await;
    let missing = word(1);
    let err = node.error("debug_traceTransaction", json!([missing])).await;
    assert_eq!(
        err,
        json!({"code": -32000, "message": "transaction not found"})
    );
    let err = node.error("debug_traceBlockByNumber", json!(["0x0"])).await;
    assert_eq!(
        err,
        json!({"code": -32000, "message": "genesis is not traceable"})
    );
    let err = node
        .error("debug_traceBlockByNumber", json!(["0x10000"]))
        .await;
    assert_eq!(
        err,
        json!({"code": -32000, "message": "block #65536 not found"})
    );
    let err = node.error("debug_traceBlockByHash", json!([missing])).await;
    assert_eq!(err["code"], -32000);
    assert_eq!(err["message"], format!("block {missing} not found"));
    let err = node
        .error(
            "debug_traceTransaction",
            json!([receipt["transactionHash"], {"tracer": "noSuchTracer"}]),
        )
        .await;
    assert_eq!(err["code"], -32000);
    assert_eq!(err["message"], "tracer not found: noSuchTracer");
}

/// Foundry's `cast run` against the node, when a `cast` binary is named by `CAST` or on PATH.
#[tokio::test]
async fn cast_run_replays_a_mined_transaction() {
    let cast = std::env::var("CAST").unwrap_or_else(|_| "cast".into());
    if std::process::Command::new(&cast)
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("no cast binary: skipped");
        return;
    }
    let node = DevNode::start().await;
    let (_, swap, receipt) = swapped(&node).await;
    let hash = receipt["transactionHash"].as_str().unwrap().to_owned();
    let url = node.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(cast)
            .args(["run", &hash, "--rpc-url", &url])
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "cast run failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("Transaction successfully executed"),
        "{stdout}"
    );
    let swap = swap.trim_start_matches("0x").to_lowercase();
    assert!(stdout.to_lowercase().contains(&swap), "{stdout}");
}
