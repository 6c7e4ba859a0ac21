//! A validator in a cluster: the Raft node over this node's chain, its attested peer
//! transport, transaction gossip, and the production gate. Absent on a single validator
//! (`--dev`), which commits its own blocks with no cluster port.

use crate::NodeError;
use alloy_signer_local::PrivateKeySigner;
use cloister_chain::{Chain, SnapshotAccounts};
use cloister_consensus::{
    ChainStateMachine, ClusterRaft, LocalBlocks, LogStore, PeerNode, RaftBlockSink, node_id_of,
    openraft::{Config, SnapshotPolicy},
    transport::{PeerHandler, PeerIdentity, PeerNetwork, PeerPolicy, PeerTransport},
};
use cloister_primitives::{Address, Bytes, Decodable2718, TxEnvelope, recover_parallel};
use cloister_storage::RaftLogDb;
use cloister_txpool::{AdmissionContext, TxPool};
use std::{collections::BTreeMap, net::SocketAddr, path::Path, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

/// How this node joins its cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// Where the cluster port listens.
    pub listen: SocketAddr,
    /// Every validator of the cluster, this node included: key, cluster address, RPC URL.
    pub peers: Vec<PeerNode>,
    /// Raft heartbeat.
    pub heartbeat: Duration,
    /// Raft election timeout range; a leader is replaced this long after it goes silent.
    pub election_timeout: (Duration, Duration),
    /// Snapshot after this many applied entries (the log before it is purged).
    pub snapshot_every: u64,
}

impl ClusterConfig {
    /// Default timings for `peers`, listening on `listen`.
    pub fn new(listen: SocketAddr, peers: Vec<PeerNode>) -> Self {
        Self {
            listen,
            peers,
            heartbeat: Duration::from_millis(150),
            election_timeout: (Duration::from_millis(600), Duration::from_millis(1200)),
            snapshot_every: 10_000,
        }
    }
}

/// The running cluster side of a node.
pub(crate) struct ClusterNode {
    pub raft: ClusterRaft,
    pub local: LocalBlocks,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for ClusterNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterNode").finish_non_exhaustive()
    }
}

impl ClusterNode {
    /// Stops Raft and the cluster's tasks.
    pub async fn stop(self) {
        let _ = self.raft.shutdown().await;
        for task in self.tasks {
            task.abort();
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Starts the Raft node, the transport and gossip. `data_key` encrypts `raft.redb` like the
/// chain.
pub(crate) async fn start(
    config: &ClusterConfig,
    datadir: &Path,
    data_key: Option<&[u8; 32]>,
    chain: Arc<Chain>,
    pool: Arc<TxPool>,
    key: PrivateKeySigner,
) -> Result<ClusterNode, NodeError> {
    let validators: Vec<Address> = chain.validators().to_vec();
    let me = key.address();
    for peer in &config.peers {
        if !validators.contains(&peer.address) {
            return Err(NodeError::Cluster(format!(
                "peer {} is not a validator of this chain's genesis (joining needs governance)",
                peer.address
            )));
        }
    }
    let id = node_id_of(&me);
    let raft_config = Config {
        heartbeat_interval: millis(config.heartbeat),
        election_timeout_min: millis(config.election_timeout.0),
        election_timeout_max: millis(config.election_timeout.1),
        snapshot_policy: SnapshotPolicy::LogsSinceLast(config.snapshot_every),
        ..Default::default()
    }
    .validate()
    .map_err(|e| NodeError::Cluster(e.to_string()))?;

    let membership = validators.clone();
    let policy = PeerPolicy::new(Arc::new(move |a: &Address| membership.contains(a)), None);
    let identity = PeerIdentity::self_signed(key).map_err(|e| NodeError::Cluster(e.to_string()))?;
    let transport =
        PeerTransport::new(identity, policy).map_err(|e| NodeError::Cluster(e.to_string()))?;
    let network = transport.network();
    network.set_peers(config.peers.iter().filter(|p| p.address != me).cloned());

    let log = LogStore::new(RaftLogDb::open(datadir, data_key)?);
    let local = LocalBlocks::default();
    let sm = ChainStateMachine::new(chain.clone(), Some(pool.clone()), local.clone());
    let raft = ClusterRaft::new(id, Arc::new(raft_config), network.clone(), log, sm)
        .await
        .map_err(|e| NodeError::Cluster(e.to_string()))?;

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| NodeError::Cluster(format!("cluster port {}: {e}", config.listen)))?;
    let handler = PeerHandler {
        raft: raft.clone(),
        on_transactions: gossip_sink(chain.clone(), pool.clone()),
    };
    let serving = transport.clone();
    let mut tasks = vec![tokio::spawn(async move {
        serving.serve(listener, handler).await;
    })];
    tasks.push(tokio::spawn(gossip_pending(pool, network.clone())));

    // The first validator in genesis order starts the cluster; the others wait to be reached.
    // Initialising an already initialised log is refused by openraft, harmlessly.
    if validators.first() == Some(&me) && !raft.is_initialized().await.unwrap_or(true) {
        let members: BTreeMap<u64, PeerNode> = config
            .peers
            .iter()
            .map(|p| (node_id_of(&p.address), p.clone()))
            .collect();
        if let Err(err) = raft.initialize(members).await {
            tracing::info!(target: "cloister::cluster", %err, "cluster already initialised");
        }
    }
    tracing::info!(target: "cloister::cluster", listen = %config.listen, peers = config.peers.len(), "cluster port listening");
    Ok(ClusterNode { raft, local, tasks })
}

/// The producer's gate and sink for this cluster node.
pub(crate) fn producer_parts(node: &ClusterNode) -> (Arc<RaftBlockSink>, watch::Receiver<bool>) {
    (
        Arc::new(RaftBlockSink::new(node.raft.clone(), node.local.clone())),
        RaftBlockSink::production_gate(&node.raft),
    )
}

/// Admits transactions gossiped by peers into the pool (already-known ones are refused there).
fn gossip_sink(chain: Arc<Chain>, pool: Arc<TxPool>) -> Arc<dyn Fn(Vec<Bytes>) + Send + Sync> {
    Arc::new(move |raw: Vec<Bytes>| {
        let decoded: Vec<TxEnvelope> = raw
            .iter()
            .filter_map(|bytes| TxEnvelope::decode_2718(&mut bytes.as_ref()).ok())
            .collect();
        let recovered: Vec<_> = recover_parallel(decoded).into_iter().flatten().collect();
        let head = chain.head();
        let (base_fee, timestamp) = cloister_rpc::next_block_fields(&head.header);
        let ctx = AdmissionContext {
            base_fee,
            block_gas_limit: head.header.gas_limit,
            spec: chain.spec().spec_id_at(head.header.number + 1, timestamp),
        };
        let _ = pool.add_transactions(recovered, &SnapshotAccounts(head.reader.clone()), &ctx);
    })
}

/// Sends every transaction this node's pool admits to its peers, in batches, so that any node
/// that becomes leader holds the pending transactions (a failover drops none).
async fn gossip_pending(pool: Arc<TxPool>, network: PeerNetwork) {
    let mut pending = pool.subscribe_pending();
    loop {
        let first = match pending.recv().await {
            Ok(tx) => tx,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(target: "cloister::cluster", missed, "gossip fell behind the pool");
                continue;
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        let mut batch = vec![first];
        while batch.len() < 1000 {
            match pending.try_recv() {
                Ok(tx) => batch.push(tx),
                Err(_) => break,
            }
        }
        let raw = batch
            .iter()
            .map(|pooled| {
                let mut out = Vec::new();
                cloister_primitives::Encodable2718::encode_2718(pooled.tx.inner(), &mut out);
                Bytes::from(out)
            })
            .collect();
        network.broadcast_transactions(raw);
    }
}
