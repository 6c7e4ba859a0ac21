//! The engine port over HTTP (JWT refusals, forkchoice answers) and testing_buildBlockV1 on a
//! fresh dev chain, with a real client.

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_chain::Chain;
use cloister_chainspec::{ChainSpec, DEV_GENESIS_JSON, dev_accounts};
use cloister_primitives::{B256, Encodable2718, TxEnvelope, U256, hex, primitives::TxKind};
use cloister_rpc::RpcContext;
use cloister_rpc_engine::{EngineConfig, JwtSecret, jwt::unix_now, public_module, serve};
use cloister_storage::Store;
use cloister_txpool::{PoolConfig, TxPool};
use serde_json::{Value, json};
use std::sync::Arc;

const SECRET: &str = "0x7365637265747365637265747365637265747365637265747365637265747365";

struct Fixture {
    ctx: Arc<RpcContext>,
    engine_url: String,
    public_url: String,
    secret: JwtSecret,
    _dir: tempfile::TempDir,
    _servers: Vec<jsonrpsee::server::ServerHandle>,
}

async fn start() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let spec = Arc::new(ChainSpec::from_genesis_json(DEV_GENESIS_JSON).unwrap());
    Chain::init(&store, &spec, DEV_GENESIS_JSON).unwrap();
    let chain = Arc::new(Chain::open(store, spec.clone(), None).unwrap());
    let pool = Arc::new(TxPool::new(PoolConfig {
        chain_id: spec.chain_id(),
        ..Default::default()
    }));
    let ctx = Arc::new(RpcContext::new(chain, pool, Vec::new(), 50_000_000));
    let jwt_path = dir.path().join("jwt.hex");
    std::fs::write(&jwt_path, SECRET).unwrap();
    let engine = serve(
        &EngineConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            jwt_secret: jwt_path,
        },
        ctx.clone(),
    )
    .await
    .unwrap();
    let public = cloister_rpc::serve(
        &cloister_rpc::RpcConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            ..Default::default()
        },
        public_module(ctx.clone()).unwrap(),
    )
    .await
    .unwrap();
    Fixture {
        ctx,
        engine_url: format!("http://{}", engine.local_addr),
        public_url: format!("http://{}", public.local_addr),
        secret: JwtSecret::from_hex(SECRET).unwrap(),
        _dir: dir,
        _servers: vec![engine.handle, public.handle],
    }
}

async fn post(url: &str, token: Option<String>, method: &str, params: Value) -> (u16, Value) {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut request = reqwest::Client::new().post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn fcu_params(head: B256, safe: B256) -> Value {
    json!([{"headBlockHash": head, "safeBlockHash": safe, "finalizedBlockHash": head}, null])
}

#[tokio::test]
async fn engine_port_requires_a_fresh_jwt() {
    let f = start().await;
    let head = f.ctx.chain.head().hash;
    let method = "engine_forkchoiceUpdatedV3";
    let (status, _) = post(&f.engine_url, None, method, fcu_params(head, head)).await;
    assert_eq!(status, 401);
    let stale = f.secret.token(unix_now() - 120);
    let (status, _) = post(&f.engine_url, Some(stale), method, fcu_params(head, head)).await;
    assert_eq!(status, 401);
    let forged = JwtSecret::from_hex(&format!("0x{}", "22".repeat(32)))
        .unwrap()
        .token(unix_now());
    let (status, _) = post(&f.engine_url, Some(forged), method, fcu_params(head, head)).await;
    assert_eq!(status, 401);
    let (status, body) = post(
        &f.engine_url,
        Some(f.secret.token(unix_now())),
        method,
        fcu_params(head, head),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["payloadStatus"]["status"], "VALID");
}

#[tokio::test]
async fn forkchoice_answers_valid_syncing_and_errors() {
    let f = start().await;
    let head = f.ctx.chain.head().hash;
    let call = |params: Value| {
        let token = f.secret.token(unix_now());
        let url = f.engine_url.clone();
        async move {
            post(&url, Some(token), "engine_forkchoiceUpdatedV3", params)
                .await
                .1
        }
    };
    let valid = call(fcu_params(head, head)).await;
    assert_eq!(
        valid["result"],
        json!({"payloadStatus": {"status": "VALID", "latestValidHash": head, "validationError": null}, "payloadId": null})
    );
    let unknown = B256::repeat_byte(0xab);
    let syncing = call(fcu_params(unknown, head)).await;
    assert_eq!(syncing["result"]["payloadStatus"]["status"], "SYNCING");
    assert_eq!(
        syncing["result"]["payloadStatus"]["latestValidHash"],
        Value::Null
    );
    let bad_safe = call(fcu_params(head, unknown)).await;
    assert_eq!(bad_safe["error"]["code"], -38002);
    let attributes = json!({
        "timestamp": "0x0", "prevRandao": B256::ZERO, "suggestedFeeRecipient": "0x0000000000000000000000000000000000000000",
        "withdrawals": [], "parentBeaconBlockRoot": B256::ZERO
    });
    let stale_attributes = call(json!([
        {"headBlockHash": head, "safeBlockHash": head, "finalizedBlockHash": head},
        attributes
    ]))
    .await;
    assert_eq!(stale_attributes["error"]["code"], -38003);
    let (_, capabilities) = post(
        &f.engine_url,
        Some(f.secret.token(unix_now())),
        "engine_exchangeCapabilities",
        json!([["engine_forkchoiceUpdatedV3", "engine_newPayloadV4"]]),
    )
    .await;
    assert_eq!(
        capabilities["result"],
        json!(["engine_forkchoiceUpdatedV3"])
    );
}

fn signed_transfer(nonce: u64, chain_id: u64) -> String {
    let (_, key) = dev_accounts().unwrap()[0];
    let signer = PrivateKeySigner::from_bytes(&key).unwrap();
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 2,
        to: TxKind::Call([0x11; 20].into()),
        value: U256::from(1),
        ..Default::default()
    };
    let signature = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
    let envelope = TxEnvelope::from(tx.into_signed(signature));
    hex::encode_prefixed(envelope.encoded_2718())
}

#[tokio::test]
async fn build_block_returns_a_payload_and_commits_nothing() {
    let f = start().await;
    let head = f.ctx.chain.head();
    let chain_id = f.ctx.chain.spec().chain_id();
    let attributes = json!({
        "timestamp": format!("{:#x}", head.header.timestamp + 12),
        "prevRandao": B256::repeat_byte(7),
        "suggestedFeeRecipient": "0x00000000000000000000000000000000000000fe",
        "withdrawals": [],
        "parentBeaconBlockRoot": B256::repeat_byte(9)
    });
    let tx = signed_transfer(0, chain_id);
    let (_, built) = post(
        &f.public_url,
        None,
        "testing_buildBlockV1",
        json!([head.hash, attributes, [tx], "0x1234"]),
    )
    .await;
    let payload = &built["result"]["executionPayload"];
    assert_eq!(payload["blockNumber"], "0x1", "{built}");
    assert_eq!(payload["parentHash"], json!(head.hash));
    assert_eq!(payload["gasUsed"], "0x5208");
    assert_eq!(payload["extraData"], "0x1234");
    assert_eq!(payload["transactions"], json!([tx]));
    assert_eq!(
        payload["feeRecipient"],
        "0x00000000000000000000000000000000000000fe"
    );
    // 1e9 moves one step (1/1024 - 1) toward the 60M target.
    assert_eq!(payload["gasLimit"], format!("{:#x}", 999_023_439u64));
    // The tip is 2 wei per gas (the base fee is far below the max fee).
    assert_eq!(built["result"]["blockValue"], format!("{:#x}", 2 * 21_000));
    assert_eq!(built["result"]["shouldOverrideBuilder"], false);
    assert_eq!(f.ctx.chain.head().header.number, 0, "nothing is committed");

    let (_, refused) = post(
        &f.public_url,
        None,
        "testing_buildBlockV1",
        json!([head.hash, attributes, [signed_transfer(5, chain_id)], "0x"]),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32000, "{refused}");
    let (_, unknown_parent) = post(
        &f.public_url,
        None,
        "testing_buildBlockV1",
        json!([B256::repeat_byte(1), attributes, [], "0x"]),
    )
    .await;
    assert_eq!(unknown_parent["error"]["code"], -32000);
    let (_, capabilities) = post(&f.public_url, None, "eth_capabilities", json!([])).await;
    assert_eq!(capabilities["result"]["head"]["number"], "0x0");
    assert_eq!(
        capabilities["result"]["state"],
        json!({"disabled": false, "oldestBlock": "0x0"})
    );
}
