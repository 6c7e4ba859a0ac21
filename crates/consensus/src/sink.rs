//! The leader's side: the block producer proposes each block it builds as a log entry and
//! returns once the entry is committed and applied here; and the gate that lets it produce only
//! while this node leads and has applied everything committed before its term.

use crate::{ClusterRaft, LocalBlocks, block_entry};
use cloister_chain::{BlockSink, Chain, ChainError, CommittedBlock, SealedBlock};
use openraft::ServerState;
use std::sync::Arc;
use tokio::{runtime::Handle, sync::watch};

/// Proposes blocks to Raft instead of committing them directly.
#[derive(Clone)]
pub struct RaftBlockSink {
    raft: ClusterRaft,
    local: LocalBlocks,
    runtime: Handle,
}

impl std::fmt::Debug for RaftBlockSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaftBlockSink").finish_non_exhaustive()
    }
}

/// The entry did not commit a block although Raft accepted it (it no longer extended the head).
#[derive(Debug, thiserror::Error)]
#[error("the block's entry committed but did not extend the chain")]
struct NotApplied;

impl RaftBlockSink {
    /// A sink proposing to `raft`; `local` is shared with this node's state machine. Call from
    /// within the runtime that runs `raft`.
    pub fn new(raft: ClusterRaft, local: LocalBlocks) -> Self {
        Self {
            raft,
            local,
            runtime: Handle::current(),
        }
    }

    /// `true` while this node is the leader and has applied an entry of its own term (so its
    /// head holds everything committed before it led): only then may it build blocks.
    pub fn production_gate(raft: &ClusterRaft) -> watch::Receiver<bool> {
        let mut metrics = raft.metrics();
        let (gate, gate_rx) = watch::channel(false);
        tokio::spawn(async move {
            loop {
                let open = {
                    let m = metrics.borrow_and_update();
                    m.state == ServerState::Leader
                        && m.last_applied
                            .is_some_and(|applied| applied.leader_id.term == m.current_term)
                };
                gate.send_if_modified(|current| {
                    let changed = *current != open;
                    *current = open;
                    changed
                });
                if metrics.changed().await.is_err() {
                    gate.send_replace(false);
                    return;
                }
            }
        });
        gate_rx
    }
}

impl BlockSink for RaftBlockSink {
    fn commit(
        &self,
        _chain: &Chain,
        block: SealedBlock,
    ) -> Result<Arc<CommittedBlock>, ChainError> {
        let hash = block.hash;
        let entry = block_entry(&block).map_err(|e| ChainError::NotCommitted(Box::new(e)))?;
        self.local.put_built(block);
        let written = self.runtime.block_on(self.raft.client_write(entry));
        let committed = match written {
            Ok(_) => self
                .local
                .take_committed(&hash)
                .ok_or_else(|| ChainError::NotCommitted(Box::new(NotApplied))),
            Err(err) => Err(ChainError::NotCommitted(Box::new(err))),
        };
        self.local.forget(&hash);
        committed
    }
}
