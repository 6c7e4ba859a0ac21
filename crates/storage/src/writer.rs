//! The single writer. Everything a block changes goes through one [`StoreWriter`] and lands in
//! one redb commit (fsync'd before `commit` returns), so after a crash the database holds whole
//! blocks only.

use crate::{
    StorageError, StoredAccount, StoredReceipt, TxLocation,
    codec::{BodyExtras, storage_key},
    history::{
        account_changeset_key, account_history_key, storage_changeset_key, storage_history_key,
    },
    tables::*,
};
use alloy_eips::eip4895::Withdrawal;
use alloy_rlp::Encodable;
use cloister_primitives::{
    Address, B256, Bytes, Encodable2718, Header, RecoveredTx, U256, primitives::Signature,
};
use redb::{ReadableTable, WriteTransaction};

/// Everything stored about one block besides state.
#[derive(Debug, Clone)]
pub struct BlockRecord {
    /// The sealed header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Transactions with their senders.
    pub transactions: Vec<RecoveredTx>,
    /// One receipt per transaction.
    pub receipts: Vec<StoredReceipt>,
    /// Uncle headers (pre-merge imports only).
    pub ommers: Vec<Header>,
    /// Withdrawals (from Shanghai).
    pub withdrawals: Option<Vec<Withdrawal>>,
    /// The producing validator's signature over `hash` (Cloister chains; `None` on plain
    /// Ethereum chains and for genesis).
    pub seal: Option<Signature>,
}

/// An open write transaction.
pub struct StoreWriter {
    txn: WriteTransaction,
}

impl std::fmt::Debug for StoreWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreWriter").finish_non_exhaustive()
    }
}

impl StoreWriter {
    pub(crate) fn new(txn: WriteTransaction) -> Result<Self, StorageError> {
        Ok(Self { txn })
    }

    /// Opens every table once so that it exists for readers.
    pub(crate) fn create_tables(self) -> Result<Self, StorageError> {
        self.txn.open_table(HEADERS)?;
        self.txn.open_table(CANONICAL_HASHES)?;
        self.txn.open_table(HEADER_NUMBERS)?;
        self.txn.open_table(BODY_EXTRAS)?;
        self.txn.open_table(BLOCK_SEALS)?;
        self.txn.open_table(TRANSACTIONS)?;
        self.txn.open_table(RECEIPTS)?;
        self.txn.open_table(TX_LOOKUP)?;
        self.txn.open_table(ACCOUNTS)?;
        self.txn.open_table(STORAGE)?;
        self.txn.open_table(BYTECODES)?;
        self.txn.open_table(ACCOUNT_TRIE)?;
        self.txn.open_table(STORAGE_TRIE)?;
        self.txn.open_table(META)?;
        self.txn.open_table(ACCOUNT_CHANGESETS)?;
        self.txn.open_table(STORAGE_CHANGESETS)?;
        self.txn.open_table(ACCOUNT_HISTORY)?;
        self.txn.open_table(STORAGE_HISTORY)?;
        self.txn.open_table(AUTH_TOKENS)?;
        self.txn.open_table(AUDIT_LOG)?;
        Ok(self)
    }

    /// Records the genesis this datadir belongs to.
    pub fn set_genesis(&mut self, hash: B256, genesis_json: &str) -> Result<(), StorageError> {
        let mut meta = self.txn.open_table(META)?;
        meta.insert(META_GENESIS_HASH, hash.as_slice())?;
        meta.insert(META_GENESIS_JSON, genesis_json.as_bytes())?;
        Ok(())
    }

    /// Writes a named value of a higher layer (e.g. what consensus has applied) in the same
    /// commit as the block it belongs to. Names of the store's own start with no prefix; callers
    /// use theirs (`consensus.`).
    pub fn put_meta(&mut self, name: &str, value: &[u8]) -> Result<(), StorageError> {
        self.txn.open_table(META)?.insert(name, value)?;
        Ok(())
    }

    /// Stores a block (header, body, receipts, lookups) and makes it the head.
    pub fn put_block(&mut self, block: &BlockRecord) -> Result<(), StorageError> {
        let number = block.header.number;
        let mut encoded = Vec::with_capacity(600);
        block.header.encode(&mut encoded);
        self.txn
            .open_table(HEADERS)?
            .insert(number, encoded.as_slice())?;
        self.txn
            .open_table(CANONICAL_HASHES)?
            .insert(number, &block.hash.0)?;
        self.txn
            .open_table(HEADER_NUMBERS)?
            .insert(&block.hash.0, number)?;

        if let Some(seal) = &block.seal {
            self.txn
                .open_table(BLOCK_SEALS)?
                .insert(number, &seal.as_bytes())?;
        }

        let extras = BodyExtras {
            ommers: block.ommers.clone(),
            withdrawals: block.withdrawals.clone(),
        };
        encoded.clear();
        extras.encode(&mut encoded);
        self.txn
            .open_table(BODY_EXTRAS)?
            .insert(number, encoded.as_slice())?;

        {
            let mut txs = self.txn.open_table(TRANSACTIONS)?;
            let mut lookup = self.txn.open_table(TX_LOOKUP)?;
            for (index, tx) in block.transactions.iter().enumerate() {
                let key = location(number, index)?.key();
                encoded.clear();
                encoded.extend_from_slice(tx.signer().as_slice());
                tx.inner().encode_2718(&mut encoded);
                txs.insert(&key, encoded.as_slice())?;
                lookup.insert(&tx.inner().tx_hash().0, &key)?;
            }
        }
        {
            let mut receipts = self.txn.open_table(RECEIPTS)?;
            for (index, receipt) in block.receipts.iter().enumerate() {
                receipts.insert(&location(number, index)?.key(), receipt.encode().as_slice())?;
            }
        }
        self.txn
            .open_table(META)?
            .insert(META_HEAD, number.to_be_bytes().as_slice())?;
        Ok(())
    }

    /// Writes accounts; `None` deletes the account.
    pub fn put_accounts<'a>(
        &mut self,
        accounts: impl IntoIterator<Item = (&'a Address, Option<StoredAccount>)>,
    ) -> Result<(), StorageError> {
        let mut table = self.txn.open_table(ACCOUNTS)?;
        for (address, account) in accounts {
            match account {
                Some(account) => {
                    table.insert(&address.0.0, account.encode().as_slice())?;
                }
                None => {
                    table.remove(&address.0.0)?;
                }
            }
        }
        Ok(())
    }

    /// Writes storage slots; zero deletes the slot.
    pub fn put_storage<'a>(
        &mut self,
        slots: impl IntoIterator<Item = (&'a Address, B256, U256)>,
    ) -> Result<(), StorageError> {
        let mut table = self.txn.open_table(STORAGE)?;
        for (address, slot, value) in slots {
            let key = storage_key(address, &slot);
            if value.is_zero() {
                table.remove(&key)?;
            } else {
                table.insert(&key, &value.to_be_bytes::<32>())?;
            }
        }
        Ok(())
    }

    /// Deletes every storage slot of `address` (self-destruct or re-creation).
    pub fn wipe_storage(&mut self, address: &Address) -> Result<(), StorageError> {
        let start = storage_key(address, &B256::ZERO);
        let end = storage_key(address, &B256::repeat_byte(0xff));
        self.txn
            .open_table(STORAGE)?
            .retain_in::<&[u8; 52], _>(&start..=&end, |_, _| false)?;
        Ok(())
    }

    /// Records what block `block` changed in accounts: each account as it was before (`None`:
    /// it did not exist), and indexes the block under each account.
    pub fn put_account_changeset<'a>(
        &mut self,
        block: u64,
        previous: impl IntoIterator<Item = (&'a Address, Option<StoredAccount>)>,
    ) -> Result<(), StorageError> {
        let mut changesets = self.txn.open_table(ACCOUNT_CHANGESETS)?;
        let mut history = self.txn.open_table(ACCOUNT_HISTORY)?;
        for (address, account) in previous {
            let value = account.map(|a| a.encode().to_vec()).unwrap_or_default();
            changesets.insert(&account_changeset_key(block, address), value.as_slice())?;
            history.insert(&account_history_key(address, block), ())?;
        }
        Ok(())
    }

    /// Records what block `block` changed in storage: each slot's value before the block.
    pub fn put_storage_changeset<'a>(
        &mut self,
        block: u64,
        previous: impl IntoIterator<Item = (&'a Address, B256, U256)>,
    ) -> Result<(), StorageError> {
        let mut changesets = self.txn.open_table(STORAGE_CHANGESETS)?;
        let mut history = self.txn.open_table(STORAGE_HISTORY)?;
        for (address, slot, value) in previous {
            changesets.insert(
                &storage_changeset_key(block, address, &slot),
                &value.to_be_bytes::<32>(),
            )?;
            history.insert(&storage_history_key(address, &slot, block), ())?;
        }
        Ok(())
    }

    /// Stores bytecodes by hash.
    pub fn put_bytecodes<'a>(
        &mut self,
        codes: impl IntoIterator<Item = (&'a B256, &'a Bytes)>,
    ) -> Result<(), StorageError> {
        let mut table = self.txn.open_table(BYTECODES)?;
        for (hash, code) in codes {
            table.insert(&hash.0, code.as_ref())?;
        }
        Ok(())
    }

    /// Applies account-trie node changes (encoded paths).
    pub fn put_account_trie(
        &mut self,
        upserted: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
        removed: impl IntoIterator<Item = Vec<u8>>,
    ) -> Result<(), StorageError> {
        let mut table = self.txn.open_table(ACCOUNT_TRIE)?;
        for path in removed {
            table.remove(path.as_slice())?;
        }
        for (path, node) in upserted {
            table.insert(path.as_slice(), node.as_slice())?;
        }
        Ok(())
    }

    /// Applies storage-trie node changes of one account (encoded paths).
    pub fn put_storage_trie(
        &mut self,
        hashed_address: &B256,
        upserted: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
        removed: impl IntoIterator<Item = Vec<u8>>,
    ) -> Result<(), StorageError> {
        let mut table = self.txn.open_table(STORAGE_TRIE)?;
        let mut key = Vec::with_capacity(96);
        for path in removed {
            key.clear();
            key.extend_from_slice(hashed_address.as_slice());
            key.extend_from_slice(&path);
            table.remove(key.as_slice())?;
        }
        for (path, node) in upserted {
            key.clear();
            key.extend_from_slice(hashed_address.as_slice());
            key.extend_from_slice(&path);
            table.insert(key.as_slice(), node.as_slice())?;
        }
        Ok(())
    }

    /// Deletes the whole storage trie of one account.
    pub fn wipe_storage_trie(&mut self, hashed_address: &B256) -> Result<(), StorageError> {
        let start = hashed_address.to_vec();
        let mut end = hashed_address.to_vec();
        end.push(0xff);
        end.push(0xff);
        let mut table = self.txn.open_table(STORAGE_TRIE)?;
        let stale: Vec<Vec<u8>> = table
            .range::<&[u8]>(start.as_slice()..end.as_slice())?
            .map(|item| item.map(|(k, _)| k.value().to_vec()))
            .collect::<Result<_, _>>()?;
        for key in stale {
            table.remove(key.as_slice())?;
        }
        Ok(())
    }

    /// Makes everything written durable (fsync) and visible to new readers.
    pub fn commit(self) -> Result<(), StorageError> {
        self.txn.commit()?;
        Ok(())
    }
}

fn location(block: u64, index: usize) -> Result<TxLocation, StorageError> {
    let index = u32::try_from(index)
        .map_err(|_| StorageError::corrupt("transactions", "more than 2^32 txs in a block"))?;
    Ok(TxLocation { block, index })
}
