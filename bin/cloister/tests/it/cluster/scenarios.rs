//! Faults on a `--tee none` cluster under load: the leader killed (-9) or stopped (SIGSTOP) and
//! brought back, a node cut off by a partition and healed, a follower restarted, a node down
//! past the retained Raft log (snapshot catch-up), a read replica started late. Every scenario
//! ends with [`check`] over every node that should hold the chain.

use super::{
    Rng,
    checker::{Monitor, check},
    harness::{Cluster, Spec},
    load::{Ack, Load, LoadReport, LoadSpec, PROBE_ACCOUNT},
    proxy::Link,
};
use crate::txs;
use serde_json::json;
use std::time::{Duration, Instant};

/// Faults per kill or stop scenario (each on the leader of the moment).
const ROUNDS: usize = 2;
/// Bound of the final convergence.
const CONVERGE: Duration = Duration::from_secs(60);
/// Bound of the load's drain at the end (every healed node answers again by then).
const DRAIN: Duration = Duration::from_secs(30);

/// Waits (at most 60 s each) for `acks` acknowledgements and for every validator to reach a
/// height the seed picks between 10 and 40, so that faults strike a chain with some history.
async fn warm_up(cluster: &Cluster, rng: &mut Rng, load: &Load, acks: usize) {
    if !load.wait_acks(acks, Duration::from_secs(60)).await {
        cluster.fail(format!(
            "only {} of {acks} transactions acknowledged within 60 s of the start",
            load.ack_count()
        ));
    }
    let height = rng.range(10, 40);
    cluster
        .wait_height(
            &cluster.validator_indices(),
            height,
            Duration::from_secs(60),
        )
        .await;
}

/// Stops the load and demands that everything it sent got a receipt once the faults healed.
async fn stop_load(cluster: &Cluster, load: Load) -> LoadReport {
    let report = load.stop(DRAIN).await;
    eprintln!(
        "load: {} acknowledged, {} unacknowledged; sends accepted by node: {:?}",
        report.acks.len(),
        report.unacked.len(),
        report.accepted
    );
    for note in &report.notes {
        eprintln!("load note: {note}");
    }
    if !report.unacked.is_empty() {
        cluster.fail(format!(
            "{} transaction(s) sent and sent again to every healthy node got no receipt within {DRAIN:?} of the end: (account, nonce, hash) {:?}",
            report.unacked.len(),
            &report.unacked[..report.unacked.len().min(10)]
        ));
    }
    report
}

/// Heads of `indices` for messages: (node, number) of those that answer.
async fn heads(cluster: &Cluster, indices: &[usize]) -> Vec<(usize, u64)> {
    cluster
        .heads(indices)
        .await
        .into_iter()
        .filter_map(|(i, h)| h.ok().map(|h| (i, h.number)))
        .collect()
}

/// Delays some directed links between `nodes` by a few milliseconds (seeded), as a slower
/// network would.
fn jitter(cluster: &Cluster, rng: &mut Rng, nodes: &[usize]) {
    let mut delays = Vec::new();
    for &from in nodes {
        for &to in nodes {
            if from != to && rng.chance(50) {
                let delay = rng.millis(1, 20);
                cluster.proxies.set(from, to, Link::Delay(delay));
                delays.push(format!("{from}→{to} {delay:?}"));
            }
        }
    }
    eprintln!("links delayed: {}", delays.join(", "));
}

fn others(all: &[usize], but: usize) -> Vec<usize> {
    all.iter().copied().filter(|&i| i != but).collect()
}

/// A cluster of `spec` with its validators started, a monitor over all its nodes, and `load`.
async fn start(
    test: &'static str,
    spec: Spec,
    seed: u64,
    load: LoadSpec,
) -> (Cluster, Monitor, Load) {
    let mut cluster = Cluster::new(test, spec, seed);
    let validators = cluster.validator_indices();
    cluster.start_all(&validators).await;
    let all: Vec<usize> = (0..cluster.nodes.len()).collect();
    let monitor = Monitor::start(&cluster, &all);
    let load = Load::start(cluster.clients(), load, &format!("{test}/{seed}")).await;
    (cluster, monitor, load)
}

/// 1. kill -9 of the leader under load: another validator takes over, blocks continue, no
///    acknowledged transaction is lost; the killed node restarts and catches up. Twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leader_kill_9_under_load() {
    const TEST: &str = "leader_kill_9_under_load";
    let seed = super::seed();
    let mut rng = Rng::new(seed);
    let spec = Spec::validators(3, &mut rng);
    let senders = rng.range(3, 5) as usize;
    let (mut cluster, monitor, load) = start(
        TEST,
        spec,
        seed,
        LoadSpec::seeded(&mut rng, senders, &[0, 1, 2]),
    )
    .await;
    let all = cluster.validator_indices();
    jitter(&cluster, &mut rng, &all);
    warm_up(&cluster, &mut rng, &load, 15).await;

    for round in 1..=ROUNDS {
        eprintln!("round {round} of {ROUNDS}");
        tokio::time::sleep(rng.millis(0, 700)).await;
        let Some((before, leader)) = cluster.latest_miner(&all).await else {
            cluster.fail("no block sealed yet")
        };
        let killed_at = Instant::now();
        cluster.kill9(leader);
        let survivors = others(&all, leader);
        let (first, new_leader) = cluster
            .wait_block_not_by(&survivors, before, leader, Duration::from_secs(30))
            .await;
        eprintln!(
            "node{new_leader} sealed block {first} {:?} after the kill of node{leader} (head then {before})",
            killed_at.elapsed()
        );
        let acked = load.ack_count();
        if !load.wait_acks(acked + 15, Duration::from_secs(30)).await {
            cluster.fail(format!(
                "the load stalled after the failover: {} acknowledgements, {acked} at the new leader's first block",
                load.ack_count()
            ));
        }
        cluster
            .wait_height(&survivors, first + 5, Duration::from_secs(30))
            .await;

        tokio::time::sleep(rng.millis(300, 2000)).await;
        cluster.start_and_wait(leader).await;
        let target = cluster.max_head(&survivors).await;
        cluster
            .wait_height(&[leader], target, Duration::from_secs(60))
            .await;
        eprintln!("node{leader} restarted and caught up to {target}");
        tokio::time::sleep(rng.millis(500, 1500)).await;
    }

    let report = stop_load(&cluster, load).await;
    let monitor = monitor.stop().await;
    check(&cluster, &all, &report.acks, monitor, CONVERGE).await;
}

/// 2. SIGSTOP of the leader: the others elect a new one; after SIGCONT the old leader steps
///    down (the next block is not its own), catches up, and no fork appears. Twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leader_sigstop_then_sigcont() {
    const TEST: &str = "leader_sigstop_then_sigcont";
    let seed = super::seed();
    let mut rng = Rng::new(seed);
    let spec = Spec::validators(3, &mut rng);
    let senders = rng.range(3, 5) as usize;
    let (mut cluster, monitor, load) = start(
        TEST,
        spec,
        seed,
        LoadSpec::seeded(&mut rng, senders, &[0, 1, 2]),
    )
    .await;
    let all = cluster.validator_indices();
    jitter(&cluster, &mut rng, &all);
    warm_up(&cluster, &mut rng, &load, 15).await;

    for round in 1..=ROUNDS {
        eprintln!("round {round} of {ROUNDS}");
        tokio::time::sleep(rng.millis(0, 700)).await;
        let Some((before, leader)) = cluster.latest_miner(&all).await else {
            cluster.fail("no block sealed yet")
        };
        let stopped_at = Instant::now();
        cluster.sigstop(leader);
        let rest = others(&all, leader);
        let (first, new_leader) = cluster
            .wait_block_not_by(&rest, before, leader, Duration::from_secs(30))
            .await;
        eprintln!(
            "node{new_leader} sealed block {first} {:?} after node{leader} stopped",
            stopped_at.elapsed()
        );
        tokio::time::sleep(rng.millis(1000, 3000)).await;

        cluster.sigcont(leader);
        let resumed_at = cluster.max_head(&rest).await;
        // The old leader still believes it leads until a peer answers with a newer term; it must
        // then step down, not seal: the next block comes from the new leadership.
        let deadline = Instant::now() + Duration::from_secs(20);
        let next = loop {
            if let Some((number, miner)) = cluster.latest_miner(&all).await
                && number > resumed_at
            {
                break (number, miner);
            }
            if Instant::now() > deadline {
                cluster.fail(format!(
                    "no block above {resumed_at} within 20 s of resuming node{leader}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        if next.1 == leader {
            cluster.fail(format!(
                "the resumed old leader node{leader} sealed block {} (the first above {resumed_at}, the head when it resumed): it did not step down",
                next.0
            ));
        }
        let target = cluster.max_head(&rest).await;
        cluster
            .wait_height(&[leader], target, Duration::from_secs(30))
            .await;
        eprintln!(
            "node{leader} resumed, stepped down (block {} by node{}) and caught up to {target}",
            next.0, next.1
        );
        tokio::time::sleep(rng.millis(500, 1500)).await;
    }

    let report = stop_load(&cluster, load).await;
    let monitor = monitor.stop().await;
    check(&cluster, &all, &report.acks, monitor, CONVERGE).await;
}

/// 3. A minority partition: one validator cut off from both others. It commits nothing and a
///    transaction sent to it gets no receipt anywhere while cut off; the majority keeps
///    committing; after healing every node converges (and the probe, sent again to the
///    majority, is mined once).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn minority_partition_then_heal() {
    const TEST: &str = "minority_partition_then_heal";
    let seed = super::seed();
    let mut rng = Rng::new(seed);
    let spec = Spec::validators(3, &mut rng);
    let senders = rng.range(3, 5) as usize;
    let victim = rng.below(3) as usize;
    let (cluster, monitor, load) = start(
        TEST,
        spec,
        seed,
        LoadSpec::seeded(&mut rng, senders, &[0, 1, 2]),
    )
    .await;
    let all = cluster.validator_indices();
    let majority = others(&all, victim);
    warm_up(&cluster, &mut rng, &load, 15).await;

    let leader = cluster.latest_miner(&all).await.map(|(_, l)| l);
    eprintln!(
        "fault: partition node{victim} from {majority:?} (leader: {leader:?}; heads {:?})",
        heads(&cluster, &all).await
    );
    cluster.proxies.isolate(victim, &all);
    let cut_at = Instant::now();
    // Entries the victim learnt were committed before the cut may still apply; then nothing.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let victim_client = cluster.nodes[victim].client.clone();
    let frozen = match victim_client.head().await {
        Ok(head) => head,
        Err(e) => cluster.fail(format!("the cut-off node{victim} does not answer RPC: {e}")),
    };
    let majority_start = cluster.max_head(&majority).await;

    let probe_signer = &txs::dev_signers()[PROBE_ACCOUNT];
    let nonce = match victim_client
        .call(
            "eth_getTransactionCount",
            json!([probe_signer.address(), "latest"]),
        )
        .await
        .ok()
        .and_then(|n| super::client::quantity(&n))
    {
        Some(nonce) => nonce,
        None => cluster.fail("cannot read the probe account's nonce"),
    };
    let probe = txs::transfer_1559(
        probe_signer,
        nonce,
        txs::fresh_address(format!("{TEST}/{seed}/probe").as_bytes()),
        1,
    );
    if let Err(e) = victim_client
        .call("eth_sendRawTransaction", json!([probe.raw]))
        .await
    {
        cluster.fail(format!("the cut-off node{victim} refused the probe: {e}"));
    }
    let window = rng.millis(3000, 5000);
    let window_end = Instant::now() + window;
    while Instant::now() < window_end {
        match victim_client.head().await {
            Ok(head) if head == frozen => {}
            Ok(head) => cluster.fail(format!(
                "the cut-off node{victim} moved its head from {} ({}) to {} ({}) {:?} after the cut: a minority committed",
                frozen.number, frozen.hash, head.number, head.hash, cut_at.elapsed()
            )),
            Err(e) => cluster.fail(format!("the cut-off node{victim} stopped answering: {e}")),
        }
        for &i in &all {
            if let Ok(receipt) = cluster.nodes[i]
                .client
                .call("eth_getTransactionReceipt", json!([probe.hash]))
                .await
                && !receipt.is_null()
            {
                cluster.fail(format!(
                    "node{i} has a receipt for the probe sent to the cut-off node{victim} while it is cut off: {receipt}"
                ));
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let majority_end = cluster.max_head(&majority).await;
    if majority_end < majority_start + 3 {
        cluster.fail(format!(
            "the majority {majority:?} committed only {majority_start}..{majority_end} in {window:?} while node{victim} was cut off"
        ));
    }
    eprintln!(
        "during the partition: node{victim} stayed at {}, the majority went {majority_start} → {majority_end}",
        frozen.number
    );

    cluster.proxies.heal();
    eprintln!("fault healed: partition of node{victim}");
    let target = cluster.max_head(&majority).await;
    cluster
        .wait_height(&[victim], target, Duration::from_secs(60))
        .await;

    // The probe may or may not be mined from the victim's pool; sent to the majority it must.
    let to = majority[0];
    let _ = cluster.nodes[to]
        .client
        .call("eth_sendRawTransaction", json!([probe.raw]))
        .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut probe_ack = None;
    while probe_ack.is_none() && Instant::now() < deadline {
        for &i in &all {
            if let Ok(receipt) = cluster.nodes[i]
                .client
                .call("eth_getTransactionReceipt", json!([probe.hash]))
                .await
                && !receipt.is_null()
            {
                probe_ack = Ack::from_receipt(probe.hash, PROBE_ACCOUNT, nonce, i, &receipt);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(probe_ack) = probe_ack else {
        cluster
            .fail("the probe, sent again to the majority after healing, got no receipt within 30 s")
    };
    eprintln!(
        "probe mined after healing in block {}",
        probe_ack.block_number
    );
    tokio::time::sleep(rng.millis(300, 1000)).await;

    let mut report = stop_load(&cluster, load).await;
    report.acks.push(probe_ack);
    let monitor = monitor.stop().await;
    check(&cluster, &all, &report.acks, monitor, CONVERGE).await;
}

/// 4. A follower (non-leader validator) restarted under load catches up; then a node down
///    past the retained Raft log (`snapshot_every` 20) catches up from a snapshot.
///
/// openraft keeps `max_in_snapshot_log_to_keep` (default 1000, not settable in node.toml)
/// entries behind its last snapshot, so "past the retained log" means more than about
/// 1000 + `snapshot_every` entries behind: blocks are sealed every 10 ms to get there fast.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn follower_restart_and_snapshot_catch_up() {
    const TEST: &str = "follower_restart_and_snapshot_catch_up";
    const SNAPSHOT_EVERY: u64 = 20;
    const RETAINED: u64 = 1000;
    let seed = super::seed();
    let mut rng = Rng::new(seed);
    let mut spec = Spec::validators(3, &mut rng);
    spec.snapshot_every = Some(SNAPSHOT_EVERY);
    spec.block_time = Some("10ms");
    let senders = rng.range(2, 3) as usize;
    let (mut cluster, monitor, load) = start(
        TEST,
        spec,
        seed,
        LoadSpec::seeded(&mut rng, senders, &[0, 1, 2]),
    )
    .await;
    let all = cluster.validator_indices();
    warm_up(&cluster, &mut rng, &load, 10).await;

    // Follower restart.
    let Some((_, leader)) = cluster.latest_miner(&all).await else {
        cluster.fail("no block sealed yet")
    };
    let follower = rng.pick(&others(&all, leader));
    if rng.chance(50) {
        cluster.kill9(follower);
    } else {
        cluster.terminate(follower).await;
    }
    tokio::time::sleep(rng.millis(1000, 3000)).await;
    cluster.start_and_wait(follower).await;
    let target = cluster.max_head(&others(&all, follower)).await;
    cluster
        .wait_height(&[follower], target, Duration::from_secs(60))
        .await;
    eprintln!("follower node{follower} restarted and caught up to {target}");

    // Down past the retained log.
    let Some((_, leader)) = cluster.latest_miner(&all).await else {
        cluster.fail("no block sealed")
    };
    let victim = rng.pick(&others(&all, leader));
    let rest = others(&all, victim);
    let down_at = cluster.max_head(&[victim]).await;
    cluster.kill9(victim);
    let needed = down_at + RETAINED + 3 * SNAPSHOT_EVERY + 20;
    let started = Instant::now();
    cluster
        .wait_height(&rest, needed, Duration::from_secs(150))
        .await;
    eprintln!(
        "node{victim} down at {down_at}; the others reached {needed} in {:?}",
        started.elapsed()
    );
    cluster.start_and_wait(victim).await;
    let target = cluster.max_head(&rest).await;
    let started = Instant::now();
    cluster
        .wait_height(&[victim], target, Duration::from_secs(120))
        .await;
    eprintln!(
        "node{victim} caught up to {target} in {:?}",
        started.elapsed()
    );
    let log = cluster.nodes[victim].current_log();
    if !log.contains("install_full_snapshot") {
        cluster.fail(format!(
            "node{victim} caught up from {down_at} to {target} without installing a snapshot (no install_full_snapshot in its log since the restart)"
        ));
    }

    let report = stop_load(&cluster, load).await;
    let monitor = monitor.stop().await;
    check(&cluster, &all, &report.acks, monitor, CONVERGE).await;
}

/// 5. A read replica (`--followers 1`) started late, under load: it is admitted as a learner,
///    catches up, serves the same chain (receipts are polled from it, transactions sent to it
///    are gossiped to the validators and mined), and never seals.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn late_learner_catches_up_under_load() {
    const TEST: &str = "late_learner_catches_up_under_load";
    let seed = super::seed();
    let mut rng = Rng::new(seed);
    let mut spec = Spec::validators(3, &mut rng);
    spec.followers = 1;
    let senders = rng.range(3, 5) as usize;
    let validators = [0, 1, 2];
    let learner = 3;
    // The validators' load on dev accounts 1..=6, the learner's on 7 and 8.
    let mut accounts: Vec<usize> = (1..=6).collect();
    rng.shuffle(&mut accounts);
    let load = LoadSpec::on_accounts(&mut rng, &accounts[..senders], &validators);
    let (mut cluster, monitor, load) = start(TEST, spec, seed, load).await;
    jitter(&cluster, &mut rng, &[0, 1, 2, 3]);
    warm_up(&cluster, &mut rng, &load, 15).await;

    cluster.start_and_wait(learner).await;
    let target = cluster.max_head(&validators).await;
    let started = Instant::now();
    cluster
        .wait_height(&[learner], target, Duration::from_secs(60))
        .await;
    eprintln!(
        "learner node{learner} caught up to {target} in {:?}",
        started.elapsed()
    );
    // It logs its admission when its join loop next looks (paced at 1 s).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cluster.nodes[learner]
        .log_text()
        .contains("admitted as a learner")
    {
        if Instant::now() > deadline {
            cluster.fail(format!(
                "node{learner} holds the chain but did not log its admission within 10 s"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let to_learner = Load::start(
        cluster.clients(),
        LoadSpec::on_accounts(&mut rng, &[7, 8], &[learner]),
        &format!("{TEST}/{seed}/learner"),
    )
    .await;
    if !to_learner.wait_acks(10, Duration::from_secs(30)).await {
        cluster.fail(format!(
            "transactions sent to the learner: {} acknowledged within 30 s",
            to_learner.ack_count()
        ));
    }

    let mut report = stop_load(&cluster, load).await;
    let learner_report = stop_load(&cluster, to_learner).await;
    if learner_report.accepted[learner] == 0 {
        cluster.fail("the learner accepted none of the transactions sent to it");
    }
    report.acks.extend(learner_report.acks);
    let monitor = monitor.stop().await;
    let all: Vec<usize> = (0..=learner).collect();
    // Every block's sealer is a genesis validator: the learner sealed nothing.
    check(&cluster, &all, &report.acks, monitor, CONVERGE).await;
}
