//! The pool's state behind its lock: every sender's transactions, the hash index, the queued
//! transactions ordered for eviction, and the stateful admission rules that read them.

use crate::{
    config::PoolConfig,
    content::PoolContent,
    error::PoolError,
    pooled::PooledTx,
    sender::{QueuedKey, SenderTxs, is_sufficient_bump},
};
use cloister_primitives::{Address, TxHash, U256};
use std::{
    collections::{BTreeSet, HashMap},
    ops::Range,
    sync::Arc,
};

/// A sender's account at the current head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AccountState {
    pub(crate) nonce: u64,
    pub(crate) balance: U256,
}

/// Everything the pool holds; only ever touched under `TxPool`'s lock.
#[derive(Debug, Default)]
pub(crate) struct PoolInner {
    senders: HashMap<Address, SenderTxs>,
    by_hash: HashMap<TxHash, Arc<PooledTx>>,
    /// Queued transactions, cheapest first: the eviction order when the pool is full.
    queued: BTreeSet<QueuedKey>,
    pending_total: usize,
}

impl PoolInner {
    /// Applies the stateful admission rules (geth's order) and inserts `tx`. Transactions that
    /// become pending, `tx` and any it promotes, are appended to `became_pending`.
    pub(crate) fn add(
        &mut self,
        tx: Arc<PooledTx>,
        account: AccountState,
        config: &PoolConfig,
        became_pending: &mut Vec<Arc<PooledTx>>,
    ) -> Result<TxHash, PoolError> {
        if self.by_hash.contains_key(&tx.hash) {
            return Err(PoolError::AlreadyKnown);
        }
        let sender = tx.sender();
        let nonce = tx.nonce();
        self.advance_state_nonce(sender, account.nonce, became_pending);
        let (next_nonce, pooled_cost, pooled_count, replaced, pending_end) =
            match self.senders.get(&sender) {
                Some(txs) => (
                    txs.state_nonce,
                    txs.total_cost,
                    txs.by_nonce.len(),
                    txs.by_nonce.get(&nonce).cloned(),
                    txs.pending_end,
                ),
                None => (account.nonce, U256::ZERO, 0, None, account.nonce),
            };
        if nonce < next_nonce {
            return Err(PoolError::NonceTooLow {
                next: next_nonce,
                tx: nonce,
            });
        }
        let balance = account.balance;
        if tx.cost > balance {
            return Err(PoolError::InsufficientFunds {
                balance,
                cost: tx.cost,
            });
        }
        // Replacing a transaction frees its cost, so only the others count against the balance.
        let others_cost = match &replaced {
            Some(old) => pooled_cost.saturating_sub(old.cost),
            None => pooled_cost,
        };
        if others_cost.saturating_add(tx.cost) > balance {
            return Err(PoolError::InsufficientFundsWithQueued {
                balance,
                queued_cost: others_cost,
                cost: tx.cost,
            });
        }
        match &replaced {
            Some(old) if !is_sufficient_bump(old, &tx, config.price_bump_percent) => {
                return Err(PoolError::ReplacementUnderpriced);
            }
            Some(_) => {}
            None => {
                if pooled_count >= config.max_per_sender {
                    return Err(PoolError::AccountLimitExceeded {
                        pooled: pooled_count,
                    });
                }
                if self.by_hash.len() >= config.max_total {
                    self.make_room(&tx, nonce == pending_end)?;
                }
            }
        }
        let hash = tx.hash;
        self.insert(tx, replaced, account.nonce, became_pending);
        Ok(hash)
    }

    /// Evicts the cheapest queued transaction for `tx`, unless `tx` would itself be queued and
    /// pays no more than it.
    fn make_room(&mut self, tx: &PooledTx, will_be_pending: bool) -> Result<(), PoolError> {
        let Some(&cheapest) = self.queued.first() else {
            return Err(PoolError::PoolFull);
        };
        if !will_be_pending && !cheapest.is_cheaper_than(tx) {
            return Err(PoolError::PoolFull);
        }
        tracing::debug!(target: "cloister::txpool", "evicting the cheapest queued transaction");
        self.remove_at(cheapest.sender, cheapest.nonce());
        Ok(())
    }

    fn insert(
        &mut self,
        tx: Arc<PooledTx>,
        replaced: Option<Arc<PooledTx>>,
        state_nonce: u64,
        became_pending: &mut Vec<Arc<PooledTx>>,
    ) {
        let nonce = tx.nonce();
        let txs = self
            .senders
            .entry(tx.sender())
            .or_insert_with(|| SenderTxs::new(state_nonce));
        txs.total_cost = txs.total_cost.saturating_add(tx.cost);
        self.by_hash.insert(tx.hash, Arc::clone(&tx));
        txs.by_nonce.insert(nonce, Arc::clone(&tx));
        if let Some(old) = replaced {
            txs.total_cost = txs.total_cost.saturating_sub(old.cost);
            self.by_hash.remove(&old.hash);
            if txs.is_pending(nonce) {
                became_pending.push(tx);
            } else {
                self.queued.remove(&QueuedKey::of(&old));
                self.queued.insert(QueuedKey::of(&tx));
            }
        } else if nonce == txs.pending_end {
            extend_pending(
                txs,
                &mut self.queued,
                &mut self.pending_total,
                became_pending,
            );
        } else {
            self.queued.insert(QueuedKey::of(&tx));
        }
    }

    /// Drops the sender's transactions below `new_nonce` (mined, or replaced on chain) and
    /// promotes queued ones that the new nonce makes contiguous. The nonce never moves back:
    /// Cloister's chain has no reorgs, so a lower reading is a stale head.
    pub(crate) fn advance_state_nonce(
        &mut self,
        sender: Address,
        new_nonce: u64,
        became_pending: &mut Vec<Arc<PooledTx>>,
    ) {
        let Some(txs) = self.senders.get_mut(&sender) else {
            return;
        };
        if new_nonce <= txs.state_nonce {
            return;
        }
        let kept = txs.by_nonce.split_off(&new_nonce);
        let stale = std::mem::replace(&mut txs.by_nonce, kept);
        for (nonce, tx) in stale {
            self.by_hash.remove(&tx.hash);
            txs.total_cost = txs.total_cost.saturating_sub(tx.cost);
            if nonce < txs.pending_end {
                self.pending_total -= 1;
            } else {
                self.queued.remove(&QueuedKey::of(&tx));
            }
        }
        txs.state_nonce = new_nonce;
        txs.pending_end = txs.pending_end.max(new_nonce);
        extend_pending(
            txs,
            &mut self.queued,
            &mut self.pending_total,
            became_pending,
        );
        if txs.by_nonce.is_empty() {
            self.senders.remove(&sender);
        }
    }

    /// Brings a sender up to a new head: advances its nonce, then drops transactions its
    /// balance can no longer pay (later nonces fall back to queued, as in geth).
    pub(crate) fn on_account_changed(
        &mut self,
        sender: Address,
        account: AccountState,
        became_pending: &mut Vec<Arc<PooledTx>>,
    ) {
        self.advance_state_nonce(sender, account.nonce, became_pending);
        let Some(txs) = self.senders.get(&sender) else {
            return;
        };
        let unaffordable: Vec<u64> = txs
            .by_nonce
            .iter()
            .filter(|(_, tx)| tx.cost > account.balance)
            .map(|(nonce, _)| *nonce)
            .collect();
        for nonce in unaffordable {
            self.remove_at(sender, nonce);
        }
    }

    /// Removes a transaction by hash; later pending nonces of its sender become queued.
    pub(crate) fn remove_by_hash(&mut self, hash: &TxHash) -> Option<Arc<PooledTx>> {
        let tx = self.by_hash.get(hash)?;
        let (sender, nonce) = (tx.sender(), tx.nonce());
        self.remove_at(sender, nonce)
    }

    fn remove_at(&mut self, sender: Address, nonce: u64) -> Option<Arc<PooledTx>> {
        let txs = self.senders.get_mut(&sender)?;
        let tx = txs.by_nonce.remove(&nonce)?;
        self.by_hash.remove(&tx.hash);
        txs.total_cost = txs.total_cost.saturating_sub(tx.cost);
        if txs.is_pending(nonce) {
            for (_, later) in txs.by_nonce.range(nonce.saturating_add(1)..txs.pending_end) {
                self.queued.insert(QueuedKey::of(later));
            }
            self.pending_total -= usize::try_from(txs.pending_end - nonce).unwrap_or(0);
            txs.pending_end = nonce;
        } else {
            self.queued.remove(&QueuedKey::of(&tx));
        }
        if txs.by_nonce.is_empty() {
            self.senders.remove(&sender);
        }
        Some(tx)
    }

    pub(crate) fn get(&self, hash: &TxHash) -> Option<Arc<PooledTx>> {
        self.by_hash.get(hash).cloned()
    }

    pub(crate) fn contains(&self, hash: &TxHash) -> bool {
        self.by_hash.contains_key(hash)
    }

    pub(crate) fn is_tracked(&self, sender: &Address) -> bool {
        self.senders.contains_key(sender)
    }

    pub(crate) fn pending_count(&self) -> usize {
        self.pending_total
    }

    pub(crate) fn queued_count(&self) -> usize {
        self.queued.len()
    }

    pub(crate) fn pending_nonce(&self, sender: &Address) -> Option<u64> {
        self.senders.get(sender).map(|txs| txs.pending_end)
    }

    /// Every pending transaction, grouped per sender in nonce order, and each sender's range
    /// in the returned vector.
    pub(crate) fn pending_snapshot(&self) -> (Vec<Arc<PooledTx>>, Vec<Range<usize>>) {
        let mut txs = Vec::with_capacity(self.pending_total);
        let mut runs = Vec::new();
        for sender_txs in self.senders.values() {
            if sender_txs.pending_len() == 0 {
                continue;
            }
            let start = txs.len();
            txs.extend(sender_txs.pending().cloned());
            runs.push(start..txs.len());
        }
        (txs, runs)
    }

    pub(crate) fn content(&self) -> PoolContent {
        let mut content = PoolContent::default();
        for (sender, txs) in &self.senders {
            content.insert_sender(*sender, txs);
        }
        content
    }

    pub(crate) fn content_from(&self, sender: &Address) -> PoolContent {
        let mut content = PoolContent::default();
        if let Some(txs) = self.senders.get(sender) {
            content.insert_sender(*sender, txs);
        }
        content
    }
}

/// Grows the sender's pending run over every pooled nonce contiguous with its end.
fn extend_pending(
    txs: &mut SenderTxs,
    queued: &mut BTreeSet<QueuedKey>,
    pending_total: &mut usize,
    became_pending: &mut Vec<Arc<PooledTx>>,
) {
    while let Some(tx) = txs.by_nonce.get(&txs.pending_end) {
        if !queued.is_empty() {
            queued.remove(&QueuedKey::of(tx));
        }
        *pending_total += 1;
        became_pending.push(Arc::clone(tx));
        txs.pending_end += 1;
    }
}
