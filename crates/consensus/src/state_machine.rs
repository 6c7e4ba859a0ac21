//! The chain as Raft's state machine. Entries apply in log order: a block that extends the head
//! commits (without re-execution when this node built it, otherwise imported: seal, roots and
//! receipts checked), a block already on the chain or one that does not extend the head is a
//! deterministic no-op. What was applied (last log id, membership) is written in the same redb
//! commit as the block, so a crash can never separate the two.

use crate::{
    ClusterRequest, ClusterResponse, ClusterTypes, ConsensusError, PeerNode, decode_block_entry,
    error::{apply_err, read_err},
    snapshot,
};
use cloister_chain::{Chain, CommittedBlock, ImportError, SealedBlock, SnapshotAccounts};
use cloister_primitives::{Address, B256};
use cloister_storage::StoreWriter;
use cloister_txpool::TxPool;
use openraft::{
    Entry, EntryPayload, LogId, RaftSnapshotBuilder, SnapshotMeta, StorageError, StoredMembership,
    storage::{RaftStateMachine, Snapshot},
};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::{collections::HashMap, io::Cursor, sync::Arc};

/// Chain metadata name of what consensus applied.
pub(crate) const META_APPLIED: &str = "consensus.applied";
/// Chain metadata name of the last snapshot's description.
pub(crate) const META_SNAPSHOT: &str = "consensus.snapshot";

/// What the state machine has applied.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AppliedRecord {
    pub last_applied: Option<LogId<u64>>,
    pub membership: StoredMembership<u64, PeerNode>,
}

/// The last snapshot: its metadata and the chain height it covers. Its data is the chain's
/// blocks 1..=head, read when it is sent (blocks below the head never change).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SnapshotRecord {
    pub meta: SnapshotMeta<u64, PeerNode>,
    pub head: u64,
}

/// Blocks this node built, between their proposal and their commit: applied without being
/// executed again, and their committed form handed back to the producer.
#[derive(Debug, Clone, Default)]
pub struct LocalBlocks {
    inner: Arc<Mutex<LocalInner>>,
}

#[derive(Debug, Default)]
struct LocalInner {
    built: HashMap<B256, SealedBlock>,
    committed: HashMap<B256, Arc<CommittedBlock>>,
}

impl LocalBlocks {
    pub(crate) fn put_built(&self, block: SealedBlock) {
        self.inner.lock().built.insert(block.hash, block);
    }
    fn take_built(&self, hash: &B256) -> Option<SealedBlock> {
        self.inner.lock().built.remove(hash)
    }
    fn put_committed(&self, block: Arc<CommittedBlock>) {
        self.inner.lock().committed.insert(block.hash, block);
    }
    pub(crate) fn take_committed(&self, hash: &B256) -> Option<Arc<CommittedBlock>> {
        self.inner.lock().committed.remove(hash)
    }
    pub(crate) fn forget(&self, hash: &B256) {
        let mut inner = self.inner.lock();
        inner.built.remove(hash);
        inner.committed.remove(hash);
    }
}

/// The state machine of one node.
#[derive(Debug, Clone)]
pub struct ChainStateMachine {
    chain: Arc<Chain>,
    pool: Option<Arc<TxPool>>,
    local: LocalBlocks,
}

impl ChainStateMachine {
    /// The state machine over `chain`; `pool` (if any) learns of every applied block; `local`
    /// is shared with this node's [`crate::RaftBlockSink`].
    pub fn new(chain: Arc<Chain>, pool: Option<Arc<TxPool>>, local: LocalBlocks) -> Self {
        Self { chain, pool, local }
    }

    /// The chain underneath.
    pub fn chain(&self) -> &Arc<Chain> {
        &self.chain
    }
}

pub(crate) fn read_meta<T: serde::de::DeserializeOwned>(
    chain: &Chain,
    name: &str,
) -> Result<Option<T>, ConsensusError> {
    // A fresh snapshot: metadata-only commits do not move the chain head's reader.
    let reader = chain.store().reader()?;
    match reader.meta(name)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ConsensusError::decode("consensus metadata", e)),
    }
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, ConsensusError> {
    serde_json::to_vec(value).map_err(|e| ConsensusError::decode("consensus metadata", e))
}

/// Writes `value` under `name` inside a block's commit.
pub(crate) fn meta_writer(
    name: &'static str,
    value: Vec<u8>,
) -> impl FnOnce(&mut StoreWriter) -> Result<(), cloister_storage::StorageError> {
    move |writer| writer.put_meta(name, &value)
}

fn apply_entries(
    chain: &Chain,
    pool: Option<&TxPool>,
    local: &LocalBlocks,
    entries: Vec<Entry<ClusterTypes>>,
) -> Result<Vec<ClusterResponse>, ConsensusError> {
    let mut record: AppliedRecord = read_meta(chain, META_APPLIED)?.unwrap_or_default();
    let mut responses = Vec::with_capacity(entries.len());
    for entry in entries {
        record.last_applied = Some(entry.log_id);
        let response = match &entry.payload {
            EntryPayload::Blank => None,
            EntryPayload::Membership(membership) => {
                record.membership = StoredMembership::new(Some(entry.log_id), membership.clone());
                None
            }
            EntryPayload::Normal(request) => apply_block(chain, pool, local, request, &record)?,
        };
        if response.is_none() {
            chain.write_meta(&[(META_APPLIED, &encode(&record)?)])?;
        }
        responses.push(ClusterResponse {
            committed: response,
        });
    }
    Ok(responses)
}

/// Commits the entry's block if it extends the head, with `record` in the same commit; `None`
/// when the entry is a no-op here (then the caller records it).
fn apply_block(
    chain: &Chain,
    pool: Option<&TxPool>,
    local: &LocalBlocks,
    request: &ClusterRequest,
    record: &AppliedRecord,
) -> Result<Option<(u64, B256)>, ConsensusError> {
    let (block, seal) = decode_block_entry(request)?;
    let hash = block.header.hash_slow();
    let number = block.header.number;
    let head = chain.head();
    if number != head.header.number + 1 || block.header.parent_hash != head.hash {
        if number <= head.header.number && head.reader.canonical_hash(number)? != Some(hash) {
            // Another block holds this height: a deposed leader's proposal. Deterministic no-op.
            tracing::warn!(target: "cloister::consensus", number, %hash, "committed entry does not extend the chain; ignored");
        }
        local.forget(&hash);
        return Ok(None);
    }
    let bytes = encode(record)?;
    let committed = match local.take_built(&hash) {
        Some(sealed) => {
            let committed = chain.commit_block_with(sealed, meta_writer(META_APPLIED, bytes))?;
            local.put_committed(committed.clone());
            committed
        }
        None => chain
            .import_block_with(block, Some(seal), meta_writer(META_APPLIED, bytes))
            .map_err(|err| match err {
                ImportError::Invalid { .. } => ConsensusError::Diverged {
                    number,
                    source: Box::new(err),
                },
                other => {
                    ConsensusError::Chain(cloister_chain::ChainError::NotCommitted(Box::new(other)))
                }
            })?,
    };
    if let Some(pool) = pool {
        let senders: Vec<Address> = committed
            .transactions
            .iter()
            .map(|tx| tx.signer())
            .collect();
        pool.on_block_committed(&senders, &SnapshotAccounts(chain.head().reader.clone()));
    }
    Ok(Some((number, hash)))
}

impl RaftStateMachine<ClusterTypes> for ChainStateMachine {
    type SnapshotBuilder = Self;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId<u64>>, StoredMembership<u64, PeerNode>), StorageError<u64>> {
        let record: AppliedRecord = read_meta(&self.chain, META_APPLIED)
            .map_err(read_err)?
            .unwrap_or_default();
        Ok((record.last_applied, record.membership))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<ClusterResponse>, StorageError<u64>>
    where
        I: IntoIterator<Item = Entry<ClusterTypes>> + Send,
        I::IntoIter: Send,
    {
        let entries: Vec<_> = entries.into_iter().collect();
        let (chain, pool, local) = (self.chain.clone(), self.pool.clone(), self.local.clone());
        let applied = tokio::task::spawn_blocking(move || {
            apply_entries(&chain, pool.as_deref(), &local, entries)
        })
        .await
        .map_err(apply_err)?;
        applied.map_err(|err| {
            tracing::error!(target: "cloister::consensus", %err, "applying committed entries failed; this node stops");
            apply_err(err)
        })
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<Cursor<Vec<u8>>>, StorageError<u64>> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<u64, PeerNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError<u64>> {
        let (chain, meta) = (self.chain.clone(), meta.clone());
        let data = snapshot.into_inner();
        tokio::task::spawn_blocking(move || snapshot::install(&chain, &meta, &data))
            .await
            .map_err(apply_err)?
            .map_err(apply_err)
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<ClusterTypes>>, StorageError<u64>> {
        let chain = self.chain.clone();
        tokio::task::spawn_blocking(move || snapshot::current(&chain))
            .await
            .map_err(read_err)?
            .map_err(read_err)
    }
}

impl RaftSnapshotBuilder<ClusterTypes> for ChainStateMachine {
    async fn build_snapshot(&mut self) -> Result<Snapshot<ClusterTypes>, StorageError<u64>> {
        let chain = self.chain.clone();
        tokio::task::spawn_blocking(move || snapshot::build(&chain))
            .await
            .map_err(read_err)?
            .map_err(read_err)
    }
}
