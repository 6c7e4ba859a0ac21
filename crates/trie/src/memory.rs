//! An in-memory node store: the reference store for tests, and handy for one-off roots
//! (genesis, tools) where no database is involved.

use crate::{StoredNode, TrieNodeReader, TrieUpdates};
use alloy_trie::Nibbles;
use std::{collections::BTreeMap, convert::Infallible};

/// One trie's nodes by path, in a `BTreeMap`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryTrieStore {
    nodes: BTreeMap<Nibbles, StoredNode>,
}

impl MemoryTrieStore {
    /// An empty store (the empty trie).
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes the result of an update.
    pub fn apply(&mut self, updates: TrieUpdates) {
        for path in updates.removed {
            self.nodes.remove(&path);
        }
        self.nodes.extend(updates.upserted);
    }

    /// Every stored node, by path.
    pub fn nodes(&self) -> &BTreeMap<Nibbles, StoredNode> {
        &self.nodes
    }

    /// Number of stored nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True for the empty trie.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

impl TrieNodeReader for MemoryTrieStore {
    type Error = Infallible;

    fn node(&self, path: &Nibbles) -> Result<Option<StoredNode>, Self::Error> {
        Ok(self.nodes.get(path).cloned())
    }
}
