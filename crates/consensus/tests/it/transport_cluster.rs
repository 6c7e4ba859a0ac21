//! Three validators in one process over the real attested transport (TLS on loopback, key
//! proofs, `--tee none` certificates): they elect a leader by vote RPCs, replicate a block by
//! append_entries, and gossip transactions to each other.

use crate::transport_support::{NetNode, eventually, fast_config, genesis, keys, members_only};
use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_network::TxSignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_chain::SnapshotAccounts;
use cloister_consensus::{
    PeerNode,
    openraft::{ServerState, error::RPCError},
    transport::PeerIdentity,
};
use cloister_primitives::{
    Address, B256, Bytes, Encodable2718, RecoveredTx, TxEnvelope, U256, primitives::TxKind,
};
use cloister_txpool::AdmissionContext;
use std::{collections::BTreeMap, time::Duration};

fn transfer(key: &PrivateKeySigner, nonce: u64) -> RecoveredTx {
    let mut tx = TxEip1559 {
        chain_id: 7557,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x66)),
        value: U256::from(1u64),
        access_list: Default::default(),
        input: Default::default(),
    };
    let sig = key.sign_transaction_sync(&mut tx).unwrap();
    RecoveredTx::new_unchecked(TxEnvelope::Eip1559(tx.into_signed(sig)), key.address())
}

fn admit(node: &NetNode, tx: &RecoveredTx) {
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
    for result in node.pool.add_transactions(
        vec![tx.clone()],
        &SnapshotAccounts(head.reader.clone()),
        &ctx,
    ) {
        result.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_validators_elect_replicate_and_gossip_over_tls() {
    let keys = keys();
    let validators: Vec<Address> = keys[..3].iter().map(|k| k.address()).collect();
    let genesis = genesis(&validators);
    let mut nodes = Vec::new();
    for key in &keys[..3] {
        let identity = PeerIdentity::self_signed(key.clone()).unwrap();
        nodes
            .push(NetNode::start(&genesis, key.clone(), identity, members_only(&validators)).await);
    }
    let members: BTreeMap<u64, PeerNode> = nodes
        .iter()
        .zip(&validators)
        .map(|(node, address)| {
            (
                node.id,
                PeerNode {
                    address: *address,
                    cluster: node.addr.to_string(),
                    rpc: String::new(),
                },
            )
        })
        .collect();
    for node in &nodes {
        node.network.set_peers(members.values().cloned());
    }
    // Membership is replicated by append_entries; the leader is then elected by vote RPCs
    // (node 0 initialises, but another may win).
    nodes[0].raft.initialize(members.clone()).await.unwrap();
    let mut leader = None;
    for node in &nodes {
        let metrics = node
            .raft
            .wait(Some(Duration::from_secs(10)))
            .metrics(
                |m| m.current_leader.is_some() && m.last_applied.is_some(),
                "leader known",
            )
            .await
            .unwrap();
        leader = leader.or(metrics.current_leader);
        assert_eq!(
            metrics.current_leader, leader,
            "nodes disagree on the leader"
        );
    }
    let leader = leader.unwrap();
    let leader_node = nodes.iter().find(|n| n.id == leader).unwrap();
    assert_eq!(
        leader_node.raft.metrics().borrow().state,
        ServerState::Leader
    );

    // A block: the leader mines a transfer, every node commits it.
    let tx = transfer(&keys[7], 0);
    let hash: B256 = *tx.inner().tx_hash();
    admit(leader_node, &tx);
    for node in &nodes {
        eventually("block replicated", || {
            node.chain
                .head()
                .reader
                .tx_location(&hash)
                .unwrap()
                .is_some()
        })
        .await;
    }
    let heads: Vec<B256> = nodes
        .iter()
        .map(|n| n.chain.head().header.hash_slow())
        .collect();
    assert!(
        heads.windows(2).all(|w| w[0] == w[1]),
        "heads differ: {heads:?}"
    );

    // Gossip: a follower forwards raw transactions; both others receive them.
    let follower = nodes.iter().find(|n| n.id != leader).unwrap();
    let raw = Bytes::from(transfer(&keys[7], 1).inner().encoded_2718());
    follower.network.broadcast_transactions(vec![raw.clone()]);
    for node in nodes.iter().filter(|n| n.id != follower.id) {
        eventually("gossip delivered", || {
            node.gossiped
                .lock()
                .iter()
                .any(|batch| batch.contains(&raw))
        })
        .await;
    }
    assert!(
        follower.gossiped.lock().is_empty(),
        "a node gossiped to itself"
    );
    assert!(nodes.iter().all(|n| n.transport.refusals().is_empty()));

    // A node that is down is unreachable, so openraft backs off.
    let down = nodes.pop().unwrap();
    let down_node = members[&down.id].clone();
    let down_id = down.id;
    down.stop().await;
    let mut client = cloister_consensus::openraft::RaftNetworkFactory::new_client(
        &mut nodes[0].network.clone(),
        down_id,
        &down_node,
    )
    .await;
    let vote = cloister_consensus::openraft::raft::VoteRequest::new(
        cloister_consensus::openraft::Vote::new(1, nodes[0].id),
        None,
    );
    let err = cloister_consensus::openraft::RaftNetwork::vote(
        &mut client,
        vote,
        cloister_consensus::openraft::network::RPCOption::new(Duration::from_secs(2)),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RPCError::Unreachable(_)), "{err:?}");
    for node in nodes {
        node.stop().await;
    }
}

/// A node joining after the others purged their log catches up from a snapshot sent in
/// install_snapshot chunks over the transport.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_learner_catches_up_from_a_snapshot_over_tls() {
    let keys = keys();
    let all: Vec<Address> = keys[..3].iter().map(|k| k.address()).collect();
    let genesis = genesis(&all[..2]);
    let config = fast_config(Some(3));
    let mut nodes = Vec::new();
    for key in &keys[..3] {
        let identity = PeerIdentity::self_signed(key.clone()).unwrap();
        let policy = members_only(&all);
        nodes.push(
            NetNode::start_with(&genesis, key.clone(), identity, policy, config.clone()).await,
        );
    }
    let peer = |i: usize| PeerNode {
        address: all[i],
        cluster: nodes[i].addr.to_string(),
        rpc: String::new(),
    };
    let voters: BTreeMap<u64, PeerNode> = (0..2).map(|i| (nodes[i].id, peer(i))).collect();
    nodes[0].raft.initialize(voters).await.unwrap();
    let leader = nodes[0]
        .raft
        .wait(Some(Duration::from_secs(10)))
        .metrics(|m| m.current_leader.is_some(), "leader")
        .await
        .unwrap()
        .current_leader
        .unwrap();
    let leader_node = nodes.iter().find(|n| n.id == leader).unwrap();
    let mut hashes = Vec::new();
    for nonce in 0..8 {
        let tx = transfer(&keys[8], nonce);
        hashes.push(*tx.inner().tx_hash());
        admit(leader_node, &tx);
        let hash = hashes[hashes.len() - 1];
        eventually("mined", || {
            leader_node
                .chain
                .head()
                .reader
                .tx_location(&hash)
                .unwrap()
                .is_some()
        })
        .await;
    }
    eventually("log purged", || {
        leader_node
            .raft
            .metrics()
            .borrow()
            .purged
            .is_some_and(|p| p.index > 3)
    })
    .await;

    leader_node
        .raft
        .add_learner(nodes[2].id, peer(2), true)
        .await
        .unwrap();
    let learner = &nodes[2];
    for hash in &hashes {
        eventually("learner caught up", || {
            learner
                .chain
                .head()
                .reader
                .tx_location(hash)
                .unwrap()
                .is_some()
        })
        .await;
    }
    let snapshot = learner.raft.metrics().borrow().snapshot;
    assert!(snapshot.is_some(), "the learner installed no snapshot");
    assert_eq!(
        learner.chain.head().header.hash_slow(),
        leader_node.chain.head().header.hash_slow()
    );
    for node in nodes {
        node.stop().await;
    }
}
