//! openraft's type configuration for a Cloister cluster: what a log entry carries, what applying
//! one answers, and how nodes are named.

use cloister_primitives::{Address, B256, Bytes};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// A node of the cluster as the membership records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerNode {
    /// The node's key (validator or admitted node), which it proves on every connection.
    pub address: Address,
    /// Where its cluster port listens (`host:port`).
    pub cluster: String,
    /// Its RPC endpoint, for clients and status pages.
    pub rpc: String,
}

/// A log entry's application payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClusterRequest {
    /// One sealed block: the RLP block and the validator's 65-byte seal over its hash.
    Block {
        /// RLP of the block (header, transactions, ommers, withdrawals).
        rlp: Bytes,
        /// The seal.
        seal: Bytes,
    },
}

/// What applying an entry did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterResponse {
    /// The block the entry committed (number, hash), or `None` for a no-op: membership and blank
    /// entries, blocks already applied, and blocks that do not extend the head.
    pub committed: Option<(u64, B256)>,
}

openraft::declare_raft_types!(
    /// openraft's types for Cloister.
    pub ClusterTypes:
        D = ClusterRequest,
        R = ClusterResponse,
        NodeId = u64,
        Node = PeerNode,
        Entry = openraft::Entry<ClusterTypes>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

/// A running Raft node of the cluster.
pub type ClusterRaft = openraft::Raft<ClusterTypes>;

/// The Raft id of the node whose key is `address`: its first eight bytes. Ids are derived, never
/// assigned, so a membership names keys and nothing else can collide by configuration.
pub fn node_id_of(address: &Address) -> u64 {
    let mut id = [0u8; 8];
    id.copy_from_slice(&address.as_slice()[..8]);
    u64::from_be_bytes(id)
}
