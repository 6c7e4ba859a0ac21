//! Values the node derives from many transactions or from an account's state, on a confidential
//! chain: what a caller gets must follow from what it may see. A sender A pays R with a tip
//! nobody else pays (777 gwei); a stranger B pays its own 3 gwei in the same block.
//!
//! - `eth_feeHistory` rewards come from the caller's visible transactions only: B sees 3 gwei
//!   at every percentile where the whole block would give 777 gwei at the top, a block holding
//!   only A's transaction reads to B like an empty block, and the auditor's rewards (its
//!   auditor role set aside) read nobody's tips and write nothing to the audit log.
//! - `eth_maxPriorityFeePerGas` / `eth_gasPrice` read no transaction: the fixed 1 gwei tip and
//!   the next base fee.
//! - `eth_sendRawTransaction` of A's old transaction by R or B says "nonce too low" and no
//!   number (R reads A's nonce as 0); A and the auditor get geth's whole message. The same for
//!   "insufficient funds", whose whole message quotes A's balance.

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_network::TxSignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_node::{NodeConfig, NodeHandle};
use cloister_primitives::{Address, B256, Encodable2718, TxEnvelope, U256, primitives::TxKind};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

const CHAIN_ID: u64 = 75_573;
const VALIDATOR_KEY: B256 = B256::with_last_byte(0x09);
const GWEI: u128 = 1_000_000_000;
/// The tip of A's transaction, hidden from B: nobody else pays it.
const HIDDEN_TIP: u128 = 777 * GWEI;
/// The tip of B's own transaction.
const OWN_TIP: u128 = 3 * GWEI;
/// The node's fixed priority fee suggestion.
const SUGGESTED_TIP: u128 = GWEI;
/// Where B's transfers go (nobody signs in as it).
const SINK: Address = Address::with_last_byte(0x5e);
const PERCENTILES: [f64; 5] = [0.0, 25.0, 50.0, 75.0, 100.0];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    A,
    B,
    R,
    Aud,
}
const SIGNED_IN: [Who; 4] = [Who::A, Who::B, Who::R, Who::Aud];

fn key(who: Who) -> PrivateKeySigner {
    let byte = match who {
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

/// A confidential node sealing every 300 ms (empty blocks too), so that two transactions sent
/// together usually share a block and empty blocks exist to compare with.
async fn start(dir: &std::path::Path) -> NodeHandle {
    let validator = PrivateKeySigner::from_bytes(&VALIDATOR_KEY).expect("key");
    cloister_node::init(dir, &genesis(validator.address())).expect("init");
    let mut config = NodeConfig::dev(dir.to_path_buf(), crate::common::free_port());
    config.dev = false;
    config.plain_http = true;
    config.validator_key = Some(VALIDATOR_KEY);
    config.block_time = Some(Duration::from_millis(300));
    cloister_node::launch(config).await.expect("launch")
}

/// A signed type-2 transfer: its raw bytes and hash.
fn transfer(who: Who, nonce: u64, to: Address, value: U256, tip: u128) -> (String, B256) {
    let mut tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 1_000 * GWEI,
        max_priority_fee_per_gas: tip,
        to: TxKind::Call(to),
        value,
        access_list: Default::default(),
        input: Default::default(),
    };
    let signature = key(who).sign_transaction_sync(&mut tx).expect("sign tx");
    let envelope = TxEnvelope::Eip1559(tx.into_signed(signature));
    (
        format!("0x{}", hex::encode(envelope.encoded_2718())),
        *envelope.tx_hash(),
    )
}

/// Every caller by `Authorization: Bearer`.
struct Client {
    http: reqwest::Client,
    base: String,
    tokens: HashMap<Who, String>,
}

impl Client {
    async fn new(node: &NodeHandle) -> Self {
        let mut client = Self {
            http: reqwest::Client::new(),
            base: node.http_url(),
            tokens: HashMap::new(),
        };
        for who in SIGNED_IN {
            let token = crate::common::sign_in(&client.http, &client.base, &key(who)).await;
            client.tokens.insert(who, token);
        }
        client
    }

    async fn call(&self, who: Who, method: &str, params: Value) -> Result<Value, (i64, String)> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = self
            .http
            .post(&self.base)
            .bearer_auth(&self.tokens[&who])
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{method} by {who:?}: HTTP status");
        let v: Value = response.json().await.expect("json");
        match v.get("error") {
            Some(e) => Err((
                e["code"].as_i64().unwrap_or(0),
                e["message"].as_str().unwrap_or("").to_string(),
            )),
            None => Ok(v["result"].clone()),
        }
    }

    async fn ok(&self, who: Who, method: &str, params: Value) -> Value {
        self.call(who, method, params.clone())
            .await
            .unwrap_or_else(|e| panic!("{method} {params} by {who:?}: {e:?}"))
    }

    /// The sender's view of its mined transaction: its block number.
    async fn mined_in(&self, who: Who, hash: B256) -> u64 {
        for _ in 0..500 {
            let receipt = self
                .ok(who, "eth_getTransactionReceipt", json!([hash]))
                .await;
            if !receipt.is_null() {
                assert_eq!(receipt["status"], "0x1", "{hash} failed");
                return quantity(&receipt["blockNumber"]);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{hash} never mined");
    }

    /// `reward` of `eth_feeHistory` for block `number` alone, as `who` gets it.
    async fn rewards(&self, who: Who, number: u64) -> Vec<u128> {
        let history = self
            .ok(
                who,
                "eth_feeHistory",
                json!(["0x1", format!("{number:#x}"), PERCENTILES]),
            )
            .await;
        let rows = history["reward"].as_array().expect("reward rows");
        assert_eq!(rows.len(), 1, "{history}");
        rows[0]
            .as_array()
            .expect("reward row")
            .iter()
            .map(quantity_u128)
            .collect()
    }

    async fn audit_methods(&self) -> Vec<(String, Value)> {
        let log = self
            .ok(Who::Aud, "cloister_auditLog", json!([0, 1000]))
            .await;
        log.as_array()
            .expect("entries")
            .iter()
            .map(|e| (e["method"].as_str().unwrap_or("").to_string(), e.clone()))
            .collect()
    }
}

fn quantity(v: &Value) -> u64 {
    let text = v.as_str().expect("quantity");
    u64::from_str_radix(text.trim_start_matches("0x"), 16).expect("hex")
}

fn quantity_u128(v: &Value) -> u128 {
    let text = v.as_str().expect("quantity");
    u128::from_str_radix(text.trim_start_matches("0x"), 16).expect("hex")
}

fn all(value: u128) -> Vec<u128> {
    vec![value; PERCENTILES.len()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fee_oracle_reads_only_what_the_caller_may_see() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = start(dir.path()).await;
    let client = Client::new(&node).await;
    let r = key(Who::R).address();

    // A block with nothing in it, to compare with.
    let empty = loop {
        let head = quantity(&client.ok(Who::B, "eth_blockNumber", json!([])).await);
        if head >= 1 {
            break head;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let empty_block = client
        .ok(
            Who::Aud,
            "eth_getBlockByNumber",
            json!([format!("{empty:#x}"), false]),
        )
        .await;
    assert_eq!(
        empty_block["transactions"],
        json!([]),
        "sealed before any tx"
    );

    // A's hidden payment to R and B's own transfer, sent together until one block holds both.
    let (mut nonce_a, mut nonce_b) = (0, 0);
    let mut shared = None;
    for _ in 0..10 {
        let (raw_a, hash_a) = transfer(Who::A, nonce_a, r, U256::from(1), HIDDEN_TIP);
        let (raw_b, hash_b) = transfer(Who::B, nonce_b, SINK, U256::from(1), OWN_TIP);
        let (sent_a, sent_b) = tokio::join!(
            client.call(Who::A, "eth_sendRawTransaction", json!([raw_a])),
            client.call(Who::B, "eth_sendRawTransaction", json!([raw_b])),
        );
        sent_a.expect("A's transfer");
        sent_b.expect("B's transfer");
        nonce_a += 1;
        nonce_b += 1;
        let (block_a, block_b) = (
            client.mined_in(Who::A, hash_a).await,
            client.mined_in(Who::B, hash_b).await,
        );
        if block_a == block_b {
            shared = Some(block_a);
            break;
        }
    }
    let shared = shared.expect("A's and B's transfers never shared a block");
    // A's payment alone in a block.
    let (raw_a, hash_a) = transfer(Who::A, nonce_a, r, U256::from(1), HIDDEN_TIP);
    client
        .ok(Who::A, "eth_sendRawTransaction", json!([raw_a]))
        .await;
    let hidden_only = client.mined_in(Who::A, hash_a).await;

    // Headers still say the shared block used 42000 gas; B's list holds its own transfer only.
    let count = client
        .ok(
            Who::B,
            "eth_getBlockTransactionCountByNumber",
            json!([format!("{shared:#x}")]),
        )
        .await;
    assert_eq!(quantity(&count), 1);

    // The shared block: each caller's tips are those it may see.
    assert_eq!(client.rewards(Who::B, shared).await, all(OWN_TIP));
    assert_eq!(client.rewards(Who::A, shared).await, all(HIDDEN_TIP));
    assert_eq!(client.rewards(Who::R, shared).await, all(HIDDEN_TIP));
    // The auditor without its role is party to neither.
    assert_eq!(client.rewards(Who::Aud, shared).await, all(0));

    // A block holding only A's payment reads to B exactly as an empty block does.
    assert_eq!(client.rewards(Who::B, hidden_only).await, all(0));
    assert_eq!(client.rewards(Who::B, empty).await, all(0));
    assert_eq!(client.rewards(Who::A, hidden_only).await, all(HIDDEN_TIP));

    // Over every block so far, B never meets the hidden tip; A does.
    let head = quantity(&client.ok(Who::B, "eth_blockNumber", json!([])).await);
    let whole = json!([format!("{:#x}", head + 1), "latest", PERCENTILES]);
    let tips_of = |history: &Value| -> Vec<u128> {
        history["reward"]
            .as_array()
            .expect("rows")
            .iter()
            .flat_map(|row| row.as_array().expect("row").iter().map(quantity_u128))
            .collect()
    };
    let of_b = client.ok(Who::B, "eth_feeHistory", whole.clone()).await;
    assert!(
        !tips_of(&of_b).contains(&HIDDEN_TIP),
        "B learns the hidden tip: {of_b}"
    );
    assert!(tips_of(&of_b).contains(&OWN_TIP), "{of_b}");
    let of_a = client.ok(Who::A, "eth_feeHistory", whole).await;
    assert!(tips_of(&of_a).contains(&HIDDEN_TIP), "{of_a}");

    // Suggestions read no transaction: the fixed tip, and the next base fee plus that tip.
    for who in SIGNED_IN {
        let tip = client.ok(who, "eth_maxPriorityFeePerGas", json!([])).await;
        assert_eq!(quantity_u128(&tip), SUGGESTED_TIP, "{who:?}");
        let mut consistent = false;
        for _ in 0..20 {
            let before = client.ok(who, "eth_baseFee", json!([])).await;
            let price = client.ok(who, "eth_gasPrice", json!([])).await;
            let after = client.ok(who, "eth_baseFee", json!([])).await;
            if before == after {
                assert_eq!(
                    quantity_u128(&price),
                    quantity_u128(&before) + SUGGESTED_TIP,
                    "{who:?}"
                );
                consistent = true;
                break;
            }
        }
        assert!(consistent, "the base fee never held still");
    }

    // Fee history is no audited read: nothing about it in the audit log.
    let audited = client.audit_methods().await;
    assert!(
        audited.iter().all(|(method, _)| method != "eth_feeHistory"),
        "{audited:?}"
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submission_errors_quote_only_visible_accounts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = start(dir.path()).await;
    let client = Client::new(&node).await;
    let (a, r) = (key(Who::A).address(), key(Who::R).address());

    // A pays R; R keeps the signed bytes.
    let (old, hash) = transfer(Who::A, 0, r, U256::from(1), GWEI);
    client
        .ok(Who::A, "eth_sendRawTransaction", json!([old.clone()]))
        .await;
    client.mined_in(Who::A, hash).await;
    let nonce_of_a = client
        .ok(Who::R, "eth_getTransactionCount", json!([a, "latest"]))
        .await;
    assert_eq!(quantity(&nonce_of_a), 0, "R may not see A's nonce");

    let full_nonce = "nonce too low: next nonce 1, tx nonce 0";
    for (who, want) in [
        (Who::R, "nonce too low"),
        (Who::B, "nonce too low"),
        (Who::A, full_nonce),
        (Who::Aud, full_nonce),
    ] {
        let got = client
            .call(who, "eth_sendRawTransaction", json!([old.clone()]))
            .await;
        assert_eq!(got, Err((-32000, want.to_string())), "{who:?}");
    }

    // A transfer of more than A holds: the whole message quotes A's balance.
    let (too_much, _) = transfer(Who::A, 1, r, U256::MAX >> 1, GWEI);
    for who in [Who::R, Who::B] {
        let got = client
            .call(who, "eth_sendRawTransaction", json!([too_much.clone()]))
            .await;
        assert_eq!(
            got,
            Err((-32000, "insufficient funds for gas * price + value".into())),
            "{who:?}"
        );
    }
    for who in [Who::A, Who::Aud] {
        let got = client
            .call(who, "eth_sendRawTransaction", json!([too_much.clone()]))
            .await;
        let message = got.expect_err("refused").1;
        assert!(
            message.starts_with("insufficient funds for gas * price + value: balance "),
            "{who:?}: {message}"
        );
    }

    // The auditor's read of A's nonce and balance went to the audit log; the refusals without
    // numbers were no read.
    let audited = client.audit_methods().await;
    let submissions: Vec<&Value> = audited
        .iter()
        .filter(|(method, _)| method == "eth_sendRawTransaction")
        .map(|(_, entry)| entry)
        .collect();
    assert_eq!(submissions.len(), 2, "{audited:?}");
    for entry in submissions {
        let accounts = entry["accounts"].as_array().expect("accounts");
        assert!(
            accounts.iter().any(|x| x
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(&a.to_string()))),
            "{entry}"
        );
    }
    node.stop().await;
}
