//! Read access to one trie's stored nodes, and the checked loads the rest of the crate uses.

use crate::{StoredNode, TrieError};
use alloy_trie::{EMPTY_ROOT_HASH, Nibbles};
use cloister_primitives::B256;

/// Nibbles in a secure-trie key (a 32-byte keccak hash).
pub(crate) const KEY_NIBBLES: usize = 64;

/// Read access to the stored nodes of ONE trie (the caller scopes storage tries by account).
///
/// Implementations over a snapshot (a redb read transaction, a `BTreeMap`) are naturally
/// `Sync`, which lets many storage tries be updated in parallel from one snapshot.
pub trait TrieNodeReader {
    /// The store's own read error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The stored node at `path` (nibble path from the root; the root is the empty path).
    fn node(&self, path: &Nibbles) -> Result<Option<StoredNode>, Self::Error>;
}

impl<R: TrieNodeReader + ?Sized> TrieNodeReader for &R {
    type Error = R::Error;

    fn node(&self, path: &Nibbles) -> Result<Option<StoredNode>, Self::Error> {
        (**self).node(path)
    }
}

/// Current root of the stored trie (`EMPTY_ROOT_HASH` if no root node).
pub fn root<R: TrieNodeReader>(reader: &R) -> Result<B256, TrieError> {
    Ok(load_node(reader, &Nibbles::new())?.map_or(EMPTY_ROOT_HASH, |node| node.hash()))
}

/// Reads the node at `path` and checks that it can sit there.
pub(crate) fn load_node<R: TrieNodeReader>(
    reader: &R,
    path: &Nibbles,
) -> Result<Option<StoredNode>, TrieError> {
    let Some(node) = reader.node(path).map_err(TrieError::store)? else {
        return Ok(None);
    };
    let depth = path.len();
    let fits = match &node {
        StoredNode::Leaf { key, .. } => depth + key.len() == KEY_NIBBLES,
        // The child of an extension is a branch, which needs a nibble left to fork on.
        StoredNode::Extension { key, .. } => !key.is_empty() && depth + key.len() < KEY_NIBBLES,
        StoredNode::Branch { children } => {
            depth < KEY_NIBBLES && children.iter().flatten().nth(1).is_some()
        }
    };
    if fits {
        Ok(Some(node))
    } else {
        Err(TrieError::MisplacedNode { path: *path })
    }
}

/// Reads a node that a parent references, which must therefore exist.
pub(crate) fn load_child<R: TrieNodeReader>(
    reader: &R,
    path: &Nibbles,
) -> Result<StoredNode, TrieError> {
    load_node(reader, path)?.ok_or(TrieError::MissingNode { path: *path })
}
