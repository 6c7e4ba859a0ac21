//! Replays the execution-apis fixtures of this crate's methods against a node that imported
//! the conformance chain, compared as hive's rpc-compat does (error messages ignored,
//! speconly results not compared). Ignored by default: it needs the shared fixtures and a
//! working import; run with `cargo nextest run -p cloister-rpc --run-ignored all fixtures`.

use crate::post;
use cloister_node::{NodeConfig, import_file, init, launch};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The method folders this crate answers for.
const METHODS: &[&str] = &[
    "eth_baseFee",
    "eth_blobBaseFee",
    "eth_blockNumber",
    "eth_chainId",
    "eth_config",
    "eth_feeHistory",
    "eth_getBalance",
    "eth_getBlockByHash",
    "eth_getBlockByNumber",
    "eth_getBlockReceipts",
    "eth_getBlockTransactionCountByHash",
    "eth_getBlockTransactionCountByNumber",
    "eth_getCode",
    "eth_getProof",
    "eth_getStorageAt",
    "eth_getStorageValues",
    "eth_getTransactionByBlockHashAndIndex",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_getTransactionByHash",
    "eth_getTransactionCount",
    "eth_getTransactionReceipt",
    "eth_sendRawTransaction",
    "eth_syncing",
    "net_version",
    "txpool_content",
    "txpool_contentFrom",
    "txpool_status",
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/execution-apis")
}

/// Removes `message` from every error object, as hive does when both sides hold one.
fn without_error_messages(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(error)) = map.get_mut("error") {
                error.remove("message");
            }
            map.values_mut().for_each(without_error_messages);
        }
        Value::Array(items) => items.iter_mut().for_each(without_error_messages),
        _ => {}
    }
}

#[tokio::test]
#[ignore = "needs the shared conformance fixtures and a working chain import"]
async fn fixtures() {
    let root = fixtures_dir();
    let dir = tempfile::tempdir().unwrap();
    let genesis = std::fs::read_to_string(root.join("genesis.json")).unwrap();
    init(dir.path(), &genesis).unwrap();
    import_file(dir.path(), &root.join("chain.rlp")).unwrap();
    let node = launch(NodeConfig {
        dev: false,
        ..NodeConfig::dev(dir.path().to_path_buf(), 0)
    })
    .await
    .unwrap();
    let url = node.http_url();
    let mut files: Vec<PathBuf> = METHODS
        .iter()
        .flat_map(|m| {
            std::fs::read_dir(root.join(m))
                .unwrap()
                .map(|e| e.unwrap().path())
        })
        .collect();
    files.sort();
    let (mut passed, mut failed) = (0, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let speconly = text.lines().any(|l| l.starts_with("// speconly"));
        let mut ok = true;
        let mut request = None;
        for line in text.lines() {
            if let Some(body) = line.strip_prefix(">> ") {
                request = Some(serde_json::from_str::<Value>(body).unwrap());
            } else if let Some(expected) = line.strip_prefix("<< ") {
                let mut expected: Value = serde_json::from_str(expected).unwrap();
                let mut got = post(&url, request.take().unwrap()).await;
                let matches = if speconly && got.get("error").is_none() {
                    got.get("result").is_some()
                } else {
                    without_error_messages(&mut expected);
                    without_error_messages(&mut got);
                    got == expected
                };
                if !matches {
                    ok = false;
                    let cut = |v: &Value| v.to_string().chars().take(600).collect::<String>();
                    eprintln!(
                        "FAIL {}\n  want {}\n  got  {}",
                        file.display(),
                        cut(&expected),
                        cut(&got)
                    );
                }
            }
        }
        if ok {
            passed += 1;
        } else {
            failed.push(file.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    eprintln!("fixtures: {passed} passed, {} failed", failed.len());
    node.stop().await;
    assert!(failed.is_empty(), "failed: {failed:?}");
}
