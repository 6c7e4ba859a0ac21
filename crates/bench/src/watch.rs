//! Commit detection by following the chain head: each new block is fetched once (hashes only,
//! in batches) and every measured transaction in it is stamped with the moment the block's
//! number was first seen. One poll covers all transactions, unlike a receipt poll per tx.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use alloy_primitives::B256;

use crate::BenchError;
use crate::eth;
use crate::rpc::RpcClient;

/// When each measured transaction was seen committed, and how blocks carried them.
#[derive(Debug)]
pub(crate) struct CommitLog {
    /// Indexed like the load; `None` for transactions never seen in a block.
    pub(crate) committed_at: Vec<Option<Instant>>,
    /// Blocks that carried at least one measured transaction.
    pub(crate) blocks: u64,
    /// Most measured transactions found in one block.
    pub(crate) max_txs_per_block: usize,
}

impl CommitLog {
    fn new(expected: usize) -> Self {
        Self {
            committed_at: vec![None; expected],
            blocks: 0,
            max_txs_per_block: 0,
        }
    }

    /// Stamps the measured transactions of one block; returns how many were new.
    fn record_block(
        &mut self,
        hashes: &[B256],
        index_of: &HashMap<B256, usize>,
        seen_at: Instant,
    ) -> usize {
        let mut fresh = 0;
        for hash in hashes {
            let slot = index_of
                .get(hash)
                .and_then(|&i| self.committed_at.get_mut(i));
            if let Some(slot @ None) = slot {
                *slot = Some(seen_at);
                fresh += 1;
            }
        }
        if fresh > 0 {
            self.blocks += 1;
            self.max_txs_per_block = self.max_txs_per_block.max(fresh);
        }
        fresh
    }
}

/// Follows blocks after `start_block` until every transaction of `index_of` is committed, or
/// fails with a timeout at `deadline`.
pub(crate) async fn follow_commits(
    client: RpcClient,
    start_block: u64,
    index_of: HashMap<B256, usize>,
    poll_interval: Duration,
    deadline: Instant,
    timeout: Duration,
) -> Result<CommitLog, BenchError> {
    let expected = index_of.len();
    let mut log = CommitLog::new(expected);
    let mut committed = 0;
    let mut last_scanned = start_block;
    while committed < expected {
        if Instant::now() >= deadline {
            return Err(BenchError::Timeout {
                phase: "measure",
                done: committed,
                expected,
                after: timeout,
            });
        }
        let head = eth::block_number(&client).await?;
        let seen_at = Instant::now();
        if head <= last_scanned {
            tokio::time::sleep(poll_interval).await;
            continue;
        }
        for block in eth::blocks(&client, last_scanned + 1, head).await? {
            // A node may report a head before serving it; rescan from there next poll.
            let Some(block) = block else { break };
            committed += log.record_block(&block.transactions, &index_of, seen_at);
            last_scanned = block.number.to();
        }
    }
    Ok(log)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly on purpose
mod tests {
    use super::*;

    #[test]
    fn blocks_stamp_only_measured_and_only_once() {
        let measured = [
            B256::repeat_byte(1),
            B256::repeat_byte(2),
            B256::repeat_byte(3),
        ];
        let index_of: HashMap<B256, usize> = measured
            .iter()
            .enumerate()
            .map(|(i, hash)| (*hash, i))
            .collect();
        let mut log = CommitLog::new(3);
        let t0 = Instant::now();
        let foreign = B256::repeat_byte(9);
        assert_eq!(
            log.record_block(&[measured[0], foreign, measured[2]], &index_of, t0),
            2
        );
        assert_eq!(log.record_block(&[foreign], &index_of, t0), 0);
        let t1 = t0 + Duration::from_millis(5);
        assert_eq!(
            log.record_block(&[measured[0], measured[1]], &index_of, t1),
            1
        );
        assert_eq!(log.committed_at, vec![Some(t0), Some(t1), Some(t0)]);
        assert_eq!((log.blocks, log.max_txs_per_block), (2, 2));
    }
}
