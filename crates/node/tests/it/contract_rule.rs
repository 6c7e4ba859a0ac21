//! The `contract` visibility rule end to end: genesis places hand-written judges whose
//! `canView(viewer, txHash)` the node calls read-only; one admits a fixed viewer V, one loops
//! until out of gas and one reverts, so transactions sent to their targets show to V only
//! where the judge says yes, and fail closed (sender and auditor aside) where it breaks.

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_network::TxSignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_node::NodeHandle;
use cloister_primitives::{Address, B256, Encodable2718, TxEnvelope, U256, primitives::TxKind};
use serde_json::{Value, json};
use std::collections::HashMap;

const CHAIN_ID: u64 = 75_572;
const VALIDATOR_KEY: B256 = B256::with_last_byte(0x09);

/// Contracts sent to (their code is a bare STOP).
const TARGET: Address = Address::with_last_byte(0x71);
const TARGET_LOOP: Address = Address::with_last_byte(0x72);
const TARGET_REVERT: Address = Address::with_last_byte(0x73);
/// Judges: admits V only; loops forever; reverts.
const JUDGE: Address = Address::with_last_byte(0x81);
const JUDGE_LOOP: Address = Address::with_last_byte(0x82);
const JUDGE_REVERT: Address = Address::with_last_byte(0x83);

/// The callers: sender, the viewer the judge admits, a stranger, an auditor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    A,
    V,
    S,
    Aud,
}

fn key(who: Who) -> PrivateKeySigner {
    let byte = match who {
        Who::A => 0xa1,
        Who::V => 0xe1,
        Who::S => 0xb1,
        Who::Aud => 0xd1,
    };
    PrivateKeySigner::from_bytes(&B256::with_last_byte(byte)).expect("key")
}

/// `canView` answering `viewer == v`: compares calldata word 1 with `v`, returns the ABI bool.
fn judge_code(v: Address) -> Vec<u8> {
    let mut code = vec![0x60, 0x04, 0x35, 0x73]; // PUSH1 4 CALLDATALOAD PUSH20
    code.extend_from_slice(v.as_slice());
    // EQ, MSTORE at 0, RETURN 32 bytes from 0.
    code.extend_from_slice(&[0x14, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]);
    code
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
        "contracts": {
            TARGET.to_string(): {"contract": {"address": JUDGE, "gasCap": 50_000}},
            TARGET_LOOP.to_string(): {"contract": {"address": JUDGE_LOOP}},
            TARGET_REVERT.to_string(): {"contract": {"address": JUDGE_REVERT, "gasCap": 50_000}},
        },
    });
    let funds = json!({"balance": "0x21e19e0c9bab2400000"});
    for who in [Who::A, Who::V, Who::S, Who::Aud] {
        g["alloc"][key(who).address().to_string()] = funds.clone();
    }
    g["alloc"][validator.to_string()] = funds;
    let code =
        |bytes: &[u8]| json!({"balance": "0x0", "code": format!("0x{}", hex::encode(bytes))});
    for target in [TARGET, TARGET_LOOP, TARGET_REVERT] {
        g["alloc"][target.to_string()] = code(&[0x00]);
    }
    g["alloc"][JUDGE.to_string()] = code(&judge_code(key(Who::V).address()));
    // JUMPDEST PUSH1 0 JUMP: burns whatever gas it gets.
    g["alloc"][JUDGE_LOOP.to_string()] = code(&[0x5b, 0x60, 0x00, 0x56]);
    // REVERT(0, 0).
    g["alloc"][JUDGE_REVERT.to_string()] = code(&[0x60, 0x00, 0x60, 0x00, 0xfd]);
    g.to_string()
}

async fn start(dir: &std::path::Path) -> NodeHandle {
    let validator = PrivateKeySigner::from_bytes(&VALIDATOR_KEY).expect("key");
    crate::common::start(dir, &genesis(validator.address()), VALIDATOR_KEY).await
}

/// Every caller signs in with Ethereum and talks by `Authorization: Bearer`.
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

    async fn ok(&self, who: Who, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = self
            .http
            .post(&self.base)
            .bearer_auth(&self.tokens[&who])
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{method} by {who:?}");
        let v: Value = response.json().await.expect("json");
        assert!(
            v.get("error").is_none(),
            "{method} {params} by {who:?}: {v}"
        );
        v["result"].clone()
    }

    /// Sends a type-2 call from A to `to` and waits for its successful receipt.
    async fn send_as_a(&self, nonce: u64, to: Address) -> B256 {
        let mut tx = TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit: 100_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(to),
            value: U256::ZERO,
            access_list: Default::default(),
            input: Default::default(),
        };
        let signature = key(Who::A).sign_transaction_sync(&mut tx).expect("sign tx");
        let envelope = TxEnvelope::Eip1559(tx.into_signed(signature));
        let raw = format!("0x{}", hex::encode(envelope.encoded_2718()));
        let hash = self
            .ok(Who::A, "eth_sendRawTransaction", json!([raw]))
            .await;
        let hash: B256 = serde_json::from_value(hash).expect("hash");
        for _ in 0..500 {
            let receipt = self
                .ok(Who::A, "eth_getTransactionReceipt", json!([hash]))
                .await;
            if !receipt.is_null() {
                assert_eq!(receipt["status"], "0x1", "{hash} failed");
                return hash;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("{hash} never mined");
    }

    /// Whether `who` gets both the transaction and its receipt (and not just one of them).
    async fn sees(&self, who: Who, hash: B256) -> bool {
        let tx = self
            .ok(who, "eth_getTransactionByHash", json!([hash]))
            .await;
        let receipt = self
            .ok(who, "eth_getTransactionReceipt", json!([hash]))
            .await;
        assert_eq!(
            tx.is_null(),
            receipt.is_null(),
            "{who:?} on {hash}: {tx} / {receipt}"
        );
        if !tx.is_null() {
            assert_eq!(tx["hash"], json!(hash));
            assert_eq!(receipt["transactionHash"], json!(hash));
        }
        !tx.is_null()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_rule_decides_who_sees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = start(dir.path()).await;
    let mut client = Client {
        http: reqwest::Client::new(),
        base: node.http_url(),
        tokens: HashMap::new(),
    };
    for who in [Who::A, Who::V, Who::S, Who::Aud] {
        client.sign_in(who).await;
    }
    let to_judged = client.send_as_a(0, TARGET).await;
    let to_looping = client.send_as_a(1, TARGET_LOOP).await;
    let to_reverting = client.send_as_a(2, TARGET_REVERT).await;

    let cases = [
        // (tx, [A, V, S, auditor])
        ("judge admits V", to_judged, [true, true, false, true]),
        (
            "judge runs out of gas",
            to_looping,
            [true, false, false, true],
        ),
        ("judge reverts", to_reverting, [true, false, false, true]),
    ];
    let mut failures = Vec::new();
    for (what, hash, expected) in cases {
        for (who, want) in [Who::A, Who::V, Who::S, Who::Aud].into_iter().zip(expected) {
            let got = client.sees(who, hash).await;
            if got != want {
                failures.push(format!("{what}: {who:?} sees {got}, expected {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The auditor's reads of the refused transactions are audited; the judged one V saw is not
    // V's to audit (V holds no role).
    let log = client
        .ok(Who::Aud, "cloister_auditLog", json!([0, 1000]))
        .await;
    let text = log.to_string().to_ascii_lowercase();
    for hash in [to_looping, to_reverting] {
        assert!(
            text.contains(&hash.to_string()),
            "audit log misses {hash}: {log}"
        );
    }
    node.stop().await;
}
