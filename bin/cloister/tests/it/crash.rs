//! `kill_during_load_loses_nothing_acknowledged`: SIGKILL the node while ten senders stream
//! EIP-1559 transfers at it, restart on the same datadir, and check that every receipt the node
//! showed before dying is still there, unchanged, and that chain, nonces and balances agree.

mod load;
mod verify;

use crate::{node::NodeProcess, rpc::wait_receipt, txs};
use load::{Ack, Attempt};
use serde_json::json;

/// Kill/restart cycles in one test: the second catches a restart that corrupted the datadir.
const CYCLES: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_during_load_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let datadir = dir.path().join("data");
    let logs = dir.path().to_path_buf();
    let signers = txs::dev_signers();
    // Each cycle's recipients are fresh: seeded by this run's directory, the cycle and the nonce.
    let seed = dir.path().display().to_string();

    let mut attempts: Vec<Attempt> = Vec::new();
    let mut acks: Vec<Ack> = Vec::new();
    let mut node = NodeProcess::start(&datadir, &logs, 0).await;
    for cycle in 0..CYCLES {
        let outcome = load::run_until_kill(&mut node, &signers, &format!("{seed}/{cycle}")).await;
        eprintln!(
            "cycle {cycle}: {} sends attempted, {} answered, {} receipts acknowledged before SIGKILL",
            outcome.attempts.len(),
            outcome.answered,
            outcome.acks.len()
        );
        assert!(
            outcome.unexpected.is_empty(),
            "failures before the kill: {:?}",
            outcome.unexpected
        );
        assert!(
            !outcome.acks.is_empty(),
            "the node mined nothing in cycle {cycle}"
        );
        attempts.extend(outcome.attempts);
        acks.extend(outcome.acks);

        drop(node);
        node = NodeProcess::start(&datadir, &logs, cycle + 1).await;
        // First what matters most: nothing acknowledged is lost or changed.
        verify::acknowledged_receipts_unchanged(&node.rpc, &acks).await;

        // The restarted node must still mine.
        let (attempt, ack) = mine_one_more(&node, &signers, &format!("{seed}/{cycle}/extra")).await;
        attempts.push(attempt);
        acks.push(ack);

        verify::acknowledged_receipts_unchanged(&node.rpc, &acks).await;
        verify::chain_is_consistent(&node.rpc, &signers, &attempts).await;
    }
}

/// Sends one transfer from dev account 1 at its current nonce and waits for its receipt.
async fn mine_one_more(
    node: &NodeProcess,
    signers: &[alloy_signer_local::PrivateKeySigner],
    seed: &str,
) -> (Attempt, Ack) {
    let sender = 1;
    let address = signers[sender].address();
    let nonce = crate::rpc::quantity(
        &node
            .rpc
            .ok("eth_getTransactionCount", json!([address, "latest"]))
            .await,
    );
    let to = txs::fresh_address(seed.as_bytes());
    let tx = txs::transfer_1559(&signers[sender], nonce, to, load::VALUE);
    let hash = node.rpc.ok("eth_sendRawTransaction", json!([tx.raw])).await;
    assert_eq!(hash, json!(tx.hash), "node returned another hash");
    let receipt = wait_receipt(&node.rpc, &tx.hash.to_string()).await;
    assert_eq!(
        receipt["status"],
        json!("0x1"),
        "extra transfer failed: {receipt}"
    );
    let attempt = Attempt {
        sender,
        nonce,
        hash: tx.hash,
        to,
        value: load::VALUE,
    };
    (attempt, Ack { attempt, receipt })
}
