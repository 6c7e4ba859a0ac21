//! EIP-7610 in eth_call: a creation onto an address with storage (no code, nonce 0) collides.

use super::*;

#[tokio::test]
async fn creation_onto_an_address_with_storage_collides() {
    let node = Node::start().await;
    let sender = node.handle.dev_accounts[0].address();
    let from = node.dev_account();
    let nonce = node
        .result("eth_getTransactionCount", json!([from, "latest"]))
        .await;
    let nonce = u64::from_str_radix(nonce.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let target = format!("{:#x}", sender.create(nonce));
    // Init code returning the one-byte runtime 0x00 (STOP).
    let init = "0x6001600c60003960016000f300";
    let call = json!({"from": from, "data": init});

    let created = node.result("eth_call", json!([call, "latest"])).await;
    assert_eq!(created, json!("0x00"));

    let slot_one = format!("0x{:064x}", 1);
    let value = format!("0x{:064x}", 0xbeef);
    let overrides = json!({target: {"nonce": "0x0", "code": "0x", "stateDiff": {slot_one: value}}});
    let error = node
        .error("eth_call", json!([call, "latest", overrides]))
        .await;
    assert_eq!(error["code"], json!(-32000), "{error}");
    assert_eq!(
        error["message"],
        json!("contract address collision"),
        "{error}"
    );
    node.handle.stop().await;
}
