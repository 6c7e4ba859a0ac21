//! From a block's state changes to the rows to write and the new state root. Only the tries of
//! accounts that changed are touched, storage tries in parallel, each from its stored nodes:
//! the cost follows what the block changed, not the size of the state.

use crate::ChainError;
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use cloister_evm::BundleState;
use cloister_primitives::{Address, B256, Bytes, U256, keccak256};
use cloister_storage::{StorageError, StoreReader, StoreWriter, StoredAccount};
use cloister_trie::{
    Nibbles, StoredNode, TrieNodeReader, TrieUpdates, apply_changes, apply_changes_parallel,
    encode_path,
};
use rayon::prelude::*;

/// One account's change, in a form both block execution and genesis produce.
#[derive(Debug, Clone)]
pub struct AccountChange {
    /// The account.
    pub address: Address,
    /// New nonce, balance and code hash; `None` deletes the account.
    pub info: Option<(u64, U256, B256)>,
    /// Storage was cleared before `storage` applies (self-destruct, re-creation).
    pub wiped: bool,
    /// Changed slots (zero deletes).
    pub storage: Vec<(B256, U256)>,
}

impl AccountChange {
    /// The changes a revm bundle holds, in address order.
    pub fn from_bundle(bundle: &BundleState) -> Vec<Self> {
        let mut out: Vec<Self> = bundle
            .state
            .iter()
            .map(|(address, account)| {
                let wiped = account.was_destroyed();
                let storage = account
                    .storage
                    .iter()
                    .filter(|(_, slot)| wiped || slot.is_changed())
                    .map(|(key, slot)| (B256::from(*key), slot.present_value))
                    .collect();
                Self {
                    address: *address,
                    info: account
                        .info
                        .as_ref()
                        .map(|i| (i.nonce, i.balance, i.code_hash)),
                    wiped,
                    storage,
                }
            })
            .collect();
        out.sort_unstable_by_key(|c| c.address);
        out
    }
}

/// Everything a block writes to state, with the new state root.
#[derive(Debug, Default)]
pub struct StateChanges {
    /// Root of the account trie after the block.
    pub state_root: B256,
    accounts: Vec<(Address, Option<StoredAccount>)>,
    storage: Vec<(Address, B256, U256)>,
    wiped: Vec<Address>,
    bytecodes: Vec<(B256, Bytes)>,
    account_trie: TrieUpdates,
    storage_tries: Vec<(B256, bool, TrieUpdates)>,
    /// What the changed accounts held before (history).
    previous_accounts: Vec<(Address, Option<StoredAccount>)>,
    /// What the changed slots held before (history).
    previous_storage: Vec<(Address, B256, U256)>,
}

impl StateChanges {
    /// Computes the rows and root for `changes` applied on top of the state `reader` sees.
    pub fn compute(
        reader: &StoreReader,
        changes: Vec<AccountChange>,
        bytecodes: Vec<(B256, Bytes)>,
    ) -> Result<Self, ChainError> {
        // Storage tries first (independent per account, so in parallel), then the account trie.
        let per_account: Vec<_> = changes
            .into_par_iter()
            .map(|change| account_update(reader, change))
            .collect::<Result<_, ChainError>>()?;

        let mut out = Self {
            bytecodes,
            ..Default::default()
        };
        let mut leaves = Vec::with_capacity(per_account.len());
        for update in per_account {
            let hashed = keccak256(update.change.address);
            let stored = update
                .change
                .info
                .map(|(nonce, balance, code_hash)| StoredAccount {
                    nonce,
                    balance,
                    code_hash,
                    storage_root: update.storage_root,
                });
            leaves.push((hashed, stored.map(|a| trie_leaf(&a))));
            if update.change.wiped {
                out.wiped.push(update.change.address);
            }
            for (slot, value) in &update.change.storage {
                out.storage.push((update.change.address, *slot, *value));
            }
            if let Some(trie) = update.storage_trie {
                out.storage_tries.push((hashed, update.change.wiped, trie));
            } else if update.change.wiped {
                out.storage_tries
                    .push((hashed, true, TrieUpdates::default()));
            }
            out.previous_accounts
                .push((update.change.address, update.previous));
            out.previous_storage.extend(
                update
                    .previous_slots
                    .into_iter()
                    .map(|(slot, value)| (update.change.address, slot, value)),
            );
            out.accounts.push((update.change.address, stored));
        }
        let (root, trie) =
            apply_changes_parallel(&AccountTrie(reader), leaves).map_err(trie_error)?;
        out.state_root = root;
        out.account_trie = trie;
        Ok(out)
    }

    /// The rows and root of an executed block on top of the state `reader` sees.
    pub fn from_executed(
        reader: &StoreReader,
        executed: &cloister_evm::ExecutedBlock,
    ) -> Result<Self, ChainError> {
        let changes = AccountChange::from_bundle(&executed.bundle);
        let codes = executed
            .bundle
            .contracts
            .iter()
            .map(|(hash, code)| (*hash, code.original_bytes()))
            .collect();
        Self::compute(reader, changes, codes)
    }

    /// Writes every row into the write transaction of block `block`, with the history of what
    /// the block overwrote (none for genesis, which overwrites nothing).
    pub fn write(&self, writer: &mut StoreWriter, block: u64) -> Result<(), ChainError> {
        if block > 0 {
            writer.put_account_changeset(
                block,
                self.previous_accounts.iter().map(|(a, acc)| (a, *acc)),
            )?;
            writer.put_storage_changeset(
                block,
                self.previous_storage.iter().map(|(a, s, v)| (a, *s, *v)),
            )?;
        }
        for address in &self.wiped {
            writer.wipe_storage(address)?;
        }
        writer.put_accounts(self.accounts.iter().map(|(a, acc)| (a, *acc)))?;
        writer.put_storage(self.storage.iter().map(|(a, s, v)| (a, *s, *v)))?;
        writer.put_bytecodes(self.bytecodes.iter().map(|(h, c)| (h, c)))?;
        for (hashed, wiped, trie) in &self.storage_tries {
            if *wiped {
                writer.wipe_storage_trie(hashed)?;
            }
            writer.put_storage_trie(hashed, encoded_upserts(trie), encoded_removals(trie))?;
        }
        writer.put_account_trie(
            encoded_upserts(&self.account_trie),
            encoded_removals(&self.account_trie),
        )?;
        Ok(())
    }

    /// Number of accounts the block changed.
    pub fn changed_accounts(&self) -> usize {
        self.accounts.len()
    }
}

struct AccountUpdate {
    change: AccountChange,
    storage_root: B256,
    storage_trie: Option<TrieUpdates>,
    previous: Option<StoredAccount>,
    previous_slots: Vec<(B256, U256)>,
}

/// What the account's touched slots held before the block: every stored slot when the storage
/// is wiped (a wipe overwrites all of them), else each changed slot.
fn previous_slots(
    reader: &StoreReader,
    change: &AccountChange,
) -> Result<Vec<(B256, U256)>, ChainError> {
    if change.wiped {
        let mut before = reader.storage_slots(&change.address)?;
        let known: std::collections::HashSet<B256> = before.iter().map(|(slot, _)| *slot).collect();
        before.extend(
            change
                .storage
                .iter()
                .filter(|(slot, _)| !known.contains(slot))
                .map(|(slot, _)| (*slot, U256::ZERO)),
        );
        return Ok(before);
    }
    change
        .storage
        .iter()
        .map(|(slot, _)| Ok((*slot, reader.storage(&change.address, slot)?)))
        .collect()
}

fn account_update(
    reader: &StoreReader,
    change: AccountChange,
) -> Result<AccountUpdate, ChainError> {
    let previous = reader.account(&change.address)?;
    let previous_slots = previous_slots(reader, &change)?;
    let previous_root = if change.wiped {
        EMPTY_ROOT_HASH
    } else {
        previous.map(|a| a.storage_root).unwrap_or(EMPTY_ROOT_HASH)
    };
    if change.info.is_none() || change.storage.is_empty() {
        let root = if change.info.is_none() {
            EMPTY_ROOT_HASH
        } else {
            previous_root
        };
        return Ok(AccountUpdate {
            change,
            storage_root: root,
            storage_trie: None,
            previous,
            previous_slots,
        });
    }
    let leaves = change.storage.iter().map(|(slot, value)| {
        let leaf = (!value.is_zero()).then(|| alloy_rlp::encode(value));
        (keccak256(slot), leaf)
    });
    let hashed = keccak256(change.address);
    let (root, trie) = if change.wiped {
        apply_changes(&EmptyTrie, leaves)
    } else {
        apply_changes(&StorageTrie { reader, hashed }, leaves)
    }
    .map_err(trie_error)?;
    Ok(AccountUpdate {
        change,
        storage_root: root,
        storage_trie: Some(trie),
        previous,
        previous_slots,
    })
}

/// RLP of the state-trie leaf of an account.
pub(crate) fn trie_leaf(account: &StoredAccount) -> Vec<u8> {
    alloy_rlp::encode(TrieAccount {
        nonce: account.nonce,
        balance: account.balance,
        storage_root: account.storage_root,
        code_hash: account.code_hash,
    })
}

fn encoded_upserts(trie: &TrieUpdates) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + '_ {
    trie.upserted
        .iter()
        .map(|(path, node)| (encode_path(path), node.encode()))
}

fn encoded_removals(trie: &TrieUpdates) -> impl Iterator<Item = Vec<u8>> + '_ {
    trie.removed.iter().map(encode_path)
}

fn trie_error(err: impl std::fmt::Display) -> ChainError {
    ChainError::Trie(err.to_string())
}

/// A trie node could not be read.
#[derive(Debug, thiserror::Error)]
pub enum NodeReadError {
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The stored node does not decode.
    #[error("undecodable trie node: {0}")]
    Decode(String),
}

fn decode_node(bytes: Option<Vec<u8>>) -> Result<Option<StoredNode>, NodeReadError> {
    bytes
        .map(|b| StoredNode::decode(&b).map_err(|e| NodeReadError::Decode(e.to_string())))
        .transpose()
}

/// The account trie as the snapshot holds it.
pub(crate) struct AccountTrie<'a>(pub(crate) &'a StoreReader);

impl TrieNodeReader for AccountTrie<'_> {
    type Error = NodeReadError;
    fn node(&self, path: &Nibbles) -> Result<Option<StoredNode>, Self::Error> {
        decode_node(self.0.account_trie_node(&encode_path(path))?)
    }
}

/// One account's storage trie as the snapshot holds it.
pub(crate) struct StorageTrie<'a> {
    pub(crate) reader: &'a StoreReader,
    pub(crate) hashed: B256,
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

/// A trie with no nodes: the storage of a wiped account.
struct EmptyTrie;

impl TrieNodeReader for EmptyTrie {
    type Error = NodeReadError;
    fn node(&self, _path: &Nibbles) -> Result<Option<StoredNode>, Self::Error> {
        Ok(None)
    }
}
