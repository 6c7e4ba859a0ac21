//! What `txpool_content`, `txpool_contentFrom` and `txpool_inspect` show: sender → nonce →
//! transaction, split into pending and queued.

use crate::{pooled::PooledTx, sender::SenderTxs};
use cloister_primitives::Address;
use std::{collections::BTreeMap, sync::Arc};

/// One sender's transactions by nonce.
pub type TxsByNonce = BTreeMap<u64, Arc<PooledTx>>;

/// A copy of the pool's content at one instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolContent {
    /// Executable transactions: contiguous from each sender's account nonce.
    pub pending: BTreeMap<Address, TxsByNonce>,
    /// Transactions waiting behind a nonce gap.
    pub queued: BTreeMap<Address, TxsByNonce>,
}

impl PoolContent {
    pub(crate) fn insert_sender(&mut self, sender: Address, txs: &SenderTxs) {
        let pending: TxsByNonce = txs
            .pending()
            .map(|tx| (tx.nonce(), Arc::clone(tx)))
            .collect();
        let queued: TxsByNonce = txs
            .queued()
            .map(|tx| (tx.nonce(), Arc::clone(tx)))
            .collect();
        if !pending.is_empty() {
            self.pending.insert(sender, pending);
        }
        if !queued.is_empty() {
            self.queued.insert(sender, queued);
        }
    }
}
