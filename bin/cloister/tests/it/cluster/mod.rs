//! Fault injection on a real cluster: `cloister devnet init` writes a network, every node is a
//! `cloister node --config` child process on loopback, and every cluster connection passes
//! through a TCP proxy the test controls (pass, delay, blackhole per directed link). Scenarios
//! kill -9, SIGSTOP/SIGCONT, partition and restart nodes under a bounded transfer load while a
//! monitor polls every node's head; the checker then demands one chain everywhere: every
//! acknowledged transaction in exactly one block, the same hash at every height on every node,
//! no head ever moving back, every block sealed by a genesis validator, and convergence after
//! the faults heal.
//!
//! Every run is seeded: `CLOISTER_CLUSTER_SEED` (decimal or 0x-hex) replays a run, otherwise a
//! random seed is drawn. The seed picks victims, timings and load; it is printed at the start
//! and in every failure message. A failed run keeps its directory (node logs included) and
//! prints where it is; `CLOISTER_CLUSTER_KEEP=1` keeps a passing run's too.

mod checker;
mod client;
mod harness;
mod load;
mod proxy;
mod scenarios;
mod scenarios_refusal;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The environment variable that replays a run.
pub const SEED_ENV: &str = "CLOISTER_CLUSTER_SEED";

/// Set to keep a passing run's directory (node logs) too.
pub const KEEP_ENV: &str = "CLOISTER_CLUSTER_KEEP";

/// This run's seed: `CLOISTER_CLUSTER_SEED` if set, else drawn from the clock and the pid.
pub fn seed() -> u64 {
    if let Ok(text) = std::env::var(SEED_ENV) {
        let text = text.trim();
        let parsed = match text.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => text.parse(),
        };
        return parsed.unwrap_or_else(|e| panic!("{SEED_ENV}={text:?} is not a u64: {e}"));
    }
    Rng::new(seed_entropy()).next_u64() % 1_000_000_000
}

/// Bits from the clock and the pid, for what must differ between runs.
pub fn seed_entropy() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// Panics with the seed and how to replay it.
pub fn fail(seed: u64, test: &str, message: impl std::fmt::Display) -> ! {
    panic!(
        "[cluster test {test}, seed {seed}] {message}\n\
         replay with: {SEED_ENV}={seed} cargo nextest run -p cloister {test}"
    )
}

/// A small deterministic generator (splitmix64): the same seed, the same choices.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// A duration in `lo_ms..=hi_ms` milliseconds.
    pub fn millis(&mut self, lo_ms: u64, hi_ms: u64) -> Duration {
        Duration::from_millis(self.range(lo_ms, hi_ms))
    }

    /// One of `items` (non-empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// `items` in a random order.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}
