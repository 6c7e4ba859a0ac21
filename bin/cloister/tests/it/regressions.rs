//! Regression tests for node bugs these end-to-end tests found (init ignoring a changed chain
//! id; eth_call without gas exceeding the Osaka per-transaction cap).

use crate::{
    node::NodeProcess,
    restart::{run_init, write_other_genesis},
};
use serde_json::json;
use std::path::Path;

/// Known node bug: the genesis hash does not cover the chain id (nor the `cloister` section),
/// so `init` with a genesis that differs only there finds "the same" genesis, exits 0 with
/// "initialised ..." and silently keeps the stored genesis JSON.
#[test]
fn init_refuses_genesis_with_another_chain_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let datadir = dir.path().join("data");
    let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../genesis/dev.json");
    let first = run_init(&dev, &datadir);
    assert!(
        first.status.success(),
        "init with the dev genesis failed: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let other = write_other_genesis(dir.path(), "chain-id-only.json", false);
    let output = run_init(&other, &datadir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "init with chain id 7558 on a 7557 datadir succeeded: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        stderr.to_lowercase().contains("genesis"),
        "error does not mention the genesis: {stderr}"
    );
}

/// Known node bug: eth_call without a `gas` field runs with the RPC gas cap (50M), which the
/// Osaka per-transaction cap (EIP-7825, 2^24) rejects, so every plain eth_call fails with
/// "transaction gas limit (50000000) is greater than the cap (16777216)". eth_estimateGas
/// already clamps to that cap; eth_call does not.
#[tokio::test]
async fn eth_call_without_gas_succeeds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = NodeProcess::start(&dir.path().join("data"), dir.path(), 0).await;
    let to = crate::txs::fresh_address(b"call-target");
    let result = node
        .rpc
        .call("eth_call", json!([{"to": to}, "latest"]))
        .await;
    assert!(
        matches!(&result, Ok(value) if value == &json!("0x")),
        "eth_call without gas: {result:?}"
    );
}
