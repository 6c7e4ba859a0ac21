//! State roots of simulated blocks, on top of any block's state. The store keeps trie nodes for
//! the head's state only, so the roots are computed on the head's tries with every account and
//! slot that a block after the base changed put back to its value at the base (read from the
//! state history's changesets), and the simulated changes on top. Nothing is written.
//!
//! Cost: reading the changesets of every block between the base and the head once per
//! simulation, then per simulated block O((accounts and slots changed since the base +
//! simulated changes) × trie depth) node reads. On the head (the usual case) only the
//! simulated changes count; far behind a busy head it grows with the history in between.

use alloy_consensus::TrieAccount;
use cloister_chain::AccountChange;
use cloister_primitives::{Address, B256, U256, keccak256};
use cloister_storage::{StorageError, StoreReader, StoredAccount};
use cloister_trie::{
    EMPTY_ROOT_HASH, Nibbles, StoredNode, TrieError, TrieNodeReader, apply_changes, encode_path,
};
use std::collections::{BTreeMap, BTreeSet};

/// Why a simulated state root could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A trie could not be updated (missing or malformed nodes).
    #[error(transparent)]
    Trie(#[from] TrieError),
}

/// How the base block's state differs from the head's: each account and slot a block after the
/// base changed, with its value at the base. Empty when the base is the head.
#[derive(Debug, Default)]
pub struct BaseState {
    /// Accounts at the base (`None`: absent there).
    accounts: BTreeMap<Address, Option<StoredAccount>>,
    /// Slots at the base, by account.
    slots: BTreeMap<Address, BTreeMap<B256, U256>>,
}

impl BaseState {
    /// Walks the changesets of blocks `base + 1 ..= head` of `reader`'s snapshot. The first
    /// block after the base that changed something recorded its value at the base.
    pub fn load(reader: &StoreReader, base: u64) -> Result<Self, RootError> {
        let head = reader.head_number()?.unwrap_or(base);
        let mut out = Self::default();
        for block in base.saturating_add(1)..=head {
            for (address, before) in reader.account_changeset(block)? {
                out.accounts.entry(address).or_insert(before);
            }
            for (address, slot, before) in reader.storage_changeset(block)? {
                out.slots
                    .entry(address)
                    .or_default()
                    .entry(slot)
                    .or_insert(before);
            }
        }
        Ok(out)
    }

    /// Root of the base's state with `changes` (everything simulated so far) applied.
    pub fn state_root(
        &self,
        reader: &StoreReader,
        changes: &[AccountChange],
    ) -> Result<B256, RootError> {
        let simulated: BTreeMap<Address, &AccountChange> = changes
            .iter()
            .map(|change| (change.address, change))
            .collect();
        let touched: BTreeSet<Address> = simulated
            .keys()
            .chain(self.accounts.keys())
            .chain(self.slots.keys())
            .copied()
            .collect();
        let mut leaves = Vec::with_capacity(touched.len());
        for address in touched {
            let leaf = self.leaf(reader, address, simulated.get(&address).copied())?;
            leaves.push((keccak256(address), leaf));
        }
        Ok(apply_changes(&AccountTrie(reader), leaves)?.0)
    }

    /// The account at the base: its changeset entry, or the head's value when no block since
    /// changed it.
    fn account_at_base(
        &self,
        reader: &StoreReader,
        address: &Address,
    ) -> Result<Option<StoredAccount>, RootError> {
        match self.accounts.get(address) {
            Some(before) => Ok(*before),
            None => Ok(reader.account(address)?),
        }
    }

    /// The account's state-trie leaf after the simulation (`None` deletes it).
    fn leaf(
        &self,
        reader: &StoreReader,
        address: Address,
        change: Option<&AccountChange>,
    ) -> Result<Option<Vec<u8>>, RootError> {
        let at_base = self.account_at_base(reader, &address)?;
        let Some(change) = change else {
            // Not simulated: as at the base, storage root included.
            return Ok(at_base.map(|account| {
                encode_leaf(
                    account.nonce,
                    account.balance,
                    account.code_hash,
                    account.storage_root,
                )
            }));
        };
        let Some((nonce, balance, code_hash)) = change.info else {
            return Ok(None);
        };
        let storage_root = self.storage_root(reader, address, change, at_base)?;
        Ok(Some(encode_leaf(nonce, balance, code_hash, storage_root)))
    }

    /// Storage root of a simulated account: its storage at the base with the simulated slots on
    /// top, or the simulated slots alone when the simulation wiped it.
    fn storage_root(
        &self,
        reader: &StoreReader,
        address: Address,
        change: &AccountChange,
        at_base: Option<StoredAccount>,
    ) -> Result<B256, RootError> {
        if change.wiped {
            return Ok(apply_changes(&EmptyTrie, slot_leaves(change.storage.iter().copied()))?.0);
        }
        if change.storage.is_empty() {
            return Ok(at_base.map_or(EMPTY_ROOT_HASH, |account| account.storage_root));
        }
        // The head's trie with the slots changed since the base put back, then the simulated
        // slots (which win where both name a slot).
        let mut slots = self.slots.get(&address).cloned().unwrap_or_default();
        slots.extend(change.storage.iter().copied());
        let trie = StorageTrie {
            reader,
            hashed: keccak256(address),
        };
        Ok(apply_changes(&trie, slot_leaves(slots))?.0)
    }
}

/// Storage-trie leaf changes for slot values (zero deletes).
fn slot_leaves(
    slots: impl IntoIterator<Item = (B256, U256)>,
) -> impl Iterator<Item = (B256, Option<Vec<u8>>)> {
    slots.into_iter().map(|(slot, value)| {
        let leaf = (!value.is_zero()).then(|| alloy_rlp::encode(value));
        (keccak256(slot), leaf)
    })
}

/// RLP of an account's state-trie leaf.
fn encode_leaf(nonce: u64, balance: U256, code_hash: B256, storage_root: B256) -> Vec<u8> {
    alloy_rlp::encode(TrieAccount {
        nonce,
        balance,
        storage_root,
        code_hash,
    })
}

/// A stored trie node could not be read.
#[derive(Debug, thiserror::Error)]
enum NodeReadError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Decode(#[from] TrieError),
}

fn decode_node(bytes: Option<Vec<u8>>) -> Result<Option<StoredNode>, NodeReadError> {
    Ok(bytes.map(|b| StoredNode::decode(&b)).transpose()?)
}

/// The head's account trie.
struct AccountTrie<'a>(&'a StoreReader);

impl TrieNodeReader for AccountTrie<'_> {
    type Error = NodeReadError;
    fn node(&self, path: &Nibbles) -> Result<Option<StoredNode>, Self::Error> {
        decode_node(self.0.account_trie_node(&encode_path(path))?)
    }
}

/// One account's storage trie at the head.
struct StorageTrie<'a> {
    reader: &'a StoreReader,
    hashed: B256,
}

impl TrieNodeReader for StorageTrie<'_> {
    type Error = NodeReadError;
    fn node(&self, path: &Nibbles) -> Result<Option<StoredNode>, Self::Error> {
        decode_node(
            self.reader
                .storage_trie_node(&self.hashed, &encode_path(path))?,
        )
    }
}

/// The storage of an account the simulation wiped.
struct EmptyTrie;

impl TrieNodeReader for EmptyTrie {
    type Error = NodeReadError;
    fn node(&self, _path: &Nibbles) -> Result<Option<StoredNode>, Self::Error> {
        Ok(None)
    }
}
