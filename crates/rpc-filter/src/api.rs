//! The jsonrpsee trait of this crate's `eth_` methods and its implementation over the chain,
//! the pool and the installed-filter store.

use crate::{
    FilterConfig,
    criteria::{BlockSelection, LogCriteria},
    error::FilterResult,
    installed::{FilterKind, FilterStore, NewSincePoll},
    logs::{QueryLimits, query_logs, range_logs},
    pending::pending_transaction,
    subscribe::serve_subscription,
    visible::restricting,
};
use alloy_rpc_types_eth::{BlockNumberOrTag, Log as RpcLog, Transaction};
use cloister_policy::Caller;
use cloister_primitives::B256;
use cloister_rpc::{
    RpcContext,
    access::{caller_of, method_of},
};
use jsonrpsee::{
    Extensions, PendingSubscriptionSink,
    core::{RpcResult as JsonResult, SubscriptionResult},
    proc_macros::rpc,
};
use serde::Serialize;
use serde_json::Value;
use std::{sync::Arc, time::Instant};

/// What `eth_getFilterChanges` returns, by filter kind (`[]` when nothing is new).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum FilterChanges {
    /// Block or transaction hashes.
    Hashes(Vec<B256>),
    /// Logs.
    Logs(Vec<RpcLog>),
    /// Whole pending transactions.
    Transactions(Vec<Transaction>),
}

/// Log queries, installed filters and subscriptions.
#[rpc(server, namespace = "eth")]
pub trait EthFilterApi {
    /// Logs matching a filter (EIP-234 block hash or a block range).
    #[method(name = "getLogs", with_extensions)]
    async fn logs(&self, filter: Value) -> JsonResult<Vec<RpcLog>>;
    /// Installs a log filter; returns its id.
    #[method(name = "newFilter", with_extensions)]
    fn new_filter(&self, filter: Value) -> JsonResult<String>;
    /// Installs a new-block filter; returns its id.
    #[method(name = "newBlockFilter", with_extensions)]
    fn new_block_filter(&self) -> JsonResult<String>;
    /// Installs a pending-transaction filter (hashes, or whole transactions with `true`).
    #[method(name = "newPendingTransactionFilter", with_extensions)]
    fn new_pending_transaction_filter(&self, full: Option<bool>) -> JsonResult<String>;
    /// What a filter saw since it was last polled.
    #[method(name = "getFilterChanges", with_extensions)]
    async fn filter_changes(&self, id: String) -> JsonResult<FilterChanges>;
    /// Every log matching an installed log filter's criteria.
    #[method(name = "getFilterLogs", with_extensions)]
    async fn filter_logs(&self, id: String) -> JsonResult<Vec<RpcLog>>;
    /// Removes a filter; false when it did not exist.
    #[method(name = "uninstallFilter", with_extensions)]
    fn uninstall_filter(&self, id: String) -> JsonResult<bool>;
    /// Streams `newHeads`, `logs` or `newPendingTransactions` (WebSocket only).
    #[subscription(name = "subscribe" => "subscription", unsubscribe = "unsubscribe", item = Value, with_extensions)]
    async fn subscribe(&self, kind: String, params: Option<Value>) -> SubscriptionResult;
}

/// The filter methods' server.
#[derive(Debug, Clone)]
pub struct EthFilterRpc {
    ctx: Arc<RpcContext>,
    limits: QueryLimits,
    filters: Arc<FilterStore>,
}

impl EthFilterRpc {
    /// Serves `ctx` with `config`'s limits.
    pub fn new(ctx: Arc<RpcContext>, config: &FilterConfig) -> Self {
        Self {
            ctx,
            limits: QueryLimits {
                max_block_range: config.max_block_range,
                max_results: config.max_results,
            },
            filters: Arc::new(FilterStore::new(config.filter_timeout)),
        }
    }

    /// The installed filters (shared with the expiry task).
    pub fn filters(&self) -> &Arc<FilterStore> {
        &self.filters
    }

    /// Runs a log search for the request carrying `ext` on the blocking pool, against one
    /// snapshot of the chain.
    async fn search(&self, ext: &Extensions, criteria: LogCriteria) -> FilterResult<Vec<RpcLog>> {
        let ctx = self.ctx.clone();
        let limits = self.limits;
        let (caller, method) = (caller_of(ext), method_of(ext).to_owned());
        tokio::task::spawn_blocking(move || {
            let head = ctx.chain.head();
            let viewer = ctx.viewer_for(caller, &method);
            query_logs(
                &head.reader,
                head.header.number,
                &criteria,
                limits,
                restricting(&viewer),
            )
        })
        .await?
    }

    async fn changes(&self, ext: &Extensions, id: String) -> FilterResult<FilterChanges> {
        let head = self.ctx.chain.head();
        let caller = caller_of(ext);
        match self
            .filters
            .poll(&id, &caller, head.header.number, Instant::now())?
        {
            NewSincePoll::Blocks { first, last } => {
                let mut hashes = Vec::new();
                for number in first..=last {
                    hashes.extend(head.reader.canonical_hash(number)?);
                }
                Ok(FilterChanges::Hashes(hashes))
            }
            NewSincePoll::PendingTransactions { mut txs, full } => Ok({
                let viewer = self.ctx.viewer(ext);
                if !viewer.sees_everything() {
                    txs.retain(|tx| viewer.pooled(&tx.tx));
                }
                pending_changes(&txs, full)
            }),
            NewSincePoll::Logs {
                criteria,
                first,
                last,
            } => {
                let (first, last) = clamp_to_bounds(&criteria, first, last);
                if first > last {
                    return Ok(FilterChanges::Logs(Vec::new()));
                }
                // New blocks since the last poll: geth applies no range or count limit here.
                let no_limits = QueryLimits {
                    max_block_range: 0,
                    max_results: 0,
                };
                let (ctx, method) = (self.ctx.clone(), method_of(ext).to_owned());
                let logs = tokio::task::spawn_blocking(move || {
                    let viewer = ctx.viewer_for(caller, &method);
                    range_logs(
                        &head.reader,
                        &criteria,
                        first,
                        last,
                        no_limits,
                        restricting(&viewer),
                    )
                })
                .await??;
                Ok(FilterChanges::Logs(logs))
            }
        }
    }
}

/// Pending transactions as `eth_getFilterChanges` reports them.
fn pending_changes(txs: &[Arc<cloister_txpool::PooledTx>], full: bool) -> FilterChanges {
    if full {
        FilterChanges::Transactions(txs.iter().map(|tx| pending_transaction(tx)).collect())
    } else {
        FilterChanges::Hashes(txs.iter().map(|tx| tx.hash).collect())
    }
}

/// Narrows new blocks `first..=last` to a log filter's numeric bounds.
fn clamp_to_bounds(criteria: &LogCriteria, first: u64, last: u64) -> (u64, u64) {
    let BlockSelection::Range { from, to } = &criteria.blocks else {
        return (first, last);
    };
    let first = match from {
        Some(BlockNumberOrTag::Number(from)) => first.max(*from),
        _ => first,
    };
    let last = match to {
        Some(BlockNumberOrTag::Number(to)) => last.min(*to),
        _ => last,
    };
    (first, last)
}

#[jsonrpsee::core::async_trait]
impl EthFilterApiServer for EthFilterRpc {
    async fn logs(&self, ext: &Extensions, filter: Value) -> JsonResult<Vec<RpcLog>> {
        let criteria = LogCriteria::from_json(&filter, 0)?;
        criteria.check_limits()?;
        Ok(self.search(ext, criteria).await?)
    }

    fn new_filter(&self, ext: &Extensions, filter: Value) -> JsonResult<String> {
        let criteria = LogCriteria::from_json(&filter, 0)?;
        criteria.check_limits()?;
        criteria.check_live_range()?;
        let next_block = self.ctx.chain.head().header.number + 1;
        Ok(self.filters.install(
            FilterKind::Logs {
                criteria,
                next_block,
            },
            caller_of(ext),
            Instant::now(),
        ))
    }

    fn new_block_filter(&self, ext: &Extensions) -> JsonResult<String> {
        let next_block = self.ctx.chain.head().header.number + 1;
        Ok(self.filters.install(
            FilterKind::Blocks { next_block },
            caller_of(ext),
            Instant::now(),
        ))
    }

    fn new_pending_transaction_filter(
        &self,
        ext: &Extensions,
        full: Option<bool>,
    ) -> JsonResult<String> {
        Ok(self.filters.install(
            FilterKind::PendingTransactions {
                receiver: self.ctx.pool.subscribe_pending(),
                full: full.unwrap_or(false),
            },
            caller_of(ext),
            Instant::now(),
        ))
    }

    async fn filter_changes(&self, ext: &Extensions, id: String) -> JsonResult<FilterChanges> {
        Ok(self.changes(ext, id).await?)
    }

    async fn filter_logs(&self, ext: &Extensions, id: String) -> JsonResult<Vec<RpcLog>> {
        let criteria = self
            .filters
            .log_criteria(&id, &caller_of(ext), Instant::now())?;
        Ok(self.search(ext, criteria).await?)
    }

    fn uninstall_filter(&self, ext: &Extensions, id: String) -> JsonResult<bool> {
        Ok(self.filters.uninstall(&id, &caller_of(ext), Instant::now()))
    }

    async fn subscribe(
        &self,
        pending: PendingSubscriptionSink,
        ext: &Extensions,
        kind: String,
        params: Option<Value>,
    ) -> SubscriptionResult {
        let caller: Caller = caller_of(ext);
        serve_subscription(self.ctx.clone(), pending, caller, kind, params).await;
        Ok(())
    }
}

/// Sweeps expired filters every timeout, so an abandoned pending-transaction filter releases
/// its channel even if nobody calls a filter method again. Ends when the server is dropped.
pub(crate) fn spawn_expiry(filters: &Arc<FilterStore>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        // Without a runtime, expiry stays lazy (checked at every filter call).
        return;
    };
    let weak = Arc::downgrade(filters);
    let period = filters.timeout().max(std::time::Duration::from_millis(100));
    runtime.spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let Some(filters) = weak.upgrade() else {
                return;
            };
            filters.sweep(Instant::now());
        }
    });
}
