//! Snapshots of the chain for nodes that fell behind the retained log. Building one records
//! only what it covers (cheap, so openraft may purge the log); its data, the chain's blocks
//! 1..=head with their seals, is read when it is sent. Installing imports the blocks this node
//! lacks (each checked as any imported block) and checks the ones it has.
//!
//! Data: `CLSTSNAP1`, the genesis hash (32 bytes), the block count (u64 BE), then per block its
//! RLP length (u32 BE), the RLP block and the 65-byte seal.

use crate::{
    ClusterTypes, ConsensusError, PeerNode,
    state_machine::{
        AppliedRecord, META_APPLIED, META_SNAPSHOT, SnapshotRecord, encode, meta_writer, read_meta,
    },
};
use alloy_consensus::{Block, BlockBody};
use cloister_chain::{Chain, SEAL_LEN, seal_from_bytes};
use cloister_primitives::{B256, TxEnvelope};
use openraft::{SnapshotMeta, StoredMembership, storage::Snapshot};
use std::io::Cursor;

const MAGIC: &[u8] = b"CLSTSNAP1";

/// Records a snapshot of everything applied so far and returns it.
pub(crate) fn build(chain: &Chain) -> Result<Snapshot<ClusterTypes>, ConsensusError> {
    let reader = chain.store().reader()?;
    let record: AppliedRecord = match reader.meta(META_APPLIED)? {
        Some(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| ConsensusError::decode("consensus metadata", e))?,
        None => AppliedRecord::default(),
    };
    let head = reader.head_number()?.unwrap_or_default();
    let snapshot_id = match record.last_applied {
        Some(id) => format!("{}-{}-{head}", id.leader_id, id.index),
        None => format!("none-{head}"),
    };
    let snapshot = SnapshotRecord {
        meta: SnapshotMeta {
            last_log_id: record.last_applied,
            last_membership: record.membership,
            snapshot_id,
        },
        head,
    };
    chain.write_meta(&[(META_SNAPSHOT, &encode(&snapshot)?)])?;
    Ok(Snapshot {
        meta: snapshot.meta,
        snapshot: Box::new(Cursor::new(data(chain, snapshot.head)?)),
    })
}

/// The last snapshot built or installed, with its data.
pub(crate) fn current(chain: &Chain) -> Result<Option<Snapshot<ClusterTypes>>, ConsensusError> {
    let Some(record) = read_meta::<SnapshotRecord>(chain, META_SNAPSHOT)? else {
        return Ok(None);
    };
    Ok(Some(Snapshot {
        meta: record.meta,
        snapshot: Box::new(Cursor::new(data(chain, record.head)?)),
    }))
}

/// Blocks 1..=head of `chain`, encoded.
fn data(chain: &Chain, head: u64) -> Result<Vec<u8>, ConsensusError> {
    let reader = chain.store().reader()?;
    let genesis = reader
        .canonical_hash(0)?
        .ok_or_else(|| ConsensusError::decode("snapshot", "chain has no genesis"))?;
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(genesis.as_slice());
    out.extend_from_slice(&head.to_be_bytes());
    for number in 1..=head {
        let missing = || ConsensusError::decode("snapshot", format!("block {number} is missing"));
        let header = reader.header(number)?.ok_or_else(missing)?;
        let seal = reader.block_seal(number)?.ok_or_else(missing)?;
        let (ommers, withdrawals) = reader.body_extras(number)?;
        let block = Block {
            header,
            body: BlockBody {
                transactions: reader
                    .transactions(number)?
                    .into_iter()
                    .map(|tx| tx.into_inner())
                    .collect::<Vec<TxEnvelope>>(),
                ommers,
                withdrawals: withdrawals.map(Into::into),
            },
        };
        let rlp = alloy_rlp::encode(&block);
        let len = u32::try_from(rlp.len())
            .map_err(|_| ConsensusError::decode("snapshot", "block larger than 4 GiB"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&rlp);
        out.extend_from_slice(&seal.as_bytes());
    }
    Ok(out)
}

/// Reads `n` bytes at `at`, advancing it.
fn take<'a>(data: &'a [u8], at: &mut usize, n: usize) -> Result<&'a [u8], ConsensusError> {
    let end = at
        .checked_add(n)
        .filter(|end| *end <= data.len())
        .ok_or_else(|| ConsensusError::decode("snapshot", "truncated"))?;
    let slice = &data[*at..end];
    *at = end;
    Ok(slice)
}

/// Brings `chain` up to the snapshot described by `meta` from `data`.
pub(crate) fn install(
    chain: &Chain,
    meta: &SnapshotMeta<u64, PeerNode>,
    data: &[u8],
) -> Result<(), ConsensusError> {
    let mut at = 0;
    if take(data, &mut at, MAGIC.len())? != MAGIC {
        return Err(ConsensusError::decode(
            "snapshot",
            "not a Cloister snapshot",
        ));
    }
    let genesis = B256::from_slice(take(data, &mut at, 32)?);
    let ours = chain.store().reader()?.canonical_hash(0)?;
    if ours != Some(genesis) {
        return Err(ConsensusError::SnapshotMismatch {
            number: 0,
            theirs: genesis,
            ours: ours.unwrap_or_default(),
        });
    }
    let mut count = [0u8; 8];
    count.copy_from_slice(take(data, &mut at, 8)?);
    let count = u64::from_be_bytes(count);
    let record = AppliedRecord {
        last_applied: meta.last_log_id,
        membership: StoredMembership::clone(&meta.last_membership),
    };
    let snapshot = SnapshotRecord {
        meta: meta.clone(),
        head: count,
    };
    let (applied_bytes, snapshot_bytes) = (encode(&record)?, encode(&snapshot)?);
    let mut imported_last = false;
    for number in 1..=count {
        let mut len = [0u8; 4];
        len.copy_from_slice(take(data, &mut at, 4)?);
        let len = usize::try_from(u32::from_be_bytes(len))
            .map_err(|_| ConsensusError::decode("snapshot", "length"))?;
        let block = cloister_primitives::decode_block(take(data, &mut at, len)?)
            .map_err(|e| ConsensusError::decode("snapshot block", e))?;
        let seal = seal_from_bytes(take(data, &mut at, SEAL_LEN)?)
            .map_err(|e| ConsensusError::decode("snapshot seal", e))?;
        let hash = block.header.hash_slow();
        let head = chain.head();
        if number <= head.header.number {
            let ours = head.reader.canonical_hash(number)?.unwrap_or_default();
            if ours != hash {
                return Err(ConsensusError::SnapshotMismatch {
                    number,
                    theirs: hash,
                    ours,
                });
            }
            continue;
        }
        let last = number == count;
        let result = if last {
            chain.import_block_with(
                block,
                Some(seal),
                meta_writer(META_APPLIED, applied_bytes.clone()),
            )
        } else {
            chain.import_block(block, Some(seal))
        };
        result.map_err(|err| ConsensusError::Diverged {
            number,
            source: Box::new(err),
        })?;
        imported_last = last;
    }
    if imported_last {
        chain.write_meta(&[(META_SNAPSHOT, &snapshot_bytes)])?;
    } else {
        chain.write_meta(&[
            (META_APPLIED, &applied_bytes),
            (META_SNAPSHOT, &snapshot_bytes),
        ])?;
    }
    Ok(())
}
