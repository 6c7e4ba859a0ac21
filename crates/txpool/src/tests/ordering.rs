//! Block-building order: best effective tip across senders, strict nonce order within one,
//! base-fee filtering and `mark_invalid`.

use super::*;
use crate::PooledTx;
use std::sync::Arc;

fn keys(count: usize) -> Vec<PrivateKeySigner> {
    (0..count).map(|_| PrivateKeySigner::random()).collect()
}

fn senders_of(best: impl Iterator<Item = Arc<PooledTx>>) -> Vec<(Address, u64)> {
    best.map(|tx| (tx.sender(), tx.nonce())).collect()
}

#[test]
fn best_tip_first_across_senders() {
    let (pool, state, k) = (pool(), MemoryState::default(), keys(3));
    add_one(&pool, &state, eip1559(&k[0], spec(0).fees(100, 5))).unwrap();
    add_one(&pool, &state, eip1559(&k[1], spec(0).fees(100, 50))).unwrap();
    add_one(&pool, &state, legacy(&k[2], spec(0).fees(21, 0))).unwrap(); // tip = 21 - base fee 1
    assert_eq!(
        senders_of(pool.best_transactions(1)),
        vec![
            (k[1].address(), 0),
            (k[2].address(), 0),
            (k[0].address(), 0)
        ]
    );
}

#[test]
fn effective_tip_depends_on_the_base_fee() {
    let (pool, state, k) = (pool(), MemoryState::default(), keys(2));
    add_one(&pool, &state, eip1559(&k[0], spec(0).fees(100, 90))).unwrap();
    add_one(&pool, &state, eip1559(&k[1], spec(0).fees(1_000, 50))).unwrap();
    let first = |base_fee| pool.best_transactions(base_fee).next().unwrap().sender();
    assert_eq!(first(1), k[0].address()); // 90 > 50
    assert_eq!(first(60), k[1].address()); // min(90, 100 - 60) = 40 < 50
}

#[test]
fn nonce_order_within_a_sender_beats_tips() {
    let (pool, state, k) = (pool(), MemoryState::default(), keys(2));
    add_one(&pool, &state, eip1559(&k[0], spec(0).fees(100, 1))).unwrap();
    add_one(&pool, &state, eip1559(&k[0], spec(1).fees(100, 99))).unwrap();
    add_one(&pool, &state, eip1559(&k[1], spec(0).fees(100, 50))).unwrap();
    assert_eq!(
        senders_of(pool.best_transactions(1)),
        vec![
            (k[1].address(), 0),
            (k[0].address(), 0),
            (k[0].address(), 1)
        ]
    );
}

#[test]
fn a_sender_below_the_base_fee_is_skipped_from_that_nonce_on() {
    let (pool, state, k) = (pool(), MemoryState::default(), keys(2));
    add_one(&pool, &state, eip1559(&k[0], spec(0).fees(100, 10))).unwrap();
    add_one(&pool, &state, eip1559(&k[0], spec(1).fees(1_000, 10))).unwrap();
    add_one(&pool, &state, eip1559(&k[1], spec(0).fees(1_000, 10))).unwrap();
    assert_eq!(
        senders_of(pool.best_transactions(500)),
        vec![(k[1].address(), 0)]
    );
}

#[test]
fn equal_tips_keep_arrival_order() {
    let (pool, state, k) = (pool(), MemoryState::default(), keys(5));
    for key in &k {
        add_one(&pool, &state, eip1559(key, spec(0))).unwrap();
    }
    let order: Vec<Address> = pool.best_transactions(1).map(|tx| tx.sender()).collect();
    assert_eq!(
        order,
        k.iter().map(PrivateKeySigner::address).collect::<Vec<_>>()
    );
}

#[test]
fn mark_invalid_skips_the_rest_of_the_sender() {
    let (pool, state, k) = (pool(), MemoryState::default(), keys(2));
    for nonce in 0..3 {
        add_one(&pool, &state, eip1559(&k[0], spec(nonce).fees(100, 90))).unwrap();
    }
    for nonce in 0..2 {
        add_one(&pool, &state, eip1559(&k[1], spec(nonce).fees(100, 10))).unwrap();
    }
    let mut best = pool.best_transactions(1);
    assert_eq!(best.next().unwrap().sender(), k[0].address());
    best.mark_invalid(k[0].address());
    assert_eq!(
        senders_of(best),
        vec![(k[1].address(), 0), (k[1].address(), 1)]
    );
}

#[test]
fn mark_invalid_also_drops_a_sender_waiting_in_the_heap() {
    let (pool, state, k) = (pool(), MemoryState::default(), keys(2));
    for nonce in 0..2 {
        add_one(&pool, &state, eip1559(&k[0], spec(nonce).fees(100, 90))).unwrap();
        add_one(&pool, &state, eip1559(&k[1], spec(nonce).fees(100, 10))).unwrap();
    }
    let mut best = pool.best_transactions(1);
    assert_eq!(best.next().unwrap().sender(), k[0].address());
    best.mark_invalid(k[1].address());
    assert_eq!(senders_of(best), vec![(k[0].address(), 1)]);
}

#[test]
fn iteration_is_a_snapshot() {
    let (pool, state, k) = (pool(), MemoryState::default(), keys(2));
    add_one(&pool, &state, eip1559(&k[0], spec(0))).unwrap();
    let mut best = pool.best_transactions(1);
    // The pool stays usable (not locked) while a block is being built.
    add_one(&pool, &state, eip1559(&k[1], spec(0))).unwrap();
    assert_eq!(best.snapshot_len(), 1);
    assert_eq!(best.next().unwrap().sender(), k[0].address());
    assert!(best.next().is_none());
}

/// Many senders with random-looking tips: every step must yield the best among the current
/// heads of all senders, and each sender's nonces must come out in order.
#[test]
fn greedy_order_over_many_senders() {
    let (pool, state, k) = (pool(), MemoryState::default(), keys(30));
    let mut txs = Vec::new();
    for (i, key) in k.iter().enumerate() {
        for nonce in 0..4u64 {
            let tip = ((i as u128 * 7919 + nonce as u128 * 104_729) % 97) + 1;
            txs.push(eip1559(key, spec(nonce).fees(200, tip)));
        }
    }
    pool.add_transactions(txs, &state, &ctx());
    let yielded: Vec<Arc<PooledTx>> = pool.best_transactions(1).collect();
    assert_eq!(yielded.len(), 120);

    let content = pool.content();
    let mut heads: Vec<Vec<Arc<PooledTx>>> = content
        .pending
        .values()
        .map(|txs| txs.values().cloned().collect())
        .collect();
    for tx in &yielded {
        let best_head_tip = heads
            .iter()
            .filter_map(|txs| txs.first())
            .map(|head| head.effective_tip(1))
            .max();
        assert_eq!(tx.effective_tip(1), best_head_tip.flatten());
        let sender_txs = heads
            .iter_mut()
            .find(|txs| txs.first().map(|h| h.hash) == Some(tx.hash));
        sender_txs
            .expect("yielded a transaction that was not a sender's next nonce")
            .remove(0);
    }
    assert!(heads.iter().all(Vec::is_empty));
}
