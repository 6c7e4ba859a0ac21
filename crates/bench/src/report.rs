//! The result of a run: [`BenchReport`] (JSON via serde, text via `Display`) and the
//! arithmetic that turns send and commit times into it.

use std::fmt;
use std::time::Instant;

use serde::Serialize;

use crate::config::BenchKind;

/// Committed throughput and latency of one run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// `web3_clientVersion` of the node measured.
    pub node: String,
    /// Which transactions were sent.
    pub kind: BenchKind,
    /// Sending accounts.
    pub senders: usize,
    /// Concurrent connections used to submit.
    pub connections: usize,
    /// Transactions per submission request.
    pub batch_size: usize,
    /// Measured transactions sent.
    pub txs: usize,
    /// Measured transactions seen in blocks.
    pub committed: usize,
    /// From the first send to the moment the last transaction's block was seen.
    pub seconds: f64,
    /// `committed / seconds`.
    pub tps: f64,
    /// Median send-to-commit latency.
    pub latency_p50_ms: f64,
    /// 99th percentile send-to-commit latency.
    pub latency_p99_ms: f64,
    /// Blocks carrying measured transactions.
    pub blocks: u64,
    /// Most measured transactions in one block.
    pub max_txs_per_block: usize,
}

/// Per-transaction timings of a run, indexed like the load.
#[derive(Debug)]
pub(crate) struct Timings<'a> {
    pub(crate) sent_at: &'a [Option<Instant>],
    pub(crate) committed_at: &'a [Option<Instant>],
}

/// The figures computed from [`Timings`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    pub(crate) committed: usize,
    pub(crate) seconds: f64,
    pub(crate) tps: f64,
    pub(crate) latency_p50_ms: f64,
    pub(crate) latency_p99_ms: f64,
}

/// Count, span, throughput and latency percentiles of a run.
pub(crate) fn summarize(timings: &Timings<'_>) -> Summary {
    let first_send = timings.sent_at.iter().flatten().min();
    let last_commit = timings.committed_at.iter().flatten().max();
    let mut latencies_ms: Vec<f64> = timings
        .sent_at
        .iter()
        .zip(timings.committed_at)
        .filter_map(|(sent, committed)| {
            Some(
                committed
                    .as_ref()?
                    .saturating_duration_since(*sent.as_ref()?),
            )
        })
        .map(|latency| latency.as_secs_f64() * 1e3)
        .collect();
    latencies_ms.sort_by(f64::total_cmp);
    let committed = timings.committed_at.iter().flatten().count();
    let seconds = match (first_send, last_commit) {
        (Some(first), Some(last)) => last.saturating_duration_since(*first).as_secs_f64(),
        _ => 0.0,
    };
    let tps = if seconds > 0.0 {
        committed as f64 / seconds
    } else {
        0.0
    };
    Summary {
        committed,
        seconds,
        tps,
        latency_p50_ms: percentile(&latencies_ms, 50.0),
        latency_p99_ms: percentile(&latencies_ms, 99.0),
    }
}

/// Nearest-rank percentile of an ascending slice; 0 for an empty one.
pub(crate) fn percentile(sorted: &[f64], pct: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "node        {}", self.node)?;
        writeln!(f, "kind        {} transfers", self.kind.label())?;
        writeln!(
            f,
            "load        {} senders, {} conn, batch {}",
            self.senders, self.connections, self.batch_size
        )?;
        writeln!(f, "committed   {} / {} txs", self.committed, self.txs)?;
        writeln!(f, "time        {:.3} s", self.seconds)?;
        writeln!(f, "throughput  {:.0} tx/s", self.tps)?;
        writeln!(
            f,
            "latency     p50 {:.1} ms, p99 {:.1} ms",
            self.latency_p50_ms, self.latency_p99_ms
        )?;
        write!(
            f,
            "blocks      {} (max {} txs/block)",
            self.blocks, self.max_txs_per_block
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly on purpose
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn percentile_uses_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 50.0);
        assert_eq!(percentile(&values, 99.0), 99.0);
        assert_eq!(percentile(&values, 100.0), 100.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }

    #[test]
    fn summary_spans_first_send_to_last_commit() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let sent = [Some(ms(0)), Some(ms(100)), Some(ms(200)), Some(ms(300))];
        let committed = [Some(ms(500)), Some(ms(500)), Some(ms(1000)), None];
        let summary = summarize(&Timings {
            sent_at: &sent,
            committed_at: &committed,
        });
        assert_eq!(summary.committed, 3);
        assert!((summary.seconds - 1.0).abs() < 1e-9);
        assert!((summary.tps - 3.0).abs() < 1e-9);
        assert!((summary.latency_p50_ms - 500.0).abs() < 1e-6);
        assert!((summary.latency_p99_ms - 800.0).abs() < 1e-6);
    }

    #[test]
    fn report_serializes_with_lowercase_kind_and_displays_throughput() {
        let report = BenchReport {
            node: "anvil/v1".into(),
            kind: BenchKind::Erc20Transfer,
            senders: 8,
            connections: 2,
            batch_size: 1,
            txs: 40,
            committed: 40,
            seconds: 2.0,
            tps: 20.0,
            latency_p50_ms: 1.0,
            latency_p99_ms: 2.0,
            blocks: 3,
            max_txs_per_block: 20,
        };
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["kind"], "erc20");
        assert_eq!(json["tps"], 20.0);
        assert!(report.to_string().contains("throughput  20 tx/s"));
    }
}
