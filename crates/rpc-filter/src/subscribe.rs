//! `eth_subscribe` streams over WebSocket: `newHeads`, `logs` and `newPendingTransactions`.
//! Each subscription reads a broadcast channel; when it falls behind (a slow client) it skips
//! what it missed and carries on, so block production never waits for a subscriber.
//!
//! A subscription keeps the caller that opened it and asks the policy about each item as it
//! arrives: hidden logs and pending transactions are not sent, and heads carry the bloom of
//! the logs the caller may see unless the caller may see the whole bloom.

use crate::{
    criteria::LogCriteria,
    error::{FilterError, FilterResult},
    logs::append_receipt_logs,
    pending::pending_transaction,
    visible::{restricting, retain_visible_logs},
};
use alloy_rpc_types_eth::Header as RpcHeader;
use cloister_chain::CommittedBlock;
use cloister_policy::Caller;
use cloister_primitives::Bloom;
use cloister_rpc::{RpcContext, access::Viewer};
use cloister_txpool::PooledTx;
use jsonrpsee::{PendingSubscriptionSink, SubscriptionMessage, SubscriptionSink};
use serde::Serialize;
use serde_json::{Value, value::RawValue};
use std::sync::Arc;
use tokio::sync::broadcast::{Receiver, error::RecvError};

/// What one subscription follows.
enum Feed {
    Heads(Receiver<Arc<CommittedBlock>>),
    Logs(Box<LogCriteria>, Receiver<Arc<CommittedBlock>>),
    Pending(Receiver<Arc<PooledTx>>, bool),
}

/// The method name the audit log records for reads made by subscriptions.
const METHOD: &str = "eth_subscribe";

/// Handles one `eth_subscribe` call of `caller`: refuses it with geth's error, or accepts it
/// and streams what `caller` may see until the client unsubscribes or disconnects.
pub async fn serve_subscription(
    ctx: Arc<RpcContext>,
    pending: PendingSubscriptionSink,
    caller: Caller,
    kind: String,
    params: Option<Value>,
) {
    // Channels are joined before the subscription id is returned, so nothing committed after
    // the answer is missed.
    let feed = match open_feed(&ctx, &kind, params) {
        Ok(feed) => feed,
        Err(err) => {
            pending.reject(err).await;
            return;
        }
    };
    let Ok(sink) = pending.accept().await else {
        return;
    };
    match feed {
        Feed::Heads(blocks) => {
            follow(&sink, blocks, |block: Arc<CommittedBlock>| {
                let mut header = RpcHeader {
                    hash: block.hash,
                    inner: block.header.clone(),
                    total_difficulty: None,
                    size: None,
                };
                let viewer = ctx.viewer_for(caller.clone(), METHOD);
                if !viewer.bloom() {
                    let head = ctx.chain.head();
                    let shown = viewer.block_bloom(
                        &head.reader,
                        block.header.logs_bloom,
                        &block.transactions,
                        &block.receipts,
                    );
                    // Fail closed: a bloom that could not be decided shows nothing.
                    header.inner.logs_bloom = shown.unwrap_or_else(|err| {
                        tracing::debug!(target: "cloister::rpc::filter", %err, "bloom undecided");
                        Bloom::ZERO
                    });
                }
                vec![header]
            })
            .await
        }
        Feed::Logs(criteria, blocks) => {
            follow(&sink, blocks, |block: Arc<CommittedBlock>| {
                let viewer = ctx.viewer_for(caller.clone(), METHOD);
                block_logs(&criteria, &block, &ctx, restricting(&viewer))
            })
            .await
        }
        Feed::Pending(txs, full) => {
            follow(&sink, txs, move |tx: Arc<PooledTx>| {
                let viewer = ctx.viewer_for(caller.clone(), METHOD);
                if !viewer.pooled(&tx.tx) {
                    return Vec::new();
                }
                if full {
                    vec![serde_json::to_value(pending_transaction(&tx)).unwrap_or(Value::Null)]
                } else {
                    vec![Value::String(tx.hash.to_string())]
                }
            })
            .await
        }
    }
}

fn open_feed(ctx: &RpcContext, kind: &str, params: Option<Value>) -> FilterResult<Feed> {
    let params = params.filter(|p| !p.is_null());
    match kind {
        "newHeads" => {
            if params.is_some() {
                return Err(FilterError::TooManyArguments(1));
            }
            Ok(Feed::Heads(ctx.chain.subscribe()))
        }
        "logs" => {
            let Some(filter) = params else {
                return Err(FilterError::argument(
                    1,
                    "missing value for required argument",
                ));
            };
            let criteria = LogCriteria::from_json(&filter, 1)?;
            criteria.check_limits()?;
            criteria.check_live_range()?;
            Ok(Feed::Logs(Box::new(criteria), ctx.chain.subscribe()))
        }
        "newPendingTransactions" => {
            let full = match params {
                None => false,
                Some(Value::Bool(full)) => full,
                Some(_) => {
                    return Err(FilterError::argument(
                        1,
                        "json: cannot unmarshal into Go value of type bool",
                    ));
                }
            };
            Ok(Feed::Pending(ctx.pool.subscribe_pending(), full))
        }
        other => Err(FilterError::UnknownSubscription(other.to_string())),
    }
}

/// Matching logs of a freshly committed block that `viewer` (if given) may see, in order, each
/// a notification of its own.
fn block_logs(
    criteria: &LogCriteria,
    block: &CommittedBlock,
    ctx: &RpcContext,
    viewer: Option<&Viewer<'_>>,
) -> Vec<alloy_rpc_types_eth::Log> {
    if !criteria.may_match(&block.header.logs_bloom) || !criteria.in_live_range(block.header.number)
    {
        return Vec::new();
    }
    let mut logs = Vec::new();
    append_receipt_logs(
        criteria,
        &block.header,
        block.hash,
        &block.receipts,
        &mut logs,
    );
    if let Some(viewer) = viewer
        && !logs.is_empty()
    {
        // The block's receipts are at hand, so the reader is only there for the signature.
        let head = ctx.chain.head();
        let checked = retain_visible_logs(
            viewer,
            &head.reader,
            &block.transactions,
            &block.receipts,
            &mut logs,
        );
        if let Err(err) = checked {
            // Fail closed: a decision that could not be made shows nothing.
            tracing::debug!(target: "cloister::rpc::filter", %err, "log visibility undecided");
            logs.clear();
        }
    }
    for log in &mut logs {
        log.transaction_hash = log
            .transaction_index
            .and_then(|i| block.transactions.get(i as usize))
            .map(|tx| *tx.inner().tx_hash());
    }
    logs
}

/// Where notifications go: a WebSocket subscription here, a plain channel in tests.
pub(crate) trait NotificationSink {
    /// Delivers one notification; false when the client is gone.
    async fn deliver(&self, item: Box<RawValue>) -> bool;
    /// Resolves when the client is gone.
    async fn gone(&self);
}

impl NotificationSink for SubscriptionSink {
    async fn deliver(&self, item: Box<RawValue>) -> bool {
        self.send(SubscriptionMessage::from(item)).await.is_ok()
    }

    async fn gone(&self) {
        self.closed().await
    }
}

/// Forwards what `receiver` yields, turned into notifications by `items`, until the client
/// goes away. Lagging skips ahead instead of holding anyone up.
pub(crate) async fn follow<S, E, T, F>(sink: &S, mut receiver: Receiver<E>, mut items: F)
where
    S: NotificationSink,
    E: Clone,
    T: Serialize,
    F: FnMut(E) -> Vec<T>,
{
    loop {
        let event = tokio::select! {
            _ = sink.gone() => return,
            event = receiver.recv() => event,
        };
        match event {
            Ok(event) => {
                for item in items(event) {
                    let Ok(message) = serde_json::value::to_raw_value(&item) else {
                        continue;
                    };
                    if !sink.deliver(message).await {
                        return;
                    }
                }
            }
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(target: "cloister::rpc::filter", missed, "subscriber fell behind; skipping");
            }
            Err(RecvError::Closed) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::{broadcast, mpsc};

    struct ChannelSink(mpsc::UnboundedSender<String>);

    impl NotificationSink for ChannelSink {
        async fn deliver(&self, item: Box<RawValue>) -> bool {
            self.0.send(item.get().to_string()).is_ok()
        }
        async fn gone(&self) {
            std::future::pending::<()>().await
        }
    }

    #[tokio::test]
    async fn a_lagging_follower_skips_what_it_missed_and_carries_on() {
        let (events, receiver) = broadcast::channel::<u64>(4);
        // Ten events arrive before the follower reads anything: the channel keeps four.
        for n in 0..10 {
            events.send(n).unwrap();
        }
        let (out, mut delivered) = mpsc::unbounded_channel();
        let follower = tokio::spawn(async move {
            follow(&ChannelSink(out), receiver, |n: u64| vec![n]).await;
        });
        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(delivered.recv().await.unwrap());
        }
        assert_eq!(got, ["6", "7", "8", "9"]);
        events.send(10).unwrap();
        assert_eq!(delivered.recv().await.unwrap(), "10");
        drop(events);
        follower.await.unwrap();
    }
}
