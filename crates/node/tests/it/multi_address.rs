//! One personal URL for several addresses, over real HTTP on a confidential chain: P signs in,
//! adds S by signing in with S while presenting the token, and the policy then treats the
//! token as either address (transactions, logs, blooms, balances, `from`), until it is revoked.
//! Also: a zero `from` is the caller, blocks carry the bloom of what the caller may see, and
//! `HEAD /signin` has no body.

use crate::common::{TokenIn, add_address, post_signed, sign_in};
use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_network::TxSignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_primitives::{
    Address, B256, Encodable2718, TxEnvelope, U256, keccak256, primitives::TxKind,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const CHAIN_ID: u64 = 75_572;
const VALIDATOR_KEY: B256 = B256::with_last_byte(0x09);

fn key(byte: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::with_last_byte(byte)).expect("key")
}

/// P signs in first, S is added to P's token, O is someone else.
fn p() -> PrivateKeySigner {
    key(0x71)
}
fn s() -> PrivateKeySigner {
    key(0x72)
}
fn o() -> PrivateKeySigner {
    key(0x73)
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
    g["cloister"]["policy"] = json!({"version": 1, "mode": "confidential", "accounts": "owner"});
    let funds = json!({"balance": "0x21e19e0c9bab2400000"});
    for who in [p(), s(), o()] {
        g["alloc"][who.address().to_string()] = funds.clone();
    }
    g["alloc"][validator.to_string()] = funds;
    g.to_string()
}

/// Runtime: emits `Ping()` (topic only), then returns `msg.sender` as a word.
fn runtime() -> Vec<u8> {
    let mut code = vec![0x7f];
    code.extend_from_slice(keccak256(b"Ping()").as_slice());
    code.extend_from_slice(&[
        0x60, 0x00, 0x60, 0x00, 0xa1, // LOG1(0, 0, topic)
        0x33, 0x60, 0x00, 0x52, // MSTORE(0, CALLER)
        0x60, 0x20, 0x60, 0x00, 0xf3, // RETURN(0, 32)
    ]);
    code
}

fn init_code(runtime: &[u8]) -> Vec<u8> {
    let len = u8::try_from(runtime.len()).expect("short runtime");
    let mut code = vec![
        0x60, len, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xf3,
    ];
    code.extend_from_slice(runtime);
    code
}

struct Rpc {
    http: reqwest::Client,
    base: String,
}

impl Rpc {
    async fn call(&self, token: &str, method: &str, params: Value) -> Result<Value, (i64, String)> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = self
            .http
            .post(format!("{}/rpc/{token}", self.base))
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{method}: HTTP status");
        let v: Value = response.json().await.expect("json");
        match v.get("error") {
            Some(e) => Err((
                e["code"].as_i64().unwrap_or(0),
                e["message"].as_str().unwrap_or("").to_string(),
            )),
            None => Ok(v["result"].clone()),
        }
    }

    async fn ok(&self, token: &str, method: &str, params: Value) -> Value {
        self.call(token, method, params.clone())
            .await
            .unwrap_or_else(|e| panic!("{method} {params}: {e:?}"))
    }

    async fn status(&self, token: &str) -> u16 {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
        let url = format!("{}/rpc/{token}", self.base);
        let response = self.http.post(url).json(&body).send().await.expect("send");
        response.status().as_u16()
    }

    /// Sends a type-2 transaction signed by `signer` through `token`'s URL; waits for the
    /// receipt (read as `token`, which must see it).
    async fn send(
        &self,
        token: &str,
        signer: &PrivateKeySigner,
        nonce: u64,
        to: Option<Address>,
        input: Vec<u8>,
    ) -> Value {
        let mut tx = TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit: 300_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: to.map_or(TxKind::Create, TxKind::Call),
            value: U256::ZERO,
            access_list: Default::default(),
            input: input.into(),
        };
        let signature = signer.sign_transaction_sync(&mut tx).expect("sign tx");
        let raw = TxEnvelope::Eip1559(tx.into_signed(signature)).encoded_2718();
        let hash = self
            .ok(
                token,
                "eth_sendRawTransaction",
                json!([format!("0x{}", hex::encode(raw))]),
            )
            .await;
        for _ in 0..500 {
            let receipt = self
                .ok(token, "eth_getTransactionReceipt", json!([hash]))
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

fn checksummed(signers: &[PrivateKeySigner]) -> Value {
    json!(
        signers
            .iter()
            .map(|s| s.address().to_checksum(None))
            .collect::<Vec<_>>()
    )
}

fn word_of(address: Address) -> Value {
    json!(B256::left_padding_from(address.as_slice()))
}

fn is_zero(v: &Value) -> bool {
    v.as_str()
        .and_then(|t| t.strip_prefix("0x"))
        .is_some_and(|digits| digits.chars().all(|ch| ch == '0'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_stands_for_every_address_signed_in_with_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let validator = PrivateKeySigner::from_bytes(&VALIDATOR_KEY).expect("key");
    let node = crate::common::start(dir.path(), &genesis(validator.address()), VALIDATOR_KEY).await;
    let rpc = Rpc {
        http: reqwest::Client::new(),
        base: node.http_url(),
    };
    let (http, base) = (&rpc.http, rpc.base.as_str());
    let token = sign_in(http, base, &p()).await;
    let other = sign_in(http, base, &o()).await;

    // Adding S: by header, then again by body (changes nothing).
    let added = add_address(http, base, &token, &s(), TokenIn::Header).await;
    assert_eq!(added["address"], json!(s().address().to_checksum(None)));
    assert_eq!(added["addresses"], checksummed(&[p(), s()]));
    let again = add_address(http, base, &token, &s(), TokenIn::Body).await;
    assert_eq!(again["addresses"], checksummed(&[p(), s()]));
    // A token the node never issued, or two different tokens at once, add nothing.
    let forged = format!("clst_{}", "ab".repeat(32));
    let refused = post_signed(http, base, &o(), Some((&forged, TokenIn::Header))).await;
    assert_eq!(refused.status(), 401);
    let twice = http
        .post(format!("{base}/signin"))
        .bearer_auth(&token)
        .json(&json!({"message": "x", "signature": "0x00", "token": other}))
        .send()
        .await
        .expect("send");
    assert_eq!(twice.status(), 400);
    assert_eq!(
        rpc.ok(&token, "cloister_whoami", json!([])).await,
        json!({"address": p().address(), "addresses": [p().address(), s().address()], "roles": []})
    );
    assert_eq!(
        rpc.ok(&other, "cloister_whoami", json!([])).await["addresses"],
        json!([o().address()])
    );

    // S deploys the contract and calls it, through P's URL.
    let deployed = rpc.send(&token, &s(), 0, None, init_code(&runtime())).await;
    let contract = s().address().create(0);
    assert_eq!(deployed["contractAddress"], json!(contract));
    let called = rpc.send(&token, &s(), 1, Some(contract), vec![]).await;
    let call_hash = called["transactionHash"].clone();
    assert_eq!(called["logs"].as_array().map(Vec::len), Some(1));

    // S's transaction, receipt and logs: visible to the token, hidden from O.
    assert!(
        !rpc.ok(&token, "eth_getTransactionByHash", json!([call_hash]))
            .await
            .is_null()
    );
    assert!(
        rpc.ok(&other, "eth_getTransactionReceipt", json!([call_hash]))
            .await
            .is_null()
    );
    let logs_filter = json!([{"fromBlock": "0x0", "toBlock": "latest"}]);
    let logs = rpc.ok(&token, "eth_getLogs", logs_filter.clone()).await;
    assert_eq!(logs.as_array().map(Vec::len), Some(1), "{logs}");
    assert_eq!(logs[0]["transactionHash"], call_hash);
    assert_eq!(rpc.ok(&other, "eth_getLogs", logs_filter).await, json!([]));

    // The block's bloom: the call's for the token, zero for O (as if the block had no logs).
    let block = json!([called["blockNumber"], false]);
    let seen = rpc.ok(&token, "eth_getBlockByNumber", block.clone()).await;
    assert_eq!(seen["logsBloom"], called["logsBloom"]);
    assert!(!is_zero(&seen["logsBloom"]));
    let header = rpc
        .ok(&token, "eth_getHeaderByHash", json!([called["blockHash"]]))
        .await;
    assert_eq!(header["logsBloom"], called["logsBloom"]);
    assert!(is_zero(
        &rpc.ok(&other, "eth_getBlockByNumber", block).await["logsBloom"]
    ));

    // Balances and account info of both addresses; not of O.
    for address in [p().address(), s().address()] {
        let balance = rpc
            .ok(&token, "eth_getBalance", json!([address, "latest"]))
            .await;
        assert!(!is_zero(&balance), "{address}");
    }
    let info = rpc
        .ok(
            &token,
            "eth_getAccountInfo",
            json!([s().address(), "latest"]),
        )
        .await;
    assert_eq!(info["nonce"], "0x2");
    assert!(!is_zero(&info["balance"]));
    let hidden = rpc
        .ok(
            &token,
            "eth_getAccountInfo",
            json!([o().address(), "latest"]),
        )
        .await;
    assert_eq!(
        hidden,
        json!({"balance": "0x0", "nonce": "0x0", "code": "0x"})
    );

    // `from`: none or zero is P (the first), S may be named, O may not.
    let ask = |from: Option<Address>| {
        let mut call = json!({"to": contract});
        if let Some(from) = from {
            call["from"] = json!(from);
        }
        json!([call, "latest"])
    };
    assert_eq!(
        rpc.ok(&token, "eth_call", ask(None)).await,
        word_of(p().address())
    );
    assert_eq!(
        rpc.ok(&token, "eth_call", ask(Some(Address::ZERO))).await,
        word_of(p().address())
    );
    assert_eq!(
        rpc.ok(&token, "eth_call", ask(Some(s().address()))).await,
        word_of(s().address())
    );
    let refused = rpc.call(&token, "eth_call", ask(Some(o().address()))).await;
    assert_eq!(
        refused.map_err(|(code, _)| code),
        Err(-32000),
        "naming another's address"
    );
    // The same zero-from call made by O runs as O.
    assert_eq!(
        rpc.ok(&other, "eth_call", ask(Some(Address::ZERO))).await,
        word_of(o().address())
    );

    // Signing S out everywhere revokes the whole token (P's address with it); O's stays.
    assert_eq!(
        rpc.ok(&token, "cloister_revokeTokensOf", json!([s().address()]))
            .await,
        json!(1)
    );
    assert_eq!(rpc.status(&token).await, 401);
    assert_eq!(rpc.status(&other).await, 200);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_signin_sends_headers_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let validator = PrivateKeySigner::from_bytes(&VALIDATOR_KEY).expect("key");
    let node = crate::common::start(dir.path(), &genesis(validator.address()), VALIDATOR_KEY).await;
    let authority = node.http_url().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&authority)
        .await
        .expect("connect");
    let request =
        format!("HEAD /signin HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8(answer).expect("utf8");
    let (head, body) = text.split_once("\r\n\r\n").expect("end of headers");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/html")
    );
    assert_eq!(body, "", "HEAD answered with a body");
    node.stop().await;
}
