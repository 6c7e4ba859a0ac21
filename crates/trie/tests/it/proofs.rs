//! Proofs checked with alloy-trie's independent verifier, for present and absent keys, in tries
//! with hashed and embedded nodes.

use crate::common::{Rng, apply_checked};
use alloy_trie::{EMPTY_ROOT_HASH, Nibbles, proof::verify_proof};
use cloister_primitives::B256;
use cloister_trie::{MemoryTrieStore, proof};
use std::collections::BTreeMap;

/// A key sharing `shared_nibbles` leading nibbles with `base` and differing right after.
fn near_key(rng: &mut Rng, base: B256, shared_nibbles: usize) -> B256 {
    let mut nibbles = Nibbles::unpack(base).to_vec();
    for nibble in nibbles.iter_mut().skip(shared_nibbles) {
        *nibble = rng.below(16) as u8;
    }
    nibbles[shared_nibbles] = (nibbles[shared_nibbles] + 1 + rng.below(15) as u8) % 16;
    B256::from_slice(&Nibbles::from_nibbles(nibbles).pack())
}

fn build(
    rng: &mut Rng,
    count: usize,
    tiny_values: bool,
) -> (MemoryTrieStore, BTreeMap<B256, Vec<u8>>, B256) {
    let mut leaves = BTreeMap::new();
    while leaves.len() < count {
        let base = leaves.keys().nth(rng.below(leaves.len().max(1))).copied();
        let shared_nibbles = 55 + rng.below(9);
        let key = match base {
            Some(base) if rng.below(2) == 0 => near_key(rng, base, shared_nibbles),
            _ => rng.b256(),
        };
        let value_len = 1 + if tiny_values {
            rng.below(2)
        } else {
            rng.below(80)
        };
        let value = rng.bytes(value_len);
        leaves.insert(key, value);
    }
    let mut store = MemoryTrieStore::new();
    let batch = leaves
        .iter()
        .map(|(key, value)| (*key, Some(value.clone())))
        .collect();
    let root_hash = apply_checked(&mut store, batch);
    (store, leaves, root_hash)
}

fn check_proofs(seed: u64, count: usize, tiny_values: bool) {
    let mut rng = Rng::new(seed);
    let (store, leaves, root_hash) = build(&mut rng, count, tiny_values);
    let mut embedded_seen = false;
    for (key, value) in &leaves {
        let nodes = proof(&store, *key).unwrap();
        embedded_seen |= nodes.iter().skip(1).any(|node| node.len() < 32);
        verify_proof(root_hash, Nibbles::unpack(key), Some(value.clone()), &nodes)
            .unwrap_or_else(|error| panic!("present key {key}: {error:?}"));
        let mut wrong = value.clone();
        wrong.push(0);
        assert!(verify_proof(root_hash, Nibbles::unpack(key), Some(wrong), &nodes).is_err());
        assert!(verify_proof(root_hash, Nibbles::unpack(key), None, &nodes).is_err());
        // An absent key next to this one, diverging at any depth.
        let diverge_at = rng.below(64);
        let absent = near_key(&mut rng, *key, diverge_at);
        if !leaves.contains_key(&absent) {
            let nodes = proof(&store, absent).unwrap();
            verify_proof(root_hash, Nibbles::unpack(absent), None, &nodes)
                .unwrap_or_else(|error| panic!("absent key {absent}: {error:?}"));
            assert!(
                verify_proof(root_hash, Nibbles::unpack(absent), Some(vec![1]), &nodes).is_err()
            );
        }
    }
    assert!(
        !embedded_seen,
        "proofs must not list embedded nodes separately"
    );
}

#[test]
fn proofs_verify_for_present_and_absent_keys() {
    check_proofs(1, 1, false);
    check_proofs(2, 2, false);
    check_proofs(3, 300, false);
    check_proofs(4, 300, true);
}

#[test]
fn tries_with_embedded_nodes_prove_correctly() {
    // Two keys differing only in the last nibble, with one-byte values: the branch holding
    // them is embedded in its parent extension, which is the root.
    let base = B256::repeat_byte(0x11);
    let mut other = base;
    other[31] = 0x12;
    let mut store = MemoryTrieStore::new();
    let root_hash = apply_checked(
        &mut store,
        vec![(base, Some(vec![1])), (other, Some(vec![2]))],
    );
    assert_eq!(
        store.len(),
        4,
        "extension, branch and two leaves are all stored by path"
    );
    for (key, value) in [
        (base, Some(vec![1])),
        (other, Some(vec![2])),
        (B256::ZERO, None),
    ] {
        let nodes = proof(&store, key).unwrap();
        assert_eq!(
            nodes.len(),
            1,
            "only the root is listed; the rest is embedded in it"
        );
        verify_proof(root_hash, Nibbles::unpack(key), value, &nodes).unwrap();
    }
}

#[test]
fn empty_trie_proves_absence() {
    let store = MemoryTrieStore::new();
    let nodes = proof(&store, B256::repeat_byte(3)).unwrap();
    verify_proof(
        EMPTY_ROOT_HASH,
        Nibbles::unpack(B256::repeat_byte(3)),
        None,
        &nodes,
    )
    .unwrap();
}
