//! One sender's pooled transactions, by nonce. The pending ones are exactly the contiguous run
//! `state_nonce..pending_end`; every pooled nonce at or above `pending_end` is queued behind a
//! gap (nonce `pending_end` itself is never pooled).

use crate::pooled::PooledTx;
use cloister_primitives::{Address, U256};
use std::{cmp::Reverse, collections::BTreeMap, sync::Arc};

/// A sender's transactions and where its pending run ends.
#[derive(Debug)]
pub(crate) struct SenderTxs {
    /// The account nonce at the head, as last read.
    pub(crate) state_nonce: u64,
    /// First nonce after the pending run.
    pub(crate) pending_end: u64,
    /// Every pooled transaction of the sender, pending and queued.
    pub(crate) by_nonce: BTreeMap<u64, Arc<PooledTx>>,
    /// Summed `cost` of `by_nonce`, for the overdraft check at admission.
    pub(crate) total_cost: U256,
}

impl SenderTxs {
    pub(crate) fn new(state_nonce: u64) -> Self {
        Self {
            state_nonce,
            pending_end: state_nonce,
            by_nonce: BTreeMap::new(),
            total_cost: U256::ZERO,
        }
    }

    /// Number of pending transactions.
    pub(crate) fn pending_len(&self) -> usize {
        usize::try_from(self.pending_end - self.state_nonce).unwrap_or(usize::MAX)
    }

    pub(crate) fn is_pending(&self, nonce: u64) -> bool {
        nonce >= self.state_nonce && nonce < self.pending_end
    }

    /// The pending transactions, in nonce order.
    pub(crate) fn pending(&self) -> impl Iterator<Item = &Arc<PooledTx>> {
        self.by_nonce
            .range(self.state_nonce..self.pending_end)
            .map(|(_, tx)| tx)
    }

    /// The queued transactions, in nonce order.
    pub(crate) fn queued(&self) -> impl Iterator<Item = &Arc<PooledTx>> {
        self.by_nonce.range(self.pending_end..).map(|(_, tx)| tx)
    }
}

/// Orders queued transactions for eviction: cheapest first, and within one sender the
/// highest nonce first so eviction does not open new gaps in front of other queued ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct QueuedKey {
    max_fee_per_gas: u128,
    max_priority_fee_per_gas: u128,
    nonce: Reverse<u64>,
    pub(crate) sender: Address,
}

impl QueuedKey {
    pub(crate) fn of(tx: &PooledTx) -> Self {
        Self {
            max_fee_per_gas: tx.max_fee_per_gas(),
            max_priority_fee_per_gas: tx.max_priority_fee_per_gas(),
            nonce: Reverse(tx.nonce()),
            sender: tx.sender(),
        }
    }

    pub(crate) fn nonce(&self) -> u64 {
        self.nonce.0
    }

    /// Whether `tx` pays strictly more than this queued transaction (fee cap, then tip).
    pub(crate) fn is_cheaper_than(&self, tx: &PooledTx) -> bool {
        (self.max_fee_per_gas, self.max_priority_fee_per_gas)
            < (tx.max_fee_per_gas(), tx.max_priority_fee_per_gas())
    }
}

/// geth's replacement rule: both fee cap and tip must be strictly higher and at least
/// `price_bump_percent` above the old ones.
pub(crate) fn is_sufficient_bump(old: &PooledTx, new: &PooledTx, price_bump_percent: u64) -> bool {
    let factor = U256::from(100u64.saturating_add(price_bump_percent));
    let reaches = |old_value: u128, new_value: u128| {
        new_value > old_value
            && U256::from(new_value) >= U256::from(old_value) * factor / U256::from(100u64)
    };
    reaches(old.max_fee_per_gas(), new.max_fee_per_gas())
        && reaches(
            old.max_priority_fee_per_gas(),
            new.max_priority_fee_per_gas(),
        )
}
