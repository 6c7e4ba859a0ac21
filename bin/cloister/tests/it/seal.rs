//! The block seal and the dev genesis, as a client sees them: `extraData` within Ethereum's 32
//! bytes, `miner` the validator, the seal (`sealSignature`, `cloister_getBlockSeal`) recovering
//! to it over the block hash; a new dev chain's genesis is stamped with its creation time and
//! kept across restarts.

use crate::{
    node::NodeProcess,
    rpc::{Rpc, quantity, wait_receipt},
    txs,
};
use alloy_primitives::{Address, B256, Signature};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn bytes(value: &Value) -> Vec<u8> {
    let text = value.as_str().unwrap_or_else(|| panic!("not hex: {value}"));
    alloy_primitives::hex::decode(text).unwrap()
}

/// Checks block `tag`'s seal both ways and returns the sealer.
async fn checked_sealer(rpc: &Rpc, tag: &str) -> Address {
    let block = rpc.ok("eth_getBlockByNumber", json!([tag, false])).await;
    assert!(bytes(&block["extraData"]).len() <= 32, "{block}");
    let hash: B256 = serde_json::from_value(block["hash"].clone()).unwrap();
    let seal_bytes = bytes(&block["sealSignature"]);
    assert_eq!(seal_bytes.len(), 65, "{block}");
    let seal = Signature::try_from(seal_bytes.as_slice()).unwrap();
    let sealer = seal.recover_address_from_prehash(&hash).unwrap();
    let miner: Address = serde_json::from_value(block["miner"].clone()).unwrap();
    assert_eq!(sealer, miner, "{block}");

    let info = rpc.ok("cloister_getBlockSeal", json!([tag])).await;
    assert_eq!(info["blockHash"], block["hash"], "{info}");
    assert_eq!(info["blockNumber"], block["number"], "{info}");
    assert_eq!(info["sealer"], json!(sealer), "{info}");
    assert_eq!(bytes(&info["signature"]), seal_bytes, "{info}");
    sealer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_are_sealed_beside_the_header_and_dev_genesis_is_stamped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let datadir = dir.path().join("data");
    let before_start = now();
    let node = NodeProcess::start(&datadir, dir.path(), 0).await;
    let rpc = node.rpc.clone();

    let genesis = rpc.ok("eth_getBlockByNumber", json!(["0x0", false])).await;
    let stamped = quantity(&genesis["timestamp"]);
    assert!(
        stamped >= before_start.saturating_sub(2) && stamped <= now() + 2,
        "genesis timestamp {stamped}, started at {before_start}"
    );
    assert!(genesis.get("sealSignature").is_none(), "{genesis}");
    assert_eq!(
        rpc.ok("cloister_getBlockSeal", json!(["0x0"])).await,
        Value::Null
    );
    assert_eq!(
        rpc.ok("cloister_getBlockSeal", json!(["0x99"])).await,
        Value::Null
    );

    let signers = txs::dev_signers();
    let tx = txs::transfer_1559(&signers[1], 0, txs::fresh_address(b"seal"), 1);
    rpc.ok("eth_sendRawTransaction", json!([tx.raw])).await;
    let receipt = wait_receipt(&rpc, &tx.hash.to_string()).await;
    let number = receipt["blockNumber"].as_str().unwrap().to_string();
    assert_eq!(checked_sealer(&rpc, &number).await, signers[0].address());
    assert_eq!(checked_sealer(&rpc, "latest").await, signers[0].address());
    let by_hash = rpc
        .ok("eth_getBlockByHash", json!([receipt["blockHash"], true]))
        .await;
    assert!(by_hash["sealSignature"].is_string(), "{by_hash}");
    drop(node);

    // A restart keeps the genesis the datadir was made with, timestamp included.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = NodeProcess::start(&datadir, dir.path(), 1).await;
    let genesis_again = again
        .rpc
        .ok("eth_getBlockByNumber", json!(["0x0", false]))
        .await;
    assert_eq!(genesis_again["hash"], genesis["hash"]);
    assert_eq!(genesis_again["timestamp"], genesis["timestamp"]);
}
