//! eth_simulateV1.

use super::*;

const SENDER: &str = "0xc000000000000000000000000000000000000000";
const RECEIVER: &str = "0xc100000000000000000000000000000000000000";

fn quantity(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

#[tokio::test]
async fn transfers_run_in_a_block_after_the_head() {
    let node = Node::start().await;
    let head = node
        .result("eth_getBlockByNumber", json!(["latest", false]))
        .await;
    let payload = json!({
        "blockStateCalls": [{
            "stateOverrides": {SENDER: {"balance": "0x3e8"}},
            "calls": [
                {"from": SENDER, "to": RECEIVER, "value": "0x3e8"},
                {"from": RECEIVER, "to": SENDER, "value": "0x3e8"}
            ]
        }]
    });
    let blocks = node
        .result("eth_simulateV1", json!([payload, "latest"]))
        .await;
    let block = &blocks[0];
    assert_eq!(quantity(&block["number"]), quantity(&head["number"]) + 1);
    assert_eq!(block["parentHash"], head["hash"]);
    assert_eq!(
        quantity(&block["timestamp"]),
        quantity(&head["timestamp"]) + 12
    );
    assert_eq!(block["baseFeePerGas"], json!("0x0"));
    assert_eq!(block["gasUsed"], json!("0xa410"));
    assert_eq!(block["transactions"].as_array().unwrap().len(), 2);
    for call in block["calls"].as_array().unwrap() {
        assert_eq!(call["status"], json!("0x1"));
        assert_eq!(call["gasUsed"], json!("0x5208"));
        assert_eq!(call["logs"], json!([]));
    }
    assert_ne!(block["stateRoot"], head["stateRoot"]);
    node.handle.stop().await;
}

#[tokio::test]
async fn blocks_chain_and_gaps_are_filled() {
    let node = Node::start().await;
    let head = node.result("eth_blockNumber", json!([])).await;
    let target = quantity(&head) + 3;
    let payload =
        json!({"blockStateCalls": [{"blockOverrides": {"number": format!("{target:#x}")}}, {}]});
    let blocks = node.result("eth_simulateV1", json!([payload])).await;
    let blocks = blocks.as_array().unwrap();
    assert_eq!(blocks.len(), 4);
    for pair in blocks.windows(2) {
        assert_eq!(pair[1]["parentHash"], pair[0]["hash"]);
        assert_eq!(
            quantity(&pair[1]["number"]),
            quantity(&pair[0]["number"]) + 1
        );
    }
    node.handle.stop().await;
}

#[tokio::test]
async fn trace_transfers_adds_erc7528_logs() {
    let node = Node::start().await;
    let payload = json!({
        "blockStateCalls": [{
            "stateOverrides": {SENDER: {"balance": "0x3e8"}},
            "calls": [{"from": SENDER, "to": RECEIVER, "value": "0x3e8"}]
        }],
        "traceTransfers": true
    });
    let blocks = node
        .result("eth_simulateV1", json!([payload, "latest"]))
        .await;
    let logs = &blocks[0]["calls"][0]["logs"];
    assert_eq!(logs.as_array().unwrap().len(), 1);
    assert_eq!(
        logs[0]["address"],
        json!("0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee")
    );
    assert_eq!(logs[0]["blockHash"], blocks[0]["hash"]);
    assert_eq!(logs[0]["logIndex"], json!("0x0"));
    assert_eq!(
        logs[0]["topics"][1],
        json!("0x000000000000000000000000c000000000000000000000000000000000000000")
    );
    node.handle.stop().await;
}

#[tokio::test]
async fn reverts_and_halts_are_per_call_errors() {
    let node = Node::start().await;
    let payload = json!({
        "blockStateCalls": [{
            "stateOverrides": {CONTRACT: {"code": REVERT_NOPE}, RECEIVER: {"code": "0xfe"}},
            "calls": [
                {"from": SENDER, "to": CONTRACT},
                {"from": SENDER, "to": RECEIVER, "gas": "0x10000"}
            ]
        }]
    });
    let blocks = node
        .result("eth_simulateV1", json!([payload, "latest"]))
        .await;
    let calls = &blocks[0]["calls"];
    assert_eq!(calls[0]["status"], json!("0x0"));
    assert_eq!(calls[0]["error"]["code"], json!(3));
    assert!(
        calls[0]["error"]["data"]
            .as_str()
            .unwrap()
            .starts_with("0x08c379a0")
    );
    assert_eq!(calls[1]["status"], json!("0x0"));
    assert_eq!(calls[1]["error"]["code"], json!(-32015));
    assert_eq!(calls[1]["gasUsed"], json!("0x10000"));
    node.handle.stop().await;
}

#[tokio::test]
async fn refusals_carry_geths_codes() {
    let node = Node::start().await;
    let cases = [
        (json!({"blockStateCalls": []}), -32602),
        (
            json!({"blockStateCalls": [{"blockOverrides": {"time": "0x100"}}, {"blockOverrides": {"time": "0x100"}}]}),
            -38021,
        ),
        (
            json!({"blockStateCalls": [{"calls": [{"from": SENDER, "to": RECEIVER, "value": "0x1"}]}]}),
            -38014,
        ),
        (
            json!({"blockStateCalls": [{"calls": [{"from": SENDER, "to": RECEIVER, "gas": "0x0"}]}]}),
            -38013,
        ),
        (
            json!({"blockStateCalls": [{"blockOverrides": {"gasLimit": "0x5208"}, "calls": [{"from": SENDER, "to": RECEIVER, "gas": "0x5209"}]}]}),
            -38015,
        ),
        (
            json!({"blockStateCalls": [{"blockOverrides": {"baseFeePerGas": "0x0"}, "calls": [{"from": SENDER, "to": RECEIVER, "nonce": "0x5"}]}], "validation": true}),
            -38011,
        ),
    ];
    for (payload, code) in cases {
        let error = node
            .error("eth_simulateV1", json!([payload, "latest"]))
            .await;
        assert_eq!(error["code"], json!(code), "{payload}: {error}");
    }
    node.handle.stop().await;
}

#[tokio::test]
async fn full_transactions_carry_their_sender() {
    let node = Node::start().await;
    let payload = json!({
        "blockStateCalls": [{"calls": [{"from": SENDER, "to": RECEIVER}]}],
        "returnFullTransactions": true
    });
    let blocks = node
        .result("eth_simulateV1", json!([payload, "latest"]))
        .await;
    let tx = &blocks[0]["transactions"][0];
    assert_eq!(tx["from"], json!(SENDER));
    assert_eq!(tx["blockHash"], blocks[0]["hash"]);
    assert_eq!(tx["r"], json!("0x0"));
    node.handle.stop().await;
}
