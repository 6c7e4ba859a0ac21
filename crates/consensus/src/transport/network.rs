//! The dialling side for Raft: one [`PeerConnection`] per target, reusing its authenticated
//! connection and re-dialling after any error, every RPC bounded by openraft's hard TTL.
//! Failures map to openraft's errors so that it backs off (`Unreachable`) or gives up on the
//! round (`Timeout`); a refusal by the remote Raft is a `RemoteError`.

use super::{
    Shared,
    error::TransportError,
    frame::{encode, read_frame, write_encoded},
    gossip::GossipPeers,
    message::{PeerRequest, PeerResponse},
};
use crate::{ClusterTypes, PeerNode};
use cloister_primitives::{Address, Bytes};
use openraft::{
    RPCTypes, RaftNetwork, RaftNetworkFactory,
    error::{
        InstallSnapshotError, PayloadTooLarge, RPCError, RaftError, RemoteError, Timeout,
        Unreachable,
    },
    network::RPCOption,
    raft::{
        AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest,
        InstallSnapshotResponse, VoteRequest, VoteResponse,
    },
};
use std::{sync::Arc, time::Duration};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// An authenticated connection to one peer.
pub(crate) type PeerStream = TlsStream<TcpStream>;

/// openraft's network factory over the attested transport; also gossips transactions.
#[derive(Clone, Debug)]
pub struct PeerNetwork {
    shared: Arc<Shared>,
    gossip: GossipPeers,
}

impl PeerNetwork {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let gossip = GossipPeers::new(Arc::clone(&shared));
        Self { shared, gossip }
    }

    /// Sets the peers transactions are gossiped to (this node is skipped). openraft's own
    /// targets are added as it connects to them.
    pub fn set_peers(&self, peers: impl IntoIterator<Item = PeerNode>) {
        self.gossip.set(peers);
    }

    /// Queues raw signed transactions for every known peer. Best effort: never waits, and a
    /// peer whose queue is full misses the batch (it still gets the block).
    pub fn broadcast_transactions(&self, txs: Vec<Bytes>) {
        self.gossip.broadcast(txs);
    }

    /// Asks `via` (the leader, if it is one) to add `me` as a learner; `Err` says why not.
    pub async fn request_join(&self, via: &PeerNode, me: PeerNode) -> Result<(), TransportError> {
        let mut link = Link::new(Arc::clone(&self.shared), via.clone());
        match link
            .call(&PeerRequest::Join(me), Duration::from_secs(5))
            .await?
        {
            PeerResponse::Joined(Ok(())) => Ok(()),
            PeerResponse::Joined(Err(reason)) => Err(TransportError::RefusedByPeer(reason)),
            _ => Err(TransportError::Unexpected("answer to a join")),
        }
    }

    /// The keys transactions are currently gossiped to.
    pub fn gossip_peers(&self) -> Vec<Address> {
        self.gossip.addresses()
    }
}

impl RaftNetworkFactory<ClusterTypes> for PeerNetwork {
    type Network = PeerConnection;

    async fn new_client(&mut self, target: u64, node: &PeerNode) -> PeerConnection {
        self.gossip.add(node.clone());
        PeerConnection {
            target,
            link: Link::new(Arc::clone(&self.shared), node.clone()),
            entries_hint: 1,
        }
    }
}

/// One node's connection to one peer, as openraft uses it.
#[derive(Debug)]
pub struct PeerConnection {
    target: u64,
    link: Link,
    /// Entries to try after an append too large for one frame: half of the last attempt.
    entries_hint: u64,
}

/// A reusable authenticated connection to one peer, dialled on demand.
#[derive(Debug)]
pub(crate) struct Link {
    shared: Arc<Shared>,
    node: PeerNode,
    stream: Option<PeerStream>,
    /// The policy generation the open stream was admitted under.
    generation: u64,
}

/// Sends an encoded request on `stream` and reads the answer.
async fn exchange(stream: &mut PeerStream, body: &[u8]) -> Result<PeerResponse, TransportError> {
    write_encoded(stream, body).await?;
    match read_frame(stream).await? {
        PeerResponse::Refused { reason } => Err(TransportError::RefusedByPeer(reason)),
        response => Ok(response),
    }
}

impl Link {
    pub fn new(shared: Arc<Shared>, node: PeerNode) -> Self {
        Self {
            shared,
            node,
            stream: None,
            generation: 0,
        }
    }

    /// One request and its answer within `ttl`: on the open connection if there is one (once
    /// more on a fresh one if that fails: the peer may have closed it while idle), else on a
    /// new one.
    pub async fn call(
        &mut self,
        request: &PeerRequest,
        ttl: Duration,
    ) -> Result<PeerResponse, TransportError> {
        // Encoded once, before dialling: an oversized request fails here, not on the wire.
        let body = encode(request)?;
        // Rules changed since this stream was admitted: dial again, so the handshake checks
        // the peer against the rules in force.
        let generation = self.shared.auth.policy.generation();
        if self.generation != generation {
            self.stream = None;
            self.generation = generation;
        }
        let attempt = async {
            if let Some(mut stream) = self.stream.take()
                && let Ok(response) = exchange(&mut stream, &body).await
            {
                self.stream = Some(stream);
                return Ok(response);
            }
            let mut stream = self.shared.dial(&self.node).await?;
            let response = exchange(&mut stream, &body).await?;
            self.stream = Some(stream);
            Ok(response)
        };
        // On timeout the stream is left in `None`: a half-sent request poisons it.
        tokio::time::timeout(ttl, attempt)
            .await
            .map_err(|_| TransportError::Timeout(ttl))?
    }
}

impl PeerConnection {
    async fn call(
        &mut self,
        request: &PeerRequest,
        ttl: Duration,
    ) -> Result<PeerResponse, TransportError> {
        self.link.call(request, ttl).await
    }

    fn rpc_error<E: std::error::Error>(
        &self,
        action: RPCTypes,
        err: TransportError,
    ) -> RPCError<u64, PeerNode, E> {
        match err {
            // openraft halves the batch and retries; a single entry that large cannot be sent.
            TransportError::FrameTooLarge { .. } if action == RPCTypes::AppendEntries => {
                RPCError::PayloadTooLarge(PayloadTooLarge::new_entries_hint(self.entries_hint))
            }
            TransportError::Timeout(timeout) => RPCError::Timeout(Timeout {
                action,
                id: self.link.shared.node_id,
                target: self.target,
                timeout,
            }),
            err => {
                tracing::debug!(target: "cloister::cluster", peer = %self.link.node.address, %err, "rpc failed");
                RPCError::Unreachable(Unreachable::new(&err))
            }
        }
    }

    fn remote<E: std::error::Error>(&self, err: E) -> RPCError<u64, PeerNode, E> {
        RPCError::RemoteError(RemoteError::new_with_node(
            self.target,
            self.link.node.clone(),
            err,
        ))
    }
}

fn unexpected(what: &'static str) -> TransportError {
    TransportError::Unexpected(what)
}

impl RaftNetwork<ClusterTypes> for PeerConnection {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<ClusterTypes>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, PeerNode, RaftError<u64>>> {
        let action = RPCTypes::AppendEntries;
        self.entries_hint = (rpc.entries.len() as u64 / 2).max(1);
        match self
            .call(&PeerRequest::AppendEntries(rpc), option.hard_ttl())
            .await
        {
            Ok(PeerResponse::AppendEntries(Ok(response))) => Ok(response),
            Ok(PeerResponse::AppendEntries(Err(err))) => Err(self.remote(err)),
            Ok(_) => Err(self.rpc_error(action, unexpected("answer to append_entries"))),
            Err(err) => Err(self.rpc_error(action, err)),
        }
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<ClusterTypes>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<u64>,
        RPCError<u64, PeerNode, RaftError<u64, InstallSnapshotError>>,
    > {
        let action = RPCTypes::InstallSnapshot;
        match self
            .call(&PeerRequest::InstallSnapshot(rpc), option.hard_ttl())
            .await
        {
            Ok(PeerResponse::InstallSnapshot(Ok(response))) => Ok(response),
            Ok(PeerResponse::InstallSnapshot(Err(err))) => Err(self.remote(err)),
            Ok(_) => Err(self.rpc_error(action, unexpected("answer to install_snapshot"))),
            Err(err) => Err(self.rpc_error(action, err)),
        }
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, PeerNode, RaftError<u64>>> {
        let action = RPCTypes::Vote;
        match self.call(&PeerRequest::Vote(rpc), option.hard_ttl()).await {
            Ok(PeerResponse::Vote(Ok(response))) => Ok(response),
            Ok(PeerResponse::Vote(Err(err))) => Err(self.remote(err)),
            Ok(_) => Err(self.rpc_error(action, unexpected("answer to vote"))),
            Err(err) => Err(self.rpc_error(action, err)),
        }
    }
}
