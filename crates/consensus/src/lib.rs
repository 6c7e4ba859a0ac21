//! Consensus among validators: each Raft log entry is one sealed block, ordered by openraft.
//! Only the leader builds blocks; every node applies committed entries in log order to its own
//! chain, checking that a block extends its head, carries a validator's seal and re-executes to
//! the roots its header states. A block is visible (its receipts served) only once committed,
//! so a failover never loses an acknowledged transaction.
//!
//! openraft's types stay inside this crate ([`ClusterTypes`] and the stores), so moving to a
//! later openraft touches one crate. Pieces:
//! - [`LogStore`]: the Raft log and vote in `raft.redb` beside the chain;
//! - [`ChainStateMachine`]: the chain as Raft's state machine, with what it applied recorded in
//!   the same commit as each block; snapshots are the chain's blocks with their seals;
//! - [`RaftBlockSink`]: the leader's producer proposes blocks instead of committing them.

mod block_codec;
mod error;
mod log_store;
mod sink;
mod snapshot;
mod state_machine;
pub mod transport;
mod types;

pub use block_codec::{block_entry, decode_block_entry};
pub use error::ConsensusError;
pub use log_store::LogStore;
pub use sink::RaftBlockSink;
pub use state_machine::{ChainStateMachine, LocalBlocks};
pub use types::{ClusterRaft, ClusterRequest, ClusterResponse, ClusterTypes, PeerNode, node_id_of};

/// openraft itself, for the network layer and tests (its types are part of this crate's API).
pub use openraft;
