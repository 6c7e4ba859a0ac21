//! What a node knows about its cluster and whether it is serving: the answer of
//! `cloister_clusterStatus`, the consensus facts `/metrics` renders, and the `/health` verdict.
//! A node without a cluster (`--dev`) is its own leader and only member, at term 0, and its
//! "log" is its chain: every index is the head's number.
//!
//! Nothing here is per caller: the node's own and its peers' keys and addresses (members of the
//! chain's genesis), indices, and refusals of peers.

use crate::cluster::{ClusterNode, ClusterRole};
use cloister_chain::Chain;
use cloister_consensus::{
    ClusterRaft, PeerNode, node_id_of, openraft::ServerState, transport::PeerTransport,
};
use cloister_primitives::{Address, B256, primitives::U64};
use serde::Serialize;
use std::{sync::Arc, time::Duration};

/// A cluster node is healthy only while its applied index is at most this many entries behind
/// the committed index it knows (one entry is one block, or a membership change).
pub const HEALTH_MAX_BEHIND: u64 = 16;

/// How long a status read waits for the Raft core (busy with a large append, or stopping).
const RAFT_READ_TIMEOUT: Duration = Duration::from_secs(1);

/// What this node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeRole {
    /// A cluster validator: votes, and seals while it leads.
    Validator,
    /// A cluster read replica.
    Follower,
    /// No cluster: a single validator (`--dev`) or a node fed by import or the engine API.
    Single,
}

impl NodeRole {
    /// `validator`, `follower` or `single`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validator => "validator",
            Self::Follower => "follower",
            Self::Single => "single",
        }
    }
}

/// A node of the cluster, by id and key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRef {
    /// Raft node id: the first eight bytes of the key's address.
    pub node_id: U64,
    /// The node's key address.
    pub address: Address,
}

/// The last log entry this node applied to its chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// Its log index.
    pub index: U64,
    /// The newest block the applied entries brought (the chain's head).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_number: Option<U64>,
}

/// The chain's head on this node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Head {
    /// Its number.
    pub number: U64,
    /// Its hash.
    pub hash: B256,
}

/// One member of the cluster's membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// Raft node id.
    pub node_id: U64,
    /// Key address.
    pub address: Address,
    /// Cluster port (`host:port`); `null` on a single node.
    pub cluster: Option<String>,
    /// RPC URL as configured; `null` when none is.
    pub rpc: Option<String>,
    /// Votes (validators) or only receives blocks (followers, learners in Raft).
    pub voter: bool,
    /// MRENCLAVE (hex) the member proved to this node over RA-TLS; `null` without a TEE or
    /// before it connected.
    pub measurement: Option<String>,
    /// The last log index the leader knows the member holds; `null` except on the leader.
    pub matched: Option<U64>,
    /// Entries the member is behind the leader's last log index; `null` except on the leader.
    pub lag: Option<U64>,
}

/// A peer this node refused (or that refused nothing but failed this node's checks as a
/// listener), most recent last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refusal {
    /// The key it claimed or proved, when it got that far.
    pub address: Option<Address>,
    /// Its socket address.
    pub socket: String,
    /// Why.
    pub reason: String,
    /// When (seconds since the Unix epoch).
    pub at: U64,
}

/// The answer of `cloister_clusterStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterStatus {
    /// What this node is.
    pub role: NodeRole,
    /// This node's key address (`null` on a node without one).
    pub node_address: Option<Address>,
    /// The Raft term (0 on a single node).
    pub term: U64,
    /// The leader this node knows of.
    pub leader: Option<NodeRef>,
    /// Whether this node leads.
    pub is_leader: bool,
    /// Index of the last entry in this node's log.
    pub last_log_index: Option<U64>,
    /// Index of the last entry this node knows is committed.
    pub committed_index: Option<U64>,
    /// The last entry applied to the chain.
    pub last_applied: Option<Applied>,
    /// The chain's head.
    pub head: Head,
    /// The membership: voters first, then learners, each by node id.
    pub members: Vec<Member>,
    /// Recent refused peers, oldest first.
    pub refusals: Vec<Refusal>,
}

/// The consensus facts `/metrics` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsensusFacts {
    /// Raft term.
    pub term: u64,
    /// Whether this node leads.
    pub is_leader: bool,
    /// The leader, when one is known.
    pub leader: Option<(u64, Address)>,
    /// Last log index.
    pub last_log_index: Option<u64>,
    /// Committed index.
    pub committed_index: Option<u64>,
    /// Applied index.
    pub applied_index: Option<u64>,
    /// On the leader: entries each other member is behind, by key address.
    pub lags: Vec<(Address, u64)>,
}

/// Whether the node is serving, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `None` when serving; the reason otherwise.
    pub problem: Option<String>,
    /// What this node is.
    pub role: NodeRole,
    /// The leader it knows.
    pub leader: Option<NodeRef>,
    /// Its head.
    pub head: Head,
}

/// The cluster side a status reads (shared handles: reading never blocks the node).
struct ClusterView {
    raft: ClusterRaft,
    role: ClusterRole,
    transport: PeerTransport,
    peers: Vec<PeerNode>,
}

/// Reads the node's status; shared by the `cloister_` namespace, `/metrics` and `/health`.
pub struct NodeStatus {
    chain: Arc<Chain>,
    address: Option<Address>,
    cluster: Option<ClusterView>,
}

impl std::fmt::Debug for NodeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeStatus")
            .field("address", &self.address)
            .field("cluster", &self.cluster.is_some())
            .finish_non_exhaustive()
    }
}

/// Everything one status read needs from Raft, taken at once.
struct RaftRead {
    term: u64,
    state: ServerState,
    running: Result<(), String>,
    leader: Option<u64>,
    last_log_index: Option<u64>,
    applied: Option<u64>,
    committed: Option<u64>,
    /// `(node id, node, voter)`, voters first.
    members: Vec<(u64, PeerNode, bool)>,
    /// On the leader: each member's matched index (`None`: nothing matched yet).
    replication: Option<Vec<(u64, Option<u64>)>>,
}

impl NodeStatus {
    /// A node without a cluster; `address` is its validator key's, if it has one.
    pub(crate) fn single(chain: Arc<Chain>, address: Option<Address>) -> Self {
        Self {
            chain,
            address,
            cluster: None,
        }
    }

    /// A cluster node.
    pub(crate) fn clustered(chain: Arc<Chain>, node: &ClusterNode) -> Self {
        Self {
            chain,
            address: Some(node.transport.address()),
            cluster: Some(ClusterView {
                raft: node.raft.clone(),
                role: node.role,
                transport: node.transport.clone(),
                peers: node.peers.clone(),
            }),
        }
    }

    /// What this node is.
    pub fn role(&self) -> NodeRole {
        match self.cluster.as_ref().map(|c| c.role) {
            None => NodeRole::Single,
            Some(ClusterRole::Validator) => NodeRole::Validator,
            Some(ClusterRole::Follower) => NodeRole::Follower,
        }
    }

    /// The head block's number.
    pub fn head_number(&self) -> u64 {
        self.chain.head().header.number
    }

    fn head(&self) -> Head {
        let head = self.chain.head();
        Head {
            number: U64::from(head.header.number),
            hash: head.hash,
        }
    }

    fn node_ref(id: u64, address: Address) -> NodeRef {
        NodeRef {
            node_id: U64::from(id),
            address,
        }
    }

    async fn read_raft(view: &ClusterView) -> RaftRead {
        let metrics = view.raft.metrics().borrow().clone();
        let membership = metrics.membership_config.membership();
        let voters: Vec<u64> = membership.voter_ids().collect();
        let mut members: Vec<(u64, PeerNode, bool)> = membership
            .nodes()
            .map(|(id, node)| (*id, node.clone(), voters.contains(id)))
            .collect();
        members.sort_by_key(|(id, _, voter)| (!*voter, *id));
        let committed = match tokio::time::timeout(
            RAFT_READ_TIMEOUT,
            view.raft
                .with_raft_state(|state| state.committed.map(|log_id| log_id.index)),
        )
        .await
        {
            Ok(Ok(committed)) => committed,
            // Stopped, or too busy to answer: unknown.
            Ok(Err(_)) | Err(_) => None,
        };
        RaftRead {
            term: metrics.current_term,
            state: metrics.state,
            running: metrics.running_state.clone().map_err(|e| e.to_string()),
            leader: metrics.current_leader,
            last_log_index: metrics.last_log_index,
            applied: metrics.last_applied.map(|log_id| log_id.index),
            committed,
            members,
            replication: metrics.replication.as_ref().map(|replication| {
                replication
                    .iter()
                    .map(|(id, matched)| (*id, matched.map(|log_id| log_id.index)))
                    .collect()
            }),
        }
    }

    /// The key address of node `id`: from the membership, else from the configured peers.
    fn address_of(view: &ClusterView, read: &RaftRead, id: u64) -> Option<Address> {
        read.members
            .iter()
            .find(|(member, _, _)| *member == id)
            .map(|(_, node, _)| node.address)
            .or_else(|| {
                view.peers
                    .iter()
                    .find(|peer| node_id_of(&peer.address) == id)
                    .map(|peer| peer.address)
            })
    }

    /// Entries behind `last` for a member that matched `matched`.
    fn lag(last: Option<u64>, matched: Option<u64>) -> u64 {
        match (last, matched) {
            (None, _) => 0,
            (Some(last), Some(matched)) => last.saturating_sub(matched),
            // Nothing matched: every entry, index 0 included.
            (Some(last), None) => last.saturating_add(1),
        }
    }

    /// The answer of `cloister_clusterStatus`.
    pub async fn cluster_status(&self) -> ClusterStatus {
        let head = self.head();
        let Some(view) = &self.cluster else {
            let number = head.number;
            let me = self.address.map(|address| (node_id_of(&address), address));
            return ClusterStatus {
                role: NodeRole::Single,
                node_address: self.address,
                term: U64::ZERO,
                leader: me.map(|(id, address)| Self::node_ref(id, address)),
                is_leader: me.is_some(),
                last_log_index: Some(number),
                committed_index: Some(number),
                last_applied: Some(Applied {
                    index: number,
                    block_number: Some(number),
                }),
                members: me
                    .map(|(id, address)| Member {
                        node_id: U64::from(id),
                        address,
                        cluster: None,
                        rpc: None,
                        voter: true,
                        measurement: None,
                        matched: Some(number),
                        lag: Some(U64::ZERO),
                    })
                    .into_iter()
                    .collect(),
                refusals: Vec::new(),
                head,
            };
        };
        let read = Self::read_raft(view).await;
        let matched_of = |id: u64| {
            read.replication
                .as_ref()
                .map(|r| r.iter().find(|(m, _)| *m == id).and_then(|(_, i)| *i))
        };
        let members = read
            .members
            .iter()
            .map(|(id, node, voter)| {
                let matched = matched_of(*id);
                Member {
                    node_id: U64::from(*id),
                    address: node.address,
                    cluster: Some(node.cluster.clone()),
                    rpc: (!node.rpc.is_empty()).then(|| node.rpc.clone()),
                    voter: *voter,
                    measurement: view
                        .transport
                        .attestation_of(&node.address)
                        .and_then(|report| report.mrenclave)
                        .map(|mr| mr.to_string()),
                    matched: matched.flatten().map(U64::from),
                    lag: matched.map(|m| U64::from(Self::lag(read.last_log_index, m))),
                }
            })
            .collect();
        let refusals = view
            .transport
            .refusals()
            .into_iter()
            .map(|r| Refusal {
                address: r.address,
                socket: r.socket.to_string(),
                reason: r.reason,
                at: U64::from(r.at),
            })
            .collect();
        ClusterStatus {
            role: self.role(),
            node_address: self.address,
            term: U64::from(read.term),
            leader: read.leader.and_then(|id| {
                Self::address_of(view, &read, id).map(|address| Self::node_ref(id, address))
            }),
            is_leader: read.state == ServerState::Leader,
            last_log_index: read.last_log_index.map(U64::from),
            committed_index: read.committed.map(U64::from),
            last_applied: read.applied.map(|index| Applied {
                index: U64::from(index),
                block_number: Some(head.number),
            }),
            head,
            members,
            refusals,
        }
    }

    /// The consensus gauges, read now.
    pub async fn consensus(&self) -> ConsensusFacts {
        let Some(view) = &self.cluster else {
            let number = self.chain.head().header.number;
            return ConsensusFacts {
                term: 0,
                is_leader: self.address.is_some(),
                leader: self.address.map(|address| (node_id_of(&address), address)),
                last_log_index: Some(number),
                committed_index: Some(number),
                applied_index: Some(number),
                lags: Vec::new(),
            };
        };
        let read = Self::read_raft(view).await;
        let me = self.address.map(|address| node_id_of(&address));
        let lags = read
            .replication
            .iter()
            .flatten()
            .filter(|(id, _)| Some(*id) != me)
            .filter_map(|(id, matched)| {
                let address = Self::address_of(view, &read, *id)?;
                Some((address, Self::lag(read.last_log_index, *matched)))
            })
            .collect();
        ConsensusFacts {
            term: read.term,
            is_leader: read.state == ServerState::Leader,
            leader: read
                .leader
                .and_then(|id| Some((id, Self::address_of(view, &read, id)?))),
            last_log_index: read.last_log_index,
            committed_index: read.committed,
            applied_index: read.applied,
            lags,
        }
    }

    /// Whether the node is serving: a single node always is; a cluster node while Raft runs, a
    /// leader is known, and its applied index is within [`HEALTH_MAX_BEHIND`] entries of the
    /// committed index it knows.
    pub async fn verdict(&self) -> Verdict {
        let head = self.head();
        let Some(view) = &self.cluster else {
            return Verdict {
                problem: None,
                role: NodeRole::Single,
                leader: self
                    .address
                    .map(|address| Self::node_ref(node_id_of(&address), address)),
                head,
            };
        };
        let read = Self::read_raft(view).await;
        let leader = read.leader.and_then(|id| {
            Self::address_of(view, &read, id).map(|address| Self::node_ref(id, address))
        });
        let behind = read.committed.map_or(0, |committed| {
            committed.saturating_sub(read.applied.unwrap_or(0))
        });
        let problem = if let Err(err) = &read.running {
            Some(format!("consensus stopped: {err}"))
        } else if read.leader.is_none() {
            Some("no leader known".to_owned())
        } else if behind > HEALTH_MAX_BEHIND {
            Some(format!(
                "applied log index is {behind} entries behind the committed index (at most {HEALTH_MAX_BEHIND})"
            ))
        } else {
            None
        };
        Verdict {
            problem,
            role: self.role(),
            leader,
            head,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_counts_entries_behind_the_last_index() {
        assert_eq!(NodeStatus::lag(Some(10), Some(10)), 0);
        assert_eq!(NodeStatus::lag(Some(10), Some(7)), 3);
        assert_eq!(NodeStatus::lag(Some(10), None), 11);
        assert_eq!(NodeStatus::lag(None, None), 0);
    }

    #[test]
    fn status_serialises_in_camel_case_with_hex_quantities() {
        let address = Address::repeat_byte(0x11);
        let status = ClusterStatus {
            role: NodeRole::Single,
            node_address: Some(address),
            term: U64::ZERO,
            leader: Some(NodeStatus::node_ref(node_id_of(&address), address)),
            is_leader: true,
            last_log_index: Some(U64::from(3)),
            committed_index: Some(U64::from(3)),
            last_applied: Some(Applied {
                index: U64::from(3),
                block_number: None,
            }),
            head: Head {
                number: U64::from(3),
                hash: B256::ZERO,
            },
            members: Vec::new(),
            refusals: Vec::new(),
        };
        let json = serde_json::to_value(&status).expect("json");
        assert_eq!(json["role"], "single");
        assert_eq!(json["isLeader"], true);
        assert_eq!(json["lastLogIndex"], "0x3");
        assert_eq!(json["leader"]["nodeId"], "0x1111111111111111");
        assert_eq!(json["lastApplied"], serde_json::json!({"index": "0x3"}));
        assert_eq!(json["head"]["number"], "0x3");
    }
}
