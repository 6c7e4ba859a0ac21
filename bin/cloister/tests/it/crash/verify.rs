//! Checks on a restarted node: acknowledged receipts are unchanged, and blocks, receipts, nonces
//! and balances tell one consistent story about which transfers were mined.

use super::load::{Ack, Attempt};
use crate::{
    rpc::{Rpc, quantity, quantity_u128},
    txs::DEV_BALANCE,
};
use alloy_signer_local::PrivateKeySigner;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Every acknowledged receipt is returned again, byte for byte (same block number and hash,
/// status 1), and the head is at or past the highest acknowledged block.
pub async fn acknowledged_receipts_unchanged(rpc: &Rpc, acks: &[Ack]) {
    let calls: Vec<(&str, Value)> = acks
        .iter()
        .map(|a| ("eth_getTransactionReceipt", json!([a.attempt.hash])))
        .collect();
    let receipts = rpc.batch_ok(&calls).await;
    let mut lost = 0;
    for (ack, now) in acks.iter().zip(&receipts) {
        if now.is_null() {
            lost += 1;
            eprintln!(
                "LOST acknowledged {:?} (was in block {})",
                ack.attempt, ack.receipt["blockNumber"]
            );
            continue;
        }
        assert_eq!(
            now["status"],
            json!("0x1"),
            "acknowledged tx failed after restart: {now}"
        );
        assert_eq!(
            now["blockNumber"], ack.receipt["blockNumber"],
            "block number moved: {:?}",
            ack.attempt
        );
        assert_eq!(
            now["blockHash"], ack.receipt["blockHash"],
            "block hash changed: {:?}",
            ack.attempt
        );
        assert_eq!(now, &ack.receipt, "receipt changed after restart");
    }
    assert_eq!(
        lost,
        0,
        "{lost} of {} acknowledged transactions lost their receipt",
        acks.len()
    );

    let head = quantity(&rpc.ok("eth_blockNumber", json!([])).await);
    let highest = acks
        .iter()
        .map(|a| quantity(&a.receipt["blockNumber"]))
        .max()
        .unwrap_or(0);
    assert!(
        head >= highest,
        "head {head} is below the highest acknowledged block {highest}"
    );
}

/// One canonical block as the consistency checks need it.
struct BlockFacts {
    hash: Value,
    base_fee: u128,
    transactions: Vec<Value>,
}

/// Blocks 0..=head form a hash chain; every tx in them is one of `attempts`; each mined attempt
/// sits where its receipt says; per sender exactly the nonces below the account nonce are
/// mined; recipients and senders hold exactly what the mined transfers imply.
pub async fn chain_is_consistent(rpc: &Rpc, signers: &[PrivateKeySigner], attempts: &[Attempt]) {
    let blocks = canonical_blocks(rpc).await;
    let in_blocks: usize = blocks.iter().map(|b| b.transactions.len()).sum();

    let calls: Vec<(&str, Value)> = attempts
        .iter()
        .map(|a| ("eth_getTransactionReceipt", json!([a.hash])))
        .collect();
    let receipts = rpc.batch_ok(&calls).await;
    let mut mined = 0;
    for (attempt, receipt) in attempts.iter().zip(&receipts) {
        if receipt.is_null() {
            continue;
        }
        mined += 1;
        assert_eq!(receipt["status"], json!("0x1"), "{attempt:?}: {receipt}");
        let block = &blocks[quantity(&receipt["blockNumber"]) as usize];
        assert_eq!(
            receipt["blockHash"], block.hash,
            "{attempt:?} receipt names a non-canonical block"
        );
        let index = quantity(&receipt["transactionIndex"]) as usize;
        assert_eq!(
            block.transactions.get(index),
            Some(&json!(attempt.hash)),
            "{attempt:?} not at its index"
        );
        assert_eq!(
            receipt["from"],
            json!(signers[attempt.sender].address()),
            "{attempt:?} sender"
        );
        assert_eq!(receipt["to"], json!(attempt.to), "{attempt:?} recipient");
    }
    assert_eq!(
        in_blocks, mined,
        "blocks hold {in_blocks} transactions, but {mined} of ours have receipts"
    );

    check_nonces(rpc, signers, attempts, &receipts).await;
    check_balances(rpc, signers, attempts, &receipts, &blocks).await;
}

/// Blocks 0..=head (hashes only), checking numbers and parent links.
async fn canonical_blocks(rpc: &Rpc) -> Vec<BlockFacts> {
    let head = quantity(&rpc.ok("eth_blockNumber", json!([])).await);
    let calls: Vec<(&str, Value)> = (0..=head)
        .map(|n| ("eth_getBlockByNumber", json!([format!("{n:#x}"), false])))
        .collect();
    let blocks = rpc.batch_ok(&calls).await;
    let mut facts = Vec::with_capacity(blocks.len());
    for (number, block) in blocks.iter().enumerate() {
        assert_eq!(
            quantity(&block["number"]),
            number as u64,
            "block {number} has the wrong number"
        );
        if let Some(parent) = facts.last().map(|p: &BlockFacts| &p.hash) {
            assert_eq!(
                &block["parentHash"], parent,
                "block {number} does not link to its parent"
            );
        }
        let transactions = block["transactions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        facts.push(BlockFacts {
            hash: block["hash"].clone(),
            base_fee: quantity_u128(&block["baseFeePerGas"]),
            transactions,
        });
    }
    facts
}

/// Per sender: nonce N means the attempts with nonces 0..N are mined, exactly one per nonce,
/// and none at N or above.
async fn check_nonces(
    rpc: &Rpc,
    signers: &[PrivateKeySigner],
    attempts: &[Attempt],
    receipts: &[Value],
) {
    let calls: Vec<(&str, Value)> = signers
        .iter()
        .map(|s| ("eth_getTransactionCount", json!([s.address(), "latest"])))
        .collect();
    let nonces: Vec<u64> = rpc.batch_ok(&calls).await.iter().map(quantity).collect();
    let mut mined_per_nonce: HashMap<(usize, u64), usize> = HashMap::new();
    for (attempt, receipt) in attempts.iter().zip(receipts) {
        if !receipt.is_null() {
            *mined_per_nonce
                .entry((attempt.sender, attempt.nonce))
                .or_default() += 1;
        }
    }
    for (sender, &nonce) in nonces.iter().enumerate() {
        for n in 0..nonce {
            let count = mined_per_nonce.get(&(sender, n)).copied().unwrap_or(0);
            assert_eq!(
                count, 1,
                "sender {sender} (nonce {nonce}): nonce {n} mined {count} times"
            );
        }
        let above = mined_per_nonce
            .keys()
            .filter(|(s, n)| *s == sender && *n >= nonce)
            .count();
        assert_eq!(
            above, 0,
            "sender {sender}: receipts exist at or above its nonce {nonce}"
        );
    }
}

/// Each fresh recipient holds the transfer's value iff it was mined; each sender holds its
/// genesis balance minus value and fees of its mined transfers, plus (the validator) the tips.
async fn check_balances(
    rpc: &Rpc,
    signers: &[PrivateKeySigner],
    attempts: &[Attempt],
    receipts: &[Value],
    blocks: &[BlockFacts],
) {
    let calls: Vec<(&str, Value)> = attempts
        .iter()
        .map(|a| ("eth_getBalance", json!([a.to, "latest"])))
        .collect();
    let balances = rpc.batch_ok(&calls).await;
    for ((attempt, receipt), balance) in attempts.iter().zip(receipts).zip(&balances) {
        let expected = if receipt.is_null() { 0 } else { attempt.value };
        assert_eq!(quantity_u128(balance), expected, "recipient of {attempt:?}");
    }

    let mut expected: Vec<u128> = vec![DEV_BALANCE; signers.len()];
    for (attempt, receipt) in attempts.iter().zip(receipts) {
        if receipt.is_null() {
            continue;
        }
        let gas = u128::from(quantity(&receipt["gasUsed"]));
        let price = quantity_u128(&receipt["effectiveGasPrice"]);
        let base_fee = blocks[quantity(&receipt["blockNumber"]) as usize].base_fee;
        expected[attempt.sender] -= attempt.value + gas * price;
        // Dev account 0 seals every block and receives the priority fees.
        expected[0] += gas * (price - base_fee);
    }
    let calls: Vec<(&str, Value)> = signers
        .iter()
        .map(|s| ("eth_getBalance", json!([s.address(), "latest"])))
        .collect();
    let actual: Vec<u128> = rpc
        .batch_ok(&calls)
        .await
        .iter()
        .map(quantity_u128)
        .collect();
    assert_eq!(
        actual, expected,
        "sender balances disagree with the mined transfers"
    );
}
