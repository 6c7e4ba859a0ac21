//! The confidentiality policy in the request-execution methods, called in process with the
//! caller the server would have resolved: calls run from the caller, another `from` is refused,
//! overrides are for auditors only, and eth_sendTransaction signs only as the caller.

use super::*;
use cloister_policy::{Caller, Policy, PolicyDocument, Role};
use cloister_primitives::{Address, address};
use cloister_rpc::RpcContext;
use cloister_rpc_call::{EthCallApiServer, EthCallRpc, OVERRIDES_REFUSED};
use jsonrpsee::{Extensions, types::ErrorObjectOwned};
use std::sync::Arc;

const AUDITOR: Address = address!("0x000000000000000000000000000000000000a0d1");
const MEMBER: Address = address!("0x000000000000000000000000000000000000beef");
const STRANGER: Address = address!("0x000000000000000000000000000000000000dead");
/// Init code that returns its CALLER as 32 bytes (CALLER, MSTORE at 0, RETURN 32 bytes).
const RETURN_CALLER: &str = "0x3360005260206000f3";
/// Runtime code that returns the block's COINBASE as 32 bytes.
const RETURN_COINBASE: &str = "0x4160005260206000f3";

/// The node's chain and pool behind a server enforcing `policy` (`None`: the permissive one).
fn server(node: &Node, policy: Option<Policy>) -> EthCallRpc {
    let mut ctx = RpcContext::new(
        node.handle.chain.clone(),
        node.handle.pool.clone(),
        node.handle.dev_accounts.clone(),
        0,
    );
    if let Some(policy) = policy {
        ctx.policy = Arc::new(policy);
    }
    EthCallRpc::new(Arc::new(ctx))
}

fn confidential() -> Policy {
    let mut doc = PolicyDocument::default();
    doc.roles.insert(AUDITOR, vec![Role::Auditor]);
    doc.roles.insert(MEMBER, vec![Role::Member]);
    Policy::new(doc).unwrap()
}

/// The extensions of a request from `address` with the roles `policy` gives it.
fn as_caller(policy: &Policy, address: Option<Address>) -> Extensions {
    let mut ext = Extensions::new();
    ext.insert(address.map_or(Caller::ANONYMOUS, |a| policy.caller_for(a)));
    ext
}

fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// `address` as the 32 bytes a contract returns.
fn word(address: Address) -> String {
    format!("0x{:0>64}", format!("{address:x}"))
}

fn assert_refused_overrides(err: ErrorObjectOwned) {
    assert_eq!(err.code(), -32602);
    assert_eq!(err.message(), OVERRIDES_REFUSED);
}

fn assert_not_caller(err: ErrorObjectOwned) {
    assert_eq!(err.code(), -32000);
    assert_eq!(err.message(), "from must be the caller's own address");
}

#[tokio::test]
async fn calls_run_from_the_caller() {
    let node = Node::start().await;
    let policy = confidential();
    let rpc = server(&node, Some(confidential()));
    let ext = as_caller(&policy, Some(STRANGER));
    for from in [None, Some(STRANGER)] {
        let request = from_json(json!({"from": from, "input": RETURN_CALLER}));
        let output = rpc.call(&ext, request, None, None, None).await.unwrap();
        assert_eq!(output.to_string(), word(STRANGER), "from {from:?}");
    }
    // The same request on the permissive server runs from the zero address, as geth does.
    let open = server(&node, None);
    let request = from_json(json!({"input": RETURN_CALLER}));
    let output = open.call(&ext, request, None, None, None).await.unwrap();
    assert_eq!(output.to_string(), word(Address::ZERO));
    node.handle.stop().await;
}

#[tokio::test]
async fn another_from_is_refused_everywhere() {
    let node = Node::start().await;
    let policy = confidential();
    let rpc = server(&node, Some(confidential()));
    let ext = as_caller(&policy, Some(MEMBER));
    let other = || from_json(json!({"from": STRANGER, "input": RETURN_CALLER}));
    assert_not_caller(rpc.call(&ext, other(), None, None, None).await.unwrap_err());
    assert_not_caller(
        rpc.estimate_gas(&ext, other(), None, None, None)
            .await
            .unwrap_err(),
    );
    assert_not_caller(
        rpc.create_access_list(&ext, other(), None, None)
            .await
            .unwrap_err(),
    );
    let payload = from_json(json!({"blockStateCalls": [
        {"calls": [{"input": RETURN_CALLER}]},
        {"calls": [{"from": MEMBER, "input": RETURN_CALLER}, {"from": STRANGER, "input": RETURN_CALLER}]}
    ]}));
    assert_not_caller(rpc.simulate_v1(&ext, payload, None).await.unwrap_err());
    // An anonymous caller has no address to run from.
    let anonymous = as_caller(&policy, None);
    let request = from_json(json!({"input": RETURN_CALLER}));
    assert_not_caller(
        rpc.call(&anonymous, request, None, None, None)
            .await
            .unwrap_err(),
    );
    node.handle.stop().await;
}

#[tokio::test]
async fn simulated_calls_run_from_the_caller() {
    let node = Node::start().await;
    let policy = confidential();
    let rpc = server(&node, Some(confidential()));
    let ext = as_caller(&policy, Some(MEMBER));
    let payload = from_json(json!({"blockStateCalls": [
        {"calls": [{"input": RETURN_CALLER}, {"from": MEMBER, "input": RETURN_CALLER}]}
    ]}));
    let blocks = rpc.simulate_v1(&ext, payload, None).await.unwrap();
    let blocks = serde_json::to_value(blocks).unwrap();
    for call in blocks[0]["calls"].as_array().unwrap() {
        assert_eq!(call["returnData"], json!(word(MEMBER)));
    }
    node.handle.stop().await;
}

#[tokio::test]
async fn overrides_are_refused_to_non_auditors() {
    let node = Node::start().await;
    let policy = confidential();
    let rpc = server(&node, Some(confidential()));
    let ext = as_caller(&policy, Some(MEMBER));
    let request = || from_json(json!({"to": CONTRACT}));
    let state = || Some(from_json(json!({CONTRACT: {"code": RETURN_NUMBER}})));
    let block = || Some(Box::new(from_json(json!({"number": "0x1234"}))));

    assert_refused_overrides(
        rpc.call(&ext, request(), None, state(), None)
            .await
            .unwrap_err(),
    );
    assert_refused_overrides(
        rpc.call(&ext, request(), None, None, block())
            .await
            .unwrap_err(),
    );
    let err = rpc
        .estimate_gas(&ext, request(), None, state(), None)
        .await
        .unwrap_err();
    assert_refused_overrides(err);
    let err = rpc
        .estimate_gas(&ext, request(), None, None, block())
        .await
        .unwrap_err();
    assert_refused_overrides(err);
    let err = rpc
        .create_access_list(&ext, request(), None, state())
        .await
        .unwrap_err();
    assert_refused_overrides(err);
    for sim_block in [
        json!({"stateOverrides": {CONTRACT: {"code": RETURN_NUMBER}}, "calls": [{"to": CONTRACT}]}),
        json!({"blockOverrides": {"number": "0x1234"}, "calls": [{"to": CONTRACT}]}),
    ] {
        let payload = from_json(json!({"blockStateCalls": [{"calls": []}, sim_block]}));
        assert_refused_overrides(rpc.simulate_v1(&ext, payload, None).await.unwrap_err());
    }
    // Empty overrides change nothing and pass.
    let empty_state = Some(from_json(json!({})));
    let empty_block = Some(Box::new(from_json(json!({}))));
    rpc.call(&ext, request(), None, empty_state, empty_block)
        .await
        .unwrap();
    node.handle.stop().await;
}

#[tokio::test]
async fn auditors_may_override() {
    let node = Node::start().await;
    let policy = confidential();
    let rpc = server(&node, Some(confidential()));
    let ext = as_caller(&policy, Some(AUDITOR));
    let request = || from_json(json!({"to": CONTRACT}));
    let state = || Some(from_json(json!({CONTRACT: {"code": RETURN_NUMBER}})));
    let block = || Some(Box::new(from_json(json!({"number": "0x1234"}))));
    let output = rpc
        .call(&ext, request(), None, state(), block())
        .await
        .unwrap();
    assert_eq!(output.to_string(), format!("0x{:064x}", 0x1234));
    rpc.estimate_gas(&ext, request(), None, state(), block())
        .await
        .unwrap();
    rpc.create_access_list(&ext, request(), None, state())
        .await
        .unwrap();
    // A simulated block's number must follow the head, so override the fee recipient instead.
    let payload = from_json(json!({"blockStateCalls": [{
        "stateOverrides": {CONTRACT: {"code": RETURN_COINBASE}},
        "blockOverrides": {"feeRecipient": STRANGER},
        "calls": [{"to": CONTRACT}]
    }]}));
    let blocks = serde_json::to_value(rpc.simulate_v1(&ext, payload, None).await.unwrap()).unwrap();
    assert_eq!(blocks[0]["calls"][0]["returnData"], json!(word(STRANGER)));
    // Still only as themselves.
    let other = from_json(json!({"from": MEMBER, "to": CONTRACT}));
    assert_not_caller(
        rpc.call(&ext, other, None, state(), None)
            .await
            .unwrap_err(),
    );
    node.handle.stop().await;
}

#[tokio::test]
async fn send_transaction_signs_only_as_the_caller() {
    let node = Node::start().await;
    let policy = confidential();
    let rpc = server(&node, Some(confidential()));
    let own = node.handle.dev_accounts[0].address();
    let other = node.handle.dev_accounts[1].address();
    let ext = as_caller(&policy, Some(own));
    let transfer = |from: Address| from_json(json!({"from": from, "to": STRANGER, "value": "0x1"}));
    let err = rpc
        .send_transaction(&ext, transfer(other))
        .await
        .unwrap_err();
    assert_eq!(err.message(), "unknown account");
    // Exactly what a key the node does not hold answers.
    let unknown = as_caller(&policy, Some(STRANGER));
    let keyless = rpc
        .send_transaction(&unknown, transfer(STRANGER))
        .await
        .unwrap_err();
    assert_eq!(
        (keyless.code(), keyless.message()),
        (err.code(), err.message())
    );
    let hash = rpc.send_transaction(&ext, transfer(own)).await.unwrap();
    let sent = node.result("eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(sent["from"], json!(format!("{own:#x}")));
    node.handle.stop().await;
}
