//! The load of one cycle: ten sender tasks (one per dev key, each on its own nonce chain) send
//! pre-signed transfers while a watcher records the receipts the node shows; once enough are
//! acknowledged (or the time bound passes) the node is SIGKILLed with sends still in flight.

use crate::{
    node::NodeProcess,
    rpc::{Rpc, RpcFailure, quantity},
    txs::{self, SignedTx},
};
use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use serde_json::{Value, json};
use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// Wei each load transfer moves.
pub const VALUE: u128 = 1_000_000_000;
/// Transfers each sender may send in one cycle (ten senders: at most 3000 per cycle).
const PER_SENDER: u64 = 300;
/// Acknowledged receipts after which the node is killed.
const ACK_TARGET: usize = 300;
/// Longest a cycle's load runs before the kill, whatever was acknowledged.
const LOAD_BOUND: Duration = Duration::from_secs(30);
/// Most sent-but-unacknowledged transfers per sender: keeps senders busy until the kill.
const WINDOW: u64 = 48;
/// Most receipts the watcher asks for in one poll.
const WATCH_BATCH: usize = 1000;

/// A transfer whose send was started (it may or may not have reached the node).
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    /// Index of the dev account that signed it.
    pub sender: usize,
    /// Its nonce.
    pub nonce: u64,
    /// Its hash.
    pub hash: B256,
    /// Its recipient (fresh, so its balance tells whether it was mined).
    pub to: Address,
    /// Wei it moves.
    pub value: u128,
}

/// A receipt the node returned: the transaction is acknowledged as mined.
#[derive(Debug, Clone)]
pub struct Ack {
    /// The transaction.
    pub attempt: Attempt,
    /// The receipt exactly as the node returned it.
    pub receipt: Value,
}

/// What one cycle produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Every transfer whose send started.
    pub attempts: Vec<Attempt>,
    /// How many sends the node answered with the hash.
    pub answered: usize,
    /// Receipts seen before the kill.
    pub acks: Vec<Ack>,
    /// Errors before the kill: rejections, wrong hashes, failed receipts, lost connections.
    pub unexpected: Vec<String>,
}

/// State shared by senders, watcher and the test.
struct Shared {
    attempts: Mutex<Vec<Attempt>>,
    /// Answered sends not yet acknowledged (the watcher drains it).
    to_watch: Mutex<Vec<Attempt>>,
    answered: AtomicU64,
    acks: Mutex<Vec<Ack>>,
    /// Per sender: one past the highest acknowledged nonce (paces the sender).
    acked_next: Vec<AtomicU64>,
    unexpected: Mutex<Vec<String>>,
    killed: AtomicBool,
}

impl Shared {
    fn unexpected(&self, what: String) {
        if !self.killed.load(Ordering::SeqCst) {
            self.unexpected.lock().expect("lock").push(what);
        }
    }
}

/// Runs the load on `node` and SIGKILLs it. `seed` makes this cycle's recipients fresh.
pub async fn run_until_kill(
    node: &mut NodeProcess,
    signers: &[PrivateKeySigner],
    seed: &str,
) -> Outcome {
    let rpc = node.rpc.clone();
    let addresses: Vec<Value> = signers
        .iter()
        .map(|s| json!([s.address(), "latest"]))
        .collect();
    let calls: Vec<(&str, Value)> = addresses
        .into_iter()
        .map(|p| ("eth_getTransactionCount", p))
        .collect();
    let start_nonces: Vec<u64> = rpc.batch_ok(&calls).await.iter().map(quantity).collect();

    // Signed before the clock starts so senders only send.
    let chains: Vec<Vec<(Attempt, SignedTx)>> = signers
        .iter()
        .enumerate()
        .map(|(sender, signer)| {
            (start_nonces[sender]..start_nonces[sender] + PER_SENDER)
                .map(|nonce| {
                    let to = txs::fresh_address(format!("{seed}/{sender}/{nonce}").as_bytes());
                    let tx = txs::transfer_1559(signer, nonce, to, VALUE);
                    (
                        Attempt {
                            sender,
                            nonce,
                            hash: tx.hash,
                            to,
                            value: VALUE,
                        },
                        tx,
                    )
                })
                .collect()
        })
        .collect();

    let shared = Arc::new(Shared {
        attempts: Mutex::new(Vec::new()),
        to_watch: Mutex::new(Vec::new()),
        answered: AtomicU64::new(0),
        acks: Mutex::new(Vec::new()),
        acked_next: start_nonces.iter().map(|n| AtomicU64::new(*n)).collect(),
        unexpected: Mutex::new(Vec::new()),
        killed: AtomicBool::new(false),
    });
    let senders: Vec<_> = chains
        .into_iter()
        .map(|chain| tokio::spawn(send_chain(rpc.clone(), shared.clone(), chain)))
        .collect();
    let watcher = tokio::spawn(watch_receipts(rpc.clone(), shared.clone()));

    let started = Instant::now();
    while shared.acks.lock().expect("lock").len() < ACK_TARGET && started.elapsed() < LOAD_BOUND {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shared.killed.store(true, Ordering::SeqCst);
    node.kill();

    for sender in senders {
        sender.await.expect("sender task");
    }
    watcher.await.expect("watcher task");
    let attempts = std::mem::take(&mut *shared.attempts.lock().expect("lock"));
    let acks = std::mem::take(&mut *shared.acks.lock().expect("lock"));
    let unexpected = std::mem::take(&mut *shared.unexpected.lock().expect("lock"));
    Outcome {
        attempts,
        answered: shared.answered.load(Ordering::SeqCst) as usize,
        acks,
        unexpected,
    }
}

/// Sends one sender's chain in nonce order, never more than [`WINDOW`] ahead of its receipts,
/// until the chain ends or the node is killed.
async fn send_chain(rpc: Rpc, shared: Arc<Shared>, chain: Vec<(Attempt, SignedTx)>) {
    for (attempt, tx) in chain {
        while attempt.nonce >= shared.acked_next[attempt.sender].load(Ordering::SeqCst) + WINDOW {
            if shared.killed.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        if shared.killed.load(Ordering::SeqCst) {
            return;
        }
        shared.attempts.lock().expect("lock").push(attempt);
        match rpc.call("eth_sendRawTransaction", json!([tx.raw])).await {
            Ok(hash) if hash == json!(tx.hash) => {
                shared.answered.fetch_add(1, Ordering::SeqCst);
                shared.to_watch.lock().expect("lock").push(attempt);
            }
            Ok(other) => {
                shared.unexpected(format!("send of {} answered {other}", tx.hash));
                return;
            }
            Err(RpcFailure::Node(error)) => {
                shared.unexpected(format!("send of {attempt:?} rejected: {error}"));
                return;
            }
            Err(RpcFailure::Transport(error)) => {
                shared.unexpected(format!("send of {attempt:?} lost: {error}"));
                return;
            }
        }
    }
}

/// Polls eth_getTransactionReceipt for answered sends and records each receipt once.
async fn watch_receipts(rpc: Rpc, shared: Arc<Shared>) {
    let mut pending: Vec<Attempt> = Vec::new();
    loop {
        if shared.killed.load(Ordering::SeqCst) {
            return;
        }
        pending.append(&mut shared.to_watch.lock().expect("lock"));
        if pending.is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let polled = pending.len().min(WATCH_BATCH);
        let calls: Vec<(&str, Value)> = pending[..polled]
            .iter()
            .map(|a| ("eth_getTransactionReceipt", json!([a.hash])))
            .collect();
        let receipts = match rpc.batch(&calls).await {
            Ok(receipts) => receipts,
            Err(failure) => {
                shared.unexpected(format!("receipt poll failed: {failure:?}"));
                return;
            }
        };
        let mut still_pending = Vec::with_capacity(pending.len());
        for (attempt, receipt) in pending[..polled].iter().zip(receipts) {
            if receipt.is_null() {
                still_pending.push(*attempt);
                continue;
            }
            if receipt["status"] != json!("0x1")
                || receipt["transactionHash"] != json!(attempt.hash)
            {
                shared.unexpected(format!("bad receipt for {attempt:?}: {receipt}"));
            }
            shared.acked_next[attempt.sender].fetch_max(attempt.nonce + 1, Ordering::SeqCst);
            shared.acks.lock().expect("lock").push(Ack {
                attempt: *attempt,
                receipt,
            });
        }
        still_pending.extend_from_slice(&pending[polled..]);
        pending = still_pending;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
