//! Incremental Merkle-Patricia trie for Ethereum's secure tries (state and per-account
//! storage): keys are keccak hashes (64 nibbles), nodes are stored by path (as in geth's path
//! scheme), and applying a batch of changed leaves costs O(changes × depth), not O(state).
//!
//! - [`apply_changes`] turns leaf changes into a new root plus [`TrieUpdates`] for the store.
//! - [`proof`] builds `eth_getProof` proofs; [`root`] reads the current root.
//! - [`StoredNode`] is the stored form (the node's own RLP); [`encode_path`] gives store keys.
//!
//! The store is read through [`TrieNodeReader`], one trie per reader; the caller scopes storage
//! tries by account. Nothing here mutates the store, so the storage tries of many accounts can
//! be updated in parallel from one `Sync` snapshot; [`apply_changes_parallel`] also spreads one
//! large batch over the root's sixteen subtrees. [`MemoryTrieStore`] is an in-memory store.

mod build;
mod error;
mod memory;
mod node;
mod path;
mod proof;
mod reader;
mod update;
mod updates;

pub use alloy_trie::{EMPTY_ROOT_HASH, Nibbles, nodes::RlpNode};
pub use error::TrieError;
pub use memory::MemoryTrieStore;
pub use node::{BranchChildren, StoredNode};
pub use path::{decode_path, encode_path};
pub use proof::proof;
pub use reader::{TrieNodeReader, root};
pub use update::{apply_changes, apply_changes_parallel};
pub use updates::TrieUpdates;
