//! A validator in a cluster: the Raft node over this node's chain, its attested peer
//! transport, transaction gossip, and the production gate. Absent on a single validator
//! (`--dev`), which commits its own blocks with no cluster port.

use alloy_signer_local::PrivateKeySigner;
use cloister_chain::{Chain, SnapshotAccounts};
use cloister_consensus::{
    ChainStateMachine, ClusterRaft, LocalBlocks, LogStore, PeerNode, RaftBlockSink, node_id_of,
    openraft::{Config, SnapshotPolicy},
    transport::{
        PeerAttestation, PeerHandler, PeerIdentity, PeerNetwork, PeerPolicy, PeerTransport,
        TransportError,
    },
};
use cloister_primitives::{Address, Bytes, Decodable2718, TxEnvelope, recover_parallel};
use cloister_storage::RaftLogDb;
use cloister_tee::RaTlsIdentity;
use cloister_txpool::{AdmissionContext, TxPool};
use std::{collections::BTreeMap, net::SocketAddr, path::Path, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

/// What this node is in its cluster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterRole {
    /// Votes, and seals blocks while it leads.
    #[default]
    Validator,
    /// A read replica: a learner that receives every block, votes on nothing, serves RPC.
    Follower,
}

impl ClusterRole {
    /// `validator` or `follower`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validator => "validator",
            Self::Follower => "follower",
        }
    }
}

/// How this node joins its cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// Validator or read replica.
    pub role: ClusterRole,
    /// Where the cluster port listens.
    pub listen: SocketAddr,
    /// The nodes this one talks to: every validator (this node included, when it is one) with
    /// its key, cluster address and RPC URL.
    pub peers: Vec<PeerNode>,
    /// Raft heartbeat.
    pub heartbeat: Duration,
    /// Raft election timeout range; a leader is replaced this long after it goes silent.
    pub election_timeout: (Duration, Duration),
    /// Snapshot after this many applied entries (the log before it is purged).
    pub snapshot_every: u64,
}

impl ClusterConfig {
    /// Default timings for a validator among `peers`, listening on `listen`.
    pub fn new(listen: SocketAddr, peers: Vec<PeerNode>) -> Self {
        Self {
            role: ClusterRole::Validator,
            listen,
            peers,
            heartbeat: Duration::from_millis(150),
            election_timeout: (Duration::from_millis(600), Duration::from_millis(1200)),
            snapshot_every: 10_000,
        }
    }
}

/// Why the cluster side of a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A configured peer, or this node, is neither a genesis validator nor a genesis follower.
    #[error(
        "{0} is not a member of this chain's genesis (validators or followers); joining needs governance"
    )]
    NotAdmitted(Address),
    /// A follower's key is a validator's, or a validator runs as follower.
    #[error("{address} is {actual} in genesis but configured as {configured}")]
    WrongRole {
        /// The key.
        address: Address,
        /// What genesis makes it.
        actual: &'static str,
        /// What the config file says.
        configured: &'static str,
    },
    /// A cluster node without its key.
    #[error("a cluster node needs its key (validator key or node key)")]
    NoKey,
    /// The Raft configuration is invalid.
    #[error("raft configuration: {0}")]
    RaftConfig(#[from] cloister_consensus::openraft::ConfigError),
    /// Raft would not start (its log or state machine failed).
    #[error("raft: {0}")]
    Raft(String),
    /// The cluster port could not be bound.
    #[error("cluster port {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },
    /// The TLS identity of the cluster port could not be made.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// The running cluster side of a node.
pub(crate) struct ClusterNode {
    pub raft: ClusterRaft,
    pub local: LocalBlocks,
    pub role: ClusterRole,
    pub transport: PeerTransport,
    pub peers: Vec<PeerNode>,
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

/// How long the leader waits for a peer to install a snapshot chunk (the last chunk imports
/// the blocks).
const INSTALL_SNAPSHOT_TIMEOUT_MS: u64 = 120_000;

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What the cluster port proves and demands: this node's RA-TLS identity and the chain's
/// attestation rule (`None` with `--tee none`: key proofs only).
pub(crate) struct ClusterAttestation {
    pub identity: RaTlsIdentity,
    pub peers: PeerAttestation,
}

/// Starts the Raft node, the transport and gossip. `data_key` encrypts `raft.redb` like the
/// chain; `key` is the validator key (or a follower's node key).
pub(crate) async fn start(
    config: &ClusterConfig,
    datadir: &Path,
    data_key: Option<&[u8; 32]>,
    chain: Arc<Chain>,
    pool: Arc<TxPool>,
    key: PrivateKeySigner,
    attestation: Option<ClusterAttestation>,
) -> Result<ClusterNode, ClusterError> {
    // The configuration at this node's head: a node that was down, or is new, may be behind;
    // on a governed chain its peers decide with theirs, and it catches up as a learner.
    let consortium = chain.consortium();
    let genesis_validators: Vec<Address> = chain
        .spec()
        .cloister()
        .map(|c| c.validators.clone())
        .unwrap_or_default();
    let me = key.address();
    let listed = if consortium.is_validator(&me) {
        Some(ClusterRole::Validator)
    } else if consortium.nodes.contains(&me) {
        Some(ClusterRole::Follower)
    } else {
        None
    };
    match listed {
        Some(actual) if actual != config.role && !consortium.governed => {
            return Err(ClusterError::WrongRole {
                address: me,
                actual: actual.as_str(),
                configured: config.role.as_str(),
            });
        }
        None if !consortium.governed => return Err(ClusterError::NotAdmitted(me)),
        None => tracing::warn!(
            target: "cloister::cluster",
            address = %me,
            "not listed by the governance configuration at this node's head; asking to join (the leader admits it if governance lists it)"
        ),
        Some(_) => {}
    }
    if !consortium.governed {
        for peer in &config.peers {
            if !consortium.admits(&peer.address) {
                return Err(ClusterError::NotAdmitted(peer.address));
            }
        }
    }
    let id = node_id_of(&me);
    let raft_config = Config {
        heartbeat_interval: millis(config.heartbeat),
        election_timeout_min: millis(config.election_timeout.0),
        election_timeout_max: millis(config.election_timeout.1),
        snapshot_policy: SnapshotPolicy::LogsSinceLast(config.snapshot_every),
        // Installing a snapshot imports every missing block before it answers; openraft's
        // 200 ms default made the leader time out and resend (rebuilding the snapshot) dozens
        // of times while a node that was down for a thousand blocks caught up.
        install_snapshot_timeout: INSTALL_SNAPSHOT_TIMEOUT_MS,
        ..Default::default()
    }
    .validate()?;

    let (identity, peer_attestation) = match attestation {
        Some(a) => (PeerIdentity::from_ra_tls(key, &a.identity), Some(a.peers)),
        None => (PeerIdentity::self_signed(key)?, None),
    };
    // Asked on every handshake and, after a change, again on every open connection: a node
    // the configuration in force admits, or one still in the Raft membership (a validator
    // removed by a vote keeps talking Raft until the leader's membership change that removes
    // it commits: cutting it off first could leave the old configuration without a quorum).
    let members_of = chain.clone();
    let raft_cell: Arc<std::sync::OnceLock<ClusterRaft>> = Arc::default();
    let raft_of = raft_cell.clone();
    let policy = PeerPolicy::new(
        Arc::new(move |a: &Address| {
            members_of.consortium().admits(a)
                || raft_of.get().is_some_and(|raft| {
                    raft.metrics()
                        .borrow()
                        .membership_config
                        .membership()
                        .get_node(&node_id_of(a))
                        .is_some()
                })
        }),
        peer_attestation,
    );
    let transport = PeerTransport::new(identity, policy)?;
    let network = transport.network();
    network.set_peers(config.peers.iter().filter(|p| p.address != me).cloned());

    let log = LogStore::new(
        RaftLogDb::open(datadir, data_key).map_err(|e| ClusterError::Raft(e.to_string()))?,
    );
    let local = LocalBlocks::default();
    let sm = ChainStateMachine::new(chain.clone(), Some(pool.clone()), local.clone());
    let raft = ClusterRaft::new(id, Arc::new(raft_config), network.clone(), log, sm)
        .await
        .map_err(|e| ClusterError::Raft(e.to_string()))?;
    let _ = raft_cell.set(raft.clone());

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ClusterError::Bind {
            addr: config.listen,
            source,
        })?;
    let listen = listener.local_addr().unwrap_or(config.listen);
    let from_peers = FromPeers::default();
    let handler = PeerHandler {
        raft: raft.clone(),
        on_transactions: gossip_sink(chain.clone(), pool.clone(), from_peers.clone()),
    };
    let serving = transport.clone();
    let mut tasks = vec![tokio::spawn(async move {
        serving.serve(listener, handler).await;
    })];
    tasks.push(tokio::spawn(gossip_pending(
        pool.clone(),
        network.clone(),
        from_peers.clone(),
    )));
    tasks.push(tokio::spawn(regossip_stale(
        pool,
        raft.clone(),
        network.clone(),
        from_peers,
    )));

    tasks.push(tokio::spawn(crate::cluster_membership::reconcile(
        raft.clone(),
        chain.clone(),
        crate::cluster_membership::Peers {
            policy: transport.policy().clone(),
            network: network.clone(),
            configured: config
                .peers
                .iter()
                .filter(|p| p.address != me)
                .cloned()
                .collect(),
        },
    )));

    let genesis_validator = genesis_validators.contains(&me);
    match config.role {
        ClusterRole::Validator if genesis_validator => {
            // The first validator in genesis order starts the cluster with every genesis
            // validator as voter; the others wait to be reached. Initialising an already
            // initialised log is refused by openraft, harmlessly.
            if genesis_validators.first() == Some(&me)
                && !raft.is_initialized().await.unwrap_or(true)
            {
                let voters: BTreeMap<u64, PeerNode> = config
                    .peers
                    .iter()
                    .filter(|p| genesis_validators.contains(&p.address))
                    .map(|p| (node_id_of(&p.address), p.clone()))
                    .collect();
                if let Err(err) = raft.initialize(voters).await {
                    tracing::info!(target: "cloister::cluster", %err, "cluster already initialised");
                }
            }
        }
        // A follower, or a validator that governance added after genesis: it joins as a learner;
        // the leader makes an added validator a voter once it has caught up.
        _ => {
            let me_node = config
                .peers
                .iter()
                .find(|p| p.address == me)
                .cloned()
                .unwrap_or_else(|| PeerNode {
                    address: me,
                    cluster: listen.to_string(),
                    rpc: String::new(),
                });
            let validators_to_ask: Vec<PeerNode> = config
                .peers
                .iter()
                .filter(|p| p.address != me)
                .cloned()
                .collect();
            tasks.push(tokio::spawn(join_as_learner(
                raft.clone(),
                network.clone(),
                validators_to_ask,
                me_node,
            )));
        }
    }
    tracing::info!(target: "cloister::cluster", %listen, role = config.role.as_str(), peers = config.peers.len(), "cluster port listening");
    Ok(ClusterNode {
        raft,
        local,
        role: config.role,
        transport,
        peers: config.peers.clone(),
        tasks,
    })
}

/// Until the membership names this node, asks the validators in turn to add it as a learner
/// (only the leader can; the others say so). Bounded by the node's life, paced at 1 s.
async fn join_as_learner(
    raft: ClusterRaft,
    network: PeerNetwork,
    validators: Vec<PeerNode>,
    me: PeerNode,
) {
    let id = node_id_of(&me.address);
    loop {
        let known = raft
            .metrics()
            .borrow()
            .membership_config
            .membership()
            .get_node(&id)
            .is_some();
        if known {
            tracing::info!(target: "cloister::cluster", "admitted as a learner");
            return;
        }
        for validator in &validators {
            match network.request_join(validator, me.clone()).await {
                Ok(()) => break,
                Err(err) => {
                    tracing::debug!(target: "cloister::cluster", via = %validator.address, %err, "join not taken");
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The producer's gate and sink for this cluster node.
pub(crate) fn producer_parts(node: &ClusterNode) -> (Arc<RaftBlockSink>, watch::Receiver<bool>) {
    (
        Arc::new(RaftBlockSink::new(node.raft.clone(), node.local.clone())),
        RaftBlockSink::production_gate(&node.raft),
    )
}

/// Hashes of transactions this node received from peers: the mesh already gave them to every
/// peer, so they are not gossiped again (gossip costs one sender recovery per receiver, and
/// an echo would multiply it by the cluster's size). Bounded: cleared past [`FROM_PEERS_MAX`].
#[derive(Clone, Default)]
struct FromPeers(Arc<std::sync::Mutex<std::collections::HashSet<cloister_primitives::TxHash>>>);

/// Most hashes [`FromPeers`] keeps before it starts again.
const FROM_PEERS_MAX: usize = 500_000;

impl FromPeers {
    fn insert_all(&self, hashes: impl IntoIterator<Item = cloister_primitives::TxHash>) {
        let mut set = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if set.len() > FROM_PEERS_MAX {
            set.clear();
        }
        set.extend(hashes);
    }
    fn contains(&self, hash: &cloister_primitives::TxHash) -> bool {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(hash)
    }
}

/// Admits transactions gossiped by peers into the pool. Ones the pool already holds are skipped
/// before their senders are recovered (the expensive part); others are refused there.
fn gossip_sink(
    chain: Arc<Chain>,
    pool: Arc<TxPool>,
    from_peers: FromPeers,
) -> Arc<dyn Fn(Vec<Bytes>) + Send + Sync> {
    Arc::new(move |raw: Vec<Bytes>| {
        let decoded: Vec<TxEnvelope> = raw
            .iter()
            .filter_map(|bytes| TxEnvelope::decode_2718(&mut bytes.as_ref()).ok())
            .filter(|tx| !pool.contains(tx.tx_hash()))
            .collect();
        if decoded.is_empty() {
            return;
        }
        from_peers.insert_all(decoded.iter().map(|tx| *tx.tx_hash()));
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
async fn gossip_pending(pool: Arc<TxPool>, network: PeerNetwork, from_peers: FromPeers) {
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
        let raw: Vec<Bytes> = batch
            .iter()
            .filter(|pooled| !from_peers.contains(&pooled.hash))
            .map(|pooled| {
                let mut out = Vec::new();
                cloister_primitives::Encodable2718::encode_2718(pooled.tx.inner(), &mut out);
                Bytes::from(out)
            })
            .collect();
        network.broadcast_transactions(raw);
    }
}

/// How often a node that does not lead looks for transactions its pool has held too long.
const REGOSSIP_EVERY: Duration = Duration::from_secs(5);
/// Most transactions re-gossiped at one tick.
const REGOSSIP_MAX: usize = 20_000;

/// While this node does not lead, sends its peers again every transaction (pending or queued)
/// that it received from a client and that was already in its pool at the previous tick: one the leader never received (a gossip
/// batch dropped, a leader that died before mining it) is not left behind in a pool that will
/// never mine it. Receivers drop what they already hold.
async fn regossip_stale(
    pool: Arc<TxPool>,
    raft: ClusterRaft,
    network: PeerNetwork,
    from_peers: FromPeers,
) {
    let mut seen: std::collections::HashSet<cloister_primitives::TxHash> = Default::default();
    let mut every = tokio::time::interval(REGOSSIP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let leads = {
            let metrics = raft.metrics();
            let m = metrics.borrow();
            m.current_leader == Some(m.id)
        };
        if leads {
            seen.clear();
            continue;
        }
        let content = pool.content();
        let mut now = std::collections::HashSet::new();
        let mut stale = Vec::new();
        for tx in content
            .pending
            .values()
            .chain(content.queued.values())
            .flat_map(|by_nonce| by_nonce.values())
        {
            let hash = tx.hash;
            if seen.contains(&hash) && stale.len() < REGOSSIP_MAX && !from_peers.contains(&hash) {
                let mut out = Vec::new();
                cloister_primitives::Encodable2718::encode_2718(tx.tx.inner(), &mut out);
                stale.push(Bytes::from(out));
            }
            now.insert(hash);
        }
        if !stale.is_empty() {
            tracing::debug!(target: "cloister::cluster", count = stale.len(), "re-gossiping transactions still in the pool");
            network.broadcast_transactions(stale);
        }
        seen = now;
    }
}
