//! Scenario 6, refusals on a `--tee simulated` cluster: nodes that must not get chain data
//! try to join the running validators, one at a time:
//!
//! - a genesis follower whose simulated quote claims an MRENCLAVE the genesis does not allow;
//! - a key outside the membership, run on a copy of the genesis that lists it as a follower
//!   (the genesis hash does not cover the `cloister` section, so the node starts);
//! - a genesis follower running `--tee none` (no quote at all).
//!
//! Each must be refused at the handshake: its head stays 0 while the validators keep
//! committing, and every validator logs the refusal with its reason. The validators' chain is
//! then checked as in every scenario.

use super::{
    Rng,
    checker::{Monitor, check},
    harness::{Cluster, Spec, Tee},
    load::{Load, LoadSpec},
};
use alloy_primitives::B256;
use alloy_signer_local::PrivateKeySigner;
use cloister_node::{ClusterRole, NodeFile, PeerSection};
use std::{
    net::TcpListener,
    time::{Duration, Instant},
};

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Every validator's log since `marks` (their lengths before the rogue started).
fn logs_since(cluster: &Cluster, validators: &[usize], marks: &[usize]) -> Vec<String> {
    validators
        .iter()
        .zip(marks)
        .map(|(&v, &mark)| {
            let text = cluster.nodes[v].log_text();
            text.get(mark..).unwrap_or_default().to_owned()
        })
        .collect()
}

/// Starts `rogue`, waits (at most 30 s) until every validator logged a refusal (a `peer
/// refused` warning of target `cloister::cluster`) whose line contains every one of `reason`
/// (lower case), then demands that the rogue's head is still 0 while the validators commit
/// more blocks. Returns one matching log line per validator.
async fn refused(
    cluster: &mut Cluster,
    validators: &[usize],
    rogue: usize,
    what: &str,
    reason: &[String],
) -> Vec<String> {
    let marks: Vec<usize> = validators
        .iter()
        .map(|&v| cluster.nodes[v].log_text().len())
        .collect();
    cluster.start_and_wait(rogue).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let lines = loop {
        let logs = logs_since(cluster, validators, &marks);
        let found: Vec<Option<String>> = logs
            .iter()
            .map(|log| {
                log.lines()
                    .find(|line| {
                        let lower = line.to_ascii_lowercase();
                        lower.contains(" warn ")
                            && lower.contains("cloister::cluster")
                            && lower.contains("peer refused")
                            && reason.iter().all(|r| lower.contains(r.as_str()))
                    })
                    .map(str::to_owned)
            })
            .collect();
        if found.iter().all(Option::is_some) {
            break found.into_iter().flatten().collect::<Vec<_>>();
        }
        if Instant::now() > deadline {
            let missing: Vec<usize> = validators
                .iter()
                .zip(&found)
                .filter(|(_, f)| f.is_none())
                .map(|(v, _)| *v)
                .collect();
            let rogue_log = super::harness::tail(&cluster.nodes[rogue].log_text(), 20);
            cluster.fail(format!(
                "{what} (node{rogue}): no `peer refused` warning containing {reason:?} in the logs of validators {missing:?} within 30 s; rogue's log:\n{rogue_log}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let validators_head = cluster.max_head(validators).await;
    cluster
        .wait_height(validators, validators_head + 3, Duration::from_secs(30))
        .await;
    match cluster.nodes[rogue].client.block_number().await {
        Ok(0) => {}
        Ok(n) => cluster.fail(format!(
            "{what} (node{rogue}) was refused but holds chain data: its head is {n}"
        )),
        Err(e) => cluster.fail(format!("{what} (node{rogue}) does not answer RPC: {e}")),
    }
    eprintln!(
        "{what} (node{rogue}) refused by every validator, head 0; e.g. {}",
        lines[0]
    );
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refusals_with_simulated_tee() {
    const TEST: &str = "refusals_with_simulated_tee";
    let seed = super::seed();
    let mut rng = Rng::new(seed);
    let mut spec = Spec::validators(3, &mut rng);
    spec.followers = 2;
    spec.tee = Tee::Simulated;
    let mut cluster = Cluster::new(TEST, spec, seed);
    let validators = cluster.validator_indices();
    let (bad_measurement, no_tee) = (3, 4);

    // A genesis follower claiming another measurement.
    let mrenclave = B256::repeat_byte(0x5a);
    cluster.edit_config(bad_measurement, |file| {
        file.simulated_mrenclave = Some(mrenclave);
    });
    // A genesis follower without a TEE (plain HTTP RPC on loopback, self-signed cluster cert).
    cluster.edit_config(no_tee, |file| {
        file.tee = "none".into();
        file.rpc.http = true;
    });
    // A key outside the membership, running the chain's own genesis as a follower: on a
    // governed chain a node that the configuration does not list still asks to join, and the
    // validators, asking the configuration in force, refuse it.
    let outsider_key = PrivateKeySigner::random();
    let outsider_address = outsider_key.address();
    let outsider_dir = cluster.dir.join("outsider");
    std::fs::create_dir_all(&outsider_dir).unwrap();
    cloister_node::write_key(
        &outsider_dir.join("node.key"),
        &B256::from_slice(&outsider_key.to_bytes()[..]),
    )
    .unwrap();
    std::fs::copy(
        cluster.dir.join("genesis.json"),
        outsider_dir.join("genesis.json"),
    )
    .unwrap();
    let mut outsider = NodeFile::read(&cluster.nodes[bad_measurement].config).unwrap();
    outsider.simulated_mrenclave = None;
    outsider.role = ClusterRole::Follower;
    outsider.genesis = Some("genesis.json".into());
    outsider.key_file = "node.key".into();
    outsider.datadir = "data".into();
    outsider.rpc.port = free_port();
    outsider.cluster.listen = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    outsider.cluster.peers.truncate(validators.len());
    outsider.cluster.peers.push(PeerSection {
        address: outsider_address,
        cluster: outsider.cluster.listen.to_string(),
        rpc: format!("https://127.0.0.1:{}", outsider.rpc.port),
    });
    let outsider = cluster.add_node("outsider", &outsider);

    cluster.start_all(&validators).await;
    let monitor = Monitor::start(&cluster, &validators);
    let clients: Vec<_> = cluster.clients()[..validators.len()].to_vec();
    let senders = rng.range(2, 3) as usize;
    let load = Load::start(
        clients,
        LoadSpec::seeded(&mut rng, senders, &validators),
        &format!("{TEST}/{seed}"),
    )
    .await;
    if !load.wait_acks(5, Duration::from_secs(60)).await {
        cluster.fail("the simulated-TEE validators mined nothing within 60 s");
    }

    let mut order = vec![0, 1, 2];
    rng.shuffle(&mut order);
    for case in order {
        match case {
            0 => {
                let hex = format!("{mrenclave:x}");
                refused(
                    &mut cluster,
                    &validators,
                    bad_measurement,
                    "a follower with a measurement genesis does not allow",
                    &[
                        "is not allowed by the chain".into(),
                        hex.trim_start_matches("0x").to_owned(),
                    ],
                )
                .await;
            }
            1 => {
                refused(
                    &mut cluster,
                    &validators,
                    outsider,
                    "a key outside the membership",
                    &[format!("key {outsider_address:#x} is not a member")],
                )
                .await;
            }
            _ => {
                refused(
                    &mut cluster,
                    &validators,
                    no_tee,
                    "a --tee none node",
                    &["reason=attestation:".into()],
                )
                .await;
            }
        }
    }
    // Still refused, still empty, after all three tried for a while.
    for rogue in [bad_measurement, outsider, no_tee] {
        match cluster.nodes[rogue].client.block_number().await {
            Ok(0) => {}
            other => cluster.fail(format!("node{rogue}'s head at the end: {other:?}")),
        }
    }

    let report = load.stop(Duration::from_secs(30)).await;
    if !report.unacked.is_empty() {
        cluster.fail(format!(
            "{} transaction(s) never acknowledged: {:?}",
            report.unacked.len(),
            report.unacked
        ));
    }
    let monitor = monitor.stop().await;
    check(
        &cluster,
        &validators,
        &report.acks,
        monitor,
        Duration::from_secs(60),
    )
    .await;
}
