//! Read-only snapshots. A [`StoreReader`] sees the database as of its creation, whatever the
//! writer does meanwhile (redb MVCC), so RPC reads and block execution never wait on a commit.

use crate::{
    StorageError, StoredAccount, StoredReceipt, TxLocation,
    codec::{BodyExtras, storage_key},
    history::{
        account_changeset_key, account_history_key, history_block, storage_changeset_key,
        storage_history_key,
    },
    tables::*,
};
use alloy_eips::eip4895::Withdrawal;
use alloy_rlp::Decodable;
use cloister_primitives::{
    Address, B256, Bytes, Decodable2718, Header, RecoveredTx, TxEnvelope, U256,
    primitives::Signature,
};
use redb::{ReadOnlyTable, ReadTransaction, ReadableTable};

mod changesets;

/// A consistent view of the last committed state, with every table open.
pub struct StoreReader {
    headers: ReadOnlyTable<u64, &'static [u8]>,
    canonical: ReadOnlyTable<u64, &'static [u8; 32]>,
    header_numbers: ReadOnlyTable<&'static [u8; 32], u64>,
    body_extras: ReadOnlyTable<u64, &'static [u8]>,
    block_seals: ReadOnlyTable<u64, &'static [u8; 65]>,
    transactions: ReadOnlyTable<&'static [u8; 12], &'static [u8]>,
    receipts: ReadOnlyTable<&'static [u8; 12], &'static [u8]>,
    tx_lookup: ReadOnlyTable<&'static [u8; 32], &'static [u8; 12]>,
    accounts: ReadOnlyTable<&'static [u8; 20], &'static [u8]>,
    storage: ReadOnlyTable<&'static [u8; 52], &'static [u8; 32]>,
    bytecodes: ReadOnlyTable<&'static [u8; 32], &'static [u8]>,
    account_trie: ReadOnlyTable<&'static [u8], &'static [u8]>,
    storage_trie: ReadOnlyTable<&'static [u8], &'static [u8]>,
    meta: ReadOnlyTable<&'static str, &'static [u8]>,
    account_changesets: ReadOnlyTable<&'static [u8; 28], &'static [u8]>,
    storage_changesets: ReadOnlyTable<&'static [u8; 60], &'static [u8; 32]>,
    account_history: ReadOnlyTable<&'static [u8; 28], ()>,
    storage_history: ReadOnlyTable<&'static [u8; 60], ()>,
}

impl std::fmt::Debug for StoreReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreReader").finish_non_exhaustive()
    }
}

impl StoreReader {
    pub(crate) fn new(txn: ReadTransaction) -> Result<Self, StorageError> {
        Ok(Self {
            headers: txn.open_table(HEADERS)?,
            canonical: txn.open_table(CANONICAL_HASHES)?,
            header_numbers: txn.open_table(HEADER_NUMBERS)?,
            body_extras: txn.open_table(BODY_EXTRAS)?,
            block_seals: txn.open_table(BLOCK_SEALS)?,
            transactions: txn.open_table(TRANSACTIONS)?,
            receipts: txn.open_table(RECEIPTS)?,
            tx_lookup: txn.open_table(TX_LOOKUP)?,
            accounts: txn.open_table(ACCOUNTS)?,
            storage: txn.open_table(STORAGE)?,
            bytecodes: txn.open_table(BYTECODES)?,
            account_trie: txn.open_table(ACCOUNT_TRIE)?,
            storage_trie: txn.open_table(STORAGE_TRIE)?,
            meta: txn.open_table(META)?,
            account_changesets: txn.open_table(ACCOUNT_CHANGESETS)?,
            storage_changesets: txn.open_table(STORAGE_CHANGESETS)?,
            account_history: txn.open_table(ACCOUNT_HISTORY)?,
            storage_history: txn.open_table(STORAGE_HISTORY)?,
        })
    }

    /// A named value written with [`crate::StoreWriter::put_meta`].
    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.meta.get(name)?.map(|v| v.value().to_vec()))
    }

    /// Hash of the genesis block this datadir was initialised with.
    pub fn genesis_hash(&self) -> Result<Option<B256>, StorageError> {
        Ok(self
            .meta
            .get(META_GENESIS_HASH)?
            .map(|v| B256::from_slice(v.value())))
    }

    /// The genesis JSON this datadir was initialised with.
    pub fn genesis_json(&self) -> Result<Option<String>, StorageError> {
        self.meta
            .get(META_GENESIS_JSON)?
            .map(|v| {
                String::from_utf8(v.value().to_vec()).map_err(|e| StorageError::corrupt("meta", e))
            })
            .transpose()
    }

    /// Number of the newest committed block.
    pub fn head_number(&self) -> Result<Option<u64>, StorageError> {
        match self.meta.get(META_HEAD)? {
            None => Ok(None),
            Some(v) => {
                let bytes: [u8; 8] = v
                    .value()
                    .try_into()
                    .map_err(|_| StorageError::corrupt("meta", "head is not 8 bytes"))?;
                Ok(Some(u64::from_be_bytes(bytes)))
            }
        }
    }

    /// Hash of the canonical block at `number`.
    pub fn canonical_hash(&self, number: u64) -> Result<Option<B256>, StorageError> {
        Ok(self.canonical.get(number)?.map(|v| B256::from(*v.value())))
    }

    /// Header of the canonical block at `number`.
    pub fn header(&self, number: u64) -> Result<Option<Header>, StorageError> {
        self.headers
            .get(number)?
            .map(|v| {
                Header::decode(&mut v.value()).map_err(|e| StorageError::corrupt("headers", e))
            })
            .transpose()
    }

    /// Number of the block with `hash`.
    pub fn block_number(&self, hash: &B256) -> Result<Option<u64>, StorageError> {
        Ok(self.header_numbers.get(&hash.0)?.map(|v| v.value()))
    }

    /// The validator's seal of block `number`, if the block has one.
    pub fn block_seal(&self, number: u64) -> Result<Option<Signature>, StorageError> {
        self.block_seals
            .get(number)?
            .map(|v| {
                Signature::try_from(v.value().as_slice())
                    .map_err(|e| StorageError::corrupt("block_seals", e))
            })
            .transpose()
    }

    /// Ommers and withdrawals of block `number`.
    pub fn body_extras(
        &self,
        number: u64,
    ) -> Result<(Vec<Header>, Option<Vec<Withdrawal>>), StorageError> {
        match self.body_extras.get(number)? {
            None => Ok((Vec::new(), None)),
            Some(v) => {
                let extras = BodyExtras::decode(&mut v.value())
                    .map_err(|e| StorageError::corrupt("body_extras", e))?;
                Ok((extras.ommers, extras.withdrawals))
            }
        }
    }

    /// Transactions of block `number`, in order, with their senders.
    pub fn transactions(&self, number: u64) -> Result<Vec<RecoveredTx>, StorageError> {
        let start = TxLocation {
            block: number,
            index: 0,
        }
        .key();
        let end = TxLocation {
            block: number,
            index: u32::MAX,
        }
        .key();
        self.transactions
            .range::<&[u8; 12]>(&start..=&end)?
            .map(|item| decode_tx(item?.1.value()))
            .collect()
    }

    /// One transaction by location.
    pub fn transaction(&self, at: TxLocation) -> Result<Option<RecoveredTx>, StorageError> {
        self.transactions
            .get(&at.key())?
            .map(|v| decode_tx(v.value()))
            .transpose()
    }

    /// Where the transaction with `hash` was included.
    pub fn tx_location(&self, hash: &B256) -> Result<Option<TxLocation>, StorageError> {
        Ok(self
            .tx_lookup
            .get(&hash.0)?
            .map(|v| TxLocation::from_key(v.value())))
    }

    /// Receipts of block `number`, in order.
    pub fn receipts(&self, number: u64) -> Result<Vec<StoredReceipt>, StorageError> {
        let start = TxLocation {
            block: number,
            index: 0,
        }
        .key();
        let end = TxLocation {
            block: number,
            index: u32::MAX,
        }
        .key();
        self.receipts
            .range::<&[u8; 12]>(&start..=&end)?
            .map(|item| StoredReceipt::decode(item?.1.value()))
            .collect()
    }

    /// One receipt by location.
    pub fn receipt(&self, at: TxLocation) -> Result<Option<StoredReceipt>, StorageError> {
        self.receipts
            .get(&at.key())?
            .map(|v| StoredReceipt::decode(v.value()))
            .transpose()
    }

    /// The account at `address`, if it exists.
    pub fn account(&self, address: &Address) -> Result<Option<StoredAccount>, StorageError> {
        self.accounts
            .get(&address.0.0)?
            .map(|v| StoredAccount::decode(v.value()))
            .transpose()
    }

    /// The account at `address` as it was after block `block` (the current value when no later
    /// block changed it).
    pub fn account_at(
        &self,
        address: &Address,
        block: u64,
    ) -> Result<Option<StoredAccount>, StorageError> {
        let start = account_history_key(address, block.saturating_add(1));
        let end = account_history_key(address, u64::MAX);
        let Some(first) = self
            .account_history
            .range::<&[u8; 28]>(&start..=&end)?
            .next()
        else {
            return self.account(address);
        };
        let changed_in = history_block(first?.0.value());
        match self
            .account_changesets
            .get(&account_changeset_key(changed_in, address))?
        {
            None => Err(StorageError::corrupt(
                "account_changesets",
                "history names a missing changeset",
            )),
            Some(v) if v.value().is_empty() => Ok(None),
            Some(v) => StoredAccount::decode(v.value()).map(Some),
        }
    }

    /// A storage slot of `address` as it was after block `block`.
    pub fn storage_at(
        &self,
        address: &Address,
        slot: &B256,
        block: u64,
    ) -> Result<U256, StorageError> {
        let start = storage_history_key(address, slot, block.saturating_add(1));
        let end = storage_history_key(address, slot, u64::MAX);
        let Some(first) = self
            .storage_history
            .range::<&[u8; 60]>(&start..=&end)?
            .next()
        else {
            return self.storage(address, slot);
        };
        let changed_in = history_block(first?.0.value());
        match self
            .storage_changesets
            .get(&storage_changeset_key(changed_in, address, slot))?
        {
            None => Err(StorageError::corrupt(
                "storage_changesets",
                "history names a missing changeset",
            )),
            Some(v) => Ok(U256::from_be_bytes(*v.value())),
        }
    }

    /// Every account (tests and independent root checks; walks the whole table).
    pub fn all_accounts(&self) -> Result<Vec<(Address, StoredAccount)>, StorageError> {
        self.accounts
            .iter()?
            .map(|item| {
                let (k, v) = item?;
                Ok((Address::from(*k.value()), StoredAccount::decode(v.value())?))
            })
            .collect()
    }

    /// A storage slot of `address` (zero when unset).
    pub fn storage(&self, address: &Address, slot: &B256) -> Result<U256, StorageError> {
        Ok(self
            .storage
            .get(&storage_key(address, slot))?
            .map(|v| U256::from_be_bytes(*v.value()))
            .unwrap_or_default())
    }

    /// Every non-zero slot of `address`.
    pub fn storage_slots(&self, address: &Address) -> Result<Vec<(B256, U256)>, StorageError> {
        let start = storage_key(address, &B256::ZERO);
        let end = storage_key(address, &B256::repeat_byte(0xff));
        self.storage
            .range::<&[u8; 52]>(&start..=&end)?
            .map(|item| {
                let (k, v) = item?;
                Ok((
                    B256::from_slice(&k.value()[20..]),
                    U256::from_be_bytes(*v.value()),
                ))
            })
            .collect()
    }

    /// Bytecode by hash.
    pub fn bytecode(&self, code_hash: &B256) -> Result<Option<Bytes>, StorageError> {
        Ok(self
            .bytecodes
            .get(&code_hash.0)?
            .map(|v| Bytes::copy_from_slice(v.value())))
    }

    /// The account-trie node stored at an encoded path.
    pub fn account_trie_node(&self, path: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.account_trie.get(path)?.map(|v| v.value().to_vec()))
    }

    /// The storage-trie node of the account with `hashed_address` at an encoded path.
    pub fn storage_trie_node(
        &self,
        hashed_address: &B256,
        path: &[u8],
    ) -> Result<Option<Vec<u8>>, StorageError> {
        let mut key = Vec::with_capacity(32 + path.len());
        key.extend_from_slice(hashed_address.as_slice());
        key.extend_from_slice(path);
        Ok(self
            .storage_trie
            .get(key.as_slice())?
            .map(|v| v.value().to_vec()))
    }
}

fn decode_tx(bytes: &[u8]) -> Result<RecoveredTx, StorageError> {
    if bytes.len() < 21 {
        return Err(StorageError::corrupt("transactions", "too short"));
    }
    let (sender, mut envelope) = bytes.split_at(20);
    let tx = TxEnvelope::decode_2718(&mut envelope)
        .map_err(|e| StorageError::corrupt("transactions", e))?;
    Ok(RecoveredTx::new_unchecked(tx, Address::from_slice(sender)))
}
