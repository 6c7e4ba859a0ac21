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

/// Waits until the transaction `hash` is in a block.
async fn mined(node: &Node, hash: &Value) {
    for _ in 0..250 {
        let receipt = node
            .result("eth_getTransactionReceipt", json!([hash]))
            .await;
        if !receipt.is_null() {
            assert_eq!(receipt["status"], json!("0x1"));
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{hash} was not mined");
}

#[tokio::test]
async fn a_simulation_on_an_old_block_is_the_one_run_when_it_was_the_head() {
    let node = Node::start().await;
    let dev = node.dev_account();
    let base = node.result("eth_blockNumber", json!([])).await;
    let payload = json!({
        "blockStateCalls": [
            {
                "stateOverrides": {SENDER: {"balance": "0x3e8"}, CONTRACT: {"code": LOAD_SLOT_ONE}},
                "calls": [
                    {"from": SENDER, "to": RECEIVER, "value": "0x1"},
                    {"from": dev, "to": RECEIVER, "value": "0x2"},
                    {"from": SENDER, "to": CONTRACT}
                ]
            },
            {"calls": [{"from": dev, "to": SENDER, "value": "0x3"}]}
        ]
    });
    let on_the_head = node.result("eth_simulateV1", json!([payload, base])).await;

    // Move the head on: the dev account changes, a contract with storage appears, and the
    // system contracts' storage changes with every block.
    let transfer = node
        .result(
            "eth_sendTransaction",
            json!([{"from": dev, "to": RECEIVER, "value": "0x5"}]),
        )
        .await;
    mined(&node, &transfer).await;
    // Init code storing 0x2a in slot 1, deploying empty code.
    let create = node
        .result(
            "eth_sendTransaction",
            json!([{"from": dev, "data": "0x602a60015500"}]),
        )
        .await;
    mined(&node, &create).await;
    let head = node.result("eth_blockNumber", json!([])).await;
    assert!(quantity(&head) > quantity(&base));

    let behind_the_head = node.result("eth_simulateV1", json!([payload, base])).await;
    assert_eq!(behind_the_head, on_the_head);
    node.handle.stop().await;
}

#[tokio::test]
async fn a_call_from_the_highest_nonce_runs_and_the_nonce_wraps() {
    let node = Node::start().await;
    let payload = json!({
        "blockStateCalls": [{
            "stateOverrides": {SENDER: {"nonce": "0xffffffffffffffff"}},
            "calls": [
                {"from": SENDER, "to": RECEIVER},
                {"from": SENDER, "to": RECEIVER}
            ]
        }],
        "returnFullTransactions": true
    });
    let blocks = node
        .result("eth_simulateV1", json!([payload, "latest"]))
        .await;
    for call in blocks[0]["calls"].as_array().unwrap() {
        assert_eq!(call["status"], json!("0x1"));
        assert_eq!(call["gasUsed"], json!("0x5208"));
    }
    let txs = &blocks[0]["transactions"];
    assert_eq!(txs[0]["nonce"], json!("0xffffffffffffffff"));
    assert_eq!(txs[1]["nonce"], json!("0x0"));
    node.handle.stop().await;
}

#[tokio::test]
async fn precompile_addresses_stay_warm_as_geth_has_them_whatever_the_overrides() {
    let node = Node::start().await;
    const ECRECOVER: &str = "0x0000000000000000000000000000000000000001";
    const MOVED_TO: &str = "0x0000000000000000000000000000000000001234";
    // PUSH1 0x01 EXTCODESIZE POP STOP, and the same on 0x1234 (PUSH2).
    let size_of_ecrecover = "0x60013b5000";
    let size_of_moved = "0x6112343b5000";
    let payload = json!({
        "blockStateCalls": [
            {
                "stateOverrides": {ECRECOVER: {"code": "0x00"}, CONTRACT: {"code": size_of_ecrecover}},
                "calls": [{"from": SENDER, "to": CONTRACT}]
            },
            {
                "stateOverrides": {ECRECOVER: {"movePrecompileToAddress": MOVED_TO}, CONTRACT: {"code": size_of_moved}},
                "calls": [{"from": SENDER, "to": CONTRACT}]
            }
        ]
    });
    let blocks = node
        .result("eth_simulateV1", json!([payload, "latest"]))
        .await;
    // An overridden precompile's address stays warm: 21000 + 3 + 100 + 2.
    assert_eq!(blocks[0]["calls"][0]["gasUsed"], json!("0x5271"));
    // The address a precompile moved to starts cold: 21000 + 3 + 2600 + 2.
    assert_eq!(blocks[1]["calls"][0]["gasUsed"], json!("0x5c35"));
    node.handle.stop().await;
}
