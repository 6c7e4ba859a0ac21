//! The one error type of this crate: store failures, malformed stored bytes, and stores that do
//! not hold the trie their parent nodes describe.

use alloy_trie::Nibbles;

/// Why a trie operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TrieError {
    /// The node store could not be read.
    #[error("trie node store read failed")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// Stored node bytes are not a valid node encoding.
    #[error("malformed stored trie node")]
    Decode(#[from] alloy_rlp::Error),
    /// Stored path bytes are not a valid path encoding.
    #[error("malformed trie path encoding")]
    InvalidPath,
    /// A parent node references a child that the store does not hold.
    #[error("trie node missing at path {path:?}")]
    MissingNode {
        /// Path of the missing child.
        path: Nibbles,
    },
    /// A stored node cannot sit where it was found (its key runs past 64 nibbles, an
    /// extension has an empty key, or a branch has fewer than two children).
    #[error("trie node at path {path:?} does not fit its position")]
    MisplacedNode {
        /// Path of the offending node.
        path: Nibbles,
    },
}

impl TrieError {
    /// Wraps a store-specific read error.
    pub fn store(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Store(Box::new(error))
    }
}
