//! The methods of this crate against a running dev node.

use crate::{call, result};
use alloy_signer::SignerSync;
use cloister_node::{NodeConfig, NodeHandle, launch};
use cloister_primitives::{Address, B256, Bytes, U256, keccak256, primitives::Signature};
use serde_json::{Value, json};
use std::{str::FromStr, time::Duration};

async fn dev_node() -> (NodeHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let node = launch(NodeConfig::dev(dir.path().to_path_buf(), 0))
        .await
        .unwrap();
    (node, dir)
}

fn hex_u64(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Polls until the receipt of `hash` exists (the dev node seals as transactions arrive).
async fn mined(url: &str, hash: &Value) -> Value {
    for _ in 0..200 {
        let receipt = result(url, "eth_getTransactionReceipt", json!([hash])).await;
        if !receipt.is_null() {
            return receipt;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("transaction {hash} was not mined");
}

/// Signs a transfer with the node's key and sends it; returns its hash.
async fn send_transfer(url: &str, from: Address, nonce: Option<u64>) -> Value {
    let mut request = json!({
        "from": from, "to": Address::repeat_byte(0x42), "value": "0x1000", "gas": "0x5208"
    });
    if let Some(nonce) = nonce {
        request["nonce"] = json!(format!("{nonce:#x}"));
    }
    let signed = result(url, "eth_signTransaction", json!([request])).await;
    assert_eq!(signed["tx"]["from"], json!(from));
    result(url, "eth_sendRawTransaction", json!([signed["raw"]])).await
}

#[tokio::test]
async fn blocks_transactions_receipts_and_fees() {
    let (node, _dir) = dev_node().await;
    let url = node.http_url();
    let from = node.dev_accounts[0].address();
    assert_eq!(result(&url, "eth_coinbase", json!([])).await, json!(from));

    let hash = send_transfer(&url, from, None).await;
    let receipt = mined(&url, &hash).await;
    let number = receipt["blockNumber"].clone();
    let block_hash = receipt["blockHash"].clone();

    for (method, block) in [
        ("eth_getBlockTransactionCountByNumber", &number),
        ("eth_getBlockTransactionCountByHash", &block_hash),
    ] {
        assert_eq!(result(&url, method, json!([block])).await, "0x1");
    }
    let by_number = result(
        &url,
        "eth_getTransactionByBlockNumberAndIndex",
        json!([number, "0x0"]),
    )
    .await;
    assert_eq!(by_number["hash"], hash);
    let by_hash = result(
        &url,
        "eth_getTransactionByBlockHashAndIndex",
        json!([block_hash, "0x0"]),
    )
    .await;
    assert_eq!(by_hash, by_number);
    let past_end = result(
        &url,
        "eth_getTransactionByBlockNumberAndIndex",
        json!([number, "0x1"]),
    )
    .await;
    assert!(past_end.is_null());

    let receipts = result(&url, "eth_getBlockReceipts", json!([number])).await;
    assert_eq!(receipts, json!([receipt]));
    let by_object = result(
        &url,
        "eth_getBlockReceipts",
        json!([{"blockHash": block_hash, "requireCanonical": true}]),
    )
    .await;
    assert_eq!(by_object, receipts);
    let future = result(&url, "eth_getBlockReceipts", json!(["0xffff"])).await;
    assert!(future.is_null());
    let unknown = result(&url, "eth_getBlockReceipts", json!([B256::repeat_byte(7)])).await;
    assert!(unknown.is_null());
    assert_eq!(
        result(&url, "eth_getBlockReceipts", json!(["earliest"])).await,
        json!([])
    );

    assert_eq!(
        result(&url, "eth_getUncleCountByBlockNumber", json!([number])).await,
        "0x0"
    );
    assert_eq!(
        result(&url, "eth_getUncleCountByBlockHash", json!([block_hash])).await,
        "0x0"
    );
    assert!(
        result(
            &url,
            "eth_getUncleByBlockNumberAndIndex",
            json!([number, "0x0"])
        )
        .await
        .is_null()
    );
    assert!(
        result(
            &url,
            "eth_getBlockTransactionCountByNumber",
            json!(["0xffff"])
        )
        .await
        .is_null()
    );

    let history = result(&url, "eth_feeHistory", json!(["0x2", number, [10.0, 90.0]])).await;
    let n = hex_u64(&number);
    assert_eq!(hex_u64(&history["oldestBlock"]), n - 1);
    assert_eq!(history["baseFeePerGas"].as_array().unwrap().len(), 3);
    assert_eq!(history["gasUsedRatio"].as_array().unwrap().len(), 2);
    assert_eq!(history["baseFeePerBlobGas"].as_array().unwrap().len(), 3);
    let rewards = history["reward"].as_array().unwrap();
    assert_eq!(rewards.len(), 2);
    // The newest block holds our one transaction: its tip at every percentile.
    let tip = U256::from_str(receipt["effectiveGasPrice"].as_str().unwrap()).unwrap()
        - U256::from_str(history["baseFeePerGas"][1].as_str().unwrap()).unwrap();
    assert_eq!(rewards[1], json!([tip, tip]));
    // Plain numbers are accepted for the count, as geth does.
    let plain = result(&url, "eth_feeHistory", json!([1, "latest"])).await;
    assert!(plain.get("reward").is_none());
    let bad = call(
        &url,
        "eth_feeHistory",
        json!(["0x1", "latest", [90.0, 10.0]]),
    )
    .await;
    assert_eq!(bad["error"]["code"], -32000);
    let beyond = call(&url, "eth_feeHistory", json!(["0x1", "0xffff"])).await;
    assert_eq!(beyond["error"]["code"], -32000);

    let base_fee = result(&url, "eth_baseFee", json!([])).await;
    assert!(base_fee.as_str().unwrap().starts_with("0x"));
    assert_eq!(result(&url, "eth_blobBaseFee", json!([])).await, "0x1");
    node.stop().await;
}

#[tokio::test]
async fn proofs_verify_against_the_state_root() {
    let (node, _dir) = dev_node().await;
    let url = node.http_url();
    let from = node.dev_accounts[0].address();
    mined(&url, &send_transfer(&url, from, None).await).await;

    let head = result(&url, "eth_getBlockByNumber", json!(["latest", false])).await;
    let root = B256::from_str(head["stateRoot"].as_str().unwrap()).unwrap();
    let proof = result(&url, "eth_getProof", json!([from, ["0x0"], "latest"])).await;
    let account = alloy_trie::TrieAccount {
        nonce: hex_u64(&proof["nonce"]),
        balance: U256::from_str(proof["balance"].as_str().unwrap()).unwrap(),
        storage_root: B256::from_str(proof["storageHash"].as_str().unwrap()).unwrap(),
        code_hash: B256::from_str(proof["codeHash"].as_str().unwrap()).unwrap(),
    };
    assert_eq!(account.nonce, 1);
    let nodes: Vec<Bytes> = serde_json::from_value(proof["accountProof"].clone()).unwrap();
    alloy_trie::proof::verify_proof(
        root,
        alloy_trie::Nibbles::unpack(keccak256(from)),
        Some(alloy_rlp::encode(account)),
        &nodes,
    )
    .unwrap();
    assert_eq!(proof["storageProof"][0]["key"], "0x0");
    assert_eq!(proof["storageProof"][0]["value"], "0x0");

    // An absent account: an exclusion proof and empty hashes.
    let absent = Address::repeat_byte(0xab);
    let proof = result(&url, "eth_getProof", json!([absent, [], head["hash"]])).await;
    let nodes: Vec<Bytes> = serde_json::from_value(proof["accountProof"].clone()).unwrap();
    alloy_trie::proof::verify_proof(
        root,
        alloy_trie::Nibbles::unpack(keccak256(absent)),
        None,
        &nodes,
    )
    .unwrap();

    let historical = call(&url, "eth_getProof", json!([from, [], "0x0"])).await;
    assert_eq!(historical["error"]["code"], -32000, "{historical}");

    let values = result(
        &url,
        "eth_getStorageValues",
        json!([{ absent.to_string(): [B256::ZERO] }, "latest"]),
    )
    .await;
    assert_eq!(
        values,
        json!({ absent.to_string().to_lowercase(): [B256::ZERO] })
    );
    let empty = call(&url, "eth_getStorageValues", json!([{}, "latest"])).await;
    assert_eq!(
        empty["error"],
        json!({"code": -32602, "message": "empty request"})
    );
    node.stop().await;
}

#[tokio::test]
async fn dev_keys_sign_like_the_local_signer() {
    let (node, _dir) = dev_node().await;
    let url = node.http_url();
    let key = &node.dev_accounts[0];
    let message = Bytes::from_static(b"hello cloister");

    let expected = Bytes::from(key.sign_message_sync(&message).unwrap().as_bytes().to_vec());
    let signed = result(&url, "eth_sign", json!([key.address(), message])).await;
    assert_eq!(signed, json!(expected));
    let personal = result(&url, "personal_sign", json!([message, key.address()])).await;
    assert_eq!(personal, json!(expected));
    let signature = Signature::try_from(expected.as_ref()).unwrap();
    assert_eq!(
        signature.recover_address_from_msg(&message).unwrap(),
        key.address()
    );

    let typed = json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
            "Mail": [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}]
        },
        "primaryType": "Mail",
        "domain": {"name": "Cloister", "chainId": 7557},
        "message": {"to": Address::repeat_byte(1), "contents": "hi"}
    });
    let data: alloy_dyn_abi::TypedData = serde_json::from_value(typed.clone()).unwrap();
    let hash = data.eip712_signing_hash().unwrap();
    let expected = Bytes::from(key.sign_hash_sync(&hash).unwrap().as_bytes().to_vec());
    let signed = result(&url, "eth_signTypedData_v4", json!([key.address(), typed])).await;
    assert_eq!(signed, json!(expected));

    let stranger = call(&url, "eth_sign", json!([Address::repeat_byte(3), message])).await;
    assert_eq!(
        stranger["error"],
        json!({"code": -32000, "message": "unknown account"})
    );
    node.stop().await;
}

#[tokio::test]
async fn txpool_shows_queued_transactions_in_geth_formats() {
    let (node, _dir) = dev_node().await;
    let url = node.http_url();
    let from = node.dev_accounts[1].address();
    // Nonce 5 on a fresh account: a gap, so the pool queues it.
    let hash = send_transfer(&url, from, Some(5)).await;
    assert_eq!(
        result(&url, "txpool_status", json!([])).await,
        json!({"pending": "0x0", "queued": "0x1"})
    );
    let sender = from.to_checksum(None);
    let content = result(&url, "txpool_contentFrom", json!([from])).await;
    assert_eq!(content["pending"], json!({}));
    assert_eq!(content["queued"][&sender]["5"]["hash"], hash);
    let everything = result(&url, "txpool_content", json!([])).await;
    assert_eq!(everything["queued"][&sender]["5"]["hash"], hash);
    let inspect = result(&url, "txpool_inspect", json!([])).await;
    let line = inspect["queued"][&sender]["5"].as_str().unwrap();
    let to = Address::repeat_byte(0x42).to_checksum(None);
    assert!(
        line.starts_with(&format!("{to}: 4096 wei + 21000 gas × ")) && line.ends_with(" wei"),
        "{line}"
    );
    node.stop().await;
}
