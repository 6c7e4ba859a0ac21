//! Ethereum's secure-trie test vectors (ethereum/tests `TrieTests`), plus the empty trie and
//! a single account.

use crate::common::{apply_checked, rebuilt_store};
use alloy_trie::EMPTY_ROOT_HASH;
use cloister_primitives::{B256, U256, b256, hex, keccak256};
use cloister_trie::{MemoryTrieStore, StoredNode, root};
use serde_json::Value;
use std::collections::BTreeMap;

const FIXTURE: &str = include_str!("fixtures/secure_trie_tests.json");

/// The vector convention: `0x…` is hex, anything else UTF-8, `null` deletes.
fn vector_bytes(text: &Value) -> Option<Vec<u8>> {
    let text = text.as_str()?;
    Some(match text.strip_prefix("0x") {
        Some(hex_digits) => hex::decode(hex_digits).unwrap(),
        None => text.as_bytes().to_vec(),
    })
}

fn expected_root(case: &Value) -> B256 {
    case["root"].as_str().unwrap().parse().unwrap()
}

/// Replays ordered steps one batch each, then all at once; both must reach `expected`.
fn check_ordered(name: &str, steps: &[(Vec<u8>, Option<Vec<u8>>)], expected: B256) {
    let mut store = MemoryTrieStore::new();
    let mut leaves = BTreeMap::new();
    let mut last = EMPTY_ROOT_HASH;
    for (key, value) in steps {
        let hashed = keccak256(key);
        match value.as_ref().filter(|value| !value.is_empty()) {
            Some(value) => leaves.insert(hashed, value.clone()),
            None => leaves.remove(&hashed),
        };
        last = apply_checked(&mut store, vec![(hashed, value.clone())]);
    }
    assert_eq!(last, expected, "{name}: step by step");
    assert_eq!(
        store.nodes(),
        rebuilt_store(&leaves).nodes(),
        "{name}: store"
    );
    let batch: Vec<_> = steps
        .iter()
        .map(|(key, value)| (keccak256(key), value.clone()))
        .collect();
    let (batched, _) = cloister_trie::apply_changes(&MemoryTrieStore::new(), batch).unwrap();
    assert_eq!(batched, expected, "{name}: one batch");
}

#[test]
fn trietest_secure_trie() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let cases = fixture["trietest_secureTrie"].as_object().unwrap();
    assert_eq!(cases.len(), 3);
    for (name, case) in cases {
        let steps: Vec<_> = case["in"]
            .as_array()
            .unwrap()
            .iter()
            .map(|step| (vector_bytes(&step[0]).unwrap(), vector_bytes(&step[1])))
            .collect();
        check_ordered(name, &steps, expected_root(case));
    }
}

#[test]
fn any_order_and_hex_encoded_secure_tries() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let mut checked = 0;
    for file in ["trieanyorder_secureTrie", "hex_encoded_securetrie_test"] {
        for (name, case) in fixture[file].as_object().unwrap() {
            let steps: Vec<_> = case["in"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(key, value)| {
                    (
                        vector_bytes(&Value::from(key.as_str())).unwrap(),
                        vector_bytes(value),
                    )
                })
                .collect();
            check_ordered(name, &steps, expected_root(case));
            let reversed: Vec<_> = steps.iter().rev().cloned().collect();
            check_ordered(name, &reversed, expected_root(case));
            checked += 1;
        }
    }
    assert_eq!(checked, 10);
}

#[test]
fn empty_trie_root() {
    assert_eq!(EMPTY_ROOT_HASH, keccak256([0x80]));
    let store = MemoryTrieStore::new();
    assert_eq!(root(&store).unwrap(), EMPTY_ROOT_HASH);
    let (root_hash, updates) = cloister_trie::apply_changes(&store, Vec::new()).unwrap();
    assert_eq!((root_hash, updates.is_empty()), (EMPTY_ROOT_HASH, true));
    assert!(cloister_trie::proof(&store, B256::ZERO).unwrap().is_empty());
}

#[test]
fn single_account() {
    // One account (nonce 0, 1 ether, no storage, no code): the trie is one leaf at the root,
    // hashed although it is a single node.
    let address = hex!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b");
    let account = crate::blockchain::account_rlp(
        0,
        U256::from(1_000_000_000_000_000_000u64),
        EMPTY_ROOT_HASH,
        b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
    );
    let key = keccak256(address);
    let mut store = MemoryTrieStore::new();
    let root_hash = apply_checked(&mut store, vec![(key, Some(account.clone()))]);
    let leaf = StoredNode::Leaf {
        key: alloy_trie::Nibbles::unpack(key),
        value: account,
    };
    assert_eq!(root_hash, keccak256(leaf.encode()));
    let leaves = BTreeMap::from([(key, leaf_value(&leaf))]);
    assert_eq!(root_hash, crate::common::reference_root(&leaves));
    assert_eq!(store.len(), 1);
    assert_eq!(store.nodes().values().next(), Some(&leaf));
}

fn leaf_value(node: &StoredNode) -> Vec<u8> {
    match node {
        StoredNode::Leaf { value, .. } => value.clone(),
        other => panic!("not a leaf: {other:?}"),
    }
}
