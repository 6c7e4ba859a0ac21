//! Transaction gossip: every node forwards the raw transactions it admits to its peers, so that
//! every pool holds them and a failover loses none. One task and one connection per peer,
//! separate from Raft's, behind a buffer bounded in transactions: gossip never delays an RPC
//! and never grows without bound. A send that fails is retried (re-dialled) a few times before
//! its transactions are dropped for that peer; the node's re-gossip of transactions that stay
//! pending covers what is dropped.

use super::{
    Shared,
    message::{PeerRequest, PeerResponse},
    network::Link,
};
use crate::PeerNode;
use cloister_primitives::{Address, Bytes};
use parking_lot::Mutex;
use std::{
    collections::{BTreeMap, VecDeque},
    sync::Arc,
    time::Duration,
};
use tokio::sync::Notify;

/// Transactions waiting per peer; beyond this the newest are dropped for that peer (and
/// counted in a warning).
pub const GOSSIP_QUEUE: usize = 65_536;
/// Transactions sent in one frame at most.
const MAX_BATCH: usize = 4096;
/// Bound on dialling plus one exchange.
const GOSSIP_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per batch before it is dropped for that peer.
const ATTEMPTS: usize = 3;

/// One peer's waiting transactions, and the wake-up of its sender task.
#[derive(Default)]
struct Outbox {
    txs: Mutex<VecDeque<Bytes>>,
    ready: Notify,
}

impl Outbox {
    /// Appends what fits; returns how many did not.
    fn push(&self, txs: &[Bytes]) -> usize {
        let mut queue = self.txs.lock();
        let room = GOSSIP_QUEUE.saturating_sub(queue.len());
        let taken = txs.len().min(room);
        queue.extend(txs[..taken].iter().cloned());
        drop(queue);
        if taken > 0 {
            self.ready.notify_one();
        }
        txs.len() - taken
    }

    /// Up to [`MAX_BATCH`] transactions, oldest first.
    fn take(&self) -> Vec<Bytes> {
        let mut queue = self.txs.lock();
        let n = queue.len().min(MAX_BATCH);
        queue.drain(..n).collect()
    }
}

struct Peer {
    cluster: String,
    outbox: Arc<Outbox>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The peers transactions are gossiped to, by key.
#[derive(Clone)]
pub(crate) struct GossipPeers {
    shared: Arc<Shared>,
    peers: Arc<Mutex<BTreeMap<Address, Peer>>>,
}

impl std::fmt::Debug for GossipPeers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GossipPeers")
            .field("peers", &self.peers.lock().keys().collect::<Vec<_>>())
            .finish()
    }
}

impl GossipPeers {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            peers: Arc::default(),
        }
    }

    /// Adds `node` (or updates its endpoint); this node itself is never a peer.
    pub fn add(&self, node: PeerNode) {
        if node.address == self.shared.address() || node.cluster.is_empty() {
            return;
        }
        let mut peers = self.peers.lock();
        if peers
            .get(&node.address)
            .is_some_and(|p| p.cluster == node.cluster)
        {
            return;
        }
        // Outside a runtime there is nowhere to run the sender; the peer is skipped.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let outbox = Arc::new(Outbox::default());
        let task = runtime.spawn(send_loop(
            Arc::clone(&self.shared),
            node.clone(),
            Arc::clone(&outbox),
        ));
        // Replacing the entry drops the old peer, which ends the old task.
        peers.insert(
            node.address,
            Peer {
                cluster: node.cluster,
                outbox,
                task,
            },
        );
    }

    /// Makes `nodes` the peers: new ones added, absent ones removed.
    pub fn set(&self, nodes: impl IntoIterator<Item = PeerNode>) {
        let nodes: Vec<PeerNode> = nodes.into_iter().collect();
        self.peers
            .lock()
            .retain(|address, _| nodes.iter().any(|n| n.address == *address));
        for node in nodes {
            self.add(node);
        }
    }

    pub fn broadcast(&self, txs: Vec<Bytes>) {
        if txs.is_empty() {
            return;
        }
        for (address, peer) in self.peers.lock().iter() {
            let dropped = peer.outbox.push(&txs);
            if dropped > 0 {
                tracing::warn!(target: "cloister::cluster", peer = %address, dropped, "gossip buffer full, transactions not sent to this peer");
            }
        }
    }

    pub fn addresses(&self) -> Vec<Address> {
        self.peers.lock().keys().copied().collect()
    }
}

/// Sends `node` what its outbox holds, batch by batch, until the task is aborted.
async fn send_loop(shared: Arc<Shared>, node: PeerNode, outbox: Arc<Outbox>) {
    let address = node.address;
    let mut link = Link::new(shared, node);
    loop {
        let txs = outbox.take();
        if txs.is_empty() {
            outbox.ready.notified().await;
            continue;
        }
        let count = txs.len();
        let request = PeerRequest::Transactions(txs);
        let mut sent = false;
        for attempt in 1..=ATTEMPTS {
            match link.call(&request, GOSSIP_TIMEOUT).await {
                Ok(PeerResponse::TransactionsReceived) => {
                    sent = true;
                    break;
                }
                Ok(_) => {
                    tracing::debug!(target: "cloister::cluster", peer = %address, "unexpected answer to gossip");
                    break;
                }
                Err(err) => {
                    tracing::debug!(target: "cloister::cluster", peer = %address, count, attempt, %err, "gossip failed");
                    tokio::time::sleep(Duration::from_millis(100 * attempt as u64)).await;
                }
            }
        }
        if !sent {
            tracing::debug!(target: "cloister::cluster", peer = %address, count, "gossip batch dropped for this peer");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;

    #[test]
    fn the_outbox_is_bounded_in_transactions_and_drains_oldest_first() {
        let outbox = Outbox::default();
        let tx = |i: u32| Bytes::from(i.to_be_bytes().to_vec());
        let first: Vec<Bytes> = (0..GOSSIP_QUEUE as u32 - 1).map(tx).collect();
        assert_eq!(outbox.push(&first), 0);
        assert_eq!(outbox.push(&[tx(1), tx(2), tx(3)]), 2);
        let batch = outbox.take();
        assert_eq!(batch.len(), MAX_BATCH);
        assert_eq!(batch[0], tx(0));
        let mut rest = 0;
        loop {
            let more = outbox.take();
            if more.is_empty() {
                break;
            }
            rest += more.len();
        }
        assert_eq!(MAX_BATCH + rest, GOSSIP_QUEUE);
    }
}
