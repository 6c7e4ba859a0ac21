//! How long a block-sized batch takes on a large trie (`cargo nextest run -p cloister-trie
//! --run-ignored only --no-capture throughput`); prints, asserts no time.

use crate::common::{Rng, reference_root};
use cloister_primitives::B256;
use cloister_trie::{MemoryTrieStore, apply_changes, apply_changes_parallel};
use std::{collections::BTreeMap, time::Instant};

#[test]
#[ignore = "slow: builds a 1,000,000-leaf trie"]
fn ten_thousand_changes_on_a_million_leaves() {
    let mut rng = Rng::new(2026);
    let mut leaves: BTreeMap<B256, Vec<u8>> = BTreeMap::new();
    while leaves.len() < 1_000_000 {
        // Account-sized values (about 70 bytes of RLP).
        leaves.insert(rng.b256(), rng.bytes(70));
    }
    let started = Instant::now();
    let mut store = MemoryTrieStore::new();
    let (built_root, updates) = apply_changes(
        &store,
        leaves
            .iter()
            .map(|(key, value)| (*key, Some(value.clone()))),
    )
    .unwrap();
    store.apply(updates);
    println!(
        "built 1,000,000 leaves ({} nodes) in {:?}",
        store.len(),
        started.elapsed()
    );
    assert_eq!(built_root, reference_root(&leaves));

    let keys: Vec<B256> = leaves.keys().copied().collect();
    let mut batch = Vec::with_capacity(10_000);
    for index in 0..10_000 {
        let change = match index % 10 {
            0..=5 => (keys[rng.below(keys.len())], Some(rng.bytes(70))),
            6 | 7 => (rng.b256(), Some(rng.bytes(70))),
            _ => (keys[rng.below(keys.len())], None),
        };
        match &change.1 {
            Some(value) => leaves.insert(change.0, value.clone()),
            None => leaves.remove(&change.0),
        };
        batch.push(change);
    }
    let started = Instant::now();
    let (root_hash, updates) = apply_changes(&store, batch.clone()).unwrap();
    let sequential = started.elapsed();
    let started = Instant::now();
    let (parallel_root, _) = apply_changes_parallel(&store, batch).unwrap();
    let parallel = started.elapsed();
    println!(
        "10,000 changes: {sequential:?} sequential, {parallel:?} parallel; {} writes, {} deletes",
        updates.upserted.len(),
        updates.removed.len()
    );
    let started = Instant::now();
    let reference = reference_root(&leaves);
    println!(
        "full HashBuilder recomputation for comparison: {:?}",
        started.elapsed()
    );
    assert_eq!((root_hash, parallel_root), (reference, reference));
}
