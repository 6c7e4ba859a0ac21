//! The `txpool_` namespace in geth's formats: senders as checksummed addresses, nonces as
//! decimal strings, counts as hex quantities. Each caller sees only the pooled transactions
//! the policy shows it (a sender with none left is omitted).

use crate::{RpcContext, access::Viewer};
use alloy_consensus::Transaction as _;
use alloy_rpc_types_eth::Transaction;
use cloister_primitives::{Address, U256};
use cloister_txpool::{PoolContent, PooledTx, TxsByNonce};
use jsonrpsee::{Extensions, core::RpcResult as JsonResult, proc_macros::rpc};
use serde::Serialize;
use std::{collections::BTreeMap, sync::Arc};

/// Per sender (checksummed), per nonce (decimal): one entry.
pub type BySender<T> = BTreeMap<String, BTreeMap<String, T>>;

/// Pending and queued transactions, in some per-transaction form.
#[derive(Debug, Clone, Serialize)]
pub struct PendingQueued<T> {
    /// Executable now.
    pub pending: BySender<T>,
    /// Waiting behind a nonce gap.
    pub queued: BySender<T>,
}

/// `txpool_status`.
#[derive(Debug, Clone, Serialize)]
pub struct PoolStatus {
    /// Pending transactions.
    pub pending: U256,
    /// Queued transactions.
    pub queued: U256,
}

/// `txpool_` methods.
#[rpc(server, namespace = "txpool")]
pub trait TxPoolApi {
    /// How many transactions are pending and queued.
    #[method(name = "status", with_extensions)]
    fn status(&self) -> JsonResult<PoolStatus>;
    /// Every pooled transaction.
    #[method(name = "content", with_extensions)]
    fn content(&self) -> JsonResult<PendingQueued<Transaction>>;
    /// One sender's pooled transactions.
    #[method(name = "contentFrom", with_extensions)]
    fn content_from(&self, address: Address) -> JsonResult<PendingQueued<Transaction>>;
    /// Every pooled transaction as one line of text.
    #[method(name = "inspect", with_extensions)]
    fn inspect(&self) -> JsonResult<PendingQueued<String>>;
}

/// The `txpool_` server.
#[derive(Debug, Clone)]
pub struct TxPoolRpc {
    ctx: Arc<RpcContext>,
}

impl TxPoolRpc {
    /// Serves the pool of `ctx`.
    pub fn new(ctx: Arc<RpcContext>) -> Self {
        Self { ctx }
    }
}

/// A pooled transaction as an RPC object (no block fields).
pub fn pooled_rpc_transaction(pooled: &PooledTx) -> Transaction {
    // No block and no base fee: alloy then reports `gasPrice` as the fee cap, as geth does for
    // pending transactions.
    Transaction::from_transaction(
        pooled.tx.clone(),
        alloy_rpc_types_eth::TransactionInfo::default(),
    )
}

/// geth's one-line summary: `to: value wei + gas gas × price wei`.
fn summary(pooled: &PooledTx) -> String {
    let tx = pooled.envelope();
    let price = tx.max_fee_per_gas();
    match tx.to() {
        Some(to) => format!(
            "{}: {} wei + {} gas × {} wei",
            to.to_checksum(None),
            tx.value(),
            tx.gas_limit(),
            price
        ),
        None => format!(
            "contract creation: {} wei + {} gas × {} wei",
            tx.value(),
            tx.gas_limit(),
            price
        ),
    }
}

fn by_sender<T>(
    groups: &BTreeMap<Address, TxsByNonce>,
    show: impl Fn(&PooledTx) -> T,
) -> BySender<T> {
    groups
        .iter()
        .map(|(sender, txs)| {
            let by_nonce = txs
                .iter()
                .map(|(nonce, tx)| (nonce.to_string(), show(tx)))
                .collect();
            (sender.to_checksum(None), by_nonce)
        })
        .collect()
}

fn shape<T>(content: &PoolContent, show: impl Fn(&PooledTx) -> T + Copy) -> PendingQueued<T> {
    PendingQueued {
        pending: by_sender(&content.pending, show),
        queued: by_sender(&content.queued, show),
    }
}

/// `content` without the transactions `viewer` may not see.
fn visible_content(viewer: &Viewer<'_>, mut content: PoolContent) -> PoolContent {
    if viewer.sees_everything() {
        return content;
    }
    for groups in [&mut content.pending, &mut content.queued] {
        for txs in groups.values_mut() {
            txs.retain(|_, pooled| viewer.pooled(&pooled.tx));
        }
        groups.retain(|_, txs| !txs.is_empty());
    }
    content
}

fn count(groups: &BTreeMap<Address, TxsByNonce>) -> U256 {
    U256::from(groups.values().map(TxsByNonce::len).sum::<usize>())
}

impl TxPoolApiServer for TxPoolRpc {
    fn status(&self, ext: &Extensions) -> JsonResult<PoolStatus> {
        let viewer = self.ctx.viewer(ext);
        if viewer.sees_everything() {
            return Ok(PoolStatus {
                pending: U256::from(self.ctx.pool.pending_count()),
                queued: U256::from(self.ctx.pool.queued_count()),
            });
        }
        let content = visible_content(&viewer, self.ctx.pool.content());
        Ok(PoolStatus {
            pending: count(&content.pending),
            queued: count(&content.queued),
        })
    }

    fn content(&self, ext: &Extensions) -> JsonResult<PendingQueued<Transaction>> {
        let content = visible_content(&self.ctx.viewer(ext), self.ctx.pool.content());
        Ok(shape(&content, pooled_rpc_transaction))
    }

    fn content_from(
        &self,
        ext: &Extensions,
        address: Address,
    ) -> JsonResult<PendingQueued<Transaction>> {
        let content = visible_content(&self.ctx.viewer(ext), self.ctx.pool.content_from(address));
        Ok(shape(&content, pooled_rpc_transaction))
    }

    fn inspect(&self, ext: &Extensions) -> JsonResult<PendingQueued<String>> {
        let content = visible_content(&self.ctx.viewer(ext), self.ctx.pool.content());
        Ok(shape(&content, summary))
    }
}
