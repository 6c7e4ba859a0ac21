//! Three whole nodes (RPC, pool, producer, Raft, attested peer transport) as one cluster on
//! loopback: a transaction sent to any node is mined once, every node serves the same block
//! and receipt, all three show one cluster (status, health, metrics), and after the leader
//! stops the other two go on.

use crate::common::free_port;
use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_chainspec::{DEV_GENESIS_JSON, dev_accounts};
use cloister_node::{ClusterConfig, NodeConfig, NodeHandle, PeerNode};
use cloister_primitives::{Address, U256, primitives::TxKind};
use serde_json::{Value, json};
use std::time::Duration;

fn keys() -> Vec<PrivateKeySigner> {
    dev_accounts()
        .expect("dev accounts")
        .into_iter()
        .map(|(_, key)| PrivateKeySigner::from_bytes(&key).expect("key"))
        .collect()
}

fn raw_transfer(key: &PrivateKeySigner, nonce: u64) -> String {
    let mut tx = TxEip1559 {
        chain_id: 7557,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::from(1u64),
        access_list: Default::default(),
        input: Default::default(),
    };
    let signature = key.sign_transaction_sync(&mut tx).expect("sign");
    format!(
        "0x{}",
        hex::encode(tx.into_signed(signature).encoded_2718())
    )
}

async fn rpc(http: &reqwest::Client, url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let answer: Value = http
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    answer
}

/// Waits (at most 20 s) for the receipt of `hash` at `url`.
async fn receipt(http: &reqwest::Client, url: &str, hash: &Value) -> Value {
    for _ in 0..200 {
        let answer = rpc(http, url, "eth_getTransactionReceipt", json!([hash])).await;
        if !answer["result"].is_null() {
            return answer["result"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no receipt for {hash} at {url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_mine_once_serve_alike_and_survive_the_leader() {
    let keys = keys();
    let validators: Vec<Address> = keys[..3].iter().map(|k| k.address()).collect();
    let mut genesis: Value = serde_json::from_str(DEV_GENESIS_JSON).expect("genesis");
    genesis["cloister"]["validators"] = json!(validators);
    // Not governed: its validators are its own, not the dev genesis contract's.
    genesis["cloister"]
        .as_object_mut()
        .expect("cloister")
        .remove("members");
    let genesis = genesis.to_string();
    let ports: Vec<(u16, u16)> = (0..3).map(|_| (free_port(), free_port())).collect();
    let peers: Vec<PeerNode> = validators
        .iter()
        .zip(&ports)
        .map(|(address, (rpc, cluster))| PeerNode {
            address: *address,
            cluster: format!("127.0.0.1:{cluster}"),
            rpc: format!("http://127.0.0.1:{rpc}"),
        })
        .collect();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let mut nodes: Vec<Option<NodeHandle>> = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        cloister_node::init(dir.path(), &genesis).expect("init");
        let mut config = NodeConfig::dev(dir.path().to_path_buf(), ports[i].0);
        config.dev = false;
        config.plain_http = true;
        config.validator_key = Some(keys[i].to_bytes());
        let mut cluster = ClusterConfig::new(
            format!("127.0.0.1:{}", ports[i].1).parse().expect("addr"),
            peers.clone(),
        );
        cluster.heartbeat = Duration::from_millis(100);
        cluster.election_timeout = (Duration::from_millis(400), Duration::from_millis(800));
        config.cluster = Some(cluster);
        nodes.push(Some(cloister_node::launch(config).await.expect("launch")));
    }
    let urls: Vec<String> = ports
        .iter()
        .map(|(rpc, _)| format!("http://127.0.0.1:{rpc}"))
        .collect();
    let http = reqwest::Client::new();
    let sender = &keys[7];

    // Sent to the last node, whichever leads: it reaches the leader by gossip.
    let sent = rpc(
        &http,
        &urls[2],
        "eth_sendRawTransaction",
        json!([raw_transfer(sender, 0)]),
    )
    .await;
    let hash = sent["result"].clone();
    assert!(hash.is_string(), "{sent}");
    let mut block_hash = None;
    for url in &urls {
        let receipt = receipt(&http, url, &hash).await;
        assert_eq!(receipt["status"], "0x1");
        let this = receipt["blockHash"].clone();
        assert!(
            block_hash.is_none() || block_hash.as_ref() == Some(&this),
            "{receipt}"
        );
        block_hash = Some(this);
    }
    let number = rpc(&http, &urls[0], "eth_blockNumber", json!([])).await["result"].clone();
    let mut blocks = Vec::new();
    for url in &urls {
        blocks.push(
            rpc(&http, url, "eth_getBlockByNumber", json!([number, false])).await["result"].clone(),
        );
    }
    assert!(blocks.windows(2).all(|w| w[0] == w[1]), "{blocks:?}");
    // Every node's cloister_clusterStatus agrees on term and leader and lists three voters;
    // the leader reports lags; /health is 200 everywhere.
    crate::observability::check_three_validators(&http, &urls, &nodes, &validators).await;

    // Stop the node that sealed that block (the leader then); the other two go on.
    let sealer = blocks[0]["miner"].as_str().expect("miner").to_lowercase();
    let leader = validators
        .iter()
        .position(|v| format!("{v:#x}") == sealer)
        .expect("sealer is a validator");
    if let Some(node) = nodes[leader].take() {
        node.stop().await;
    }
    let alive: Vec<&String> = urls
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != leader)
        .map(|(_, u)| u)
        .collect();
    let sent = rpc(
        &http,
        alive[0],
        "eth_sendRawTransaction",
        json!([raw_transfer(sender, 1)]),
    )
    .await;
    let hash = sent["result"].clone();
    assert!(hash.is_string(), "{sent}");
    for url in &alive {
        let receipt = receipt(&http, url, &hash).await;
        assert_eq!(receipt["status"], "0x1");
    }
    for node in nodes.into_iter().flatten() {
        node.stop().await;
    }
}
