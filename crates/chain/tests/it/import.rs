//! `Chain::import_block`: blocks produced by one node import into another with the same
//! genesis; tampered blocks are refused with the broken rule and leave the chain unchanged.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use super::{Harness, VecSource};
use alloy_consensus::{Block, BlockBody};
use alloy_signer_local::PrivateKeySigner;
use cloister_chain::{BlockError, Chain, CommittedBlock, ImportError, SealError, seal_block};
use cloister_chainspec::{ChainSpec, DEV_GENESIS_JSON};
use cloister_primitives::{
    Address, B256, Bytes, TxEnvelope,
    primitives::{Signature, TxKind},
};
use cloister_storage::Store;
use std::sync::Arc;

/// A change that breaks one rule.
type Tamper = dyn Fn(&mut Block<TxEnvelope>);

fn follower() -> (Chain, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let spec = Arc::new(ChainSpec::from_genesis_json(DEV_GENESIS_JSON).unwrap());
    Chain::init(&store, &spec, DEV_GENESIS_JSON).unwrap();
    (Chain::open(store, spec, None).unwrap(), dir)
}

fn as_block(committed: &CommittedBlock, withdrawals: bool) -> Block<TxEnvelope> {
    Block {
        header: committed.header.clone(),
        body: BlockBody {
            transactions: committed
                .transactions
                .iter()
                .map(|tx| tx.inner().clone())
                .collect(),
            ommers: Vec::new(),
            withdrawals: withdrawals.then(Default::default),
        },
    }
}

/// A seal by `key` over the block as it is now (so a tampered block reaches the rule it breaks).
fn reseal(block: &Block<TxEnvelope>, key: &PrivateKeySigner) -> Option<Signature> {
    Some(seal_block(block.header.hash_slow(), key).unwrap())
}

/// Mines one block with two transfers on the producer and returns it.
fn produce(h: &mut Harness) -> Arc<CommittedBlock> {
    let to = TxKind::Call(Address::repeat_byte(7));
    let txs = vec![
        h.tx(1, to, 5, Bytes::new(), false),
        h.tx(2, to, 9, Bytes::new(), true),
    ];
    let sealed = h
        .chain
        .build_block(&mut VecSource(txs.into_iter()), 1_900_000_000, 10)
        .unwrap();
    h.chain.commit_block(sealed).unwrap()
}

#[test]
fn produced_blocks_import_into_a_follower() {
    let mut h = Harness::new();
    let (follower, _dir) = follower();
    let withdrawals = h.chain.head().header.withdrawals_root.is_some();
    for _ in 0..3 {
        let block = produce(&mut h);
        let imported = follower
            .import_block(as_block(&block, withdrawals), block.seal)
            .unwrap();
        assert_eq!(imported.seal, block.seal);
        assert_eq!(imported.hash, block.hash);
        assert_eq!(imported.receipts.len(), 2);
    }
    assert_eq!(follower.head().hash, h.chain.head().hash);
    assert_eq!(
        follower.head().header.state_root,
        h.chain.head().header.state_root
    );
}

#[test]
fn tampered_blocks_are_refused_and_change_nothing() {
    let mut h = Harness::new();
    let (follower, _dir) = follower();
    let withdrawals = h.chain.head().header.withdrawals_root.is_some();
    let produced = produce(&mut h);
    let good = as_block(&produced, withdrawals);
    let good_seal = produced.seal;
    let validator = h.keys[0].clone();
    let genesis = follower.head().hash;

    let cases: Vec<(&str, Box<Tamper>)> = vec![
        (
            "state root",
            Box::new(|b| b.header.state_root = B256::repeat_byte(1)),
        ),
        (
            "receipts root",
            Box::new(|b| b.header.receipts_root = B256::repeat_byte(1)),
        ),
        ("gas used", Box::new(|b| b.header.gas_used += 1)),
        ("timestamp", Box::new(|b| b.header.timestamp = 0)),
        ("gas limit", Box::new(|b| b.header.gas_limit *= 2)),
        (
            "base fee",
            Box::new(|b| b.header.base_fee_per_gas = Some(1)),
        ),
        (
            "transactions root",
            Box::new(|b| {
                b.body.transactions.pop();
            }),
        ),
        (
            "extra data",
            Box::new(|b| b.header.extra_data = vec![0u8; 200].into()),
        ),
        ("number", Box::new(|b| b.header.number = 5)),
    ];
    for (what, tamper) in cases {
        let mut bad = good.clone();
        tamper(&mut bad);
        let seal = reseal(&bad, &validator);
        let err = follower.import_block(bad, seal).unwrap_err();
        assert!(matches!(err, ImportError::Invalid { .. }), "{what}: {err}");
        assert!(
            !matches!(err.reason(), Some(BlockError::Seal(_))),
            "{what}: {err}"
        );
        assert_eq!(follower.head().hash, genesis, "{what} changed the head");
    }

    let mut orphan = good.clone();
    orphan.header.parent_hash = B256::repeat_byte(3);
    assert!(matches!(
        follower.import_block(orphan, good_seal),
        Err(ImportError::NotOnHead { .. })
    ));

    let mut wrong_root = good.clone();
    wrong_root.header.state_root = B256::repeat_byte(1);
    let seal = reseal(&wrong_root, &validator);
    let err = follower.import_block(wrong_root, seal).unwrap_err();
    assert!(
        matches!(
            err.reason(),
            Some(BlockError::Root {
                what: "state root",
                ..
            })
        ),
        "{err}"
    );

    // Seals: missing, by a stranger who names itself the miner, by a validator over another
    // miner, or over another block: all refused before execution.
    let stranger = PrivateKeySigner::random();
    let mut by_stranger = good.clone();
    by_stranger.header.beneficiary = stranger.address();
    let stranger_seal = reseal(&by_stranger, &stranger);
    let other_miner_seal = reseal(&by_stranger, &validator);
    let cases: Vec<(&str, Block<TxEnvelope>, Option<Signature>)> = vec![
        ("missing", good.clone(), None),
        ("stranger", by_stranger.clone(), stranger_seal),
        ("other miner", by_stranger, other_miner_seal),
        (
            "other hash",
            good.clone(),
            Some(seal_block(B256::repeat_byte(5), &validator).unwrap()),
        ),
    ];
    for (what, block, seal) in cases {
        let err = follower.import_block(block, seal).unwrap_err();
        assert!(
            matches!(err.reason(), Some(BlockError::Seal(_))),
            "{what}: {err}"
        );
        assert_eq!(follower.head().hash, genesis, "{what} changed the head");
    }
    let err = follower.import_block(good.clone(), None).unwrap_err();
    assert!(matches!(
        err.reason(),
        Some(BlockError::Seal(SealError::Missing))
    ));

    // The untampered block still imports afterwards.
    follower.import_block(good, good_seal).unwrap();
    assert_eq!(follower.head().hash, h.chain.head().hash);
}
