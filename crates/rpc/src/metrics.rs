//! A small metrics registry and the Prometheus text exposition format (version 0.0.4), hand
//! rolled: atomic [`Counter`]s, fixed-bucket [`Histogram`]s of durations, and an
//! [`Exposition`] that writes families with their `# HELP` and `# TYPE` lines. The node renders
//! its gauges (chain head, pool, consensus) when `/metrics` is scraped; [`RpcMetrics`] counts
//! and times every JSON-RPC call by method, with methods the server does not serve counted as
//! `other` so the label's values stay a fixed set.
//!
//! Nothing here is per caller: no addresses of callers, no transaction hashes, no parameters.

use std::{
    collections::HashMap,
    fmt::Write as _,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// Upper bounds (seconds) of RPC call latency buckets.
pub const RPC_LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds (seconds) of block build and commit time buckets.
pub const BLOCK_TIME_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The `method` label of calls to methods the server does not serve.
pub const OTHER_METHOD: &str = "other";

/// The content type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Durations in fixed buckets (upper bounds in seconds, ascending; `+Inf` is implicit), with
/// their sum and count.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// One count per bound plus the `+Inf` bucket; not cumulative (the exposition sums them).
    buckets: Box<[AtomicU64]>,
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

/// A consistent-enough copy of a histogram: cumulative bucket counts, sum and count.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// `(upper bound, observations at or below it)`, ascending, ending with `+Inf`.
    pub cumulative: Vec<(f64, u64)>,
    /// Sum of the observations, in seconds.
    pub sum_seconds: f64,
    /// Number of observations.
    pub count: u64,
}

impl Histogram {
    /// An empty histogram with `bounds` (seconds, ascending).
    pub fn new(bounds: &'static [f64]) -> Self {
        let buckets = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        Self {
            bounds,
            buckets,
            sum_nanos: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    /// Records one duration.
    pub fn observe(&self, duration: Duration) {
        let seconds = duration.as_secs_f64();
        let index = self
            .bounds
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(self.bounds.len());
        if let Some(bucket) = self.buckets.get(index) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The number of observations.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The current counts. The count is the `+Inf` bucket's, so `_count` always equals the
    /// last bucket even while observations land.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut running = 0u64;
        let mut cumulative = Vec::with_capacity(self.buckets.len());
        for (i, bucket) in self.buckets.iter().enumerate() {
            running = running.saturating_add(bucket.load(Ordering::Relaxed));
            let bound = self.bounds.get(i).copied().unwrap_or(f64::INFINITY);
            cumulative.push((bound, running));
        }
        HistogramSnapshot {
            cumulative,
            sum_seconds: Duration::from_nanos(self.sum_nanos.load(Ordering::Relaxed)).as_secs_f64(),
            count: running,
        }
    }
}

/// The kind of a metric family (its `# TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (resets when the process restarts).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Bucketed observations.
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// The text of one scrape: families, each with `# HELP` and `# TYPE` once, then its samples.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
    families: Vec<&'static str>,
}

impl Exposition {
    /// An empty page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts family `name` (written once, however often it is started).
    pub fn family(&mut self, name: &'static str, help: &str, kind: Kind) {
        if self.families.contains(&name) {
            return;
        }
        self.families.push(name);
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {name} {}", kind.as_str());
    }

    /// One sample line: `name{labels} value`.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        write_labels(&mut self.text, labels);
        self.text.push(' ');
        self.text.push_str(&format_value(value));
        self.text.push('\n');
    }

    /// A gauge family with one unlabelled sample.
    pub fn gauge(&mut self, name: &'static str, help: &str, value: f64) {
        self.family(name, help, Kind::Gauge);
        self.sample(name, &[], value);
    }

    /// A counter family with one unlabelled sample.
    pub fn counter(&mut self, name: &'static str, help: &str, value: u64) {
        self.family(name, help, Kind::Counter);
        self.sample(name, &[], as_f64(value));
    }

    /// The `_bucket`, `_sum` and `_count` samples of `histogram` under family `name` (start
    /// the family first), with `labels` on each.
    pub fn histogram_samples(
        &mut self,
        name: &'static str,
        labels: &[(&str, &str)],
        histogram: &HistogramSnapshot,
    ) {
        let bucket = format!("{name}_bucket");
        for (bound, count) in &histogram.cumulative {
            let le = format_value(*bound);
            let mut with_le: Vec<(&str, &str)> = labels.to_vec();
            with_le.push(("le", &le));
            self.sample(&bucket, &with_le, as_f64(*count));
        }
        self.sample(&format!("{name}_sum"), labels, histogram.sum_seconds);
        self.sample(&format!("{name}_count"), labels, as_f64(histogram.count));
    }

    /// A histogram family with one unlabelled histogram.
    pub fn histogram(&mut self, name: &'static str, help: &str, histogram: &Histogram) {
        self.family(name, help, Kind::Histogram);
        self.histogram_samples(name, &[], &histogram.snapshot());
    }

    /// The page.
    pub fn finish(self) -> String {
        self.text
    }
}

/// `u64` as a sample value (exact below 2^53; counters and indices stay far below).
#[allow(clippy::cast_precision_loss)]
pub fn as_f64(value: u64) -> f64 {
    value as f64
}

fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value == f64::INFINITY {
        "+Inf".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        // Rust prints integral floats without a fraction ("3") and others in full ("0.005").
        format!("{value}")
    }
}

fn write_labels(out: &mut String, labels: &[(&str, &str)]) {
    if labels.is_empty() {
        return;
    }
    out.push('{');
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(name);
        out.push_str("=\"");
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                other => out.push(other),
            }
        }
        out.push('"');
    }
    out.push('}');
}

fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Calls and latency of one method.
#[derive(Debug)]
struct MethodStats {
    calls: Counter,
    latency: Histogram,
}

impl MethodStats {
    fn new() -> Self {
        Self {
            calls: Counter::default(),
            latency: Histogram::new(RPC_LATENCY_BUCKETS),
        }
    }
}

/// JSON-RPC calls by method: a count and a latency histogram for each method the server serves
/// and one `other` for every name it does not (fixed at start, so the labels are bounded).
#[derive(Debug)]
pub struct RpcMetrics {
    methods: HashMap<String, MethodStats>,
    other: MethodStats,
}

/// Family name of the RPC call counter.
pub const RPC_REQUESTS: &str = "cloister_rpc_requests_total";
/// Family name of the RPC latency histogram.
pub const RPC_DURATION: &str = "cloister_rpc_request_duration_seconds";

impl RpcMetrics {
    /// Stats for each of `methods` (the server's method names) and for `other`.
    pub fn new<'a>(methods: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            methods: methods
                .into_iter()
                .filter(|name| *name != OTHER_METHOD)
                .map(|name| (name.to_owned(), MethodStats::new()))
                .collect(),
            other: MethodStats::new(),
        }
    }

    fn stats(&self, method: &str) -> &MethodStats {
        self.methods.get(method).unwrap_or(&self.other)
    }

    /// Records one call of `method` that took `elapsed`.
    pub fn observe(&self, method: &str, elapsed: Duration) {
        let stats = self.stats(method);
        stats.calls.inc();
        stats.latency.observe(elapsed);
    }

    /// The calls of `method` so far (`other` for a method not served).
    pub fn calls(&self, method: &str) -> u64 {
        self.stats(method).calls.get()
    }

    /// Writes both families; methods never called are left out.
    pub fn write(&self, out: &mut Exposition) {
        let mut called: Vec<(&str, &MethodStats)> = self
            .methods
            .iter()
            .map(|(name, stats)| (name.as_str(), stats))
            .chain(std::iter::once((OTHER_METHOD, &self.other)))
            .filter(|(_, stats)| stats.calls.get() > 0)
            .collect();
        called.sort_by_key(|(name, _)| *name);
        out.family(
            RPC_REQUESTS,
            "JSON-RPC calls by method (methods the node does not serve count as \"other\")",
            Kind::Counter,
        );
        for (name, stats) in &called {
            out.sample(RPC_REQUESTS, &[("method", name)], as_f64(stats.calls.get()));
        }
        out.family(
            RPC_DURATION,
            "JSON-RPC call latency by method, in seconds, from the policy check to the answer",
            Kind::Histogram,
        );
        for (name, stats) in &called {
            out.histogram_samples(RPC_DURATION, &[("method", name)], &stats.latency.snapshot());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every non-comment line is `name{labels} value` with a known family and a number.
    fn check_format(text: &str) {
        let mut helped = Vec::new();
        let mut typed = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                helped.push(rest.split(' ').next().unwrap_or_default().to_owned());
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                typed.push(rest.split(' ').next().unwrap_or_default().to_owned());
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect("name and value");
            let name = series.split('{').next().unwrap_or_default();
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
                "{line}"
            );
            if series.contains('{') {
                assert!(series.ends_with('}'), "{line}");
            }
            assert!(
                value.parse::<f64>().is_ok() || value == "+Inf" || value == "NaN",
                "{line}"
            );
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .filter(|base| typed.iter().any(|t| t == base))
                .unwrap_or(name);
            assert!(helped.iter().any(|h| h == family), "no HELP for {line}");
            assert!(typed.iter().any(|t| t == family), "no TYPE for {line}");
        }
    }

    #[test]
    fn counters_and_gauges_write_help_type_and_one_sample() {
        let mut out = Exposition::new();
        out.counter("cloister_things_total", "Things.\nMore", 3);
        out.gauge("cloister_level", "A level", 2.5);
        out.family("cloister_level", "again", Kind::Gauge);
        let text = out.finish();
        assert_eq!(
            text,
            "# HELP cloister_things_total Things.\\nMore\n# TYPE cloister_things_total counter\n\
             cloister_things_total 3\n# HELP cloister_level A level\n# TYPE cloister_level gauge\n\
             cloister_level 2.5\n"
        );
        check_format(&text);
    }

    #[test]
    fn label_values_are_escaped() {
        let mut out = Exposition::new();
        out.family("cloister_x", "x", Kind::Gauge);
        out.sample("cloister_x", &[("a", "q\"b\\n\nl"), ("b", "0x1")], 1.0);
        assert!(
            out.finish()
                .contains("cloister_x{a=\"q\\\"b\\\\n\\nl\",b=\"0x1\"} 1\n")
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_with_inf() {
        let histogram = Histogram::new(&[0.01, 0.1, 1.0]);
        histogram.observe(Duration::from_millis(5));
        histogram.observe(Duration::from_millis(10)); // on the bound: in it
        histogram.observe(Duration::from_millis(50));
        histogram.observe(Duration::from_secs(3));
        let snapshot = histogram.snapshot();
        assert_eq!(
            snapshot.cumulative,
            vec![(0.01, 2), (0.1, 3), (1.0, 3), (f64::INFINITY, 4)]
        );
        assert_eq!(snapshot.count, 4);
        assert!((snapshot.sum_seconds - 3.065).abs() < 1e-9);

        let mut out = Exposition::new();
        out.histogram("cloister_t_seconds", "T", &histogram);
        let text = out.finish();
        check_format(&text);
        for line in [
            "# TYPE cloister_t_seconds histogram",
            "cloister_t_seconds_bucket{le=\"0.01\"} 2",
            "cloister_t_seconds_bucket{le=\"1\"} 3",
            "cloister_t_seconds_bucket{le=\"+Inf\"} 4",
            "cloister_t_seconds_count 4",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert!(text.contains("cloister_t_seconds_sum 3.065"), "{text}");
    }

    #[test]
    fn rpc_methods_are_bounded_by_the_served_set() {
        let rpc = RpcMetrics::new(["eth_chainId", "eth_call"]);
        rpc.observe("eth_chainId", Duration::from_micros(100));
        rpc.observe("eth_chainId", Duration::from_micros(300));
        rpc.observe("no_suchMethod", Duration::from_micros(10));
        rpc.observe("another_unknown", Duration::from_micros(10));
        assert_eq!(rpc.calls("eth_chainId"), 2);
        assert_eq!(rpc.calls("eth_call"), 0);
        assert_eq!(rpc.calls(OTHER_METHOD), 2);

        let mut out = Exposition::new();
        rpc.write(&mut out);
        let text = out.finish();
        check_format(&text);
        assert!(text.contains("cloister_rpc_requests_total{method=\"eth_chainId\"} 2\n"));
        assert!(text.contains("cloister_rpc_requests_total{method=\"other\"} 2\n"));
        assert!(!text.contains("eth_call"), "uncalled methods are left out");
        assert!(
            !text.contains("no_such"),
            "unknown names never become labels"
        );
        assert!(text.contains(
            "cloister_rpc_request_duration_seconds_bucket{method=\"eth_chainId\",le=\"0.0005\"} 2\n"
        ));
        assert!(text.contains("cloister_rpc_request_duration_seconds_count{method=\"other\"} 2\n"));
    }

    #[test]
    fn values_format_as_prometheus_reads_them() {
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(0.0025), "0.0025");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(as_f64(1 << 40)), "1099511627776");
    }
}
