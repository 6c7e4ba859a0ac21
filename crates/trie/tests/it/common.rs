//! Shared test helpers: a deterministic RNG, the reference root, and checked application of
//! updates to an in-memory store.

use alloy_trie::{EMPTY_ROOT_HASH, HashBuilder, Nibbles};
use cloister_primitives::B256;
use cloister_trie::{MemoryTrieStore, TrieUpdates, apply_changes, apply_changes_parallel};
use std::collections::{BTreeMap, BTreeSet};

/// SplitMix64: small, deterministic, good enough to shuffle test inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (bound > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    pub fn b256(&mut self) -> B256 {
        B256::from_slice(&self.bytes(32))
    }
}

/// The root of `leaves` computed from scratch by alloy-trie's `HashBuilder`.
pub fn reference_root(leaves: &BTreeMap<B256, Vec<u8>>) -> B256 {
    let mut builder = HashBuilder::default();
    for (key, value) in leaves {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    let root = builder.root();
    if leaves.is_empty() {
        assert_eq!(root, EMPTY_ROOT_HASH);
    }
    root
}

/// A store built from scratch holding exactly `leaves`.
pub fn rebuilt_store(leaves: &BTreeMap<B256, Vec<u8>>) -> MemoryTrieStore {
    let mut store = MemoryTrieStore::new();
    let (_, updates) = apply_changes(
        &store,
        leaves
            .iter()
            .map(|(key, value)| (*key, Some(value.clone()))),
    )
    .unwrap();
    store.apply(updates);
    store
}

/// Applies `changes` to `store` after checking the updates are well formed and that the
/// parallel variant agrees; returns the new root.
pub fn apply_checked(store: &mut MemoryTrieStore, changes: Vec<(B256, Option<Vec<u8>>)>) -> B256 {
    let (root, updates) = apply_changes(store, changes.clone()).unwrap();
    let (parallel_root, parallel_updates) = apply_changes_parallel(store, changes).unwrap();
    assert_eq!(parallel_root, root, "parallel root differs");
    assert_eq!(
        sorted(parallel_updates),
        sorted(updates.clone()),
        "parallel updates differ"
    );
    assert_well_formed(store, &updates);
    store.apply(updates);
    root
}

/// No path twice, deletes only of stored paths, writes only of changed nodes.
pub fn assert_well_formed(store: &MemoryTrieStore, updates: &TrieUpdates) {
    let mut seen = BTreeSet::new();
    for (path, node) in &updates.upserted {
        assert!(seen.insert(*path), "path {path:?} written twice");
        assert_ne!(
            store.nodes().get(path),
            Some(node),
            "redundant write at {path:?}"
        );
    }
    for path in &updates.removed {
        assert!(
            seen.insert(*path),
            "path {path:?} both written and removed, or removed twice"
        );
        assert!(
            store.nodes().contains_key(path),
            "removal of unstored path {path:?}"
        );
    }
}

fn sorted(mut updates: TrieUpdates) -> TrieUpdates {
    updates.upserted.sort_by_key(|(path, _)| *path);
    updates.removed.sort();
    updates
}
