//! Writes the generated seeds of the corpora: real transactions, blocks, RPC requests, genesis
//! and policy documents, SIWE messages, an RA-TLS certificate, the TEE vectors' quotes, an
//! encrypted file and peer frames. Run by hand (`--ignored`); the files are committed.

use alloy_signer_local::PrivateKeySigner;
use cloister_consensus::{
    openraft::{CommittedLeaderId, Entry, EntryPayload, LogId, Vote, raft::AppendEntriesRequest},
    transport::{Hello, PeerRequest, PeerResponse, Role, frame},
};
use cloister_fuzzing::{block_import, samples, storage};
use cloister_primitives::{Address, B256, Encodable2718};
use cloister_storage::StoredAccount;
use cloister_tee::{RaTlsIdentity, SimulatedAttester};
use serde_json::{Value, json};
use std::path::PathBuf;

fn corpus_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = corpus_root().join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

fn with_mode(mode: u8, rest: &[u8]) -> Vec<u8> {
    let mut out = vec![mode];
    out.extend_from_slice(rest);
    out
}

fn frame_of(message: &impl serde::Serialize) -> Vec<u8> {
    let body = frame::encode(message).unwrap();
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

fn shared_fixtures() -> PathBuf {
    std::env::var_os("CLOISTER_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

#[test]
#[ignore = "rewrites fuzz/corpus seeds; run by hand"]
fn write_seeds() {
    let txs = samples::sample_txs();
    let raws: Vec<Vec<u8>> = txs.iter().map(|tx| tx.inner().encoded_2718()).collect();
    for (i, raw) in raws.iter().enumerate() {
        write("tx", &format!("sample-{i}"), raw);
    }
    for (i, block) in block_import::seed_blocks(txs.clone()).iter().enumerate() {
        write("block_import", &format!("dev-{i}"), block);
    }
    rpc_seeds(&txs, &raws);
    genesis_and_policy_seeds();
    siwe_seeds();
    tee_seeds();
    storage_seeds();
    peer_seeds(&raws);
}

fn rpc_seeds(txs: &[cloister_primitives::RecoveredTx], raws: &[Vec<u8>]) {
    let alice = txs[0].signer();
    let contract = alice.create(1);
    let hash = format!("{:#x}", txs[1].tx_hash());
    let raw = format!("0x{}", hex::encode(&raws[0]));
    let (cloister_consensus::ClusterRequest::Block { rlp, .. }, _) = samples::sample_block();
    let block = block_import::decode(&rlp).unwrap();
    let head = format!("{:#x}", block.header.hash_slow());
    let zero = format!("{:#x}", B256::ZERO);
    let attributes = json!({
        "timestamp": "0x20", "prevRandao": zero, "suggestedFeeRecipient": alice,
        "withdrawals": [], "parentBeaconBlockRoot": zero
    });
    let call = json!({"from": alice, "to": contract, "data": "0x", "gas": "0x30000"});
    let requests: Vec<(&str, Value)> = vec![
        ("eth_blockNumber", json!([])),
        ("eth_getBlockByNumber", json!(["0x1", true])),
        ("eth_getBalance", json!([alice, "latest"])),
        ("eth_getStorageAt", json!([contract, "0x0", "latest"])),
        ("eth_getTransactionReceipt", json!([hash])),
        ("eth_call", json!([call, "latest"])),
        (
            "eth_call",
            json!([call, "latest", {contract.to_string(): {"code": "0x5b600056"}}]),
        ),
        ("eth_estimateGas", json!([call])),
        ("eth_createAccessList", json!([call, "latest"])),
        (
            "eth_simulateV1",
            json!([{"blockStateCalls": [{"calls": [call]}], "validation": false}, "latest"]),
        ),
        (
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "toBlock": "latest", "address": contract}]),
        ),
        (
            "eth_newFilter",
            json!([{"fromBlock": "earliest", "topics": [[null]]}]),
        ),
        ("eth_feeHistory", json!(["0x4", "latest", [10, 50, 90]])),
        ("eth_getProof", json!([contract, ["0x0"], "latest"])),
        ("eth_sendRawTransaction", json!([raw])),
        (
            "eth_sendTransaction",
            json!([{"from": alice, "to": contract, "value": "0x1"}]),
        ),
        ("eth_sign", json!([alice, "0xdeadbeef"])),
        (
            "debug_traceTransaction",
            json!([hash, {"tracer": "callTracer"}]),
        ),
        (
            "debug_traceCall",
            json!([call, "latest", {"tracer": "prestateTracer", "tracerConfig": {"diffMode": true}}]),
        ),
        ("debug_traceBlockByNumber", json!(["0x1", {}])),
        ("debug_getRawBlock", json!(["0x1"])),
        ("txpool_content", json!([])),
        (
            "engine_forkchoiceUpdatedV3",
            json!([{"headBlockHash": head, "safeBlockHash": head, "finalizedBlockHash": zero}, attributes]),
        ),
        (
            "testing_buildBlockV1",
            json!([head, attributes, [raw], "0x01"]),
        ),
        ("web3_sha3", json!(["0x68656c6c6f"])),
    ];
    for (i, (method, params)) in requests.iter().enumerate() {
        let text =
            json!({"jsonrpc": "2.0", "id": i, "method": method, "params": params}).to_string();
        write(
            "rpc",
            &format!("{i:02}-{method}"),
            &with_mode(1, text.as_bytes()),
        );
    }
    write(
        "rpc",
        "batch",
        &with_mode(
            1,
            b"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"}]",
        ),
    );
    for (i, bytes) in [
        &[0u8; 64][..],
        &[0x55; 200],
        &(0..=255u8).collect::<Vec<_>>(),
    ]
    .iter()
    .enumerate()
    {
        write("rpc", &format!("structured-{i}"), &with_mode(0, bytes));
    }
}

fn genesis_and_policy_seeds() {
    let dev = cloister_chainspec::DEV_GENESIS_JSON;
    write("chainspec", "dev", dev.as_bytes());
    let mut plain: Value = serde_json::from_str(dev).unwrap();
    plain.as_object_mut().unwrap().remove("cloister");
    plain["config"]["osakaTime"] = json!(null);
    plain["config"]["bpo1Time"] = json!(100);
    write("chainspec", "plain", plain.to_string().as_bytes());
    let mut legacy: Value = serde_json::from_str(dev).unwrap();
    legacy["config"] =
        json!({"chainId": 1, "homesteadBlock": 0, "eip150Block": 5, "byzantiumBlock": 10});
    legacy.as_object_mut().unwrap().remove("baseFeePerGas");
    legacy.as_object_mut().unwrap().remove("excessBlobGas");
    legacy.as_object_mut().unwrap().remove("blobGasUsed");
    legacy.as_object_mut().unwrap().remove("cloister");
    write("chainspec", "pre-london", legacy.to_string().as_bytes());

    let a = "0x0000000000000000000000000000000000000001";
    let b = "0x0000000000000000000000000000000000000002";
    let policies = [
        json!({"version": 1, "mode": "permissive"}),
        json!({"version": 1, "mode": "confidential", "roles": {a: ["auditor"]}}),
        json!({
            "version": 1,
            "signIn": {"allow": [a, b]},
            "roles": {b: ["auditor", "member"]},
            "defaultVisibility": "sender",
            "contracts": {
                "0x00000000000000000000000000000000000000a1": "public",
                "0x00000000000000000000000000000000000000a2": "members",
                "0x00000000000000000000000000000000000000a3": {"addresses": [a]},
                "0x00000000000000000000000000000000000000a4": {"roles": ["auditor"]},
                "0x00000000000000000000000000000000000000a5": {"contract": {"address": b, "gasCap": 50000}}
            },
            "accounts": "public",
            "anonymousMethods": ["eth_blockNumber", "eth_getBalance"],
            "certificates": {"ab".repeat(32): {"address": a, "roles": ["admin"]}},
            "tokenLifetimeSecs": 3600
        }),
        Value::Null,
    ];
    for (i, policy) in policies.iter().enumerate() {
        write("policy", &format!("{i}"), policy.to_string().as_bytes());
    }
    let mut confidential: Value = serde_json::from_str(dev).unwrap();
    confidential["cloister"]["policy"] = policies[2].clone();
    confidential["cloister"]["allowedMeasurements"] =
        json!([{"mrenclave": format!("0x{}", "11".repeat(32)), "isvSvn": 1}]);
    write(
        "chainspec",
        "confidential",
        confidential.to_string().as_bytes(),
    );
}

fn siwe_seeds() {
    let text = "localhost:8545 wants you to sign in with your Ethereum account:\n\
        0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A\n\nSign in to Cloister\n\n\
        URI: https://localhost:8545\nVersion: 1\nChain ID: 7557\nNonce: abcdef0123456789\n\
        Issued At: 2025-12-31T23:59:00Z\nExpiration Time: 2026-01-01T00:10:00Z\n\
        Request ID: 42\nResources:\n- https://example.com/a";
    write("siwe", "text", &with_mode(0, text.as_bytes()));
    write(
        "siwe",
        "text-scheme",
        &with_mode(0, format!("https://{text}").as_bytes()),
    );
    for (i, bytes) in [&[0u8; 32][..], &[1u8; 96], &(0..=255u8).collect::<Vec<_>>()]
        .iter()
        .enumerate()
    {
        write("siwe", &format!("built-{i}"), &with_mode(1, bytes));
        write("signin", &format!("{i}"), bytes);
    }
    write("signin", "post", &[3, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
}

fn tee_seeds() {
    let attester = SimulatedAttester::new([0x11; 32]);
    let identity = RaTlsIdentity::generate(&attester, &["localhost".to_owned()]).unwrap();
    write(
        "ra_tls",
        "simulated-cert",
        &with_mode(0, &identity.cert_der),
    );
    write("ra_tls", "simulated-quote", &with_mode(2, &identity.quote));
    let vectors = shared_fixtures().join("tee-vectors");
    let read = |name: &str| std::fs::read(vectors.join(name)).unwrap();
    let (sgx, tdx) = (read("sgx_quote"), read("tdx_quote"));
    write("ra_tls", "sgx-quote", &with_mode(2, &sgx));
    write("dcap_quote", "sgx", &with_mode(0, &sgx));
    write("dcap_quote", "tdx", &with_mode(1, &tdx));
    write("dcap_quote", "simulated", &with_mode(0, &identity.quote));
    let collateral = read("sgx_quote_collateral.json");
    let mut split = vec![2];
    split.extend_from_slice(&(collateral.len() as u16).to_be_bytes());
    split.extend_from_slice(&collateral);
    split.extend_from_slice(&sgx);
    write("dcap_quote", "sgx-with-collateral", &split);
}

fn storage_seeds() {
    write(
        "storage",
        "encrypted-file",
        &with_mode(0, &storage::seed_image()),
    );
    let account = StoredAccount {
        nonce: 3,
        balance: cloister_primitives::U256::from(1_000_000u64),
        code_hash: B256::repeat_byte(0xc0),
        storage_root: B256::repeat_byte(0x5e),
    };
    write("storage", "account", &with_mode(1, &account.encode()));
    let (_, receipts) = samples::sample_block();
    for (i, receipt) in receipts.iter().enumerate() {
        write("storage", &format!("receipt-{i}"), &with_mode(2, receipt));
    }
}

fn peer_seeds(raws: &[Vec<u8>]) {
    let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x22)).unwrap();
    let (client, server) = (b"client certificate", b"server certificate");
    let hello = Hello::sign(&key, client, server, Role::Dialler).unwrap();
    let reply = Hello::sign(&key, client, server, Role::Listener).unwrap();
    let (entry, _) = samples::sample_block();
    let leader = CommittedLeaderId::new(1, 0);
    let append = AppendEntriesRequest {
        vote: Vote::new_committed(1, 0),
        prev_log_id: Some(LogId::new(leader, 0)),
        entries: vec![Entry {
            log_id: LogId::new(leader, 1),
            payload: EntryPayload::Normal(entry),
        }],
        leader_commit: Some(LogId::new(leader, 0)),
    };
    let mut requests = frame_of(&PeerRequest::Hello(hello));
    requests.extend(frame_of(&PeerRequest::Transactions(
        raws.iter().map(|raw| raw.clone().into()).collect(),
    )));
    requests.extend(frame_of(&PeerRequest::AppendEntries(append)));
    requests.extend(frame_of(&PeerRequest::Join(cloister_consensus::PeerNode {
        address: Address::repeat_byte(7),
        cluster: "127.0.0.1:9000".into(),
        rpc: "http://127.0.0.1:8545".into(),
    })));
    write("peer_message", "requests", &with_mode(3, &requests));
    let mut responses = frame_of(&PeerResponse::Hello(reply));
    responses.extend(frame_of(&PeerResponse::TransactionsReceived));
    responses.extend(frame_of(&PeerResponse::Refused {
        reason: "not a member".into(),
    }));
    responses.extend(frame_of(&PeerResponse::Joined(
        Err("not the leader".into()),
    )));
    write("peer_message", "responses", &with_mode(2, &responses));
}
