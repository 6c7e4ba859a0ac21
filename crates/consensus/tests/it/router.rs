//! An in-process network for deterministic cluster scenarios: every node's Raft is registered
//! here and RPCs are direct calls, except to or from an isolated node, which are unreachable.

use cloister_consensus::{
    ClusterRaft, ClusterTypes, PeerNode,
    openraft::{
        RaftNetwork, RaftNetworkFactory,
        error::{InstallSnapshotError, RPCError, RaftError, RemoteError, Unreachable},
        network::RPCOption,
        raft::{
            AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest,
            InstallSnapshotResponse, VoteRequest, VoteResponse,
        },
    },
};
use parking_lot::Mutex;
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

/// The in-process network.
#[derive(Clone, Default)]
pub struct Router {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    nodes: BTreeMap<u64, ClusterRaft>,
    isolated: BTreeSet<u64>,
}

#[derive(Debug, thiserror::Error)]
#[error("node {0} is unreachable")]
struct Isolated(u64);

impl Router {
    pub fn add(&self, id: u64, raft: ClusterRaft) {
        self.inner.lock().nodes.insert(id, raft);
    }
    pub fn remove(&self, id: u64) {
        self.inner.lock().nodes.remove(&id);
    }
    pub fn isolate(&self, id: u64) {
        self.inner.lock().isolated.insert(id);
    }
    pub fn heal(&self, id: u64) {
        self.inner.lock().isolated.remove(&id);
    }
    pub fn factory(&self, from: u64) -> RouterFactory {
        RouterFactory {
            from,
            router: self.clone(),
        }
    }
    fn target<E: std::error::Error>(
        &self,
        from: u64,
        to: u64,
    ) -> Result<ClusterRaft, RPCError<u64, PeerNode, E>> {
        let inner = self.inner.lock();
        let unreachable = |id| RPCError::Unreachable(Unreachable::new(&Isolated(id)));
        if inner.isolated.contains(&from) {
            return Err(unreachable(from));
        }
        if inner.isolated.contains(&to) {
            return Err(unreachable(to));
        }
        inner.nodes.get(&to).cloned().ok_or_else(|| unreachable(to))
    }
}

/// Connections from one node.
pub struct RouterFactory {
    from: u64,
    router: Router,
}

impl RaftNetworkFactory<ClusterTypes> for RouterFactory {
    type Network = RouterNetwork;
    async fn new_client(&mut self, target: u64, _node: &PeerNode) -> RouterNetwork {
        RouterNetwork {
            from: self.from,
            to: target,
            router: self.router.clone(),
        }
    }
}

/// One node's connection to another.
pub struct RouterNetwork {
    from: u64,
    to: u64,
    router: Router,
}

impl RaftNetwork<ClusterTypes> for RouterNetwork {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<ClusterTypes>,
        _option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, PeerNode, RaftError<u64>>> {
        let raft = self.router.target(self.from, self.to)?;
        raft.append_entries(rpc)
            .await
            .map_err(|e| RPCError::RemoteError(RemoteError::new(self.to, e)))
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<ClusterTypes>,
        _option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<u64>,
        RPCError<u64, PeerNode, RaftError<u64, InstallSnapshotError>>,
    > {
        let raft = self.router.target(self.from, self.to)?;
        raft.install_snapshot(rpc)
            .await
            .map_err(|e| RPCError::RemoteError(RemoteError::new(self.to, e)))
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        _option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, PeerNode, RaftError<u64>>> {
        let raft = self.router.target(self.from, self.to)?;
        raft.vote(rpc)
            .await
            .map_err(|e| RPCError::RemoteError(RemoteError::new(self.to, e)))
    }
}
