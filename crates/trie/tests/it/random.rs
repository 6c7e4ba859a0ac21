//! Random rounds of inserts, overwrites and deletes, checked after every round against a root
//! computed from scratch and against a store rebuilt from scratch.

use crate::common::{Rng, apply_checked, rebuilt_store, reference_root};
use alloy_trie::EMPTY_ROOT_HASH;
use cloister_primitives::B256;
use cloister_trie::{MemoryTrieStore, root};
use std::collections::BTreeMap;

/// A key that is fresh, or shares a (often long) prefix with an existing key, so that
/// extensions, deep branches and inline nodes all occur.
fn random_key(rng: &mut Rng, leaves: &BTreeMap<B256, Vec<u8>>) -> B256 {
    let mut key = rng.b256();
    if leaves.is_empty() || rng.below(3) == 0 {
        return key;
    }
    let existing = *leaves.keys().nth(rng.below(leaves.len())).unwrap();
    let shared_nibbles = if rng.below(2) == 0 {
        56 + rng.below(8)
    } else {
        rng.below(64)
    };
    let shared_bytes = shared_nibbles / 2;
    key[..shared_bytes].copy_from_slice(&existing[..shared_bytes]);
    if shared_nibbles % 2 == 1 {
        key[shared_bytes] = (existing[shared_bytes] & 0xf0) | (key[shared_bytes] & 0x0f);
    }
    key
}

/// Tiny values make short nodes that get embedded in their parents; large ones never are.
fn random_value(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.below(3) {
        0 => 1 + rng.below(3),
        1 => 1 + rng.below(40),
        _ => 60 + rng.below(60),
    };
    rng.bytes(len)
}

/// One batch of changes, applied to `leaves` in order (the last change of a key wins).
fn random_batch(
    rng: &mut Rng,
    leaves: &mut BTreeMap<B256, Vec<u8>>,
    size: usize,
) -> Vec<(B256, Option<Vec<u8>>)> {
    let mut batch = Vec::with_capacity(size);
    for _ in 0..size {
        let change = match rng.below(10) {
            0..=3 => (random_key(rng, leaves), Some(random_value(rng))),
            4 | 5 if !leaves.is_empty() => {
                let key = *leaves.keys().nth(rng.below(leaves.len())).unwrap();
                (key, Some(random_value(rng)))
            }
            6..=8 if !leaves.is_empty() => {
                let key = *leaves.keys().nth(rng.below(leaves.len())).unwrap();
                // An empty value deletes too.
                (
                    key,
                    if rng.below(8) == 0 {
                        Some(Vec::new())
                    } else {
                        None
                    },
                )
            }
            _ => (random_key(rng, leaves), None),
        };
        match &change.1 {
            Some(value) if !value.is_empty() => leaves.insert(change.0, value.clone()),
            _ => leaves.remove(&change.0),
        };
        batch.push(change.clone());
        if rng.below(20) == 0 {
            // The same key again in one batch, with a different outcome.
            let again = (change.0, Some(random_value(rng)));
            leaves.insert(again.0, again.1.clone().unwrap_or_default());
            batch.push(again);
        }
    }
    batch
}

fn check_round(store: &MemoryTrieStore, leaves: &BTreeMap<B256, Vec<u8>>, root_hash: B256) {
    assert_eq!(
        root_hash,
        reference_root(leaves),
        "root differs from HashBuilder"
    );
    assert_eq!(root(store).unwrap(), root_hash, "stored root differs");
    let rebuilt = rebuilt_store(leaves);
    assert_eq!(
        store.nodes(),
        rebuilt.nodes(),
        "store differs from a rebuild from scratch"
    );
}

#[test]
fn random_rounds_match_reference_and_rebuild() {
    for seed in 0..12u64 {
        let mut rng = Rng::new(seed);
        let mut store = MemoryTrieStore::new();
        let mut leaves = BTreeMap::new();
        for round in 0..60 {
            let size = match rng.below(6) {
                0 => 1,
                1 => 300 + rng.below(200),
                _ => 1 + rng.below(40),
            };
            let batch = random_batch(&mut rng, &mut leaves, size);
            let root_hash = apply_checked(&mut store, batch);
            check_round(&store, &leaves, root_hash);
            if round % 25 == 24 {
                // Delete everything, in random order, back to the empty trie.
                let mut keys: Vec<B256> = leaves.keys().copied().collect();
                for index in (1..keys.len()).rev() {
                    keys.swap(index, rng.below(index + 1));
                }
                let batch = keys.into_iter().map(|key| (key, None)).collect();
                leaves.clear();
                let root_hash = apply_checked(&mut store, batch);
                assert_eq!(root_hash, EMPTY_ROOT_HASH);
                assert!(store.is_empty(), "nodes left after deleting everything");
            }
        }
    }
}

#[test]
fn one_by_one_deletes_collapse_to_the_same_trie() {
    let mut rng = Rng::new(99);
    let mut store = MemoryTrieStore::new();
    let mut leaves = BTreeMap::new();
    let batch = random_batch(&mut rng, &mut leaves, 400);
    apply_checked(&mut store, batch);
    let keys: Vec<B256> = leaves.keys().copied().collect();
    for (index, key) in keys.into_iter().enumerate() {
        leaves.remove(&key);
        let root_hash = apply_checked(&mut store, vec![(key, None)]);
        if index % 7 == 0 || leaves.len() < 20 {
            check_round(&store, &leaves, root_hash);
        } else {
            assert_eq!(root_hash, reference_root(&leaves));
        }
    }
    assert!(store.is_empty());
}

#[test]
fn empty_batches_and_noop_changes_write_nothing() {
    let mut rng = Rng::new(7);
    let mut store = MemoryTrieStore::new();
    let mut leaves = BTreeMap::new();
    let batch = random_batch(&mut rng, &mut leaves, 200);
    let root_hash = apply_checked(&mut store, batch);
    let (same, updates) = cloister_trie::apply_changes(&store, Vec::new()).unwrap();
    assert_eq!((same, updates.is_empty()), (root_hash, true));
    // Rewriting present values and deleting absent keys changes nothing.
    let mut noop: Vec<_> = leaves
        .iter()
        .take(30)
        .map(|(k, v)| (*k, Some(v.clone())))
        .collect();
    noop.extend((0..30).map(|_| (random_key(&mut rng, &leaves), None)));
    noop.retain(|(key, value)| value.is_some() || !leaves.contains_key(key));
    let (same, updates) = cloister_trie::apply_changes(&store, noop).unwrap();
    assert_eq!(same, root_hash);
    assert!(updates.is_empty(), "no-op batch produced {updates:?}");
}
