//! The raw getters agree with the JSON views of the same objects.

use crate::{
    client::{DevNode, word},
    contracts::{SWAP, deploy},
};
use alloy_consensus::{Block, Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use cloister_primitives::{B256, Bytes, keccak256};
use serde_json::{Value, json};

fn bytes(value: &Value) -> Bytes {
    value.as_str().unwrap().parse().unwrap()
}

fn hash(value: &Value) -> B256 {
    value.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn raw_objects_decode_to_what_the_json_api_shows() {
    let node = DevNode::start().await;
    let from = node.sender().await;
    let swap = deploy(&node, &from, SWAP).await;
    let receipt = node
        .send(json!({"from": from, "to": swap, "data": word(5), "gas": "0x30000"}))
        .await;
    let number = receipt["blockNumber"].clone();
    let block = node
        .call("eth_getBlockByNumber", json!([number, false]))
        .await;

    let raw_header = bytes(&node.call("debug_getRawHeader", json!([number])).await);
    assert_eq!(keccak256(&raw_header), hash(&block["hash"]));
    let header: Header = alloy_rlp::decode_exact(&raw_header).unwrap();
    assert_eq!(format!("{:#x}", header.number), number.as_str().unwrap());

    // By hash too, and the header inside the raw block is the same one.
    let raw_block = bytes(&node.call("debug_getRawBlock", json!([block["hash"]])).await);
    let decoded: Block<TxEnvelope> = alloy_rlp::decode_exact(&raw_block).unwrap();
    assert_eq!(decoded.header.hash_slow(), hash(&block["hash"]));
    assert_eq!(decoded.body.transactions.len(), 1);
    assert_eq!(
        *decoded.body.transactions[0].tx_hash(),
        hash(&receipt["transactionHash"])
    );

    let raw_tx = bytes(
        &node
            .call(
                "debug_getRawTransaction",
                json!([receipt["transactionHash"]]),
            )
            .await,
    );
    assert_eq!(keccak256(&raw_tx), hash(&receipt["transactionHash"]));

    let raw_receipts = node.call("debug_getRawReceipts", json!([number])).await;
    let raw_receipts = raw_receipts.as_array().unwrap();
    assert_eq!(raw_receipts.len(), 1);
    let decoded = ReceiptEnvelope::decode_2718(&mut bytes(&raw_receipts[0]).as_ref()).unwrap();
    assert!(decoded.is_success());
    assert_eq!(decoded.logs().len(), 1);
    assert_eq!(
        format!("{:#x}", decoded.cumulative_gas_used()),
        receipt["cumulativeGasUsed"].as_str().unwrap()
    );
}

#[tokio::test]
async fn unknown_objects_are_null_empty_or_errors_as_in_geth() {
    let node = DevNode::start().await;
    assert_eq!(
        node.call("debug_getRawBlock", json!(["0x1000"])).await,
        Value::Null
    );
    assert_eq!(
        node.call("debug_getRawHeader", json!(["0x1000"])).await,
        Value::Null
    );
    assert_eq!(
        node.call("debug_getRawReceipts", json!(["0x1000"])).await,
        Value::Null
    );
    assert_eq!(
        node.call("debug_getRawReceipts", json!(["0x0"])).await,
        json!([])
    );
    assert_eq!(
        node.call("debug_getRawTransaction", json!([word(1)])).await,
        "0x"
    );
    let err = node.error("debug_getRawBlock", json!([word(1)])).await;
    assert_eq!(err["code"], -32000);
    // Genesis: a header and a block with empty lists.
    let genesis = node
        .call("eth_getBlockByNumber", json!(["0x0", false]))
        .await;
    let raw = bytes(&node.call("debug_getRawBlock", json!(["earliest"])).await);
    let decoded: Block<TxEnvelope> = alloy_rlp::decode_exact(&raw).unwrap();
    assert_eq!(decoded.header.hash_slow(), hash(&genesis["hash"]));
    assert!(decoded.body.transactions.is_empty());
}
