//! The node's `/metrics` and `/health` pages ([`NodeMetrics`], the server's
//! [`StatusPages`]): gauges of the chain head, the pool and consensus read at scrape time, the
//! committed-transactions counter, and the block build and commit histograms the producer
//! feeds. The RPC server appends its own per-method counts and latencies.
//!
//! Every value is node-wide: no caller, transaction or account appears in any label.

use crate::status::{NodeStatus, Verdict};
use cloister_chain::{Chain, CommittedBlock};
use cloister_rpc::{
    Health, PageFuture, StatusPages,
    metrics::{BLOCK_TIME_BUCKETS, Counter, Exposition, Histogram, Kind, as_f64},
};
use cloister_txpool::TxPool;
use serde_json::json;
use std::{sync::Arc, time::Duration};
use tokio::sync::{broadcast::error::RecvError, watch};

/// Metric names, one place (docs/observability.md lists them with their meaning).
pub mod names {
    /// Gauge: the head block's number.
    pub const HEAD: &str = "cloister_head_block_number";
    /// Counter: transactions in blocks this node committed since it started.
    pub const TXS_COMMITTED: &str = "cloister_transactions_committed_total";
    /// Gauge: executable transactions in the pool.
    pub const POOL_PENDING: &str = "cloister_txpool_pending";
    /// Gauge: transactions waiting on a nonce gap.
    pub const POOL_QUEUED: &str = "cloister_txpool_queued";
    /// Gauge: Raft term.
    pub const TERM: &str = "cloister_raft_term";
    /// Gauge: 1 when this node leads.
    pub const IS_LEADER: &str = "cloister_raft_is_leader";
    /// Gauge, label `address`: the leader's node id (absent while none is known).
    pub const LEADER_ID: &str = "cloister_raft_leader_id";
    /// Gauge: last log index.
    pub const LAST_LOG: &str = "cloister_raft_last_log_index";
    /// Gauge: committed index.
    pub const COMMIT: &str = "cloister_raft_commit_index";
    /// Gauge: applied index.
    pub const APPLIED: &str = "cloister_raft_applied_index";
    /// Gauge (leader only), label `peer`: entries a member is behind the leader's last index.
    pub const LAG: &str = "cloister_raft_replication_lag";
    /// Histogram: seconds to build a block (execution, state root, seal).
    pub const BUILD: &str = "cloister_block_build_seconds";
    /// Histogram: seconds to commit a built block (local write, or the consensus round).
    pub const COMMIT_TIME: &str = "cloister_block_commit_seconds";
}

/// The node's metrics and health; see the module doc.
#[derive(Debug)]
pub struct NodeMetrics {
    status: Arc<NodeStatus>,
    pool: Arc<TxPool>,
    txs_committed: Counter,
    block_build: Histogram,
    block_commit: Histogram,
}

impl NodeMetrics {
    /// Metrics of the node `status` describes, with `pool`.
    pub(crate) fn new(status: Arc<NodeStatus>, pool: Arc<TxPool>) -> Self {
        Self {
            status,
            pool,
            txs_committed: Counter::default(),
            block_build: Histogram::new(BLOCK_TIME_BUCKETS),
            block_commit: Histogram::new(BLOCK_TIME_BUCKETS),
        }
    }

    /// The producer's timing hook (`BlockProducer::with_timer`).
    pub(crate) fn block_timer(self: &Arc<Self>) -> Arc<dyn Fn(Duration, Duration) + Send + Sync> {
        let metrics = self.clone();
        Arc::new(move |build, commit| {
            metrics.block_build.observe(build);
            metrics.block_commit.observe(commit);
        })
    }

    /// Counts the transactions of every block `chain` commits (produced here, or applied from
    /// the leader) until shutdown. Blocks a slow reader missed are read back from the chain.
    pub(crate) async fn count_committed(
        self: Arc<Self>,
        chain: Arc<Chain>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut blocks = chain.subscribe();
        let mut last = chain.head().header.number;
        loop {
            let block: Arc<CommittedBlock> = tokio::select! {
                received = blocks.recv() => match received {
                    Ok(block) => block,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
                _ = shutdown.changed() => return,
            };
            let number = block.header.number;
            if number <= last {
                continue;
            }
            if number > last.saturating_add(1) {
                let reader = chain.head().reader.clone();
                for missed in last.saturating_add(1)..number {
                    match reader.transactions(missed) {
                        Ok(txs) => self.txs_committed.add(txs.len() as u64),
                        Err(err) => {
                            tracing::debug!(target: "cloister::node", %err, missed, "cannot count a missed block");
                        }
                    }
                }
            }
            self.txs_committed.add(block.transactions.len() as u64);
            last = number;
        }
    }

    async fn render(&self) -> Exposition {
        let mut out = Exposition::new();
        out.gauge(
            names::HEAD,
            "Number of the head block",
            as_f64(self.status.head_number()),
        );
        out.counter(
            names::TXS_COMMITTED,
            "Transactions in blocks committed on this node since it started",
            self.txs_committed.get(),
        );
        out.gauge(
            names::POOL_PENDING,
            "Executable transactions in the pool",
            as_f64(self.pool.pending_count() as u64),
        );
        out.gauge(
            names::POOL_QUEUED,
            "Pool transactions waiting for an earlier nonce",
            as_f64(self.pool.queued_count() as u64),
        );

        let facts = self.status.consensus().await;
        out.gauge(
            names::TERM,
            "Raft term (0 without a cluster)",
            as_f64(facts.term),
        );
        out.gauge(
            names::IS_LEADER,
            "1 when this node is the leader (a node without a cluster leads itself)",
            if facts.is_leader { 1.0 } else { 0.0 },
        );
        out.family(
            names::LEADER_ID,
            "Raft node id of the leader this node knows (the first 8 bytes of its address, which \
             the label holds in full); absent while none is known",
            Kind::Gauge,
        );
        if let Some((id, address)) = facts.leader {
            let address = format!("{address:#x}");
            out.sample(names::LEADER_ID, &[("address", &address)], as_f64(id));
        }
        let indices = [
            (
                names::LAST_LOG,
                "Index of the last Raft log entry (the head number without a cluster)",
                facts.last_log_index,
            ),
            (
                names::COMMIT,
                "Index of the last Raft log entry known committed",
                facts.committed_index,
            ),
            (
                names::APPLIED,
                "Index of the last Raft log entry applied to the chain",
                facts.applied_index,
            ),
        ];
        for (name, help, value) in indices {
            out.family(name, help, Kind::Gauge);
            if let Some(value) = value {
                out.sample(name, &[], as_f64(value));
            }
        }
        out.family(
            names::LAG,
            "On the leader: log entries each other member is behind the leader's last index",
            Kind::Gauge,
        );
        for (peer, lag) in &facts.lags {
            let peer = format!("{peer:#x}");
            out.sample(names::LAG, &[("peer", &peer)], as_f64(*lag));
        }
        out.histogram(
            names::BUILD,
            "Seconds this node took to build a block (execution, state root, seal)",
            &self.block_build,
        );
        out.histogram(
            names::COMMIT_TIME,
            "Seconds to commit a block this node built (its write, or the consensus round)",
            &self.block_commit,
        );
        out
    }

    fn health_body(verdict: &Verdict) -> serde_json::Value {
        let mut body = json!({
            "status": if verdict.problem.is_none() { "ok" } else { "unavailable" },
            "head": verdict.head,
            "role": verdict.role,
            "leader": verdict.leader,
        });
        if let Some(problem) = &verdict.problem {
            body["reason"] = json!(problem);
        }
        body
    }
}

impl StatusPages for NodeMetrics {
    fn metrics(&self) -> PageFuture<'_, Exposition> {
        Box::pin(self.render())
    }

    fn health(&self) -> PageFuture<'_, Health> {
        Box::pin(async move {
            let verdict = self.status.verdict().await;
            Health {
                serving: verdict.problem.is_none(),
                body: Self::health_body(&verdict),
            }
        })
    }
}
