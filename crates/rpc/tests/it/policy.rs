//! The confidentiality policy as each caller sees it: a dev node mines a few transactions, then
//! a second context over the same chain and pool applies a confidential policy, and the `eth_`,
//! `txpool_` and signing methods are called directly with each caller in the extensions.

use crate::result;
use alloy_rpc_types_eth::{
    Block, BlockId, BlockNumberOrTag, BlockTransactions, TransactionRequest,
};
use cloister_node::{NodeConfig, NodeHandle, launch};
use cloister_policy::{Policy, PolicyDocument, Role};
use cloister_primitives::{Address, B256, Bloom, Bytes, U256, primitives::TxKind};
use cloister_rpc::{
    DevSignApiServer, DevSignRpc, EthApiServer, EthRpc, PersonalApiServer, RpcContext,
    TxPoolApiServer, TxPoolRpc,
};
use jsonrpsee::Extensions;
use serde_json::{Value, json};
use std::{collections::BTreeMap, str::FromStr, sync::Arc, time::Duration};

/// The recipient of the plain transfer.
const RECIPIENT: Address = Address::repeat_byte(0x42);
/// Named in an indexed topic of the emitter's log.
const LOG_PARTY: Address = Address::repeat_byte(0xc0);
/// Party to nothing.
const STRANGER: Address = Address::repeat_byte(0x55);
/// Holds the auditor role.
const AUDITOR: Address = Address::repeat_byte(0xad);

/// Runtime: `mstore(0, caller); log2(0, 32, 0xaa, calldataload(0))`.
const EMITTER: &str = "0x600f600c600039600f6000f360003560aa3360005260206000a200";
/// Init code that stores 0x2a in slot 0 and leaves no code.
const STORER: &str = "0x602a60005500";

/// What the dev node mined, and the hashes to look things up by.
struct Mined {
    sender: Address,
    transfer: B256,
    transfer_block: u64,
    storer: Address,
    emit: B256,
    emit_block: u64,
    queued: B256,
}

fn hex_u64(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Signs `request` with the node's key (in process: a JSON request cannot ask for a creation)
/// and sends it over HTTP; returns its hash.
async fn send(url: &str, signing: &DevSignRpc, request: TransactionRequest) -> Value {
    let signed = signing
        .sign_transaction(&Extensions::new(), request.gas_limit(0x30000))
        .unwrap();
    result(url, "eth_sendRawTransaction", json!([signed.raw])).await
}

async fn mined(url: &str, hash: &Value) -> Value {
    for _ in 0..200 {
        let receipt = result(url, "eth_getTransactionReceipt", json!([hash])).await;
        if !receipt.is_null() {
            return receipt;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("transaction {hash} was not mined");
}

/// A transfer, a storing deployment, an emitter and a call naming [`LOG_PARTY`], then one
/// transfer left queued behind a nonce gap.
async fn mine_scenario(node: &NodeHandle) -> Mined {
    let url = node.http_url();
    let sender = node.dev_accounts[0].address();
    let signing = DevSignRpc::new(Arc::new(RpcContext::new(
        node.chain.clone(),
        node.pool.clone(),
        node.dev_accounts.clone(),
        50_000_000,
    )));
    let from = TransactionRequest::default().from(sender);
    let transfer_request = from.clone().to(RECIPIENT).value(U256::from(0x1000));
    let transfer = send(&url, &signing, transfer_request).await;
    let transfer_receipt = mined(&url, &transfer).await;
    let deploy = |code: &'static str| TransactionRequest {
        to: Some(TxKind::Create),
        ..from.clone().input(Bytes::from_str(code).unwrap().into())
    };
    let storer = send(&url, &signing, deploy(STORER)).await;
    let storer_receipt = mined(&url, &storer).await;
    let emitter = send(&url, &signing, deploy(EMITTER)).await;
    let emitter_receipt = mined(&url, &emitter).await;
    let emitter_address: Address =
        serde_json::from_value(emitter_receipt["contractAddress"].clone()).unwrap();
    let topic = B256::left_padding_from(LOG_PARTY.as_slice());
    let emit_request = from
        .clone()
        .to(emitter_address)
        .input(Bytes::from(topic.to_vec()).into());
    let emit = send(&url, &signing, emit_request).await;
    let emit_receipt = mined(&url, &emit).await;
    assert_eq!(emit_receipt["logs"].as_array().unwrap().len(), 1);
    let queued_request = from.to(RECIPIENT).value(U256::from(1)).nonce(0x20);
    let queued = send(&url, &signing, queued_request).await;
    Mined {
        sender,
        transfer: serde_json::from_value(transfer).unwrap(),
        transfer_block: hex_u64(&transfer_receipt["blockNumber"]),
        storer: serde_json::from_value(storer_receipt["contractAddress"].clone()).unwrap(),
        emit: serde_json::from_value(emit).unwrap(),
        emit_block: hex_u64(&emit_receipt["blockNumber"]),
        queued: serde_json::from_value(queued).unwrap(),
    }
}

/// A context over the node's chain and pool with the default confidential policy and
/// [`AUDITOR`] as auditor.
fn confidential(node: &NodeHandle) -> (Arc<RpcContext>, Arc<Policy>) {
    let doc = PolicyDocument {
        roles: BTreeMap::from([(AUDITOR, vec![Role::Auditor])]),
        ..PolicyDocument::default()
    };
    let policy = Arc::new(Policy::new(doc).unwrap());
    let mut ctx = RpcContext::new(
        node.chain.clone(),
        node.pool.clone(),
        node.dev_accounts.clone(),
        50_000_000,
    );
    ctx.policy = policy.clone();
    (Arc::new(ctx), policy)
}

fn as_caller(policy: &Policy, address: Address) -> Extensions {
    let mut ext = Extensions::new();
    ext.insert(policy.caller_for(address));
    ext
}

fn block_hashes(block: &Block) -> Vec<B256> {
    block.transactions.hashes().collect()
}

fn number(n: u64) -> BlockNumberOrTag {
    BlockNumberOrTag::Number(n)
}

/// What one caller sees of the scenario.
#[derive(Debug, PartialEq)]
struct Seen {
    transfer: bool,
    transfer_receipt: bool,
    transfer_by_index: bool,
    transfer_block_txs: Vec<B256>,
    transfer_count: U256,
    transfer_receipts: usize,
    emit: bool,
    emit_receipt: bool,
    emit_block_bloom: bool,
    queued: bool,
}

fn seen(rpc: &EthRpc, ext: &Extensions, m: &Mined) -> Seen {
    let block = rpc
        .block_by_number(ext, number(m.transfer_block), false)
        .unwrap()
        .unwrap()
        .block;
    let emit_block = rpc
        .block_by_number(ext, number(m.emit_block), false)
        .unwrap()
        .unwrap()
        .block;
    Seen {
        transfer: rpc.transaction_by_hash(ext, m.transfer).unwrap().is_some(),
        transfer_receipt: rpc.transaction_receipt(ext, m.transfer).unwrap().is_some(),
        transfer_by_index: rpc
            .transaction_by_block_number_and_index(ext, number(m.transfer_block), 0.into())
            .unwrap()
            .is_some(),
        transfer_block_txs: block_hashes(&block),
        transfer_count: rpc
            .block_transaction_count_by_number(ext, number(m.transfer_block))
            .unwrap()
            .unwrap(),
        transfer_receipts: rpc
            .block_receipts(ext, BlockId::number(m.transfer_block))
            .unwrap()
            .unwrap()
            .len(),
        emit: rpc.transaction_by_hash(ext, m.emit).unwrap().is_some(),
        emit_receipt: rpc.transaction_receipt(ext, m.emit).unwrap().is_some(),
        emit_block_bloom: emit_block.header.inner.logs_bloom != Bloom::ZERO,
        queued: rpc.transaction_by_hash(ext, m.queued).unwrap().is_some(),
    }
}

fn everything(m: &Mined, transfer: bool, emit: bool, bloom: bool, queued: bool) -> Seen {
    Seen {
        transfer,
        transfer_receipt: transfer,
        transfer_by_index: transfer,
        transfer_block_txs: if transfer {
            vec![m.transfer]
        } else {
            Vec::new()
        },
        transfer_count: U256::from(u8::from(transfer)),
        transfer_receipts: usize::from(transfer),
        emit,
        emit_receipt: emit,
        emit_block_bloom: bloom,
        queued,
    }
}

#[tokio::test]
async fn each_caller_sees_only_its_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let node = launch(NodeConfig::dev(dir.path().to_path_buf(), 0))
        .await
        .unwrap();
    let m = mine_scenario(&node).await;
    let (ctx, policy) = confidential(&node);
    let rpc = EthRpc::new(ctx.clone());

    // The permissive node itself shows everything to anyone.
    let open = EthRpc::new(Arc::new(RpcContext::new(
        node.chain.clone(),
        node.pool.clone(),
        Vec::new(),
        50_000_000,
    )));
    assert_eq!(
        seen(&open, &Extensions::new(), &m),
        everything(&m, true, true, true, true)
    );

    // Blooms: each caller's is that of the logs it may see (the emit's, for sender and party).
    let sender = as_caller(&policy, m.sender);
    assert_eq!(
        seen(&rpc, &sender, &m),
        everything(&m, true, true, true, true)
    );
    let recipient = as_caller(&policy, RECIPIENT);
    assert_eq!(
        seen(&rpc, &recipient, &m),
        everything(&m, true, false, false, true)
    );
    let log_party = as_caller(&policy, LOG_PARTY);
    assert_eq!(
        seen(&rpc, &log_party, &m),
        everything(&m, false, true, true, false)
    );
    let stranger = as_caller(&policy, STRANGER);
    assert_eq!(
        seen(&rpc, &stranger, &m),
        everything(&m, false, false, false, false)
    );
    let auditor = as_caller(&policy, AUDITOR);
    assert_eq!(
        seen(&rpc, &auditor, &m),
        everything(&m, true, true, true, true)
    );

    // Full blocks keep the real transactionIndex; the header is the same for everyone.
    let full = rpc
        .block_by_number(&sender, number(m.transfer_block), true)
        .unwrap()
        .unwrap()
        .block;
    let BlockTransactions::Full(txs) = &full.transactions else {
        panic!("asked for full transactions");
    };
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0].transaction_index, Some(0));
    let hidden = rpc
        .block_by_hash(&stranger, full.header.hash, true)
        .unwrap()
        .unwrap()
        .block;
    assert!(hidden.transactions.is_empty());
    assert_eq!(hidden.header.hash, full.header.hash);
    assert_eq!(hidden.header.inner.gas_used, full.header.inner.gas_used);
    assert_eq!(
        rpc.block_transaction_count_by_hash(&stranger, full.header.hash)
            .unwrap(),
        Some(U256::ZERO)
    );
    let receipts = rpc
        .block_receipts(&log_party, BlockId::number(m.emit_block))
        .unwrap()
        .unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].transaction_hash, m.emit);
}

#[tokio::test]
async fn accounts_storage_pool_and_signing_follow_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let node = launch(NodeConfig::dev(dir.path().to_path_buf(), 0))
        .await
        .unwrap();
    let m = mine_scenario(&node).await;
    let (ctx, policy) = confidential(&node);
    let rpc = EthRpc::new(ctx.clone());
    let (sender, stranger, recipient, auditor) = (
        as_caller(&policy, m.sender),
        as_caller(&policy, STRANGER),
        as_caller(&policy, RECIPIENT),
        as_caller(&policy, AUDITOR),
    );

    // Balances and nonces: the account itself and auditors; others read a nonexistent account.
    let real_balance = rpc.balance(&auditor, RECIPIENT, None).unwrap();
    assert_eq!(real_balance, U256::from(0x1000));
    assert_eq!(
        rpc.balance(&recipient, RECIPIENT, None).unwrap(),
        real_balance
    );
    assert_eq!(rpc.balance(&sender, RECIPIENT, None).unwrap(), U256::ZERO);
    assert!(rpc.balance(&sender, m.sender, None).unwrap() > U256::ZERO);
    assert_eq!(rpc.balance(&stranger, m.sender, None).unwrap(), U256::ZERO);
    assert_eq!(
        rpc.transaction_count(&sender, m.sender, None).unwrap(),
        U256::from(4)
    );
    assert_eq!(
        rpc.transaction_count(&auditor, m.sender, None).unwrap(),
        U256::from(4)
    );
    assert_eq!(
        rpc.transaction_count(&stranger, m.sender, None).unwrap(),
        U256::ZERO
    );

    // Storage: auditors only.
    // The slot type is private to the crate; the parameter parses as it would off the wire.
    let slot = || serde_json::from_value(json!("0x0")).unwrap();
    let stored = B256::from(U256::from(0x2a));
    assert_eq!(
        rpc.storage_at(&auditor, m.storer, slot(), None).unwrap(),
        stored
    );
    assert_eq!(
        rpc.storage_at(&sender, m.storer, slot(), None).unwrap(),
        B256::ZERO
    );
    let request = BTreeMap::from([(m.storer, vec![B256::ZERO, B256::ZERO])]);
    assert_eq!(
        rpc.storage_values(&auditor, request.clone(), None).unwrap()[&m.storer],
        vec![stored, stored]
    );
    assert_eq!(
        rpc.storage_values(&stranger, request, None).unwrap()[&m.storer],
        vec![B256::ZERO, B256::ZERO]
    );

    // The pool: the queued transfer shows to its sender, recipient and auditors only.
    let pool = TxPoolRpc::new(ctx.clone());
    for (ext, visible) in [
        (&sender, 1u8),
        (&recipient, 1),
        (&auditor, 1),
        (&stranger, 0),
    ] {
        let status = pool.status(ext).unwrap();
        assert_eq!(
            (status.pending, status.queued),
            (U256::ZERO, U256::from(visible))
        );
        let content = pool.content(ext).unwrap();
        assert_eq!(content.queued.len(), usize::from(visible));
        assert_eq!(
            pool.inspect(ext).unwrap().queued.len(),
            usize::from(visible)
        );
        assert_eq!(
            pool.content_from(ext, m.sender).unwrap().queued.len(),
            usize::from(visible)
        );
    }

    // Signing: only as oneself, and refusal reads exactly like a key the node lacks.
    let signing = DevSignRpc::new(ctx.clone());
    assert_eq!(rpc.accounts(&sender).unwrap(), vec![m.sender]);
    assert!(rpc.accounts(&stranger).unwrap().is_empty());
    assert!(rpc.accounts(&auditor).unwrap().is_empty());
    let data = Bytes::from_static(b"hello");
    assert!(DevSignApiServer::sign(&signing, &sender, m.sender, data.clone()).is_ok());
    let refused = DevSignApiServer::sign(&signing, &stranger, m.sender, data.clone()).unwrap_err();
    let unknown = DevSignApiServer::sign(&signing, &stranger, STRANGER, data.clone()).unwrap_err();
    assert_eq!(refused, unknown);
    let personal = PersonalApiServer::sign(&signing, &stranger, data, m.sender, None).unwrap_err();
    assert_eq!(personal, unknown);
    let request =
        serde_json::from_value(json!({"from": m.sender, "to": RECIPIENT, "gas": "0x5208"}))
            .unwrap();
    let refused = signing.sign_transaction(&auditor, request).unwrap_err();
    assert_eq!(refused, unknown);
}
