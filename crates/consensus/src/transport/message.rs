//! What peers say to each other: one request, one response, strictly alternating on a
//! connection. The first frame each way is the key proof ([`Hello`]); a refused peer receives
//! [`PeerResponse::Refused`] and nothing else.

use super::proof::Hello;
use crate::ClusterTypes;
use cloister_primitives::Bytes;
use openraft::{
    error::{InstallSnapshotError, RaftError},
    raft::{
        AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest,
        InstallSnapshotResponse, VoteRequest, VoteResponse,
    },
};
use serde::{Deserialize, Serialize};

/// A frame from the dialling side.
#[derive(Debug, Serialize, Deserialize)]
pub enum PeerRequest {
    /// The dialler's key proof; always the first frame.
    Hello(Hello),
    /// Raft log replication and heartbeats.
    AppendEntries(AppendEntriesRequest<ClusterTypes>),
    /// A candidate's vote request.
    Vote(VoteRequest<u64>),
    /// One chunk of a snapshot.
    InstallSnapshot(InstallSnapshotRequest<ClusterTypes>),
    /// Raw signed transactions (EIP-2718 bytes) gossiped so that every pool holds them and a
    /// failover loses none.
    Transactions(Vec<Bytes>),
    /// A node asks to be added as a learner (a read replica); must be the dialler's own key.
    Join(crate::PeerNode),
}

impl PeerRequest {
    /// The request's kind, for logs (never its content).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Hello(_) => "hello",
            Self::AppendEntries(_) => "append_entries",
            Self::Vote(_) => "vote",
            Self::InstallSnapshot(_) => "install_snapshot",
            Self::Transactions(_) => "transactions",
            Self::Join(_) => "join",
        }
    }
}

/// A frame from the listening side.
#[derive(Debug, Serialize, Deserialize)]
pub enum PeerResponse {
    /// The listener's key proof, answering the dialler's.
    Hello(Hello),
    /// The dialler was refused; the connection closes after this frame.
    Refused {
        /// Why (no chain data).
        reason: String,
    },
    /// The local Raft's answer to an append.
    AppendEntries(Result<AppendEntriesResponse<u64>, RaftError<u64>>),
    /// The local Raft's answer to a vote request.
    Vote(Result<VoteResponse<u64>, RaftError<u64>>),
    /// The local Raft's answer to a snapshot chunk.
    InstallSnapshot(Result<InstallSnapshotResponse<u64>, RaftError<u64, InstallSnapshotError>>),
    /// Gossiped transactions were handed to the pool.
    TransactionsReceived,
    /// The answer to a join: `Ok` once this node (the leader) added the learner, else why not
    /// (e.g. not the leader: ask another).
    Joined(Result<(), String>),
}
