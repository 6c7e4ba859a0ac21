//! Governance seen from one node: dev accounts 0-2 (the dev chain's members) vote a new policy
//! document through the contract at 0x…C0C0 with ordinary transactions; `cloister_policy`
//! shows it (revision 2) from the next block, and a restart rebuilds it from chain state.

use alloy_sol_types::SolCall;
use cloister_chainspec::dev_accounts;
use cloister_governance::{GOVERNANCE_ADDRESS, abi::ICloisterGovernance as gov};
use cloister_node::{NodeConfig, NodeHandle};
use serde_json::{Value, json};
use std::time::Duration;

async fn rpc(http: &reqwest::Client, url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let reply: Value = http
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    reply
}

/// Sends `data` to the governance contract from `from` and waits for a successful receipt.
async fn govern(http: &reqwest::Client, url: &str, from: &str, data: Vec<u8>) -> Value {
    let tx =
        json!({"from": from, "to": GOVERNANCE_ADDRESS, "data": format!("0x{}", hex::encode(data))});
    let sent = rpc(http, url, "eth_sendTransaction", json!([tx])).await;
    let hash = sent["result"]
        .as_str()
        .unwrap_or_else(|| panic!("send: {sent}"))
        .to_owned();
    for _ in 0..200 {
        let receipt = rpc(http, url, "eth_getTransactionReceipt", json!([hash])).await;
        if !receipt["result"].is_null() {
            assert_eq!(receipt["result"]["status"], "0x1", "{receipt}");
            return receipt["result"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no receipt for {hash}");
}

async fn launch(dir: &std::path::Path) -> NodeHandle {
    let config = NodeConfig::dev(dir.to_path_buf(), crate::common::free_port());
    cloister_node::launch(config).await.expect("launch")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voted_policy_is_in_force_from_the_next_block_and_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = launch(dir.path()).await;
    let url = node.http_url();
    let http = reqwest::Client::new();
    let members: Vec<String> = dev_accounts().expect("accounts")[..3]
        .iter()
        .map(|(address, _)| address.to_string())
        .collect();

    let before = rpc(&http, &url, "cloister_policy", json!([])).await;
    assert_eq!(before["result"]["revision"], 1, "{before}");
    assert_eq!(before["result"]["mode"], "permissive");

    // Still permissive (the dev node's RPC stays open), but with an auditor granted by the
    // document itself: a replacement the vote must carry over exactly.
    let auditor = "0x00000000000000000000000000000000000a0d17";
    let document = json!({"version": 1, "mode": "permissive", "roles": {auditor: ["auditor"]}});
    let action = gov::setPolicyCall {
        policyJson: document.to_string().into_bytes().into(),
    }
    .abi_encode();
    let propose = gov::proposeCall {
        actions: vec![action.into()],
        description: "replace the policy".into(),
    }
    .abi_encode();
    govern(&http, &url, &members[0], propose).await;
    // Replacing needs two thirds of three members: all three.
    let vote = gov::castVoteCall {
        proposalId: 1u64.try_into().expect("id"),
        support: 1,
    }
    .abi_encode();
    govern(&http, &url, &members[0], vote.clone()).await;
    govern(&http, &url, &members[1], vote.clone()).await;
    let still = rpc(&http, &url, "cloister_policy", json!([])).await;
    assert_eq!(
        still["result"]["revision"], 1,
        "two votes of three apply nothing"
    );
    let executed = govern(&http, &url, &members[2], vote).await;
    let block = executed["blockNumber"].as_str().expect("block").to_owned();

    // The block after the vote's is built under the new document.
    let after = rpc(&http, &url, "cloister_policy", json!([])).await;
    assert_eq!(
        after["result"]["revision"], 2,
        "{after} (vote in block {block})"
    );
    assert_eq!(
        after["result"]["roles"][auditor],
        json!(["auditor"]),
        "{after}"
    );
    // Members hold `member`, and governance is readable by them.
    assert_eq!(
        after["result"]["roles"][members[1].to_lowercase()],
        json!(["member"]),
        "{after}"
    );
    node.stop().await;

    let node = launch(dir.path()).await;
    let again = rpc(&http, &node.http_url(), "cloister_policy", json!([])).await;
    assert_eq!(
        again["result"], after["result"],
        "a restart rebuilds the policy from chain state"
    );
    node.stop().await;
}
