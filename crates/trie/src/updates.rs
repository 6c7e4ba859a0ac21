//! The node writes and deletes an update produces, and the rule that decides, for each path an
//! update touched, whether the store must change there.

use crate::StoredNode;
use alloy_trie::{Nibbles, nodes::RlpNode};

/// Nodes to write and paths to delete after an update. No path appears twice, so the two
/// lists may be applied in any order; afterwards the store holds exactly the new trie.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrieUpdates {
    /// Nodes to write, by path.
    pub upserted: Vec<(Nibbles, StoredNode)>,
    /// Paths whose nodes must be deleted.
    pub removed: Vec<Nibbles>,
}

impl TrieUpdates {
    /// True when the store needs no change.
    pub fn is_empty(&self) -> bool {
        self.upserted.is_empty() && self.removed.is_empty()
    }

    /// Appends another update's changes (they must concern different paths).
    pub fn extend(&mut self, other: Self) {
        self.upserted.extend(other.upserted);
        self.removed.extend(other.removed);
    }

    /// Puts a node at `path` where nothing was stored before; returns its reference.
    pub(crate) fn place_new(&mut self, path: Nibbles, node: StoredNode) -> RlpNode {
        self.place(path, None, node)
    }

    /// Puts `node` at `path`, where the store held `stored_before`; writes it unless it is
    /// already there, and returns its reference for the parent.
    pub(crate) fn place(
        &mut self,
        path: Nibbles,
        stored_before: Option<&StoredNode>,
        node: StoredNode,
    ) -> RlpNode {
        let reference = node.rlp_node();
        if stored_before != Some(&node) {
            self.upserted.push((path, node));
        }
        reference
    }

    /// Leaves `path` empty (its node was deleted or merged into its parent).
    pub(crate) fn discard(&mut self, path: Nibbles, was_stored: bool) {
        if was_stored {
            self.removed.push(path);
        }
    }
}
