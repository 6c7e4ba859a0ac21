//! Batch update of a path-stored trie. Changes are sorted once and pushed down together, so
//! only nodes on the touched paths are loaded (plus, when a branch collapses, its one surviving
//! child) and the work grows with the changes times the depth, not with the trie.

use crate::{
    StoredNode, TrieError, TrieNodeReader, TrieUpdates,
    build::{LeafEntry, build_subtree},
    reader::{load_child, load_node},
};
use alloy_trie::{EMPTY_ROOT_HASH, Nibbles, nodes::RlpNode};
use cloister_primitives::B256;
use rayon::prelude::*;

/// Below this many changes, spreading the root's children over threads costs more than it saves.
const PARALLEL_MIN_CHANGES: usize = 256;

/// One leaf change with its full 64-nibble key; `None` deletes.
struct LeafChange {
    key: Nibbles,
    value: Option<Vec<u8>>,
}

/// A branch child before the update.
enum ChildSlot {
    Empty,
    /// In the store at the child's path.
    Stored(RlpNode),
    /// Only in the logical trie: the lower part of an extension cut by a new fork.
    Virtual(StoredNode),
}

/// A branch child after the update.
enum ChildOutcome {
    Absent,
    /// Stored and not touched by any change.
    Untouched(RlpNode),
    Updated {
        stored_before: Option<StoredNode>,
        node: Option<StoredNode>,
    },
}

/// Applies leaf changes (hashed key -> `Some(leaf value)` to insert/overwrite, `None` to
/// delete), in any order, to the trie held by `reader`; returns the new root and the node
/// changes. Does not mutate the store. For a repeated key the last change wins; an empty
/// value deletes (Ethereum never stores empty leaves).
pub fn apply_changes<R: TrieNodeReader>(
    reader: &R,
    changes: impl IntoIterator<Item = (B256, Option<Vec<u8>>)>,
) -> Result<(B256, TrieUpdates), TrieError> {
    let changes = sorted_changes(changes);
    let updater = SubtreeUpdater { reader };
    let root_path = Nibbles::new();
    let stored_root = load_node(reader, &root_path)?;
    if changes.is_empty() {
        return Ok((
            stored_root.map_or(EMPTY_ROOT_HASH, |node| node.hash()),
            TrieUpdates::default(),
        ));
    }
    let mut out = TrieUpdates::default();
    let new_root = updater.update(&root_path, stored_root.as_ref(), &changes, &mut out)?;
    Ok(finish_root(stored_root, new_root, out))
}

/// [`apply_changes`], with the root's sixteen subtrees updated on the rayon pool when the batch
/// is large. Same result, byte for byte.
pub fn apply_changes_parallel<R: TrieNodeReader + Sync>(
    reader: &R,
    changes: impl IntoIterator<Item = (B256, Option<Vec<u8>>)>,
) -> Result<(B256, TrieUpdates), TrieError> {
    let changes = sorted_changes(changes);
    let root_path = Nibbles::new();
    let stored_root = load_node(reader, &root_path)?;
    let Some(StoredNode::Branch { children }) = stored_root.as_ref() else {
        return apply_changes(reader, changes.into_iter().map(LeafChange::into_pair));
    };
    if changes.len() < PARALLEL_MIN_CHANGES {
        return apply_changes(reader, changes.into_iter().map(LeafChange::into_pair));
    }
    let updater = SubtreeUpdater { reader };
    let groups = split_by_nibble(&changes, 0);
    let results: Vec<Result<(ChildOutcome, TrieUpdates), TrieError>> = stored_slots(children)
        .into_par_iter()
        .zip(groups)
        .enumerate()
        .map(|(nibble, (slot, group))| {
            let mut part = TrieUpdates::default();
            let outcome =
                updater.child_outcome(&root_path, nibble as u8, slot, group, &mut part)?;
            Ok((outcome, part))
        })
        .collect();
    let mut out = TrieUpdates::default();
    let mut outcomes = Vec::with_capacity(16);
    for result in results {
        let (outcome, part) = result?;
        out.extend(part);
        outcomes.push(outcome);
    }
    let new_root = updater.finish_branch(&root_path, outcomes, &mut out)?;
    Ok(finish_root(stored_root, new_root, out))
}

impl LeafChange {
    fn into_pair(self) -> (B256, Option<Vec<u8>>) {
        let mut key = B256::ZERO;
        self.key.pack_to(key.as_mut_slice());
        (key, self.value)
    }
}

/// Sorts by key, keeping only the last change of each key.
fn sorted_changes(changes: impl IntoIterator<Item = (B256, Option<Vec<u8>>)>) -> Vec<LeafChange> {
    let mut changes: Vec<LeafChange> = changes
        .into_iter()
        .map(|(key, value)| LeafChange {
            key: Nibbles::unpack_array(&key.0),
            value: value.filter(|value| !value.is_empty()),
        })
        .collect();
    // Stable: the changes of one key keep their order, so the last one stays last.
    changes.sort_by_key(|change| change.key);
    let mut deduplicated: Vec<LeafChange> = Vec::with_capacity(changes.len());
    for change in changes {
        match deduplicated.last_mut() {
            Some(last) if last.key == change.key => *last = change,
            _ => deduplicated.push(change),
        }
    }
    deduplicated
}

/// Places the new root node (or clears the root) and computes the root hash.
fn finish_root(
    stored_root: Option<StoredNode>,
    new_root: Option<StoredNode>,
    mut out: TrieUpdates,
) -> (B256, TrieUpdates) {
    let Some(node) = new_root else {
        out.discard(Nibbles::new(), stored_root.is_some());
        return (EMPTY_ROOT_HASH, out);
    };
    // The root is hashed even when its RLP is shorter than 32 bytes.
    let hash = node.hash();
    out.place(Nibbles::new(), stored_root.as_ref(), node);
    (hash, out)
}

/// The sorted changes below `depth`, split by their nibble at `depth`.
fn split_by_nibble(changes: &[LeafChange], depth: usize) -> [&[LeafChange]; 16] {
    let mut groups: [&[LeafChange]; 16] = [&[]; 16];
    let mut rest = changes;
    while let Some(first) = rest.first() {
        let nibble = first.key.get_unchecked(depth);
        let group_len = rest.partition_point(|change| change.key.get_unchecked(depth) == nibble);
        let (group, tail) = rest.split_at(group_len);
        groups[usize::from(nibble)] = group;
        rest = tail;
    }
    groups
}

/// The slots of a stored branch: every child is in the store.
fn stored_slots(children: &[Option<RlpNode>; 16]) -> Vec<ChildSlot> {
    children
        .iter()
        .map(|child| child.clone().map_or(ChildSlot::Empty, ChildSlot::Stored))
        .collect()
}

/// The leaves to insert among `changes`.
fn insertions(changes: &[LeafChange]) -> Vec<LeafEntry<'_>> {
    changes
        .iter()
        .filter_map(|change| Some((change.key, change.value.as_deref()?)))
        .collect()
}

fn child_path(path: &Nibbles, nibble: u8) -> Nibbles {
    let mut child = *path;
    child.push_unchecked(nibble);
    child
}

/// Walks one trie's stored nodes, rewriting the paths that changes reach.
struct SubtreeUpdater<'r, R> {
    reader: &'r R,
}

impl<R: TrieNodeReader> SubtreeUpdater<'_, R> {
    /// The new node at `path`, whose logical node was `current`, after `changes` (non-empty,
    /// sorted, all below `path`). Records every store change strictly below `path`; the
    /// caller places the returned node, because it may merge it into its own.
    fn update(
        &self,
        path: &Nibbles,
        current: Option<&StoredNode>,
        changes: &[LeafChange],
        out: &mut TrieUpdates,
    ) -> Result<Option<StoredNode>, TrieError> {
        match current {
            None => Ok(build_subtree(path, &insertions(changes), out)),
            Some(StoredNode::Leaf { key, value }) => {
                // Nothing is stored below a leaf: rebuild from the old leaf plus the changes.
                let old_key = path.join(key);
                let mut entries = insertions(changes);
                if changes
                    .binary_search_by(|change| change.key.cmp(&old_key))
                    .is_err()
                {
                    let position = entries.partition_point(|(key, _)| *key < old_key);
                    entries.insert(position, (old_key, value.as_slice()));
                }
                Ok(build_subtree(path, &entries, out))
            }
            Some(StoredNode::Branch { children }) => {
                self.update_branch(path, stored_slots(children), changes, out)
            }
            Some(StoredNode::Extension { key, child }) => {
                self.update_extension(path, key, child, changes, out)
            }
        }
    }

    fn update_extension(
        &self,
        path: &Nibbles,
        key: &Nibbles,
        child: &RlpNode,
        changes: &[LeafChange],
        out: &mut TrieUpdates,
    ) -> Result<Option<StoredNode>, TrieError> {
        let depth = path.len();
        let shared = changes
            .iter()
            .map(|change| change.key.slice(depth..).common_prefix_length(key))
            .min()
            .unwrap_or(key.len())
            .min(key.len());
        if shared == key.len() {
            let child_path = path.join(key);
            let stored_child = load_child(self.reader, &child_path)?;
            let updated = self.update(&child_path, Some(&stored_child), changes, out)?;
            let Some(node) = updated else {
                out.discard(child_path, true);
                return Ok(None);
            };
            return Ok(Some(merge_under(
                *key,
                child_path,
                Some(&stored_child),
                node,
                out,
            )));
        }
        // A change leaves the extension part-way: cut it into a fork at `shared` nibbles.
        let fork_path = path.join(&key.slice(..shared));
        let fork_nibble = usize::from(key.get_unchecked(shared));
        let mut slots: Vec<ChildSlot> = (0..16).map(|_| ChildSlot::Empty).collect();
        slots[fork_nibble] = if key.len() > shared + 1 {
            ChildSlot::Virtual(StoredNode::Extension {
                key: key.slice(shared + 1..),
                child: child.clone(),
            })
        } else {
            ChildSlot::Stored(child.clone())
        };
        let fork = self.update_branch(&fork_path, slots, changes, out)?;
        Ok(match fork {
            Some(node) if shared > 0 => {
                Some(merge_under(key.slice(..shared), fork_path, None, node, out))
            }
            other => other,
        })
    }

    fn update_branch(
        &self,
        path: &Nibbles,
        slots: Vec<ChildSlot>,
        changes: &[LeafChange],
        out: &mut TrieUpdates,
    ) -> Result<Option<StoredNode>, TrieError> {
        let groups = split_by_nibble(changes, path.len());
        let mut outcomes = Vec::with_capacity(16);
        for (nibble, (slot, group)) in slots.into_iter().zip(groups).enumerate() {
            outcomes.push(self.child_outcome(path, nibble as u8, slot, group, out)?);
        }
        self.finish_branch(path, outcomes, out)
    }

    /// Applies `changes` (those under `nibble`) to one branch child.
    fn child_outcome(
        &self,
        path: &Nibbles,
        nibble: u8,
        slot: ChildSlot,
        changes: &[LeafChange],
        out: &mut TrieUpdates,
    ) -> Result<ChildOutcome, TrieError> {
        if changes.is_empty() {
            return Ok(match slot {
                ChildSlot::Empty => ChildOutcome::Absent,
                ChildSlot::Stored(reference) => ChildOutcome::Untouched(reference),
                ChildSlot::Virtual(node) => ChildOutcome::Updated {
                    stored_before: None,
                    node: Some(node),
                },
            });
        }
        let path = child_path(path, nibble);
        let (current, stored_before) = match slot {
            ChildSlot::Empty => (None, None),
            ChildSlot::Stored(_) => {
                let stored = load_child(self.reader, &path)?;
                (Some(stored.clone()), Some(stored))
            }
            ChildSlot::Virtual(node) => (Some(node), None),
        };
        let node = self.update(&path, current.as_ref(), changes, out)?;
        Ok(ChildOutcome::Updated {
            stored_before,
            node,
        })
    }

    /// Turns the children of a branch at `path` into its new node: none left empties it, one
    /// left collapses it into that child, more keep it a branch.
    fn finish_branch(
        &self,
        path: &Nibbles,
        outcomes: Vec<ChildOutcome>,
        out: &mut TrieUpdates,
    ) -> Result<Option<StoredNode>, TrieError> {
        let mut survivors = Vec::with_capacity(16);
        for (nibble, outcome) in outcomes.into_iter().enumerate() {
            match outcome {
                ChildOutcome::Absent => {}
                ChildOutcome::Updated {
                    stored_before,
                    node: None,
                } => {
                    out.discard(child_path(path, nibble as u8), stored_before.is_some());
                }
                surviving => survivors.push((nibble as u8, surviving)),
            }
        }
        if survivors.len() == 1 {
            let Some((nibble, outcome)) = survivors.pop() else {
                return Ok(None);
            };
            let path = child_path(path, nibble);
            let (stored_before, node) = match outcome {
                ChildOutcome::Updated {
                    stored_before,
                    node: Some(node),
                } => (stored_before, node),
                // Untouched: load the survivor to learn what it merges into.
                _ => {
                    let stored = load_child(self.reader, &path)?;
                    (Some(stored.clone()), stored)
                }
            };
            let prefix = Nibbles::from_nibbles_unchecked([nibble]);
            return Ok(Some(merge_under(
                prefix,
                path,
                stored_before.as_ref(),
                node,
                out,
            )));
        }
        if survivors.is_empty() {
            return Ok(None);
        }
        let mut children = StoredNode::empty_branch_children();
        for (nibble, outcome) in survivors {
            children[usize::from(nibble)] = match outcome {
                ChildOutcome::Untouched(reference) => Some(reference),
                ChildOutcome::Updated {
                    stored_before,
                    node: Some(node),
                } => Some(out.place(child_path(path, nibble), stored_before.as_ref(), node)),
                ChildOutcome::Absent | ChildOutcome::Updated { node: None, .. } => None,
            };
        }
        Ok(Some(StoredNode::Branch { children }))
    }
}

/// The node that replaces a parent whose only content is `prefix` then `child` (which sits at
/// `child_path`, where the store held `stored_before`). A branch child stays put under a new
/// extension; a leaf or extension child absorbs the prefix and leaves its old path.
fn merge_under(
    prefix: Nibbles,
    child_path: Nibbles,
    stored_before: Option<&StoredNode>,
    child: StoredNode,
    out: &mut TrieUpdates,
) -> StoredNode {
    match child {
        StoredNode::Branch { .. } => StoredNode::Extension {
            key: prefix,
            child: out.place(child_path, stored_before, child),
        },
        StoredNode::Extension { key, child } => {
            out.discard(child_path, stored_before.is_some());
            StoredNode::Extension {
                key: prefix.join(&key),
                child,
            }
        }
        StoredNode::Leaf { key, value } => {
            out.discard(child_path, stored_before.is_some());
            StoredNode::Leaf {
                key: prefix.join(&key),
                value,
            }
        }
    }
}
