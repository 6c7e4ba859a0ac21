//! Block-building order over a snapshot of the pending transactions: a heap holds each
//! sender's next transaction keyed by its effective tip, so every step costs O(log senders)
//! and a sender's transactions always come out in nonce order.

use crate::pooled::PooledTx;
use cloister_primitives::Address;
use std::{
    cmp::{Ordering, Reverse},
    collections::{BinaryHeap, HashSet},
    ops::Range,
    sync::Arc,
};

/// Pending transactions, best effective tip first, each sender in nonce order. Iterates a
/// snapshot: the pool is not locked while a block is built.
#[derive(Debug)]
pub struct BestTransactions {
    base_fee: u64,
    /// Pending transactions grouped per sender, nonce order inside each group.
    txs: Vec<Arc<PooledTx>>,
    /// Per sender: the part of `txs` not yielded yet.
    remaining: Vec<Range<usize>>,
    /// Each sender's next transaction that pays at least the base fee.
    heap: BinaryHeap<HeapEntry>,
    /// The sender last yielded; its next transaction joins the heap on the following step,
    /// after the caller had the chance to call `mark_invalid`.
    last_yielded: Option<usize>,
    invalid_senders: HashSet<Address>,
}

#[derive(Debug, PartialEq, Eq)]
struct HeapEntry {
    effective_tip: u128,
    /// Earlier arrival wins among equal tips.
    submission: Reverse<u64>,
    sender_index: usize,
}

impl Ord for HeapEntry {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.effective_tip, self.submission)
            .cmp(&(other.effective_tip, other.submission))
            .then_with(|| other.sender_index.cmp(&self.sender_index))
    }
}

impl PartialOrd for HeapEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl BestTransactions {
    pub(crate) fn new(base_fee: u64, txs: Vec<Arc<PooledTx>>, runs: Vec<Range<usize>>) -> Self {
        let mut best = Self {
            base_fee,
            txs,
            heap: BinaryHeap::with_capacity(runs.len()),
            remaining: runs,
            last_yielded: None,
            invalid_senders: HashSet::new(),
        };
        for sender_index in 0..best.remaining.len() {
            best.push_next_of(sender_index);
        }
        best
    }

    /// Skips every remaining transaction of `sender` (its last one failed to execute, so the
    /// later nonces cannot either).
    pub fn mark_invalid(&mut self, sender: Address) {
        self.invalid_senders.insert(sender);
    }

    /// Pending transactions in the snapshot, yielded or not.
    pub fn snapshot_len(&self) -> usize {
        self.txs.len()
    }

    /// Pushes the sender's next transaction, unless it cannot pay the base fee: then the
    /// sender is done for this block, since its later nonces cannot skip ahead of it.
    fn push_next_of(&mut self, sender_index: usize) {
        let Some(position) = self.remaining.get(sender_index).map(|range| range.start) else {
            return;
        };
        if position >= self.remaining[sender_index].end {
            return;
        }
        let tx = &self.txs[position];
        if let Some(effective_tip) = tx.effective_tip(self.base_fee) {
            self.heap.push(HeapEntry {
                effective_tip,
                submission: Reverse(tx.submission_id()),
                sender_index,
            });
        }
    }

    fn is_invalid(&self, tx: &PooledTx) -> bool {
        !self.invalid_senders.is_empty() && self.invalid_senders.contains(&tx.sender())
    }
}

impl Iterator for BestTransactions {
    type Item = Arc<PooledTx>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(sender_index) = self.last_yielded.take() {
            self.remaining[sender_index].start += 1;
            let next_position = self.remaining[sender_index].start;
            let still_valid = self
                .txs
                .get(next_position)
                .is_some_and(|tx| !self.is_invalid(tx));
            if still_valid {
                self.push_next_of(sender_index);
            }
        }
        while let Some(entry) = self.heap.pop() {
            let tx = &self.txs[self.remaining[entry.sender_index].start];
            if self.is_invalid(tx) {
                continue;
            }
            self.last_yielded = Some(entry.sender_index);
            return Some(Arc::clone(tx));
        }
        None
    }
}
