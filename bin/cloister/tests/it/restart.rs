//! `restart_preserves_everything`: a contract deployment and one transaction of each type
//! (0, 1, 2, 4), a graceful SIGINT stop and a restart must leave every block, transaction,
//! receipt and piece of state byte-identical over RPC. Also: `init` with another genesis is
//! refused on that datadir.

use crate::{
    node::{NodeProcess, binary},
    rpc::{Rpc, quantity, wait_receipt},
    txs::{self, SignedTx},
};
use alloy_primitives::{Address, Bytes};
use serde_json::{Value, json};
use std::path::Path;

/// Runtime: returns storage slot 0 as one word, whatever the call.
const RUNTIME: &str = "60005460005260206000f3";
/// Init: stores 0x2a in slot 0, copies the 11-byte runtime (at offset 0x11) and returns it.
const INIT_PREFIX: &str = "602a600055600b6011600039600b6000f3";

/// Gas given to eth_call: without it the node's call fails (see `known_bugs`).
const CALL_GAS: &str = "0x100000";

/// Everything a client could read back, labelled for readable failures.
type Snapshot = Vec<(String, Value)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_preserves_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let datadir = dir.path().join("data");
    let signers = txs::dev_signers();
    let mut node = NodeProcess::start(&datadir, dir.path(), 0).await;
    let rpc = node.rpc.clone();

    let init_code = Bytes::from(decode_hex(&format!("{INIT_PREFIX}{RUNTIME}")));
    let deploy = txs::create_1559(&signers[0], 0, init_code);
    let contract = signers[0].address().create(0);
    let authority = &signers[5];
    let recipient = txs::fresh_address(b"restart-recipient");
    // Deployed first, so the type 1 call and the type 4 delegation find the code.
    let deploy_hash = rpc.ok("eth_sendRawTransaction", json!([deploy.raw])).await;
    assert_eq!(deploy_hash, json!(deploy.hash));
    let deployed = wait_receipt(&rpc, &deploy.hash.to_string()).await;
    assert_eq!(deployed["status"], json!("0x1"), "{deployed}");
    assert_eq!(deployed["contractAddress"], json!(contract));
    let sent: Vec<SignedTx> = vec![
        txs::transfer_legacy(&signers[0], 1, recipient, 7),
        txs::call_2930(&signers[2], 0, contract),
        txs::transfer_1559(&signers[3], 0, recipient, 11),
        txs::delegate_7702(&signers[1], 0, authority, 0, contract),
    ];
    let mut hashes = vec![deploy.hash.to_string()];
    for tx in &sent {
        let hash = rpc.ok("eth_sendRawTransaction", json!([tx.raw])).await;
        assert_eq!(hash, json!(tx.hash));
        hashes.push(tx.hash.to_string());
    }
    for (hash, expected_type) in hashes.iter().skip(1).zip(["0x0", "0x1", "0x2", "0x4"]) {
        let receipt = wait_receipt(&rpc, hash).await;
        assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
        assert_eq!(receipt["type"], json!(expected_type), "{receipt}");
    }

    // The transactions did what they should, so the snapshot holds meaningful state.
    assert_eq!(
        rpc.ok("eth_getCode", json!([contract, "latest"])).await,
        json!(format!("0x{RUNTIME}"))
    );
    let word_2a = format!("0x{:064x}", 0x2a);
    assert_eq!(
        rpc.ok("eth_getStorageAt", json!([contract, "0x0", "latest"]))
            .await,
        json!(word_2a)
    );
    assert_eq!(
        rpc.ok(
            "eth_call",
            json!([{"to": contract, "gas": CALL_GAS}, "latest"])
        )
        .await,
        json!(word_2a)
    );
    let delegation = format!("0xef0100{}", txs::hex(contract.as_slice()));
    assert_eq!(
        rpc.ok("eth_getCode", json!([authority.address(), "latest"]))
            .await,
        json!(delegation)
    );

    let mut watched: Vec<Address> = signers.iter().map(|s| s.address()).collect();
    watched.extend([contract, recipient]);
    let before = snapshot(&rpc, &hashes, &watched, contract).await;

    let exit = node.interrupt().await;
    assert!(
        exit.success(),
        "graceful stop exited with {exit}; log:\n{}",
        node.log()
    );

    init_with_other_genesis_is_refused(&datadir, dir.path());
    // Whatever `init` says about a genesis that differs only in chain id (see
    // `known_bugs`), it must not change the datadir: the snapshot comparison covers that.
    let same_hash = write_other_genesis(dir.path(), "chain-id-only.json", false);
    let _ = run_init(&same_hash, &datadir);

    let restarted = NodeProcess::start(&datadir, dir.path(), 1).await;
    let after = snapshot(&restarted.rpc, &hashes, &watched, contract).await;
    assert_eq!(before.len(), after.len());
    for ((label, old), (_, new)) in before.iter().zip(&after) {
        assert_eq!(old, new, "{label} changed across the restart");
    }

    // And the restarted node still mines on top of it.
    let more = txs::transfer_1559(&signers[3], 1, recipient, 13);
    restarted
        .rpc
        .ok("eth_sendRawTransaction", json!([more.raw]))
        .await;
    let receipt = wait_receipt(&restarted.rpc, &more.hash.to_string()).await;
    let head_before = quantity(&before[1].1);
    assert_eq!(quantity(&receipt["blockNumber"]), head_before + 1);
}

/// `cloister init` with a genesis whose chain id and timestamp differ must fail and say why.
fn init_with_other_genesis_is_refused(datadir: &Path, scratch: &Path) {
    let other = write_other_genesis(scratch, "other-genesis.json", true);
    let output = run_init(&other, datadir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "init with another genesis succeeded: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        stderr.to_lowercase().contains("genesis"),
        "error does not mention the genesis: {stderr}"
    );
}

/// Runs `cloister init --genesis genesis --datadir datadir`.
pub fn run_init(genesis: &Path, datadir: &Path) -> std::process::Output {
    std::process::Command::new(binary())
        .args(["init", "--genesis"])
        .arg(genesis)
        .arg("--datadir")
        .arg(datadir)
        .output()
        .expect("run init")
}

/// Copies the dev genesis with chain id 7558 (and, if `new_timestamp`, timestamp 1, which
/// changes the genesis hash) into `dir/name`.
pub fn write_other_genesis(dir: &Path, name: &str, new_timestamp: bool) -> std::path::PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../genesis/dev.json");
    let text = std::fs::read_to_string(&path).expect("read dev genesis");
    let mut genesis: Value = serde_json::from_str(&text).expect("dev genesis is JSON");
    genesis["config"]["chainId"] = json!(7558);
    if new_timestamp {
        genesis["timestamp"] = json!("0x1");
    }
    let out = dir.join(name);
    std::fs::write(
        &out,
        serde_json::to_string_pretty(&genesis).expect("encode"),
    )
    .expect("write genesis");
    out
}

/// Reads back chain, blocks (by number and by hash), transactions, receipts, accounts, the
/// contract's code and storage, and an eth_call.
async fn snapshot(
    rpc: &Rpc,
    hashes: &[String],
    accounts: &[Address],
    contract: Address,
) -> Snapshot {
    let mut out: Snapshot = Vec::new();
    out.push(("chain id".into(), rpc.ok("eth_chainId", json!([])).await));
    let head = rpc.ok("eth_blockNumber", json!([])).await;
    out.push(("head".into(), head.clone()));
    out.push(("gas price".into(), rpc.ok("eth_gasPrice", json!([])).await));
    for number in 0..=quantity(&head) {
        let block = rpc
            .ok(
                "eth_getBlockByNumber",
                json!([format!("{number:#x}"), true]),
            )
            .await;
        assert!(!block.is_null(), "block {number} missing");
        let by_hash = rpc
            .ok("eth_getBlockByHash", json!([block["hash"], true]))
            .await;
        assert_eq!(
            by_hash, block,
            "block {number} by hash differs from by number"
        );
        out.push((format!("block {number}"), block));
    }
    out.push((
        "latest block".into(),
        rpc.ok("eth_getBlockByNumber", json!(["latest", true]))
            .await,
    ));
    for hash in hashes {
        out.push((
            format!("tx {hash}"),
            rpc.ok("eth_getTransactionByHash", json!([hash])).await,
        ));
        out.push((
            format!("receipt {hash}"),
            rpc.ok("eth_getTransactionReceipt", json!([hash])).await,
        ));
    }
    for account in accounts {
        for (what, method) in [
            ("balance", "eth_getBalance"),
            ("nonce", "eth_getTransactionCount"),
            ("code", "eth_getCode"),
        ] {
            out.push((
                format!("{what} {account}"),
                rpc.ok(method, json!([account, "latest"])).await,
            ));
        }
        out.push((
            format!("slot 0 {account}"),
            rpc.ok("eth_getStorageAt", json!([account, "0x0", "latest"]))
                .await,
        ));
        out.push((
            format!("call {account}"),
            rpc.ok(
                "eth_call",
                json!([{"to": account, "gas": CALL_GAS}, "latest"]),
            )
            .await,
        ));
    }
    out.push((
        "slot 1 contract".into(),
        rpc.ok("eth_getStorageAt", json!([contract, "0x1", "latest"]))
            .await,
    ));
    out
}

/// Bytes of a hex string without prefix.
fn decode_hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}
