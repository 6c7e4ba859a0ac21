//! Transaction gossip: every node forwards the raw transactions it admits to its peers, so that
//! every pool holds them and a failover loses none. One task and one connection per peer,
//! separate from Raft's, behind a bounded queue: gossip never delays an RPC and never grows
//! without bound.

use super::{
    Shared,
    message::{PeerRequest, PeerResponse},
    network::Link,
};
use crate::PeerNode;
use cloister_primitives::{Address, Bytes};
use parking_lot::Mutex;
use std::{collections::BTreeMap, sync::Arc, time::Duration};
use tokio::sync::mpsc;

/// Batches waiting per peer; beyond this a batch is dropped for that peer.
pub const GOSSIP_QUEUE: usize = 256;
/// Transactions sent in one frame at most (queued batches are merged up to this).
const MAX_BATCH: usize = 2048;
/// Bound on dialling plus one exchange.
const GOSSIP_TIMEOUT: Duration = Duration::from_secs(5);

struct Peer {
    cluster: String,
    queue: mpsc::Sender<Vec<Bytes>>,
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
        let (queue, batches) = mpsc::channel(GOSSIP_QUEUE);
        runtime.spawn(send_loop(Arc::clone(&self.shared), node.clone(), batches));
        // Replacing the entry drops the old sender, which ends the old task.
        peers.insert(
            node.address,
            Peer {
                cluster: node.cluster,
                queue,
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
            if peer.queue.try_send(txs.clone()).is_err() {
                tracing::debug!(target: "cloister::cluster", peer = %address, "gossip queue full, batch dropped");
            }
        }
    }

    pub fn addresses(&self) -> Vec<Address> {
        self.peers.lock().keys().copied().collect()
    }
}

/// Sends queued batches to `node` until its queue is dropped.
async fn send_loop(shared: Arc<Shared>, node: PeerNode, mut batches: mpsc::Receiver<Vec<Bytes>>) {
    let address = node.address;
    let mut link = Link::new(shared, node);
    while let Some(mut txs) = batches.recv().await {
        while txs.len() < MAX_BATCH {
            match batches.try_recv() {
                Ok(more) => txs.extend(more),
                Err(_) => break,
            }
        }
        let count = txs.len();
        match link
            .call(&PeerRequest::Transactions(txs), GOSSIP_TIMEOUT)
            .await
        {
            Ok(PeerResponse::TransactionsReceived) => {}
            Ok(_) => {
                tracing::debug!(target: "cloister::cluster", peer = %address, "unexpected answer to gossip");
            }
            Err(err) => {
                tracing::debug!(target: "cloister::cluster", peer = %address, count, %err, "gossip failed, batch dropped");
            }
        }
    }
}
