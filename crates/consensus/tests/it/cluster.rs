//! A three-validator cluster in one process over the [`Router`]: blocks are built only by the
//! leader, committed on every node in the same order, a leader cut off from the others commits
//! nothing while the majority elects another and goes on, no acknowledged transaction is lost,
//! and the healed node converges. Checked the Jepsen way: every height, every node, every
//! acknowledged transaction.

use crate::router::Router;
use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_network::TxSignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_chain::{BlockProducer, Chain, ProducerConfig, SealMode, SnapshotAccounts};
use cloister_chainspec::{ChainSpec, DEV_GENESIS_JSON, dev_accounts};
use cloister_consensus::{
    ChainStateMachine, ClusterRaft, LocalBlocks, LogStore, PeerNode, RaftBlockSink, node_id_of,
    openraft::{Config, ServerState, SnapshotPolicy},
};
use cloister_primitives::{Address, B256, RecoveredTx, TxEnvelope, U256, primitives::TxKind};
use cloister_storage::{RaftLogDb, Store};
use cloister_txpool::{AdmissionContext, PoolConfig, TxPool};
use std::{collections::BTreeMap, sync::Arc, time::Duration};
use tokio::sync::watch;

struct TestNode {
    id: u64,
    raft: ClusterRaft,
    chain: Arc<Chain>,
    pool: Arc<TxPool>,
    stop: watch::Sender<bool>,
    producer: tokio::task::JoinHandle<()>,
    dir: Arc<tempfile::TempDir>,
    key: PrivateKeySigner,
}

/// Raft timings for fast scenarios; `snapshot_every` entries, purging what a snapshot covers.
fn raft_config(snapshot_every: Option<u64>) -> Arc<Config> {
    let mut config = Config {
        heartbeat_interval: 100,
        election_timeout_min: 400,
        election_timeout_max: 800,
        ..Default::default()
    };
    if let Some(every) = snapshot_every {
        config.snapshot_policy = SnapshotPolicy::LogsSinceLast(every);
        config.max_in_snapshot_log_to_keep = 0;
        config.purge_batch_size = 1;
    }
    Arc::new(config.validate().unwrap())
}

fn keys() -> Vec<PrivateKeySigner> {
    dev_accounts()
        .unwrap()
        .into_iter()
        .map(|(_, key)| PrivateKeySigner::from_bytes(&key).unwrap())
        .collect()
}

/// The dev genesis with the first `n` dev accounts as validators.
fn genesis(validators: &[Address]) -> String {
    let mut genesis: serde_json::Value = serde_json::from_str(DEV_GENESIS_JSON).unwrap();
    genesis["cloister"]["validators"] = serde_json::json!(validators);
    // Not governed: its validators are its own, not the dev genesis contract's.
    genesis["cloister"]
        .as_object_mut()
        .expect("cloister")
        .remove("members");
    genesis.to_string()
}

/// Starts (or starts again) the node whose datadir is `dir`.
async fn restart_node(
    router: &Router,
    genesis: &str,
    key: PrivateKeySigner,
    dir: Arc<tempfile::TempDir>,
    config: Arc<Config>,
) -> TestNode {
    let data_key = [9u8; 32];
    let store = Store::open_encrypted(dir.path(), &data_key).unwrap();
    let spec = Arc::new(ChainSpec::from_genesis_json(genesis).unwrap());
    Chain::init(&store, &spec, genesis).unwrap();
    let id = node_id_of(&key.address());
    let chain = Arc::new(Chain::open(store, spec.clone(), Some(key.clone())).unwrap());
    let pool = Arc::new(TxPool::new(PoolConfig {
        chain_id: spec.chain_id(),
        ..Default::default()
    }));
    let local = LocalBlocks::default();
    let log = LogStore::new(RaftLogDb::open(dir.path(), Some(&data_key)).unwrap());
    let sm = ChainStateMachine::new(chain.clone(), Some(pool.clone()), local.clone());
    let raft = ClusterRaft::new(id, config, router.factory(id), log, sm)
        .await
        .unwrap();
    router.add(id, raft.clone());
    let (stop, stop_rx) = watch::channel(false);
    let producer = BlockProducer::new(
        chain.clone(),
        pool.clone(),
        ProducerConfig {
            mode: SealMode::Instant,
            max_txs_per_block: 50,
        },
    )
    .with_sink(Arc::new(RaftBlockSink::new(raft.clone(), local)))
    .with_gate(RaftBlockSink::production_gate(&raft));
    let producer = tokio::spawn(producer.run(stop_rx));
    TestNode {
        producer,
        id,
        raft,
        chain,
        pool,
        stop,
        dir,
        key,
    }
}

/// Stops a node as a crash would leave it: producer and Raft gone, datadir kept.
async fn stop_node(router: &Router, node: TestNode) -> (PrivateKeySigner, Arc<tempfile::TempDir>) {
    let _ = node.stop.send(true);
    router.remove(node.id);
    node.raft.shutdown().await.unwrap();
    node.producer.await.unwrap();
    // The datadir can be opened again once the last holder of the chain has let go.
    let chain = node.chain;
    drop(node.raft);
    for _ in 0..100 {
        if Arc::strong_count(&chain) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        Arc::strong_count(&chain),
        1,
        "the chain is still held after shutdown"
    );
    (node.key, node.dir)
}

/// Starts three validators and makes the first initialise the cluster.
async fn three_validators(
    router: &Router,
    config: Arc<Config>,
) -> (Vec<TestNode>, String, Vec<Address>) {
    let keys = keys();
    let validators: Vec<Address> = keys[..3].iter().map(|k| k.address()).collect();
    let genesis = genesis(&validators);
    let mut nodes = Vec::new();
    for key in &keys[..3] {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        nodes.push(restart_node(router, &genesis, key.clone(), dir, config.clone()).await);
    }
    let members: BTreeMap<u64, PeerNode> = nodes
        .iter()
        .zip(&validators)
        .map(|(node, address)| {
            (
                node.id,
                PeerNode {
                    address: *address,
                    ..Default::default()
                },
            )
        })
        .collect();
    nodes[0].raft.initialize(members).await.unwrap();
    (nodes, genesis, validators)
}

fn transfer(key: &PrivateKeySigner, nonce: u64) -> RecoveredTx {
    let mut tx = TxEip1559 {
        chain_id: 7557,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x77)),
        value: U256::from(1u64),
        access_list: Default::default(),
        input: Default::default(),
    };
    let sig = key.sign_transaction_sync(&mut tx).unwrap();
    RecoveredTx::new_unchecked(TxEnvelope::Eip1559(tx.into_signed(sig)), key.address())
}

/// Puts `txs` into every node's pool (what gossip does between real nodes).
fn submit(nodes: &[TestNode], txs: &[RecoveredTx]) {
    for node in nodes {
        let head = node.chain.head();
        let ctx = AdmissionContext {
            base_fee: head
                .header
                .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
                .unwrap_or_default(),
            block_gas_limit: head.header.gas_limit,
            spec: node
                .chain
                .spec()
                .spec_id_at(head.header.number + 1, head.header.timestamp),
        };
        let results =
            node.pool
                .add_transactions(txs.to_vec(), &SnapshotAccounts(head.reader.clone()), &ctx);
        for result in results {
            result.unwrap();
        }
    }
}

/// Waits (bounded) until `node` holds every transaction of `hashes`.
async fn wait_mined(node: &TestNode, hashes: &[B256]) {
    for _ in 0..300 {
        let reader = node.chain.head().reader.clone();
        if hashes
            .iter()
            .all(|h| reader.tx_location(h).unwrap().is_some())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("node {:x} did not mine the transactions in 15 s", node.id);
}

async fn leader_of(nodes: &[&TestNode]) -> u64 {
    for _ in 0..200 {
        for node in nodes {
            let m = node.raft.metrics().borrow().clone();
            if m.state == ServerState::Leader {
                return node.id;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no leader in 10 s");
}

/// Same block at every height every node has; every acknowledged transaction in exactly one
/// block, the same on every node; every block sealed by a validator.
fn check_histories(nodes: &[&TestNode], acknowledged: &[B256], validators: &[Address]) {
    let mut by_height: BTreeMap<u64, B256> = BTreeMap::new();
    for node in nodes {
        let head = node.chain.head();
        for number in 1..=head.header.number {
            let hash = head.reader.canonical_hash(number).unwrap().unwrap();
            let prior = by_height.entry(number).or_insert(hash);
            assert_eq!(*prior, hash, "node {:x} diverges at {number}", node.id);
            let header = head.reader.header(number).unwrap().unwrap();
            let seal = head.reader.block_seal(number).unwrap().unwrap();
            cloister_chain::verify_seal(&header, hash, &seal, validators).unwrap();
        }
    }
    for hash in acknowledged {
        let mut at = None;
        for node in nodes {
            let location = node.chain.head().reader.tx_location(hash).unwrap();
            assert!(location.is_some(), "{hash} missing on node {:x}", node.id);
            assert!(at.is_none() || at == location, "{hash} at different places");
            at = location;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_isolation_loses_nothing_and_the_cluster_converges() {
    let keys = keys();
    let router = Router::default();
    let (nodes, _genesis, validators) = three_validators(&router, raft_config(None)).await;

    let sender = &keys[5];
    let mut acknowledged = Vec::new();
    let first: Vec<RecoveredTx> = (0..10).map(|n| transfer(sender, n)).collect();
    submit(&nodes, &first);
    let hashes: Vec<B256> = first.iter().map(|tx| *tx.inner().tx_hash()).collect();
    for node in &nodes {
        wait_mined(node, &hashes).await;
    }
    acknowledged.extend(hashes);
    let all: Vec<&TestNode> = nodes.iter().collect();
    check_histories(&all, &acknowledged, &validators);

    // Cut the leader off. It keeps building on its own but can commit nothing.
    let old_leader = leader_of(&all).await;
    router.isolate(old_leader);
    let (cut, rest): (Vec<&TestNode>, Vec<&TestNode>) =
        nodes.iter().partition(|n| n.id == old_leader);
    let cut = cut[0];
    let cut_head = cut.chain.head().header.number;
    let second: Vec<RecoveredTx> = (10..20).map(|n| transfer(sender, n)).collect();
    submit(&nodes, &second);
    let hashes: Vec<B256> = second.iter().map(|tx| *tx.inner().tx_hash()).collect();
    for node in &rest {
        wait_mined(node, &hashes).await;
    }
    let new_leader = leader_of(&rest).await;
    assert_ne!(new_leader, old_leader);
    // What the cut-off node holds is a prefix of the majority's chain (entries committed before
    // the cut may still be applying there), and a transaction only it received is not mined.
    let cut_now = cut.chain.head();
    let majority = rest[0].chain.head();
    assert!(cut_now.header.number <= majority.header.number);
    for number in 1..=cut_now.header.number {
        assert_eq!(
            cut_now.reader.canonical_hash(number).unwrap(),
            majority.reader.canonical_hash(number).unwrap(),
            "the cut-off node holds a block the majority does not (height {number}, cut at {cut_head})"
        );
    }
    let lonely = transfer(&keys[8], 0);
    submit(std::slice::from_ref(cut), std::slice::from_ref(&lonely));
    tokio::time::sleep(Duration::from_millis(500)).await;
    for node in &nodes {
        let found = node
            .chain
            .head()
            .reader
            .tx_location(lonely.inner().tx_hash())
            .unwrap();
        assert!(
            found.is_none(),
            "a leader without a quorum committed a block"
        );
    }
    acknowledged.extend(hashes);
    check_histories(&rest, &acknowledged, &validators);

    // Heal: the old leader steps down, takes the majority's blocks and serves the same chain.
    router.heal(old_leader);
    let third = vec![transfer(sender, 20)];
    submit(&nodes, &third);
    acknowledged.push(*third[0].inner().tx_hash());
    for node in &nodes {
        wait_mined(node, &acknowledged).await;
    }
    check_histories(&all, &acknowledged, &validators);

    for node in &nodes {
        let _ = node.stop.send(true);
        node.raft.shutdown().await.unwrap();
        router.remove(node.id);
    }
}

/// A follower killed, then kept down while the others commit far past what its log retains
/// (snapshots every 3 entries, purged at once), catches up from a snapshot when it comes back;
/// one killed for a moment catches up from the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_followers_catch_up_from_the_log_and_from_a_snapshot() {
    let router = Router::default();
    let config = raft_config(Some(3));
    let (mut nodes, genesis, validators) = three_validators(&router, config.clone()).await;
    let sender = &keys()[6];
    let mut acknowledged = Vec::new();
    let mut nonce = 0;
    let mut send_and_wait = |nodes: &[TestNode], count: u64| {
        let txs: Vec<RecoveredTx> = (nonce..nonce + count)
            .map(|n| transfer(sender, n))
            .collect();
        nonce += count;
        submit(nodes, &txs);
        txs.iter()
            .map(|tx| *tx.inner().tx_hash())
            .collect::<Vec<B256>>()
    };
    let hashes = send_and_wait(&nodes, 3);
    for node in &nodes {
        wait_mined(node, &hashes).await;
    }
    acknowledged.extend(hashes);

    // Take down a follower; the other two go on for many entries (one block per batch).
    let all: Vec<&TestNode> = nodes.iter().collect();
    let leader = leader_of(&all).await;
    let index = nodes.iter().position(|n| n.id != leader).unwrap();
    let down = nodes.remove(index);
    let down_head = down.chain.head().header.number;
    let (key, dir) = stop_node(&router, down).await;
    for _ in 0..8 {
        let hashes = send_and_wait(&nodes, 2);
        for node in &nodes {
            wait_mined(node, &hashes).await;
        }
        acknowledged.extend(hashes);
    }
    // The leader keeps the entries a lagging member still needs; the up-to-date follower
    // purges them. Make that follower the leader: cut the old leader off, bring the node back.
    let other = nodes.iter().find(|n| n.id != leader).unwrap();
    let purged = other.raft.metrics().borrow().purged;
    assert!(
        purged.is_some_and(|p| p.index > down_head + 2),
        "the follower purged its log ({purged:?}), so the returning node needs a snapshot"
    );
    router.isolate(leader);
    let back = restart_node(&router, &genesis, key, dir, config.clone()).await;
    nodes.push(back);
    let majority: Vec<&TestNode> = nodes.iter().filter(|n| n.id != leader).collect();
    let new_leader = leader_of(&majority).await;
    assert_ne!(new_leader, leader);
    let hashes = send_and_wait(&nodes, 1);
    acknowledged.extend(hashes);
    for node in &majority {
        wait_mined(node, &acknowledged).await;
    }
    let back = nodes.last().unwrap();
    assert!(
        back.raft.metrics().borrow().snapshot.is_some(),
        "the restarted node caught up without a snapshot"
    );
    router.heal(leader);
    for node in &nodes {
        wait_mined(node, &acknowledged).await;
    }
    let all: Vec<&TestNode> = nodes.iter().collect();
    check_histories(&all, &acknowledged, &validators);

    // A short crash of another follower: it catches up from the log.
    let leader = leader_of(&all).await;
    let index = nodes.iter().position(|n| n.id != leader).unwrap();
    let down = nodes.remove(index);
    let (key, dir) = stop_node(&router, down).await;
    let hashes = send_and_wait(&nodes, 2);
    acknowledged.extend(hashes);
    nodes.push(restart_node(&router, &genesis, key, dir, config).await);
    for node in &nodes {
        wait_mined(node, &acknowledged).await;
    }
    let all: Vec<&TestNode> = nodes.iter().collect();
    check_histories(&all, &acknowledged, &validators);
    for node in nodes {
        stop_node(&router, node).await;
    }
}
