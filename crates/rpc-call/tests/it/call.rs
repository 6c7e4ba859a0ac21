//! eth_call, eth_estimateGas, eth_createAccessList and eth_sendTransaction.

use super::*;

#[tokio::test]
async fn call_sees_code_and_block_overrides() {
    let node = Node::start().await;
    let overrides = json!({CONTRACT: {"code": RETURN_NUMBER}});
    let result = node
        .result(
            "eth_call",
            json!([{"to": CONTRACT}, "latest", overrides, {"number": "0x1234"}]),
        )
        .await;
    assert_eq!(
        result,
        json!("0x0000000000000000000000000000000000000000000000000000000000001234")
    );
    node.handle.stop().await;
}

#[tokio::test]
async fn call_sees_storage_overrides() {
    let node = Node::start().await;
    let slot_one = format!("0x{:064x}", 1);
    let value = format!("0x{:064x}", 0xbeef);
    let overrides = json!({CONTRACT: {"code": LOAD_SLOT_ONE, "stateDiff": {slot_one: value}}});
    let result = node
        .result("eth_call", json!([{"to": CONTRACT}, "latest", overrides]))
        .await;
    assert_eq!(result, json!(value));
    node.handle.stop().await;
}

#[tokio::test]
async fn reverts_are_code_3_with_data_in_call_and_estimate() {
    let node = Node::start().await;
    let overrides = json!({CONTRACT: {"code": REVERT_NOPE}});
    for method in ["eth_call", "eth_estimateGas"] {
        let error = node
            .error(method, json!([{"to": CONTRACT}, "latest", overrides]))
            .await;
        assert_eq!(error["code"], json!(3), "{method}");
        assert_eq!(
            error["message"],
            json!("execution reverted: nope"),
            "{method}"
        );
        assert!(error["data"].as_str().unwrap().starts_with("0x08c379a0"));
    }
    node.handle.stop().await;
}

#[tokio::test]
async fn moving_a_non_precompile_is_refused() {
    let node = Node::start().await;
    let overrides = json!({CONTRACT: {"movePrecompileToAddress": "0xc300000000000000000000000000000000000000"}});
    let error = node
        .error("eth_call", json!([{"to": CONTRACT}, "latest", overrides]))
        .await;
    assert_eq!(error["code"], json!(-32000));
    node.handle.stop().await;
}

#[tokio::test]
async fn a_moved_precompile_answers_at_its_new_address() {
    let node = Node::start().await;
    // Identity (0x04) moved to CONTRACT echoes its input there.
    let overrides = json!({"0x0000000000000000000000000000000000000004": {"movePrecompileToAddress": CONTRACT}});
    let result = node
        .result(
            "eth_call",
            json!([{"to": CONTRACT, "input": "0xabcdef"}, "latest", overrides]),
        )
        .await;
    assert_eq!(result, json!("0xabcdef"));
    node.handle.stop().await;
}

#[tokio::test]
async fn estimate_of_a_transfer_is_21000() {
    let node = Node::start().await;
    let from = node.dev_account();
    let gas = node
        .result(
            "eth_estimateGas",
            json!([{"from": from, "to": "0x0100000000000000000000000000000000000000", "value": "0x1"}]),
        )
        .await;
    assert_eq!(gas, json!("0x5208"));
    node.handle.stop().await;
}

#[tokio::test]
async fn access_list_names_the_slots_a_call_reads() {
    let node = Node::start().await;
    let overrides = json!({CONTRACT: {"code": LOAD_SLOT_ONE}});
    let result = node
        .result(
            "eth_createAccessList",
            json!([{"to": CONTRACT}, "latest", overrides]),
        )
        .await;
    assert_eq!(
        result["accessList"],
        json!([{"address": CONTRACT, "storageKeys": [format!("0x{:064x}", 1)]}])
    );
    assert!(result.get("error").is_none());
    let transfer = node
        .result(
            "eth_createAccessList",
            json!([{"from": node.dev_account(), "to": "0x0100000000000000000000000000000000000000", "value": "0xa"}, "latest"]),
        )
        .await;
    assert_eq!(transfer, json!({"accessList": [], "gasUsed": "0x5208"}));
    node.handle.stop().await;
}

#[tokio::test]
async fn send_transaction_signs_with_a_dev_key() {
    let node = Node::start().await;
    let hash = node
        .result(
            "eth_sendTransaction",
            json!([{"from": node.dev_account(), "to": "0x0100000000000000000000000000000000000000", "value": "0x1"}]),
        )
        .await;
    assert_eq!(hash.as_str().unwrap().len(), 66);
    node.handle.stop().await;
}

#[tokio::test]
async fn send_transaction_without_to_creates_a_contract() {
    let node = Node::start().await;
    // Init code returning the one-byte runtime 0x00 (STOP).
    let init = "0x6001600c60003960016000f300";
    let hash = node
        .result(
            "eth_sendTransaction",
            json!([{"from": node.dev_account(), "data": init}]),
        )
        .await;
    let mut receipt = serde_json::Value::Null;
    for _ in 0..200 {
        receipt = node
            .result("eth_getTransactionReceipt", json!([hash]))
            .await;
        if !receipt.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(receipt["status"], "0x1");
    let address = receipt["contractAddress"].as_str().unwrap().to_string();
    let code = node.result("eth_getCode", json!([address, "latest"])).await;
    assert_eq!(code, "0x00");
    node.handle.stop().await;
}

#[tokio::test]
async fn estimate_from_an_account_that_cannot_pay_is_geths_allowance_error() {
    // A sender with no funds and a fee cap: the ceiling is what its balance pays for (0 gas),
    // which does not cover the intrinsic cost. geth answers "gas required exceeds allowance".
    let node = Node::start().await;
    let error = node
        .error(
            "eth_estimateGas",
            json!([{
                "from": "0x00000000000000000000000000000000000b0b00",
                "to": CONTRACT,
                "maxFeePerGas": "0x5b47d179",
                "maxPriorityFeePerGas": "0x1",
            }]),
        )
        .await;
    assert_eq!(error["code"], json!(-32000), "{error}");
    assert_eq!(
        error["message"],
        json!("gas required exceeds allowance (0)"),
        "{error}"
    );
    node.handle.stop().await;
}
