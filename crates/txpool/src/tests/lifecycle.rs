//! Pending / queued promotion, block commits, removal, queries and notifications.

use super::*;
use crate::PoolContent;
use cloister_primitives::Encodable2718;
use std::time::Duration;

fn hashes(txs: &[RecoveredTx]) -> Vec<TxHash> {
    txs.iter().map(|tx| *tx.inner().tx_hash()).collect()
}

#[test]
fn gap_queues_and_filling_it_promotes() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    assert_eq!(pool.pending_nonce(key.address()), None);
    add_one(&pool, &state, eip1559(&key, spec(0))).unwrap();
    add_one(&pool, &state, eip1559(&key, spec(2))).unwrap();
    add_one(&pool, &state, eip1559(&key, spec(3))).unwrap();
    assert_eq!((pool.pending_count(), pool.queued_count()), (1, 2));
    assert_eq!(pool.pending_nonce(key.address()), Some(1));

    add_one(&pool, &state, eip1559(&key, spec(1))).unwrap();
    assert_eq!((pool.pending_count(), pool.queued_count()), (4, 0));
    assert_eq!(pool.pending_nonce(key.address()), Some(4));
}

#[test]
fn pending_starts_at_the_account_nonce() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    state.set_nonce(key.address(), 5);
    add_one(&pool, &state, eip1559(&key, spec(6))).unwrap();
    assert_eq!((pool.pending_count(), pool.queued_count()), (0, 1));
    assert_eq!(pool.pending_nonce(key.address()), Some(5));
    assert!(!pool.has_executable());
    add_one(&pool, &state, eip1559(&key, spec(5))).unwrap();
    assert_eq!((pool.pending_count(), pool.queued_count()), (2, 0));
    assert!(pool.has_executable());
}

#[test]
fn long_chain_out_of_order_in_one_batch() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    let mut txs: Vec<RecoveredTx> = (0..200).map(|nonce| eip1559(&key, spec(nonce))).collect();
    txs.reverse();
    let results = pool.add_transactions(txs, &state, &ctx());
    assert!(results.iter().all(Result::is_ok));
    assert_eq!((pool.pending_count(), pool.queued_count()), (200, 0));
    let nonces: Vec<u64> = pool.best_transactions(1).map(|tx| tx.nonce()).collect();
    assert_eq!(nonces, (0..200).collect::<Vec<_>>());
}

#[test]
fn content_splits_pending_and_queued_per_sender() {
    let (pool, state) = (pool(), MemoryState::default());
    let (a, b) = (PrivateKeySigner::random(), PrivateKeySigner::random());
    add_one(&pool, &state, eip1559(&a, spec(0))).unwrap();
    add_one(&pool, &state, eip1559(&a, spec(2))).unwrap();
    add_one(&pool, &state, eip1559(&b, spec(0))).unwrap();

    let content = pool.content();
    assert_eq!(content.pending.len(), 2);
    assert_eq!(
        content.pending[&a.address()]
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        vec![0]
    );
    assert_eq!(
        content.queued[&a.address()]
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        vec![2]
    );
    assert!(!content.queued.contains_key(&b.address()));

    let only_b = pool.content_from(b.address());
    assert_eq!(only_b.pending.len(), 1);
    assert!(only_b.queued.is_empty());
    assert_eq!(pool.content_from(Address::ZERO), PoolContent::default());
}

#[test]
fn commit_prunes_mined_and_promotes_closed_gaps() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    let txs: Vec<RecoveredTx> = [0, 1, 3, 4]
        .into_iter()
        .map(|nonce| eip1559(&key, spec(nonce)))
        .collect();
    let all = hashes(&txs);
    pool.add_transactions(txs, &state, &ctx());
    assert_eq!((pool.pending_count(), pool.queued_count()), (2, 2));

    let mut events = pool.subscribe_pending();
    // Nonces 0..=2 mined (2 came from elsewhere): 3 and 4 become executable.
    state.set_nonce(key.address(), 3);
    pool.on_block_committed(&[key.address()], &state);
    assert_eq!((pool.pending_count(), pool.queued_count()), (2, 0));
    assert!(!pool.contains(&all[0]) && !pool.contains(&all[1]));
    assert!(pool.get(&all[2]).is_some());
    assert_eq!(pool.pending_nonce(key.address()), Some(5));
    assert_eq!(events.try_recv().unwrap().hash, all[2]);
    assert_eq!(events.try_recv().unwrap().hash, all[3]);
    assert!(events.try_recv().is_err());

    state.set_nonce(key.address(), 5);
    pool.on_block_committed(&[key.address()], &state);
    assert_eq!((pool.pending_count(), pool.queued_count()), (0, 0));
    assert_eq!(pool.pending_nonce(key.address()), None);
}

#[test]
fn commit_never_moves_a_nonce_back() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    state.set_nonce(key.address(), 2);
    add_one(&pool, &state, eip1559(&key, spec(2))).unwrap();
    state.set_nonce(key.address(), 0);
    pool.on_block_committed(&[key.address()], &state);
    assert_eq!(pool.pending_nonce(key.address()), Some(3));
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, spec(1))),
        "nonce too low: next nonce 2, tx nonce 1"
    );
}

#[test]
fn commit_drops_what_the_balance_no_longer_covers() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    let mut expensive = spec(1);
    expensive.value = U256::from(RICH / 2);
    let txs = vec![
        eip1559(&key, spec(0)),
        eip1559(&key, expensive),
        eip1559(&key, spec(2)),
    ];
    let all = hashes(&txs);
    pool.add_transactions(txs, &state, &ctx());
    assert_eq!(pool.pending_count(), 3);

    state.set(key.address(), 0, U256::from(3_000_000));
    pool.on_block_committed(&[key.address()], &state);
    assert!(!pool.contains(&all[1]));
    assert_eq!((pool.pending_count(), pool.queued_count()), (1, 1));
    let best: Vec<TxHash> = pool.best_transactions(1).map(|tx| tx.hash).collect();
    assert_eq!(best, vec![all[0]]);
}

#[test]
fn commit_ignores_senders_the_pool_does_not_hold() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    add_one(&pool, &state, eip1559(&key, spec(0))).unwrap();
    let stranger = Address::repeat_byte(9);
    state.fail_for(stranger);
    pool.on_block_committed(&[stranger], &state);
    assert_eq!(pool.pending_count(), 1);
}

#[test]
fn admission_catches_up_with_a_head_it_was_not_told_about() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    add_one(&pool, &state, eip1559(&key, spec(0))).unwrap();
    add_one(&pool, &state, eip1559(&key, spec(2))).unwrap();
    // Nonces 0 and 1 mined without on_block_committed; the next admission reads nonce 2.
    state.set_nonce(key.address(), 2);
    add_one(&pool, &state, eip1559(&key, spec(3))).unwrap();
    assert_eq!((pool.pending_count(), pool.queued_count()), (2, 0));
    assert_eq!(pool.pending_nonce(key.address()), Some(4));
}

#[test]
fn removing_a_pending_transaction_queues_its_successors() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    let txs: Vec<RecoveredTx> = (0..4).map(|nonce| eip1559(&key, spec(nonce))).collect();
    let all = hashes(&txs);
    pool.add_transactions(txs, &state, &ctx());
    let removed = pool.remove_transactions(&[all[1], TxHash::ZERO]);
    assert_eq!(removed.len(), 1);
    assert_eq!((pool.pending_count(), pool.queued_count()), (1, 2));
    assert_eq!(pool.pending_nonce(key.address()), Some(1));
    // Re-sending nonce 1 promotes the rest again.
    add_one(&pool, &state, eip1559(&key, spec(1).fees(200, 20))).unwrap();
    assert_eq!((pool.pending_count(), pool.queued_count()), (4, 0));
}

#[test]
fn pending_events_follow_promotion_not_arrival() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    let mut events = pool.subscribe_pending();
    let queued = eip1559(&key, spec(1));
    let first = eip1559(&key, spec(0));
    let expected = hashes(&[first.clone(), queued.clone()]);
    add_one(&pool, &state, queued).unwrap();
    assert!(events.try_recv().is_err());
    add_one(&pool, &state, first).unwrap();
    assert_eq!(events.try_recv().unwrap().hash, expected[0]);
    assert_eq!(events.try_recv().unwrap().hash, expected[1]);
}

#[tokio::test]
async fn executable_notify_fires_for_new_pending_work() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    let notify = pool.executable_notify();
    add_one(&pool, &state, eip1559(&key, spec(0))).unwrap();
    // The permit is stored, so a producer that starts waiting afterwards still wakes.
    tokio::time::timeout(Duration::from_secs(5), notify.notified())
        .await
        .unwrap();
    assert!(pool.has_executable());
}

#[test]
fn pooled_transaction_accessors() {
    let (pool, state, key) = (pool(), MemoryState::default(), PrivateKeySigner::random());
    let hash = add_one(&pool, &state, eip1559(&key, spec(4).fees(100, 10))).unwrap();
    let tx = pool.get(&hash).unwrap();
    assert_eq!(
        (tx.sender(), tx.nonce(), tx.gas_limit()),
        (key.address(), 4, 21_000)
    );
    assert_eq!(tx.effective_tip(95), Some(5));
    assert_eq!(tx.effective_tip(50), Some(10));
    assert_eq!(tx.effective_tip(101), None);
    assert_eq!(tx.cost, U256::from(2_100_001));
    assert_eq!(tx.encoded_len, tx.envelope().encode_2718_len());
}
