//! What must hold whatever the faults were.
//!
//! During a scenario a [`Monitor`] polls every node's head about every 100 ms: a head that
//! moves back, or a height that changes hash, is a violation (a restarted node included: what
//! it showed before it died must still be its chain). At the end [`check`] waits (bounded) for
//! the nodes to converge on one head, then reads every block from every node and demands: the
//! same hash at every height on every node, parent links intact, every block's miner a genesis
//! validator and its seal (`cloister_getBlockSeal`) naming that miner, no transaction in two
//! blocks, every acknowledged transaction in exactly one block (the one its receipt named) and
//! its receipt unchanged on every node, and every head the monitor saw on the final chain.

use super::{
    client::{Client, Head, hex_quantity, parse_head},
    harness::Cluster,
    load::Ack,
};
use alloy_primitives::Address;
use serde_json::{Value, json};
use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::task::JoinHandle;

/// Pause between two polls of one node.
pub const POLL_EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
struct Observed {
    /// Last head seen per node.
    last: HashMap<usize, Head>,
    /// Every (height → hash) seen as a head, per node.
    seen: HashMap<usize, BTreeMap<u64, String>>,
    violations: Vec<String>,
    polls: u64,
}

/// Polls heads during a scenario.
pub struct Monitor {
    stop: Arc<AtomicBool>,
    observed: Arc<Mutex<Observed>>,
    tasks: Vec<JoinHandle<()>>,
}

/// What the monitor saw.
#[derive(Debug, Default)]
pub struct MonitorReport {
    seen: HashMap<usize, BTreeMap<u64, String>>,
    violations: Vec<String>,
    /// Polls answered.
    pub polls: u64,
}

impl Monitor {
    /// Starts polling the nodes `indices` of `cluster` (a node that does not answer, down or
    /// stopped, is skipped until it does).
    pub fn start(cluster: &Cluster, indices: &[usize]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let observed = Arc::new(Mutex::new(Observed::default()));
        let tasks = indices
            .iter()
            .map(|&i| {
                let client = cluster.nodes[i].client.clone();
                let (stop, observed) = (Arc::clone(&stop), Arc::clone(&observed));
                tokio::spawn(poll_node(i, client, stop, observed))
            })
            .collect();
        Self {
            stop,
            observed,
            tasks,
        }
    }

    /// Stops polling.
    pub async fn stop(self) -> MonitorReport {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        let mut observed = self.observed.lock().expect("observed");
        MonitorReport {
            seen: std::mem::take(&mut observed.seen),
            violations: std::mem::take(&mut observed.violations),
            polls: observed.polls,
        }
    }
}

async fn poll_node(
    index: usize,
    client: Client,
    stop: Arc<AtomicBool>,
    observed: Arc<Mutex<Observed>>,
) {
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        if let Ok(head) = client.head_within(Duration::from_secs(1)).await {
            let mut o = observed.lock().expect("observed");
            o.polls += 1;
            if let Some(last) = o.last.get(&index).cloned() {
                if head.number < last.number {
                    let v = format!(
                        "node{index}'s head moved back from {} ({}) to {} ({})",
                        last.number, last.hash, head.number, head.hash
                    );
                    o.violations.push(v);
                } else if head.number == last.number && head.hash != last.hash {
                    let v = format!(
                        "node{index}'s head at {} changed hash from {} to {}",
                        head.number, last.hash, head.hash
                    );
                    o.violations.push(v);
                }
            }
            let seen = o.seen.entry(index).or_default();
            if let Some(before) = seen.get(&head.number)
                && *before != head.hash
            {
                let v = format!(
                    "node{index} showed two hashes at height {}: {before} and {}",
                    head.number, head.hash
                );
                seen.insert(head.number, head.hash.clone());
                o.violations.push(v);
            } else {
                seen.insert(head.number, head.hash.clone());
            }
            o.last.insert(index, head);
        }
        let spent = started.elapsed();
        if spent < POLL_EVERY {
            tokio::time::sleep(POLL_EVERY - spent).await;
        }
    }
}

/// The chain every node agreed on.
#[derive(Debug)]
pub struct ChainSummary {
    /// The common head.
    pub head: u64,
    /// Validator index of each block's miner, by height (index 0: genesis, None).
    pub miners: Vec<Option<usize>>,
    /// Transactions in the chain.
    pub transactions: usize,
}

impl ChainSummary {
    /// Who sealed which heights: (first height, validator index) at every change of sealer.
    pub fn sealer_runs(&self) -> Vec<(u64, usize)> {
        let mut runs: Vec<(u64, usize)> = Vec::new();
        for (n, miner) in self.miners.iter().enumerate() {
            if let Some(miner) = *miner
                && runs.last().is_none_or(|(_, m)| *m != miner)
            {
                runs.push((n as u64, miner));
            }
        }
        runs
    }
}

/// Waits (at most `within`) until every node of `indices` shows the same head, twice 300 ms
/// apart; that head. On a chain sealed on an interval (the head never rests) every node must
/// instead reach the highest head seen when the wait began; that height is returned (the
/// caller compares hashes).
pub async fn converge(cluster: &Cluster, indices: &[usize], within: Duration) -> Head {
    let deadline = Instant::now() + within;
    let moving_target = match cluster.spec.block_time {
        Some(_) => Some(cluster.max_head(indices).await),
        None => None,
    };
    let last = loop {
        let heads = cluster.heads(indices).await;
        if let Some(target) = moving_target
            && heads
                .iter()
                .all(|(_, h)| h.as_ref().is_ok_and(|h| h.number >= target))
        {
            let (i, _) = heads[0];
            let block = cluster.nodes[i]
                .client
                .call("eth_getBlockByNumber", json!([hex_quantity(target), false]))
                .await;
            if let Some(head) = block.ok().as_ref().and_then(parse_head) {
                return head;
            }
        }
        let first = heads.first().and_then(|(_, h)| h.as_ref().ok().cloned());
        if moving_target.is_none()
            && let Some(first) = first
            && heads
                .iter()
                .all(|(_, h)| h.as_ref().is_ok_and(|h| *h == first))
        {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let again = cluster.heads(indices).await;
            if again
                .iter()
                .all(|(_, h)| h.as_ref().is_ok_and(|h| *h == first))
            {
                return first;
            }
        }
        if Instant::now() >= deadline {
            break heads
                .iter()
                .map(|(i, h)| match h {
                    Ok(h) => format!("node{i}: {} {}", h.number, h.hash),
                    Err(e) => format!("node{i}: {e}"),
                })
                .collect::<Vec<_>>()
                .join("; ");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let target = moving_target.map_or(String::new(), |t| format!(" (to height {t})"));
    cluster.fail(format!(
        "nodes {indices:?} did not converge{target} within {within:?}; heads: {last}"
    ))
}

/// One node's blocks 0..=head and seals 1..=head.
async fn read_chain(cluster: &Cluster, index: usize, head: u64) -> (Vec<Value>, Vec<Value>) {
    let client = &cluster.nodes[index].client;
    let block_calls: Vec<(&str, Value)> = (0..=head)
        .map(|n| ("eth_getBlockByNumber", json!([hex_quantity(n), false])))
        .collect();
    let seal_calls: Vec<(&str, Value)> = (1..=head)
        .map(|n| ("cloister_getBlockSeal", json!([hex_quantity(n)])))
        .collect();
    let blocks = match client.batch(&block_calls).await {
        Ok(blocks) => blocks,
        Err(e) => cluster.fail(format!("reading node{index}'s blocks: {e}")),
    };
    let seals = match client.batch(&seal_calls).await {
        Ok(seals) => seals,
        Err(e) => cluster.fail(format!("reading node{index}'s seals: {e}")),
    };
    (blocks, seals)
}

fn address(value: &Value) -> Option<Address> {
    value.as_str()?.parse().ok()
}

/// Converges the nodes `indices` (at most `within`), then checks everything listed in the
/// module doc against `acks` and what `monitor` saw. Fails the test with the seed on any
/// violation.
pub async fn check(
    cluster: &Cluster,
    indices: &[usize],
    acks: &[Ack],
    monitor: MonitorReport,
    within: Duration,
) -> ChainSummary {
    let started = Instant::now();
    let head = converge(cluster, indices, within).await;
    let mut violations: Vec<String> = monitor.violations.clone();

    let mut chains = Vec::with_capacity(indices.len());
    for &i in indices {
        chains.push((i, read_chain(cluster, i, head.number).await));
    }
    let (reference_index, (reference, _)) = &chains[0];
    let mut hashes = Vec::with_capacity(reference.len());
    for (n, block) in reference.iter().enumerate() {
        match parse_head(block) {
            Some(h) if h.number == n as u64 => hashes.push(h.hash),
            _ => cluster.fail(format!(
                "node{reference_index} has no readable block {n}: {block}"
            )),
        }
    }

    // One chain on every node: same hash at every height, parents linked, sealed by a
    // genesis validator whose seal names it.
    let mut miners = vec![None; reference.len()];
    for (i, (blocks, seals)) in &chains {
        for (n, block) in blocks.iter().enumerate() {
            let hash = block["hash"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if hash != hashes[n] {
                violations.push(format!(
                    "fork at height {n}: node{i} has {hash}, node{reference_index} has {}",
                    hashes[n]
                ));
                continue;
            }
            if n == 0 {
                continue;
            }
            let parent = block["parentHash"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if parent != hashes[n - 1] {
                violations.push(format!(
                    "node{i} block {n}'s parent {parent} is not block {}'s hash {}",
                    n - 1,
                    hashes[n - 1]
                ));
            }
            let miner = address(&block["miner"]);
            let validator = miner.and_then(|m| cluster.validator_index(&m));
            if validator.is_none() {
                violations.push(format!(
                    "node{i} block {n} was mined by {}, not a genesis validator",
                    block["miner"]
                ));
            }
            miners[n] = validator;
            let seal = &seals[n - 1];
            let seal_hash = seal["blockHash"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if address(&seal["sealer"]) != miner || seal_hash != hash {
                violations.push(format!(
                    "node{i} block {n} ({hash}, miner {}): seal {seal} does not name its miner and hash",
                    block["miner"]
                ));
            }
        }
    }

    // No transaction twice; every acknowledged one exactly once, where its receipt said.
    let mut included: HashMap<String, Vec<u64>> = HashMap::new();
    let mut transactions = 0;
    for (n, block) in reference.iter().enumerate() {
        for tx in block["transactions"].as_array().into_iter().flatten() {
            let hash = tx.as_str().unwrap_or_default().to_ascii_lowercase();
            included.entry(hash).or_default().push(n as u64);
            transactions += 1;
        }
    }
    for (tx, heights) in &included {
        if heights.len() > 1 {
            violations.push(format!("transaction {tx} is in blocks {heights:?}"));
        }
    }
    for ack in acks {
        let hash = format!("{:#x}", ack.hash);
        match included.get(&hash).map(Vec::as_slice) {
            Some([n]) if *n == ack.block_number && hashes[*n as usize] == ack.block_hash => {}
            Some(heights) => violations.push(format!(
                "acknowledged {hash} (dev account {} nonce {}; receipt from node{}: block {} {}) is in blocks {heights:?} of the final chain",
                ack.account, ack.nonce, ack.node, ack.block_number, ack.block_hash
            )),
            None => violations.push(format!(
                "acknowledged {hash} (dev account {} nonce {}; receipt from node{}: block {} {}) is in no block: lost",
                ack.account, ack.nonce, ack.node, ack.block_number, ack.block_hash
            )),
        }
    }
    for &i in indices {
        let calls: Vec<(&str, Value)> = acks
            .iter()
            .map(|a| ("eth_getTransactionReceipt", json!([a.hash])))
            .collect();
        let receipts = match cluster.nodes[i].client.batch(&calls).await {
            Ok(receipts) => receipts,
            Err(e) => cluster.fail(format!("reading node{i}'s receipts: {e}")),
        };
        for (ack, receipt) in acks.iter().zip(&receipts) {
            let block_hash = receipt["blockHash"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if block_hash != ack.block_hash {
                violations.push(format!(
                    "node{i}'s receipt of acknowledged {:#x} says block {block_hash:?}; acknowledged in {}",
                    ack.hash, ack.block_hash
                ));
            }
        }
    }

    // Every head the monitor saw is on the final chain.
    for (i, seen) in &monitor.seen {
        for (n, hash) in seen {
            match hashes.get(*n as usize) {
                Some(final_hash) if final_hash == hash => {}
                Some(final_hash) => violations.push(format!(
                    "node{i} showed {hash} as its head at height {n}; the final chain has {final_hash}"
                )),
                None => violations.push(format!(
                    "node{i} showed a head at height {n}, above the final head {}",
                    head.number
                )),
            }
        }
    }

    if !violations.is_empty() {
        let shown = violations.len().min(30);
        cluster.fail(format!(
            "{} violation(s) on nodes {indices:?} (head {}):\n  {}",
            violations.len(),
            head.number,
            violations[..shown].join("\n  ")
        ));
    }
    let (connections, unattributed) = cluster.proxies.stats();
    let summary = ChainSummary {
        head: head.number,
        miners,
        transactions,
    };
    eprintln!(
        "checker: nodes {indices:?} agree on {} blocks (head {}), {} transactions, {} acknowledged, {} head polls; sealers by height (from, node): {:?}; proxies: {connections} connections, {unattributed} unattributed; checked in {:?}",
        summary.head + 1,
        head.hash,
        summary.transactions,
        acks.len(),
        monitor.polls,
        summary.sealer_runs(),
        started.elapsed()
    );
    summary
}
