//! Builds a fresh subtree from a sorted set of leaves. Used where nothing is stored below the
//! position being rebuilt (an empty slot or a single leaf), so every node it makes is new.

use crate::{StoredNode, TrieUpdates};
use alloy_trie::Nibbles;

/// One leaf to build: its full 64-nibble key and value.
pub(crate) type LeafEntry<'a> = (Nibbles, &'a [u8]);

/// Builds the subtree at `path` holding `entries` (sorted, distinct keys that all start with
/// `path`). Nodes below `path` are recorded as upserts; the node at `path` is returned for the
/// caller to place, since the caller may merge it into its own node.
pub(crate) fn build_subtree(
    path: &Nibbles,
    entries: &[LeafEntry<'_>],
    out: &mut TrieUpdates,
) -> Option<StoredNode> {
    let depth = path.len();
    let (first_key, last_key) = match entries {
        [] => return None,
        [(key, value)] => {
            return Some(StoredNode::Leaf {
                key: key.slice(depth..),
                value: value.to_vec(),
            });
        }
        [(first, _), .., (last, _)] => (first, last),
    };
    // Sorted keys: the prefix shared by all of them is the one the first and last share.
    let fork_depth = first_key.common_prefix_length(last_key);
    let fork_path = first_key.slice(..fork_depth);
    let mut children = StoredNode::empty_branch_children();
    let mut rest = entries;
    while let Some((key, _)) = rest.first() {
        let nibble = key.get_unchecked(fork_depth);
        let group_len =
            rest.partition_point(|(other, _)| other.get_unchecked(fork_depth) == nibble);
        let (group, remaining) = rest.split_at(group_len);
        rest = remaining;
        let mut child_path = fork_path;
        child_path.push_unchecked(nibble);
        if let Some(child) = build_subtree(&child_path, group, out) {
            children[usize::from(nibble)] = Some(out.place_new(child_path, child));
        }
    }
    let branch = StoredNode::Branch { children };
    if fork_depth == depth {
        return Some(branch);
    }
    let child = out.place_new(fork_path, branch);
    Some(StoredNode::Extension {
        key: first_key.slice(depth..fork_depth),
        child,
    })
}
