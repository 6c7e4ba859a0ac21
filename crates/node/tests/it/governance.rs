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

/// A confidential chain governed by dev accounts 0-2 (the dev genesis with a confidential
/// policy; the contract rewritten from its `cloister` section).
fn confidential_governed_genesis() -> String {
    let mut g: Value =
        serde_json::from_str(cloister_chainspec::DEV_GENESIS_JSON).expect("dev genesis");
    g["cloister"]["policy"] = json!({"version": 1, "mode": "confidential"});
    cloister_governance::with_governance(&g.to_string()).expect("governed genesis")
}

async fn rpc_as(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: &str,
    params: Value,
) -> Value {
    rpc(http, &format!("{base}/rpc/{token}"), method, params).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_confidential_chain_every_member_reads_governance_and_strangers_do_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys: Vec<alloy_signer_local::PrivateKeySigner> = dev_accounts().expect("accounts")[..6]
        .iter()
        .map(|(_, key)| alloy_signer_local::PrivateKeySigner::from_bytes(key).expect("key"))
        .collect();
    cloister_node::init(dir.path(), &confidential_governed_genesis()).expect("init");
    let mut config = NodeConfig::dev(dir.path().to_path_buf(), crate::common::free_port());
    config.dev = false;
    config.plain_http = true;
    config.unlock_dev_accounts = true;
    config.validator_key = Some(keys[0].to_bytes());
    let node = cloister_node::launch(config).await.expect("launch");
    let base = node.http_url();
    let http = reqwest::Client::new();
    let proposer = crate::common::sign_in(&http, &base, &keys[0]).await;
    let member = crate::common::sign_in(&http, &base, &keys[1]).await;
    let stranger = crate::common::sign_in(&http, &base, &keys[5]).await;

    // Member 0 proposes with an ordinary transaction.
    let propose = gov::proposeCall {
        actions: vec![
            gov::setRoleCall {
                account: keys[5].address(),
                role: "auditor".into(),
                granted: true,
            }
            .abi_encode()
            .into(),
        ],
        description: "an auditor".into(),
    }
    .abi_encode();
    let tx = json!({"from": keys[0].address(), "to": GOVERNANCE_ADDRESS, "data": format!("0x{}", hex::encode(propose))});
    let sent = rpc_as(&http, &base, &proposer, "eth_sendTransaction", json!([tx])).await;
    let hash = sent["result"]
        .as_str()
        .unwrap_or_else(|| panic!("{sent}"))
        .to_owned();
    let mut receipt = Value::Null;
    for _ in 0..200 {
        receipt = rpc_as(
            &http,
            &base,
            &proposer,
            "eth_getTransactionReceipt",
            json!([hash]),
        )
        .await["result"]
            .clone();
        if !receipt.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(receipt["status"], "0x1", "{receipt}");

    // Another member sees the proposal's transaction, receipt and logs.
    let seen = rpc_as(
        &http,
        &base,
        &member,
        "eth_getTransactionByHash",
        json!([hash]),
    )
    .await;
    assert_eq!(seen["result"]["hash"], hash, "{seen}");
    let filter = json!([{"address": GOVERNANCE_ADDRESS, "fromBlock": "0x0", "toBlock": "latest"}]);
    let logs = rpc_as(&http, &base, &member, "eth_getLogs", filter.clone()).await;
    assert_eq!(logs["result"].as_array().map(Vec::len), Some(1), "{logs}");
    // And reads the contract's views with eth_call.
    let count = rpc_as(
        &http,
        &base,
        &member,
        "eth_call",
        json!([{"to": GOVERNANCE_ADDRESS, "data": format!("0x{}", hex::encode(gov::proposalCountCall {}.abi_encode()))}, "latest"]),
    )
    .await;
    assert_eq!(count["result"], format!("0x{:064x}", 1), "{count}");

    // A signed-in non-member sees none of it.
    let hidden = rpc_as(
        &http,
        &base,
        &stranger,
        "eth_getTransactionByHash",
        json!([hash]),
    )
    .await;
    assert!(hidden["result"].is_null(), "{hidden}");
    let none = rpc_as(&http, &base, &stranger, "eth_getLogs", filter).await;
    assert_eq!(none["result"], json!([]), "{none}");
    node.stop().await;
}
