//! A bounded transfer load: a few dev accounts, each on its own nonce chain, send pre-signed
//! EIP-1559 transfers (each to a fresh recipient) to the node the seed assigned them, leader or
//! not, keeping a small window in flight. A sender polls its receipts on every node in turn; a
//! receipt from any node acknowledges the transaction. When a node stops answering (killed,
//! stopped, cut off), the sender moves to the next node and, once its oldest transaction has
//! waited too long, sends everything unacknowledged again there: the same signed bytes, so a
//! transaction is never replaced, only repeated.

use super::{
    Rng,
    client::{CallError, Client, quantity},
};
use crate::txs::{self, SignedTx};
use alloy_primitives::B256;
use alloy_signer_local::PrivateKeySigner;
use serde_json::{Value, json};
use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::task::JoinHandle;

/// Wei each transfer moves.
pub const VALUE: u128 = 1_000_000_000;
/// Dev account never used by the load (probes).
pub const PROBE_ACCOUNT: usize = 9;
/// After this long without a receipt, a sender sends its unacknowledged transactions again to
/// another node.
const RESEND_AFTER: Duration = Duration::from_millis(1500);
/// Bound of one send or receipt poll: a stopped node must not hold a sender long.
const LOAD_CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// A transaction some node returned a receipt for.
#[derive(Debug, Clone)]
pub struct Ack {
    /// Its hash.
    pub hash: B256,
    /// Dev account index of its sender.
    pub account: usize,
    /// Its nonce.
    pub nonce: u64,
    /// Block number in the receipt.
    pub block_number: u64,
    /// Block hash in the receipt (lower-case hex).
    pub block_hash: String,
    /// The node that returned the receipt.
    pub node: usize,
}

impl Ack {
    /// An acknowledgement from a receipt object.
    pub fn from_receipt(
        hash: B256,
        account: usize,
        nonce: u64,
        node: usize,
        receipt: &Value,
    ) -> Option<Self> {
        Some(Self {
            hash,
            account,
            nonce,
            block_number: quantity(&receipt["blockNumber"])?,
            block_hash: receipt["blockHash"].as_str()?.to_ascii_lowercase(),
            node,
        })
    }
}

/// What the load is made of.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    /// (dev account index, node it sends to first) per sender.
    pub senders: Vec<(usize, usize)>,
    /// Most transactions per sender.
    pub per_sender: u64,
    /// Most unacknowledged transactions per sender.
    pub window: usize,
    /// Pause between a sender's rounds.
    pub pace: Duration,
}

impl LoadSpec {
    /// `count` senders from dev accounts 1..=8 (the probe account excluded), their first nodes
    /// spread over `targets` (so followers of Raft get traffic as well as the leader), pace and
    /// window from `rng`.
    pub fn seeded(rng: &mut Rng, count: usize, targets: &[usize]) -> Self {
        let mut accounts: Vec<usize> = (1..=8).collect();
        rng.shuffle(&mut accounts);
        accounts.truncate(count);
        Self::on_accounts(rng, &accounts, targets)
    }

    /// One sender per dev account of `accounts`, first nodes spread over `targets`, pace and
    /// window from `rng`.
    pub fn on_accounts(rng: &mut Rng, accounts: &[usize], targets: &[usize]) -> Self {
        let offset = rng.below(targets.len() as u64) as usize;
        let senders = accounts
            .iter()
            .enumerate()
            .map(|(k, &account)| (account, targets[(k + offset) % targets.len()]))
            .collect();
        Self {
            senders,
            per_sender: 3000,
            window: rng.range(3, 8) as usize,
            pace: rng.millis(20, 50),
        }
    }
}

struct Shared {
    clients: Vec<Client>,
    /// No new transactions; senders finish what they sent.
    finishing: AtomicBool,
    /// Senders return now.
    stop: AtomicBool,
    acks: Mutex<Vec<Ack>>,
    /// Sends a node accepted, by node.
    accepted: Vec<AtomicU64>,
    /// Node errors worth reading (not "already known").
    notes: Mutex<Vec<String>>,
    /// Transactions sent and not acknowledged when their sender ended: (account, nonce, hash).
    unacked: Mutex<Vec<(usize, u64, B256)>>,
    /// Per node: when it last failed to answer (receipt polls skip it for a while).
    failed_at: Vec<Mutex<Option<Instant>>>,
}

impl Shared {
    fn mark_failed(&self, node: usize) {
        *self.failed_at[node].lock().expect("failed_at") = Some(Instant::now());
    }

    /// Whether `node` failed to answer within the last [`RESEND_AFTER`].
    fn recently_failed(&self, node: usize) -> bool {
        self.failed_at[node]
            .lock()
            .expect("failed_at")
            .is_some_and(|at| at.elapsed() < RESEND_AFTER)
    }
}

/// A running load.
pub struct Load {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

/// What a load did.
#[derive(Debug)]
pub struct LoadReport {
    /// Every acknowledged transaction.
    pub acks: Vec<Ack>,
    /// Sent, never acknowledged.
    pub unacked: Vec<(usize, u64, B256)>,
    /// Accepted sends by node.
    pub accepted: Vec<u64>,
    /// Notable node errors.
    pub notes: Vec<String>,
}

impl Load {
    /// Starts the load against `clients` (by node index). Nonces start at each account's count
    /// on the first node that answers. `tag` makes recipients fresh across loads.
    pub async fn start(clients: Vec<Client>, spec: LoadSpec, tag: &str) -> Self {
        let signers = txs::dev_signers();
        let shared = Arc::new(Shared {
            accepted: clients.iter().map(|_| AtomicU64::new(0)).collect(),
            failed_at: clients.iter().map(|_| Mutex::new(None)).collect(),
            clients,
            finishing: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            acks: Mutex::new(Vec::new()),
            notes: Mutex::new(Vec::new()),
            unacked: Mutex::new(Vec::new()),
        });
        eprintln!("load: {spec:?}");
        let mut tasks = Vec::new();
        for (slot, &(account, target)) in spec.senders.iter().enumerate() {
            let signer = signers[account].clone();
            let start = start_nonce(&shared.clients, &signer).await;
            tasks.push(tokio::spawn(send_chain(
                Arc::clone(&shared),
                Sender {
                    slot,
                    account,
                    signer,
                    target,
                    start,
                    end: start + spec.per_sender,
                    window: spec.window,
                    pace: spec.pace,
                    tag: format!("{tag}/{account}"),
                },
            )));
        }
        Self { shared, tasks }
    }

    /// Acknowledged so far.
    pub fn ack_count(&self) -> usize {
        self.shared.acks.lock().expect("acks").len()
    }

    /// Waits (at most `within`) for `count` acknowledgements; false if they did not come.
    pub async fn wait_acks(&self, count: usize, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.ack_count() >= count {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.ack_count() >= count
    }

    /// Stops sending new transactions, lets senders wait (at most `drain`) for the receipts of
    /// what they sent (sending it again where needed), then stops them.
    pub async fn stop(self, drain: Duration) -> LoadReport {
        self.shared.finishing.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + drain;
        while Instant::now() < deadline && !self.tasks.iter().all(JoinHandle::is_finished) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.shared.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(40), task).await;
        }
        let shared = &self.shared;
        LoadReport {
            acks: std::mem::take(&mut *shared.acks.lock().expect("acks")),
            unacked: std::mem::take(&mut *shared.unacked.lock().expect("unacked")),
            accepted: shared
                .accepted
                .iter()
                .map(|a| a.load(Ordering::SeqCst))
                .collect(),
            notes: std::mem::take(&mut *shared.notes.lock().expect("notes")),
        }
    }
}

/// The account's transaction count on the first node that answers.
async fn start_nonce(clients: &[Client], signer: &PrivateKeySigner) -> u64 {
    for _ in 0..50 {
        for client in clients {
            if let Ok(count) = client
                .call(
                    "eth_getTransactionCount",
                    json!([signer.address(), "latest"]),
                )
                .await
                && let Some(count) = quantity(&count)
            {
                return count;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no node answered eth_getTransactionCount");
}

struct Sender {
    slot: usize,
    account: usize,
    signer: PrivateKeySigner,
    target: usize,
    start: u64,
    end: u64,
    window: usize,
    pace: Duration,
    tag: String,
}

struct Outstanding {
    nonce: u64,
    tx: SignedTx,
    last_sent: Instant,
}

/// Sends `tx` to node `to`: `Ok` when the node has it (now or already), `Err` when it did not
/// answer (the caller moves on to another node).
async fn send(shared: &Shared, to: usize, tx: &SignedTx) -> Result<(), CallError> {
    match shared.clients[to]
        .call_within("eth_sendRawTransaction", json!([tx.raw]), LOAD_CALL_TIMEOUT)
        .await
    {
        Ok(_) => {
            shared.accepted[to].fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        Err(CallError::Node(error)) => {
            let text = error.to_string().to_ascii_lowercase();
            let benign = [
                "already known",
                "known transaction",
                "nonce too low",
                "already",
            ];
            if !benign.iter().any(|b| text.contains(b)) {
                let mut notes = shared.notes.lock().expect("notes");
                if notes.len() < 50 {
                    notes.push(format!("node{to} refused {}: {error}", tx.hash));
                }
            }
            Ok(())
        }
        Err(transport) => {
            shared.mark_failed(to);
            Err(transport)
        }
    }
}

async fn send_chain(shared: Arc<Shared>, mut s: Sender) {
    let nodes = shared.clients.len();
    let mut next = s.start;
    let mut outstanding: VecDeque<Outstanding> = VecDeque::new();
    let mut poll_node = s.slot % nodes;
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let finishing = shared.finishing.load(Ordering::SeqCst);
        if finishing && outstanding.is_empty() {
            break;
        }
        // New transactions, up to the window.
        while !finishing && outstanding.len() < s.window && next < s.end {
            let to = txs::fresh_address(format!("{}/{next}", s.tag).as_bytes());
            let tx = txs::transfer_1559(&s.signer, next, to, VALUE);
            if send(&shared, s.target, &tx).await.is_err() {
                s.target = (s.target + 1) % nodes;
            }
            outstanding.push_back(Outstanding {
                nonce: next,
                tx,
                last_sent: Instant::now(),
            });
            next += 1;
        }
        // Receipts, from the next node in turn that has not just failed to answer.
        if !outstanding.is_empty() {
            for _ in 0..nodes {
                poll_node = (poll_node + 1) % nodes;
                if !shared.recently_failed(poll_node) {
                    break;
                }
            }
            let node = poll_node;
            let calls: Vec<(&str, Value)> = outstanding
                .iter()
                .map(|o| ("eth_getTransactionReceipt", json!([o.tx.hash])))
                .collect();
            let polled = shared.clients[node]
                .batch_within(&calls, LOAD_CALL_TIMEOUT)
                .await;
            if let Err(CallError::Transport(_)) = polled {
                shared.mark_failed(node);
            }
            if let Ok(receipts) = polled {
                let mut acked = Vec::new();
                for (o, receipt) in outstanding.iter().zip(&receipts) {
                    if receipt.is_null() {
                        continue;
                    }
                    if receipt["status"] != json!("0x1") {
                        shared
                            .notes
                            .lock()
                            .expect("notes")
                            .push(format!("failed receipt for {}: {receipt}", o.tx.hash));
                    }
                    match Ack::from_receipt(o.tx.hash, s.account, o.nonce, node, receipt) {
                        Some(ack) => acked.push(ack),
                        None => shared
                            .notes
                            .lock()
                            .expect("notes")
                            .push(format!("unreadable receipt from node{node}: {receipt}")),
                    }
                }
                if !acked.is_empty() {
                    outstanding.retain(|o| !acked.iter().any(|a| a.hash == o.tx.hash));
                    shared.acks.lock().expect("acks").extend(acked);
                }
            }
        }
        // Stalled: everything unacknowledged again, to the next node.
        if outstanding
            .front()
            .is_some_and(|o| o.last_sent.elapsed() > RESEND_AFTER)
        {
            s.target = (s.target + 1) % nodes;
            for o in outstanding.iter_mut() {
                if send(&shared, s.target, &o.tx).await.is_err() {
                    break;
                }
                o.last_sent = Instant::now();
            }
            if let Some(o) = outstanding.front_mut() {
                // Even if the node did not answer: wait again before the next node.
                o.last_sent = Instant::now();
            }
        }
        tokio::time::sleep(s.pace).await;
    }
    shared
        .unacked
        .lock()
        .expect("unacked")
        .extend(outstanding.iter().map(|o| (s.account, o.nonce, o.tx.hash)));
}
