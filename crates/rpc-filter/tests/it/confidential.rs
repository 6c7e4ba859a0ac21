//! The confidentiality policy in logs, filters and subscriptions: two users, an auditor and a
//! stranger read the same chain through this crate's module, each with its own caller in the
//! request extensions (as the server's sign-in layer puts it there).

use crate::common::{EMIT_TOPIC, TestNode};
use cloister_policy::{Policy, PolicyDocument, Role};
use cloister_primitives::Address;
use cloister_rpc::RpcContext;
use cloister_rpc_filter::{EthFilterApiServer, EthFilterRpc, FilterConfig};
use jsonrpsee::{MethodsError, RpcModule, core::server::Subscription};
use serde_json::{Value, json};
use std::sync::Arc;

const AUDITOR: Address = Address::repeat_byte(0xad);
const STRANGER: Address = Address::repeat_byte(0x5e);

/// `address` as an indexed topic (left-padded to 32 bytes), ready as emitter calldata.
fn address_word(address: Address) -> String {
    format!("0x{:0>64}", hex(address.as_slice()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The chain of `node` under a confidential policy with one auditor; returns one module per
/// caller, all sharing the installed filters.
struct Confidential {
    rpc: EthFilterRpc,
    policy: Arc<Policy>,
}

impl Confidential {
    fn new(node: &TestNode) -> Self {
        let mut doc = PolicyDocument::default();
        doc.roles.insert(AUDITOR, vec![Role::Auditor]);
        let policy = Arc::new(Policy::new(doc).unwrap());
        let mut ctx = RpcContext::new(
            node.handle.chain.clone(),
            node.handle.pool.clone(),
            Vec::new(),
            50_000_000,
        );
        ctx.policy = policy.clone();
        let rpc = EthFilterRpc::new(Arc::new(ctx), &FilterConfig::default());
        Self { rpc, policy }
    }

    /// The module as `address` calls it.
    fn as_caller(&self, address: Address) -> RpcModule<EthFilterRpc> {
        self.as_callers(&[address])
    }

    /// The module as one token proving every address of `addresses` calls it.
    fn as_callers(&self, addresses: &[Address]) -> RpcModule<EthFilterRpc> {
        let mut module = self.rpc.clone().into_rpc();
        module
            .extensions_mut()
            .insert(self.policy.caller_for_all(addresses));
        module
    }
}

/// A JSON array as call parameters.
fn list(params: Value) -> Vec<Value> {
    params.as_array().unwrap().clone()
}

async fn call(module: &RpcModule<EthFilterRpc>, method: &str, params: Value) -> Value {
    module.call(method, list(params)).await.unwrap()
}

async fn refusal(module: &RpcModule<EthFilterRpc>, method: &str, params: Value) -> Value {
    match module.call::<_, Value>(method, list(params)).await {
        Err(MethodsError::JsonRpc(err)) => serde_json::to_value(err).unwrap(),
        other => panic!("{method} should fail: {other:?}"),
    }
}

/// Transaction hashes of `logs`, in order.
fn tx_hashes(logs: &Value) -> Vec<String> {
    logs.as_array()
        .unwrap()
        .iter()
        .map(|log| log["transactionHash"].as_str().unwrap().to_string())
        .collect()
}

fn address(text: &str) -> Address {
    text.parse().unwrap()
}

/// Sends `data` to `to` from `from` (a dev account) and waits for its receipt.
async fn send(node: &TestNode, from: &str, to: &str, data: &str) -> Value {
    let tx = json!({"from": from, "to": to, "data": data, "gas": "0x100000"});
    let hash = node.result("eth_sendTransaction", json!([tx])).await;
    node.receipt(hash.as_str().unwrap()).await
}

async fn next_item(sub: &mut Subscription) -> Value {
    sub.next::<Value>().await.unwrap().unwrap().0
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_show_only_what_each_caller_may_see() {
    let node = TestNode::start().await;
    let accounts = node.result("eth_accounts", json!([])).await;
    let (a, b) = (node.from.clone(), accounts[1].as_str().unwrap().to_string());
    let emitter = node.deploy_emitter().await;
    // A's transfer names B in an indexed topic; B's own call names nobody else.
    let a_to_b = send(&node, &a, &emitter, &address_word(address(&b))).await;
    let b_alone = send(&node, &b, &emitter, &crate::common::word(7)).await;
    let confidential = Confidential::new(&node);
    let filter = json!([{"fromBlock": "0x0", "address": emitter, "topics": [EMIT_TOPIC]}]);

    let logs_of = |who: Address| {
        let module = confidential.as_caller(who);
        let filter = filter.clone();
        async move { call(&module, "eth_getLogs", filter).await }
    };
    let (a_hash, b_hash) = (
        a_to_b["transactionHash"].as_str().unwrap().to_string(),
        b_alone["transactionHash"].as_str().unwrap().to_string(),
    );
    let seen_by_a = logs_of(address(&a)).await;
    assert_eq!(tx_hashes(&seen_by_a), std::slice::from_ref(&a_hash));
    // The real logIndex is kept, not renumbered among visible logs.
    assert_eq!(seen_by_a[0]["logIndex"], a_to_b["logs"][0]["logIndex"]);
    assert_eq!(
        tx_hashes(&logs_of(address(&b)).await),
        [a_hash.clone(), b_hash.clone()]
    );
    assert_eq!(
        tx_hashes(&logs_of(AUDITOR).await),
        [a_hash.clone(), b_hash.clone()]
    );
    assert_eq!(logs_of(STRANGER).await, json!([]));

    // A filter of A: A reads it (visible logs only); B gets what an unknown id gets.
    let as_a = confidential.as_caller(address(&a));
    let as_b = confidential.as_caller(address(&b));
    let id: Value = call(&as_a, "eth_newFilter", filter.clone()).await;
    assert_eq!(
        tx_hashes(&call(&as_a, "eth_getFilterLogs", json!([id])).await),
        [a_hash]
    );
    let unknown = json!(["0x1234567890abcdef1234567890abcdef"]);
    for method in ["eth_getFilterLogs", "eth_getFilterChanges"] {
        let expected = refusal(&as_b, method, unknown.clone()).await;
        assert_eq!(
            refusal(&as_b, method, json!([id])).await,
            expected,
            "{method}"
        );
    }
    let pending_filter: Value = call(&as_a, "eth_newPendingTransactionFilter", json!([])).await;
    assert_eq!(
        refusal(&as_b, "eth_getFilterChanges", json!([pending_filter])).await,
        refusal(&as_b, "eth_getFilterChanges", unknown.clone()).await
    );
    assert_eq!(
        call(&as_b, "eth_uninstallFilter", json!([id])).await,
        json!(false)
    );

    // New blocks: A's log filter and pending filter report B's hidden call only by omission.
    let hidden = send(&node, &b, &emitter, &crate::common::word(8)).await;
    let own = send(&node, &a, &emitter, &crate::common::word(9)).await;
    let changes = call(&as_a, "eth_getFilterChanges", json!([id])).await;
    assert_eq!(
        tx_hashes(&changes),
        [own["transactionHash"].as_str().unwrap().to_string()]
    );
    let pending = call(&as_a, "eth_getFilterChanges", json!([pending_filter])).await;
    assert_eq!(pending, json!([own["transactionHash"]]), "{hidden}");
    assert_eq!(
        call(&as_a, "eth_uninstallFilter", json!([id])).await,
        json!(true)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_skip_what_the_subscriber_may_not_see() {
    let node = TestNode::start().await;
    let accounts = node.result("eth_accounts", json!([])).await;
    let (a, b) = (node.from.clone(), accounts[1].as_str().unwrap().to_string());
    let emitter = node.deploy_emitter().await;
    let confidential = Confidential::new(&node);
    let logs = json!(["logs", {"address": emitter}]);
    let as_a = confidential.as_caller(address(&a));
    let as_stranger = confidential.as_caller(STRANGER);
    let as_auditor = confidential.as_caller(AUDITOR);
    let mut a_logs = as_a
        .subscribe_unbounded("eth_subscribe", list(logs.clone()))
        .await
        .unwrap();
    let mut stranger_logs = as_stranger
        .subscribe_unbounded("eth_subscribe", list(logs))
        .await
        .unwrap();
    let mut a_pending = as_a
        .subscribe_unbounded("eth_subscribe", ["newPendingTransactions"])
        .await
        .unwrap();
    let mut a_heads = as_a
        .subscribe_unbounded("eth_subscribe", ["newHeads"])
        .await
        .unwrap();
    let mut auditor_heads = as_auditor
        .subscribe_unbounded("eth_subscribe", ["newHeads"])
        .await
        .unwrap();
    // One token holding the stranger's address and A's.
    let mut both_heads = confidential
        .as_callers(&[STRANGER, address(&a)])
        .subscribe_unbounded("eth_subscribe", ["newHeads"])
        .await
        .unwrap();

    // Hidden from A and from the stranger, then A's own, then one naming the stranger.
    let hidden = send(&node, &b, &emitter, &crate::common::word(1)).await;
    let own = send(&node, &a, &emitter, &crate::common::word(2)).await;
    let naming_stranger = send(&node, &b, &emitter, &address_word(STRANGER)).await;

    // Each subscriber's first item is the first it may see: the hidden ones never came.
    assert_eq!(
        next_item(&mut a_logs).await["transactionHash"],
        own["transactionHash"]
    );
    assert_eq!(
        next_item(&mut stranger_logs).await["transactionHash"],
        naming_stranger["transactionHash"]
    );
    assert_eq!(next_item(&mut a_pending).await, own["transactionHash"]);

    // Heads reach everyone with the bloom of what each may see: the auditor the whole bloom,
    // A the bloom of A's own logs only (the hidden block looks as if it had none).
    let zero_bloom = json!(format!("0x{}", "0".repeat(512)));
    let a_head = next_item(&mut a_heads).await;
    let auditor_head = next_item(&mut auditor_heads).await;
    assert_eq!(a_head["hash"], auditor_head["hash"]);
    assert_eq!(a_head["hash"], hidden["blockHash"]);
    assert_eq!(a_head["logsBloom"], zero_bloom);
    assert_eq!(auditor_head["logsBloom"], hidden["logsBloom"]);
    assert_ne!(auditor_head["logsBloom"], a_head["logsBloom"]);
    let a_own_head = next_item(&mut a_heads).await;
    assert_eq!(a_own_head["hash"], own["blockHash"]);
    assert_eq!(a_own_head["logsBloom"], own["logsBloom"]);
    assert_ne!(a_own_head["logsBloom"], zero_bloom);
    assert_eq!(next_item(&mut a_heads).await["logsBloom"], zero_bloom);
    // The two-address caller sees A's own block and the one naming the stranger.
    let seen: Vec<Value> = [
        next_item(&mut both_heads).await,
        next_item(&mut both_heads).await,
        next_item(&mut both_heads).await,
    ]
    .into_iter()
    .map(|head| head["logsBloom"].clone())
    .collect();
    assert_eq!(
        seen,
        [
            zero_bloom,
            own["logsBloom"].clone(),
            naming_stranger["logsBloom"].clone()
        ]
    );
}
