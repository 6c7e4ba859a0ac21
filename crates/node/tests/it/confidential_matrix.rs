//! The confidentiality matrix: every RPC method the policy classifies, called over real HTTP by
//! an anonymous caller, a sender (A), a stranger (B), a recipient (R) and an auditor, on a
//! confidential chain where A paid R, deployed a contract and called it (its log names R).
//! Each cell of [`matrix`] says exactly what that caller must get back.

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_network::TxSignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_node::NodeHandle;
use cloister_primitives::{Address, B256, Bytes, Encodable2718, TxEnvelope, U256, keccak256};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

const CHAIN_ID: u64 = 75_571;
/// What A pays R (R starts with nothing, so R's balance is exactly this).
const PAYMENT: u64 = 1_000_000_000_000_000_000;
/// The JSON-RPC code of a method that does not exist, and of a refused one.
const DENIED: i64 = -32601;
/// The sealing key (not one of the callers).
const VALIDATOR_KEY: B256 = B256::with_last_byte(0x09);

/// The callers, in matrix column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Anon,
    A,
    B,
    R,
    Aud,
}
const CALLERS: [Who; 5] = [Who::Anon, Who::A, Who::B, Who::R, Who::Aud];

/// What one caller must get from one call.
enum Exp {
    /// Error -32601, exactly what an unknown method answers.
    Denied,
    /// An error with this code (the gate let the call through).
    Code(i64),
    /// An error with this code and exactly this message.
    Error(i64, &'static str),
    /// `null`.
    Null,
    /// `[]`.
    Empty,
    /// A quantity or word that is zero (`0x0`, `0x00…00`).
    Zero,
    /// Exactly this value (hex strings compared case-insensitively).
    Eq(Value),
    /// Any result.
    Ok,
    /// The answer names exactly these transactions (see [`tx_hashes`]).
    Txs(Vec<B256>),
    /// An array of exactly these hashes (pending-transaction filter).
    Hashes(Vec<B256>),
    /// A block listing exactly these transactions, with a zero `logsBloom` or not.
    Block { txs: Vec<B256>, bloom_zero: bool },
    /// A check of the result, described.
    Is(&'static str, Box<dyn Fn(&Value) -> bool>),
}

/// One row: a method, its params for each caller, and one expectation per caller.
struct Row {
    method: &'static str,
    params: Box<dyn Fn(Who) -> Value>,
    cells: [Exp; 5],
}

fn row(method: &'static str, params: Value, cells: [Exp; 5]) -> Row {
    Row {
        method,
        params: Box::new(move |_| params.clone()),
        cells,
    }
}

/// Anonymous refused, every signed-in caller gets `make()`.
fn authed(make: impl Fn() -> Exp) -> [Exp; 5] {
    [Exp::Denied, make(), make(), make(), make()]
}

/// Everyone, anonymous included, gets `make()`.
fn everyone(make: impl Fn() -> Exp) -> [Exp; 5] {
    [make(), make(), make(), make(), make()]
}

/// Only the auditor gets through.
fn auditor_only(ok: Exp) -> [Exp; 5] {
    [Exp::Denied, Exp::Denied, Exp::Denied, Exp::Denied, ok]
}

/// Columns after anonymous (denied): A, B, R, auditor.
fn cols(a: Exp, b: Exp, r: Exp, aud: Exp) -> [Exp; 5] {
    [Exp::Denied, a, b, r, aud]
}

fn hex_u64(n: u64) -> Value {
    json!(format!("{n:#x}"))
}

/// What happened on chain, for building rows.
struct Scenario {
    a: Address,
    r: Address,
    aud: Address,
    contract: Address,
    runtime: Bytes,
    tx_pay: B256,
    tx_deploy: B256,
    tx_call: B256,
    tx_queued: B256,
    blocks: [(u64, B256); 3],
    head_timestamp: u64,
    /// `logsBloom` of the call's receipt (its only log names R).
    call_bloom: Value,
    log_filter: HashMap<Who, Value>,
    pending_filter: HashMap<Who, Value>,
}

#[rustfmt::skip] // one line per row keeps the matrix readable
fn matrix(s: &Scenario) -> Vec<Row> {
    use Exp::*;
    let (a, r, aud, c) = (s.a, s.r, s.aud, s.contract);
    let (pay, deploy, call, queued) = (s.tx_pay, s.tx_deploy, s.tx_call, s.tx_queued);
    let [(n1, h1), (n2, h2), (n3, h3)] = s.blocks;
    let word_42 = format!("{:#066x}", 0x2a);
    let zero_word = format!("{:#066x}", 0);
    let log_filters = s.log_filter.clone();
    let pending_filters = s.pending_filter.clone();
    let pool_view_of_a = |seen: bool| {
        if seen { Txs(vec![queued]) } else { Eq(json!({"pending": {}, "queued": {}})) }
    };
    let inspect_names_a = move |seen: bool| {
        Is(
            if seen { "queued names A" } else { "names nothing" },
            Box::new(move |v: &Value| {
                let names_a = v["queued"]
                    .as_object()
                    .is_some_and(|q| q.keys().any(|k| k.eq_ignore_ascii_case(&a.to_string())));
                let empty = v["pending"].as_object().is_some_and(|p| p.is_empty());
                empty && names_a == seen
            }),
        )
    };
    let audit_of = move |v: &Value| {
        v.as_array().is_some_and(|entries| {
            entries.iter().all(|e| e["auditor"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(&aud.to_string())))
        })
    };
    let is_trace = |v: &Value| v.is_object() || v.is_array();
    let call_bloom = s.call_bloom.clone();
    // A block or header whose bloom is the call's (shown) or zero (nothing visible has logs).
    let bloom_of_call = move |shown: bool| {
        let want = call_bloom.clone();
        Is(
            if shown { "the call's bloom" } else { "zero bloom" },
            Box::new(move |v: &Value| {
                if shown { normalise(&v["logsBloom"]) == normalise(&want) } else { is_zero(&v["logsBloom"]) }
            }),
        )
    };
    // balance (non-zero or zero), nonce and code of eth_getAccountInfo.
    let account_info = |funded: bool, nonce: u64, code: &str| {
        let code = code.to_ascii_lowercase();
        Is(
            if funded { "funded account" } else { "unfunded account" },
            Box::new(move |v: &Value| {
                is_zero(&v["balance"]) != funded
                    && v["nonce"] == hex_u64(nonce)
                    && v["code"].as_str().is_some_and(|c| c.to_ascii_lowercase() == code)
            }),
        )
    };
    vec![
        // Metadata: anyone.
        row("eth_chainId", json!([]), everyone(|| Eq(hex_u64(CHAIN_ID)))),
        row("eth_blockNumber", json!([]), everyone(|| Eq(hex_u64(n3)))),
        row("eth_syncing", json!([]), everyone(|| Eq(json!(false)))),
        row("net_version", json!([]), everyone(|| Eq(json!(CHAIN_ID.to_string())))),
        row("net_listening", json!([]), everyone(|| Eq(json!(true)))),
        row("net_peerCount", json!([]), everyone(|| Ok)),
        row("web3_clientVersion", json!([]), everyone(|| Ok)),
        row("web3_sha3", json!(["0x68656c6c6f"]), everyone(|| Eq(json!(keccak256(b"hello"))))),
        row("cloister_policy", json!([]), everyone(|| Is("mode confidential", Box::new(|v| v["mode"] == "confidential")))),
        row("cloister_attestation", json!([]), everyone(|| Is("kind none", Box::new(|v| v["kind"] == "none")))),
        row("cloister_whoami", json!([]), [
            Eq(json!({"address": null, "addresses": [], "roles": []})),
            Eq(json!({"address": a, "addresses": [a], "roles": []})),
            Eq(json!({"address": key(Who::B).address(), "addresses": [key(Who::B).address()], "roles": []})),
            Eq(json!({"address": r, "addresses": [r], "roles": []})),
            Eq(json!({"address": aud, "addresses": [aud], "roles": ["auditor"]})),
        ]),
        // Open: any signed-in caller, same answer for all.
        row("eth_gasPrice", json!([]), authed(|| Ok)),
        row("eth_maxPriorityFeePerGas", json!([]), authed(|| Ok)),
        row("eth_feeHistory", json!(["0x1", "latest", []]), authed(|| Ok)),
        row("eth_blobBaseFee", json!([]), authed(|| Ok)),
        row("eth_baseFee", json!([]), authed(|| Ok)),
        row("eth_getCode", json!([c, "latest"]), authed(|| Eq(json!(s.runtime)))),
        row("eth_config", json!([]), authed(|| Ok)),
        row("eth_capabilities", json!([]), authed(|| Ok)),
        row("eth_coinbase", json!([]), authed(|| Ok)),
        row("eth_sendRawTransaction", json!(["0x00"]), authed(|| Code(-32000))),
        row("eth_getUncleCountByBlockHash", json!([h1]), authed(|| Zero)),
        row("eth_getUncleCountByBlockNumber", json!([hex_u64(n1)]), authed(|| Zero)),
        row("eth_getUncleByBlockHashAndIndex", json!([h1, "0x0"]), authed(|| Null)),
        row("eth_getUncleByBlockNumberAndIndex", json!([hex_u64(n1), "0x0"]), authed(|| Null)),
        row("eth_newBlockFilter", json!([]), authed(|| Ok)),
        row("eth_uninstallFilter", json!(["0xdead"]), authed(|| Eq(json!(false)))),
        // Subscriptions need a WebSocket: over HTTP, geth's "subscription not found".
        row("eth_unsubscribe", json!(["0xdead"]), authed(|| Code(-32000))),
        row("cloister_revokeToken", json!(["clst_not_a_token"]), authed(|| Eq(json!(false)))),
        // Who sealed a block: header-level evidence, the same for every signed-in caller.
        row("cloister_getBlockSeal", json!([hex_u64(n1)]), authed(|| Is("block 1's seal", Box::new(move |v| v["blockHash"] == json!(h1))))),
        row("cloister_clusterStatus", json!([]), authed(|| Is("the node's cluster status", Box::new(|v| v["role"] == "single")))),
        // Filtered: each item by the policy.
        row("eth_accounts", json!([]), authed(|| Empty)),
        row("eth_getBalance", json!([a, "latest"]), cols(
            Is("A's funds", Box::new(|v| !is_zero(v))), Zero, Zero, Is("A's funds", Box::new(|v| !is_zero(v))))),
        row("eth_getBalance", json!([r, "latest"]), cols(Zero, Zero, Eq(hex_u64(PAYMENT)), Eq(hex_u64(PAYMENT)))),
        row("eth_getTransactionCount", json!([a, "latest"]), cols(Eq(hex_u64(3)), Zero, Zero, Eq(hex_u64(3)))),
        // Balance and nonce as eth_getBalance / eth_getTransactionCount show them; code as eth_getCode.
        row("eth_getAccountInfo", json!([a, "latest"]), cols(
            account_info(true, 3, "0x"), account_info(false, 0, "0x"), account_info(false, 0, "0x"), account_info(true, 3, "0x"))),
        row("eth_getAccountInfo", json!([c, "latest"]), cols(
            account_info(false, 0, &s.runtime.to_string()), account_info(false, 0, &s.runtime.to_string()),
            account_info(false, 0, &s.runtime.to_string()), account_info(false, 1, &s.runtime.to_string()))),
        row("eth_getAccountInfo", json!([r]), cols(
            Eq(json!({"balance": "0x0", "nonce": "0x0", "code": "0x"})), Eq(json!({"balance": "0x0", "nonce": "0x0", "code": "0x"})),
            Eq(json!({"balance": hex_u64(PAYMENT), "nonce": "0x0", "code": "0x"})), Eq(json!({"balance": hex_u64(PAYMENT), "nonce": "0x0", "code": "0x"})))),
        row("eth_getStorageAt", json!([c, "0x0", "latest"]), cols(Zero, Zero, Zero, Eq(json!(word_42)))),
        row("eth_getStorageValues", json!([{ c.to_string(): [zero_word] }, "latest"]), cols(
            Eq(json!({ c.to_string(): [zero_word] })), Eq(json!({ c.to_string(): [zero_word] })),
            Eq(json!({ c.to_string(): [zero_word] })), Eq(json!({ c.to_string(): [word_42] })))),
        row("eth_getBlockByHash", json!([h1, true]), cols(
            Block { txs: vec![pay], bloom_zero: true }, Block { txs: vec![], bloom_zero: true },
            Block { txs: vec![pay], bloom_zero: true }, Block { txs: vec![pay], bloom_zero: true })),
        row("eth_getBlockByNumber", json!([hex_u64(n2), true]), cols(
            Block { txs: vec![deploy], bloom_zero: true }, Block { txs: vec![], bloom_zero: true },
            Block { txs: vec![], bloom_zero: true }, Block { txs: vec![deploy], bloom_zero: true })),
        // The bloom of what the caller may see: the call's log for A and R, nothing for B.
        row("eth_getBlockByNumber", json!([hex_u64(n3), false]), cols(
            Block { txs: vec![call], bloom_zero: false }, Block { txs: vec![], bloom_zero: true },
            Block { txs: vec![call], bloom_zero: false }, Block { txs: vec![call], bloom_zero: false })),
        row("eth_getBlockByHash", json!([h3, false]), cols(
            bloom_of_call(true), bloom_of_call(false), bloom_of_call(true), bloom_of_call(true))),
        row("eth_getHeaderByNumber", json!([hex_u64(n3)]), cols(
            bloom_of_call(true), bloom_of_call(false), bloom_of_call(true), bloom_of_call(true))),
        row("eth_getHeaderByHash", json!([h3]), cols(
            bloom_of_call(true), bloom_of_call(false), bloom_of_call(true), bloom_of_call(true))),
        row("eth_getHeaderByNumber", json!([hex_u64(n1)]), cols(
            bloom_of_call(false), bloom_of_call(false), bloom_of_call(false), bloom_of_call(false))),
        row("eth_getHeaderByHash", json!([B256::repeat_byte(0x77)]), cols(Null, Null, Null, Null)),
        row("eth_getBlockReceipts", json!([hex_u64(n3)]), cols(Txs(vec![call]), Empty, Txs(vec![call]), Txs(vec![call]))),
        row("eth_getBlockTransactionCountByHash", json!([h2]), cols(Eq(hex_u64(1)), Zero, Zero, Eq(hex_u64(1)))),
        row("eth_getBlockTransactionCountByNumber", json!([hex_u64(n1)]), cols(Eq(hex_u64(1)), Zero, Eq(hex_u64(1)), Eq(hex_u64(1)))),
        row("eth_getTransactionByHash", json!([pay]), cols(Txs(vec![pay]), Null, Txs(vec![pay]), Txs(vec![pay]))),
        row("eth_getTransactionByHash", json!([deploy]), cols(Txs(vec![deploy]), Null, Null, Txs(vec![deploy]))),
        row("eth_getTransactionByBlockHashAndIndex", json!([h1, "0x0"]), cols(Txs(vec![pay]), Null, Txs(vec![pay]), Txs(vec![pay]))),
        row("eth_getTransactionByBlockNumberAndIndex", json!([hex_u64(n2), "0x0"]), cols(Txs(vec![deploy]), Null, Null, Txs(vec![deploy]))),
        row("eth_getTransactionReceipt", json!([call]), cols(Txs(vec![call]), Null, Txs(vec![call]), Txs(vec![call]))),
        row("eth_getTransactionReceipt", json!([pay]), cols(Txs(vec![pay]), Null, Txs(vec![pay]), Txs(vec![pay]))),
        row("eth_getLogs", json!([{"fromBlock": "0x0", "toBlock": "latest"}]), cols(Txs(vec![call]), Empty, Txs(vec![call]), Txs(vec![call]))),
        row("eth_newFilter", json!([{"fromBlock": "0x0"}]), authed(|| Ok)),
        row("eth_newPendingTransactionFilter", json!([]), authed(|| Ok)),
        Row {
            method: "eth_getFilterChanges",
            params: Box::new(move |who| json!([log_filters.get(&who).cloned().unwrap_or(json!("0x0"))])),
            cells: cols(Txs(vec![call]), Empty, Txs(vec![call]), Txs(vec![call])),
        },
        Row {
            method: "eth_getFilterLogs",
            params: Box::new({
                let f = s.log_filter.clone();
                move |who| json!([f.get(&who).cloned().unwrap_or(json!("0x0"))])
            }),
            cells: cols(Txs(vec![call]), Empty, Txs(vec![call]), Txs(vec![call])),
        },
        Row {
            method: "eth_getFilterChanges",
            params: Box::new(move |who| json!([pending_filters.get(&who).cloned().unwrap_or(json!("0x0"))])),
            // The queued transaction (nonce gap) is never announced, as in geth.
            cells: cols(Hashes(vec![pay, deploy, call]), Empty, Hashes(vec![pay]), Hashes(vec![pay, deploy, call])),
        },
        // A's filter id in anyone else's hands is an unknown filter.
        row("eth_getFilterLogs", json!([s.log_filter[&Who::A]]), cols(Txs(vec![call]), Code(-32000), Code(-32000), Code(-32000))),
        row("eth_getFilterChanges", json!([s.pending_filter[&Who::A]]), cols(Empty, // drained by the row above
            Code(-32000), Code(-32000), Code(-32000))),
        // geth over HTTP: -32601 "notifications not supported" (clients fall back to polling).
        row("eth_subscribe", json!(["newHeads"]), authed(|| Error(-32601, "notifications not supported"))),
        row("eth_call", json!([{"to": c}, "latest"]), authed(|| Eq(json!("0x")))),
        row("eth_call", json!([{"from": a, "to": c}, "latest"]), cols(Eq(json!("0x")), Code(-32000), Code(-32000), Code(-32000))),
        // Foundry sends a zero `from` when no sender is given: it is the caller.
        row("eth_call", json!([{"from": Address::ZERO, "to": c}, "latest"]), authed(|| Eq(json!("0x")))),
        row("eth_estimateGas", json!([{"from": Address::ZERO, "to": r, "value": "0x1"}]), authed(|| Eq(hex_u64(21_000)))),
        row("eth_createAccessList", json!([{"from": Address::ZERO, "to": c}, "latest"]), authed(|| Ok)),
        row("eth_simulateV1", json!([{"blockStateCalls": [{"calls": [{"from": Address::ZERO, "to": c}]}]}, "latest"]), authed(|| Ok)),
        row("eth_estimateGas", json!([{"to": r, "value": "0x1"}]), authed(|| Eq(hex_u64(21_000)))),
        row("eth_estimateGas", json!([{"from": a, "to": r, "value": "0x1"}]), cols(Eq(hex_u64(21_000)), Code(-32000), Code(-32000), Code(-32000))),
        row("eth_createAccessList", json!([{"from": a, "to": c}, "latest"]), cols(Ok, Code(-32000), Code(-32000), Code(-32000))),
        row("eth_simulateV1", json!([{"blockStateCalls": [{"calls": [{"from": a, "to": c}]}]}, "latest"]), cols(Ok, Code(-32000), Code(-32000), Code(-32000))),
        // Unlike eth_call, the auditor may trace a call as another sender (audited with its params).
        row("debug_traceCall", json!([{"from": a, "to": c}, "latest"]), auditor_only(Is("a trace", Box::new(is_trace)))),
        row("eth_createAccessList", json!([{"to": c}, "latest"]), authed(|| Ok)),
        row("eth_simulateV1", json!([{"blockStateCalls": [{"calls": [{"to": c}]}]}, "latest"]), authed(|| Ok)),
        row("eth_sendTransaction", json!([{"from": a, "to": r, "value": "0x1"}]), authed(|| Code(-32000))),
        // Signing with the node's keys is served only by a dev node (it holds no keys here).
        row("eth_sign", json!([a, "0xdead"]), everyone(|| Denied)),
        row("eth_signTransaction", json!([{"from": a, "to": r, "value": "0x1"}]), everyone(|| Denied)),
        row("eth_signTypedData_v4", json!([a, {"types": {"EIP712Domain": []}, "primaryType": "EIP712Domain", "domain": {}, "message": {}}]), everyone(|| Denied)),
        row("personal_sign", json!(["0xdead", a]), everyone(|| Denied)),
        row("txpool_status", json!([]), cols(
            Eq(json!({"pending": "0x0", "queued": "0x1"})), Eq(json!({"pending": "0x0", "queued": "0x0"})),
            Eq(json!({"pending": "0x0", "queued": "0x1"})), Eq(json!({"pending": "0x0", "queued": "0x1"})))),
        row("txpool_content", json!([]), cols(pool_view_of_a(true), pool_view_of_a(false), pool_view_of_a(true), pool_view_of_a(true))),
        row("txpool_contentFrom", json!([a]), cols(pool_view_of_a(true), pool_view_of_a(false), pool_view_of_a(true), pool_view_of_a(true))),
        row("txpool_inspect", json!([]), cols(inspect_names_a(true), inspect_names_a(false), inspect_names_a(true), inspect_names_a(true))),
        row("cloister_auditLog", json!([]), auditor_only(Is("entries of the auditor only", Box::new(audit_of)))),
        // Auditor only (each call audited).
        row("eth_getProof", json!([a, [], "latest"]), auditor_only(Is("proof of A", Box::new(move |v| v["address"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(&a.to_string())))))),
        row("debug_traceTransaction", json!([call]), auditor_only(Is("a trace", Box::new(is_trace)))),
        row("debug_traceBlockByNumber", json!([hex_u64(n3)]), auditor_only(Is("a trace", Box::new(is_trace)))),
        row("debug_traceBlockByHash", json!([h3]), auditor_only(Is("a trace", Box::new(is_trace)))),
        row("debug_traceCall", json!([{"to": c}, "latest"]), auditor_only(Is("a trace", Box::new(is_trace)))),
        row("debug_getRawBlock", json!([hex_u64(n1)]), auditor_only(Ok)),
        row("debug_getRawHeader", json!([hex_u64(n1)]), auditor_only(Ok)),
        row("debug_getRawReceipts", json!([hex_u64(n3)]), auditor_only(Ok)),
        row("debug_getRawTransaction", json!([pay]), auditor_only(Ok)),
        row("testing_buildBlockV1", json!([h3, {
            "timestamp": hex_u64(s.head_timestamp + 1),
            "prevRandao": B256::ZERO,
            "suggestedFeeRecipient": Address::ZERO,
            "withdrawals": [],
            "parentBeaconBlockRoot": B256::ZERO,
        }, [], null]), auditor_only(Ok)),
        // Last: A signs itself out everywhere; nobody else may sign A out.
        row("cloister_revokeTokensOf", json!([a]), cols(Eq(json!(1)), Denied, Denied, Denied)),
    ]
}

fn is_zero(v: &Value) -> bool {
    v.as_str()
        .and_then(|t| t.strip_prefix("0x"))
        .is_some_and(|digits| digits.chars().all(|ch| ch == '0'))
}

/// Lower-cases every string so hex compares regardless of checksum case.
fn normalise(v: &Value) -> Value {
    match v {
        Value::String(t) => Value::String(t.to_ascii_lowercase()),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), normalise(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Transactions an answer names: `transactionHash` of receipts and logs, `hash` of transaction
/// objects, and the entries of a block's `transactions`.
fn tx_hashes(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| tx_hashes(i, out)),
        Value::Object(map) => {
            if let Some(h) = map.get("transactionHash").and_then(Value::as_str) {
                out.insert(h.to_ascii_lowercase());
            }
            if map.contains_key("from")
                && map.contains_key("nonce")
                && let Some(h) = map.get("hash").and_then(Value::as_str)
            {
                out.insert(h.to_ascii_lowercase());
            }
            for (name, inner) in map {
                if name == "transactions"
                    && let Some(list) = inner.as_array()
                {
                    for item in list {
                        match item.as_str() {
                            Some(h) => {
                                out.insert(h.to_ascii_lowercase());
                            }
                            None => tx_hashes(item, out),
                        }
                    }
                } else if inner.is_object() || inner.is_array() {
                    tx_hashes(inner, out);
                }
            }
        }
        _ => {}
    }
}

fn set_of(hashes: &[B256]) -> BTreeSet<String> {
    hashes
        .iter()
        .map(|h| h.to_string().to_ascii_lowercase())
        .collect()
}

/// `None` when `got` matches `exp`, else what differs.
fn mismatch(exp: &Exp, got: &Result<Value, (i64, String)>) -> Option<String> {
    let ok = match (exp, got) {
        (Exp::Denied, Err((code, _))) => *code == DENIED,
        (Exp::Code(want), Err((code, _))) => code == want,
        (Exp::Error(want, text), Err((code, message))) => code == want && message == text,
        (_, Err(_)) => false,
        (Exp::Denied | Exp::Code(_) | Exp::Error(..), Result::Ok(_)) => false,
        (Exp::Null, Result::Ok(v)) => v.is_null(),
        (Exp::Empty, Result::Ok(v)) => v.as_array().is_some_and(Vec::is_empty),
        (Exp::Zero, Result::Ok(v)) => is_zero(v),
        (Exp::Eq(want), Result::Ok(v)) => normalise(want) == normalise(v),
        (Exp::Ok, Result::Ok(_)) => true,
        (Exp::Txs(want), Result::Ok(v)) => {
            let mut seen = BTreeSet::new();
            tx_hashes(v, &mut seen);
            !v.is_null() && seen == set_of(want)
        }
        (Exp::Hashes(want), Result::Ok(v)) => v.as_array().is_some_and(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect::<BTreeSet<_>>()
                == set_of(want)
        }),
        (Exp::Block { txs, bloom_zero }, Result::Ok(v)) => {
            let mut seen = BTreeSet::new();
            tx_hashes(v, &mut seen);
            v.is_object() && seen == set_of(txs) && is_zero(&v["logsBloom"]) == *bloom_zero
        }
        (Exp::Is(_, check), Result::Ok(v)) => check(v),
    };
    (!ok).then(|| {
        let got_text = match got {
            Result::Ok(v) => format!("result {}", truncate(&v.to_string())),
            Err((code, message)) => format!("error {code} {message}"),
        };
        format!("expected {}, got {got_text}", label(exp))
    })
}

fn truncate(text: &str) -> String {
    text.chars().take(400).collect()
}

/// Cell text, for the printed matrix and for failures.
fn label(exp: &Exp) -> String {
    match exp {
        Exp::Denied => "DENIED".into(),
        Exp::Code(code) | Exp::Error(code, _) => format!("err{code}"),
        Exp::Txs(h) | Exp::Hashes(h) => format!("txs:{}", h.len()),
        Exp::Block {
            txs,
            bloom_zero: true,
        } => format!("blk:{}", txs.len()),
        Exp::Block {
            txs,
            bloom_zero: false,
        } => format!("blk:{}+bloom", txs.len()),
        Exp::Eq(v) => truncate(&v.to_string()),
        Exp::Is(what, _) => (*what).into(),
        Exp::Null => "null".into(),
        Exp::Empty => "[]".into(),
        Exp::Zero => "0".into(),
        Exp::Ok => "ok".into(),
    }
}

fn key(who: Who) -> PrivateKeySigner {
    let byte = match who {
        Who::Anon => unreachable!("anonymous has no key"),
        Who::A => 0xa1,
        Who::B => 0xb1,
        Who::R => 0xc1,
        Who::Aud => 0xd1,
    };
    PrivateKeySigner::from_bytes(&B256::with_last_byte(byte)).expect("key")
}

fn genesis(validator: Address) -> String {
    let mut g: Value =
        serde_json::from_str(cloister_chainspec::DEV_GENESIS_JSON).expect("dev genesis");
    g["config"]["chainId"] = json!(CHAIN_ID);
    g["cloister"]["validators"] = json!([validator]);
    // Not governed: its validators are its own, not the dev genesis contract's.
    g["cloister"]
        .as_object_mut()
        .expect("cloister")
        .remove("members");
    g["cloister"]["policy"] = json!({
        "version": 1,
        "mode": "confidential",
        "roles": { key(Who::Aud).address().to_string(): ["auditor"] },
    });
    let funds = json!({"balance": "0x21e19e0c9bab2400000"});
    for who in [Who::A, Who::B, Who::Aud] {
        g["alloc"][key(who).address().to_string()] = funds.clone();
    }
    g["alloc"][validator.to_string()] = funds;
    g.to_string()
}

/// Talks JSON-RPC as each caller: A and R by their personal URL, B and the auditor by
/// `Authorization: Bearer`, anonymous with no credential.
struct Client {
    http: reqwest::Client,
    base: String,
    tokens: HashMap<Who, String>,
}

impl Client {
    async fn sign_in(&mut self, who: Who) {
        let token = crate::common::sign_in(&self.http, &self.base, &key(who)).await;
        self.tokens.insert(who, token);
    }

    async fn raw(&self, who: Who, method: &str, params: &Value) -> reqwest::Response {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let request = match (who, self.tokens.get(&who)) {
            (Who::A | Who::R, Some(token)) => self.http.post(format!("{}/rpc/{token}", self.base)),
            (_, Some(token)) => self.http.post(&self.base).bearer_auth(token),
            (_, None) => self.http.post(&self.base),
        };
        request.json(&body).send().await.expect("send")
    }

    async fn call(&self, who: Who, method: &str, params: Value) -> Result<Value, (i64, String)> {
        let response = self.raw(who, method, &params).await;
        assert_eq!(response.status(), 200, "{method} by {who:?}: HTTP status");
        let v: Value = response.json().await.expect("json");
        match v.get("error") {
            Some(e) => Err((
                e["code"].as_i64().unwrap_or(0),
                e["message"].as_str().unwrap_or("").to_string(),
            )),
            None => Result::Ok(v["result"].clone()),
        }
    }

    async fn ok(&self, who: Who, method: &str, params: Value) -> Value {
        self.call(who, method, params.clone())
            .await
            .unwrap_or_else(|e| panic!("{method} {params} by {who:?}: {e:?}"))
    }

    /// Sends a type-2 transaction signed by A through A's URL and returns its hash.
    async fn send_as_a(&self, nonce: u64, to: Option<Address>, value: u64, input: Vec<u8>) -> B256 {
        let mut tx = TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit: 300_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: to.map_or(
                cloister_primitives::primitives::TxKind::Create,
                cloister_primitives::primitives::TxKind::Call,
            ),
            value: U256::from(value),
            access_list: Default::default(),
            input: input.into(),
        };
        let signature = key(Who::A).sign_transaction_sync(&mut tx).expect("sign tx");
        let envelope = TxEnvelope::Eip1559(tx.into_signed(signature));
        let raw = format!("0x{}", hex::encode(envelope.encoded_2718()));
        let hash = self
            .ok(Who::A, "eth_sendRawTransaction", json!([raw]))
            .await;
        serde_json::from_value(hash).expect("hash")
    }

    /// A's receipt of `hash`, once mined.
    async fn receipt(&self, hash: B256) -> Value {
        for _ in 0..500 {
            let receipt = self
                .ok(Who::A, "eth_getTransactionReceipt", json!([hash]))
                .await;
            if !receipt.is_null() {
                assert_eq!(receipt["status"], "0x1", "{hash} failed");
                return receipt;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("{hash} never mined");
    }
}

/// Runtime: `SSTORE(0, 0x2a)`, then `LOG2` with the event topic and R left-padded as topic 1.
fn runtime_code(r: Address) -> Vec<u8> {
    let mut code = vec![0x60, 0x2a, 0x60, 0x00, 0x55, 0x73];
    code.extend_from_slice(r.as_slice());
    code.push(0x7f);
    code.extend_from_slice(keccak256(b"Paid(address)").as_slice());
    code.extend_from_slice(&[0x60, 0x00, 0x60, 0x00, 0xa2, 0x00]);
    code
}

/// Init code copying `runtime` into memory and returning it.
fn init_code(runtime: &[u8]) -> Vec<u8> {
    let len = u8::try_from(runtime.len()).expect("short runtime");
    let mut code = vec![
        0x60, len, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xf3,
    ];
    code.extend_from_slice(runtime);
    code
}

async fn start(dir: &std::path::Path) -> NodeHandle {
    let validator = PrivateKeySigner::from_bytes(&VALIDATOR_KEY).expect("key");
    crate::common::start(dir, &genesis(validator.address()), VALIDATOR_KEY).await
}

fn quantity(v: &Value) -> u64 {
    let text = v.as_str().expect("quantity");
    u64::from_str_radix(text.trim_start_matches("0x"), 16).expect("hex")
}

fn hash_of(v: &Value, field: &str) -> B256 {
    serde_json::from_value(v[field].clone()).expect(field)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_for_every_caller() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = start(dir.path()).await;
    let mut client = Client {
        http: reqwest::Client::new(),
        base: node.http_url(),
        tokens: HashMap::new(),
    };
    for who in [Who::A, Who::B, Who::R, Who::Aud] {
        client.sign_in(who).await;
    }
    // Filters made before anything happens, so their changes hold the scenario.
    let mut log_filter = HashMap::new();
    let mut pending_filter = HashMap::new();
    for who in [Who::A, Who::B, Who::R, Who::Aud] {
        log_filter.insert(who, client.ok(who, "eth_newFilter", json!([{}])).await);
        pending_filter.insert(
            who,
            client
                .ok(who, "eth_newPendingTransactionFilter", json!([]))
                .await,
        );
    }

    let (a, r) = (key(Who::A).address(), key(Who::R).address());
    let runtime = runtime_code(r);
    let tx_pay = client.send_as_a(0, Some(r), PAYMENT, vec![]).await;
    let pay_receipt = client.receipt(tx_pay).await;
    let tx_deploy = client.send_as_a(1, None, 0, init_code(&runtime)).await;
    let deploy_receipt = client.receipt(tx_deploy).await;
    let contract: Address =
        serde_json::from_value(deploy_receipt["contractAddress"].clone()).expect("contract");
    assert_eq!(contract, a.create(1));
    let tx_call = client.send_as_a(2, Some(contract), 0, vec![]).await;
    let call_receipt = client.receipt(tx_call).await;
    assert_eq!(
        call_receipt["logs"][0]["topics"][1],
        json!(B256::left_padding_from(r.as_slice()))
    );
    // Never mined: its nonce is far ahead, so it stays queued in the pool.
    let tx_queued = client.send_as_a(100, Some(r), 1, vec![]).await;

    let number = |v: &Value| quantity(&v["blockNumber"]);
    let blocks = [
        (number(&pay_receipt), hash_of(&pay_receipt, "blockHash")),
        (
            number(&deploy_receipt),
            hash_of(&deploy_receipt, "blockHash"),
        ),
        (number(&call_receipt), hash_of(&call_receipt, "blockHash")),
    ];
    assert_eq!(
        [blocks[0].0, blocks[1].0, blocks[2].0],
        [1, 2, 3],
        "one transaction per block"
    );
    let head = client
        .ok(Who::Aud, "eth_getBlockByNumber", json!(["latest", false]))
        .await;
    let head_timestamp = quantity(&head["timestamp"]);

    let scenario = Scenario {
        a,
        r,
        aud: key(Who::Aud).address(),
        contract,
        runtime: runtime.into(),
        tx_pay,
        tx_deploy,
        tx_call,
        tx_queued,
        blocks,
        head_timestamp,
        call_bloom: call_receipt["logsBloom"].clone(),
        log_filter,
        pending_filter,
    };
    let rows = matrix(&scenario);

    // Every classified method has a row.
    let covered: BTreeSet<&str> = rows.iter().map(|r| r.method).collect();
    let missing: Vec<&str> = cloister_policy::method::all()
        .filter(|m| !covered.contains(m))
        .collect();
    assert!(
        missing.is_empty(),
        "methods without a matrix row: {missing:?}"
    );

    let mut failures = Vec::new();
    let mut table = String::from(
        "method                                   | anon     | A        | B        | R        | auditor\n",
    );
    for row in &rows {
        let mut line = format!("{:<40}", row.method);
        for (who, exp) in CALLERS.iter().zip(&row.cells) {
            let got = client.call(*who, row.method, (row.params)(*who)).await;
            line.push_str(&format!(
                " | {:<8}",
                label(exp).chars().take(8).collect::<String>()
            ));
            if let Some(diff) = mismatch(exp, &got) {
                failures.push(format!(
                    "{} {} as {who:?}: {diff}",
                    row.method,
                    (row.params)(*who)
                ));
            }
        }
        table.push_str(&line);
        table.push('\n');
    }
    println!("{table}");
    assert!(
        failures.is_empty(),
        "{} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );

    after_the_matrix(&client, &scenario).await;
    node.stop().await;
}

/// The audit log names the auditor and A's transactions; bad and revoked tokens get HTTP 401.
async fn after_the_matrix(client: &Client, s: &Scenario) {
    let log = client
        .ok(Who::Aud, "cloister_auditLog", json!([0, 1000]))
        .await;
    let entries = log.as_array().expect("entries");
    let mut read = BTreeSet::new();
    let mut methods = BTreeSet::new();
    for entry in entries {
        assert_eq!(
            normalise(&entry["auditor"]),
            normalise(&json!(s.aud)),
            "{entry}"
        );
        tx_hashes(
            &json!({"transactions": entry["transactions"].clone()}),
            &mut read,
        );
        methods.insert(entry["method"].as_str().expect("method").to_string());
    }
    for tx in [s.tx_pay, s.tx_deploy, s.tx_call] {
        assert!(
            read.contains(&tx.to_string().to_ascii_lowercase()),
            "audit log misses {tx}: {log}"
        );
    }
    for method in [
        "debug_traceTransaction",
        "eth_getProof",
        "eth_getTransactionByHash",
        "eth_getLogs",
    ] {
        assert!(
            methods.contains(method),
            "audit log misses {method}: {methods:?}"
        );
    }
    // A token the node never issued, by path (as A and R send) and by header (as B does).
    let mut forged = Client {
        http: client.http.clone(),
        base: client.base.clone(),
        tokens: HashMap::new(),
    };
    forged.tokens.insert(Who::A, "clst_not_a_real_token".into());
    forged.tokens.insert(Who::B, "clst_not_a_real_token".into());
    for who in [Who::A, Who::B] {
        assert_eq!(
            forged.raw(who, "eth_chainId", &json!([])).await.status(),
            401
        );
    }
    // By design headers stay visible: B sees that block 2 used gas although its list is empty.
    let header = client
        .ok(
            Who::B,
            "eth_getBlockByNumber",
            json!([hex_u64(s.blocks[1].0), false]),
        )
        .await;
    assert_eq!(header["transactions"], json!([]));
    assert!(
        !is_zero(&header["gasUsed"]),
        "header side channel changed: {header}"
    );
    // A revoked its tokens in the last row.
    assert_eq!(
        client.raw(Who::A, "eth_chainId", &json!([])).await.status(),
        401
    );
    assert_eq!(
        client.raw(Who::B, "eth_chainId", &json!([])).await.status(),
        200
    );
}
