//! `Chain::import_block`: blocks produced by one node import into another with the same
//! genesis; tampered blocks are refused with the broken rule and leave the chain unchanged.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use super::{Harness, VecSource};
use alloy_consensus::{Block, BlockBody};
use cloister_chain::{BlockError, Chain, CommittedBlock, ImportError};
use cloister_chainspec::{ChainSpec, DEV_GENESIS_JSON};
use cloister_primitives::{Address, B256, Bytes, TxEnvelope, primitives::TxKind};
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
            .import_block(as_block(&block, withdrawals))
            .unwrap();
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
    let good = as_block(&produce(&mut h), withdrawals);
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
        let err = follower.import_block(bad).unwrap_err();
        assert!(matches!(err, ImportError::Invalid { .. }), "{what}: {err}");
        assert_eq!(follower.head().hash, genesis, "{what} changed the head");
    }

    let mut orphan = good.clone();
    orphan.header.parent_hash = B256::repeat_byte(3);
    assert!(matches!(
        follower.import_block(orphan),
        Err(ImportError::NotOnHead { .. })
    ));

    let mut wrong_root = good.clone();
    wrong_root.header.state_root = B256::repeat_byte(1);
    let err = follower.import_block(wrong_root).unwrap_err();
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

    // The untampered block still imports afterwards.
    follower.import_block(good).unwrap();
    assert_eq!(follower.head().hash, h.chain.head().hash);
}
