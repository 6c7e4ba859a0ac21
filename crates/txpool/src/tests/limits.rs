//! Replacement by fee bump, the per-sender limit, and eviction when the pool is full.

use super::*;

fn small_pool(max_total: usize, max_per_sender: usize) -> TxPool {
    TxPool::new(PoolConfig {
        max_total,
        max_per_sender,
        ..config()
    })
}

#[test]
fn replacement_needs_ten_percent_on_both_fee_cap_and_tip() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    let original = add_one(&pool, &state, eip1559(&key, spec(0).fees(1_000, 100))).unwrap();
    let mut events = pool.subscribe_pending();

    for (max_fee, tip) in [(1_090, 109), (1_100, 100), (1_000, 110), (1_100, 109)] {
        assert_eq!(
            rejection(&pool, &state, eip1559(&key, spec(0).fees(max_fee, tip))),
            "replacement transaction underpriced",
            "fees ({max_fee}, {tip})"
        );
    }
    let replacement = add_one(&pool, &state, eip1559(&key, spec(0).fees(1_100, 110))).unwrap();
    assert!(!pool.contains(&original));
    assert!(pool.contains(&replacement));
    assert_eq!(pool.pending_count(), 1);
    assert_eq!(events.try_recv().unwrap().hash, replacement);
    assert_eq!(pool.best_transactions(1).next().unwrap().hash, replacement);
}

#[test]
fn legacy_replacement_bumps_the_gas_price() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    add_one(&pool, &state, legacy(&key, spec(0).fees(100, 0))).unwrap();
    assert_eq!(
        rejection(&pool, &state, legacy(&key, spec(0).fees(109, 0))),
        "replacement transaction underpriced"
    );
    add_one(&pool, &state, legacy(&key, spec(0).fees(110, 0))).unwrap();
}

#[test]
fn replacing_a_queued_transaction_keeps_it_queued() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    add_one(&pool, &state, eip1559(&key, spec(3).fees(100, 10))).unwrap();
    add_one(&pool, &state, eip1559(&key, spec(3).fees(200, 20))).unwrap();
    assert_eq!((pool.pending_count(), pool.queued_count()), (0, 1));
    assert_eq!(
        pool.content().queued[&key.address()][&3].max_fee_per_gas(),
        200
    );
}

#[test]
fn replacement_counts_only_the_other_transactions_against_the_balance() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    // Room for one transaction at fee cap 100 (2_100_001) or one at 110 (2_310_001), not two.
    state.set(key.address(), 0, U256::from(2_400_000));
    add_one(&pool, &state, eip1559(&key, spec(0).fees(100, 10))).unwrap();
    add_one(&pool, &state, eip1559(&key, spec(0).fees(110, 11))).unwrap();
    assert_eq!(pool.pending_count(), 1);
}

#[test]
fn account_limit_exceeded() {
    let (pool, state, key) = (
        small_pool(100, 3),
        MemoryState::default(),
        PrivateKeySigner::random(),
    );
    for nonce in 0..3 {
        add_one(&pool, &state, eip1559(&key, spec(nonce))).unwrap();
    }
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, spec(3))),
        "account limit exceeded: pooled 3 txs"
    );
    // A replacement does not take a new slot.
    add_one(&pool, &state, eip1559(&key, spec(2).fees(200, 20))).unwrap();
}

#[test]
fn full_pool_without_queued_transactions_refuses() {
    let (pool, state) = (small_pool(2, 2), MemoryState::default());
    let k: Vec<PrivateKeySigner> = (0..3).map(|_| PrivateKeySigner::random()).collect();
    add_one(&pool, &state, eip1559(&k[0], spec(0))).unwrap();
    add_one(&pool, &state, eip1559(&k[1], spec(0))).unwrap();
    assert_eq!(
        rejection(&pool, &state, eip1559(&k[2], spec(0).fees(10_000, 1_000))),
        "txpool is full"
    );
    // Replacements still work in a full pool.
    add_one(&pool, &state, eip1559(&k[0], spec(0).fees(200, 20))).unwrap();
}

#[test]
fn full_pool_evicts_the_cheapest_queued_transaction() {
    let (pool, state) = (small_pool(3, 3), MemoryState::default());
    let k: Vec<PrivateKeySigner> = (0..4).map(|_| PrivateKeySigner::random()).collect();
    add_one(&pool, &state, eip1559(&k[0], spec(0))).unwrap();
    let cheap_queued = add_one(&pool, &state, eip1559(&k[0], spec(5).fees(100, 10))).unwrap();
    let dear_queued = add_one(&pool, &state, eip1559(&k[1], spec(7).fees(200, 10))).unwrap();

    // An executable newcomer evicts the cheapest queued transaction.
    add_one(&pool, &state, eip1559(&k[2], spec(0))).unwrap();
    assert!(!pool.contains(&cheap_queued));
    assert_eq!((pool.pending_count(), pool.queued_count()), (2, 1));

    // A queued newcomer must pay more than the cheapest queued one.
    assert_eq!(
        rejection(&pool, &state, eip1559(&k[3], spec(3).fees(150, 10))),
        "txpool is full"
    );
    add_one(&pool, &state, eip1559(&k[3], spec(3).fees(300, 10))).unwrap();
    assert!(!pool.contains(&dear_queued));
    assert_eq!((pool.pending_count(), pool.queued_count()), (2, 1));
}
