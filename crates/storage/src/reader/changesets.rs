//! Whole changesets of one block, read in key order: what every account and slot the block
//! changed held before it. Historical state reads go through the history indices
//! (`account_at`, `storage_at`); these are for walking the state back block by block, e.g. to
//! know which accounts and slots differ between an old block and the head.

use super::StoreReader;
use crate::{
    StorageError, StoredAccount,
    history::{account_changeset_key, storage_changeset_key},
};
use cloister_primitives::{Address, B256, U256};

impl StoreReader {
    /// Every account block `block` changed, with what it held before the block (`None`: it did
    /// not exist), in address order. Empty for genesis and for blocks not stored.
    pub fn account_changeset(
        &self,
        block: u64,
    ) -> Result<Vec<(Address, Option<StoredAccount>)>, StorageError> {
        let start = account_changeset_key(block, &Address::ZERO);
        let end = account_changeset_key(block, &Address::repeat_byte(0xff));
        self.account_changesets
            .range::<&[u8; 28]>(&start..=&end)?
            .map(|item| {
                let (key, value) = item?;
                let address = Address::from_slice(&key.value()[8..]);
                let before = match value.value() {
                    [] => None,
                    bytes => Some(StoredAccount::decode(bytes)?),
                };
                Ok((address, before))
            })
            .collect()
    }

    /// Every storage slot block `block` changed, with its value before the block, in (address,
    /// slot) order. A block that wiped an account's storage lists every slot it held.
    pub fn storage_changeset(
        &self,
        block: u64,
    ) -> Result<Vec<(Address, B256, U256)>, StorageError> {
        let start = storage_changeset_key(block, &Address::ZERO, &B256::ZERO);
        let end =
            storage_changeset_key(block, &Address::repeat_byte(0xff), &B256::repeat_byte(0xff));
        self.storage_changesets
            .range::<&[u8; 60]>(&start..=&end)?
            .map(|item| {
                let (key, value) = item?;
                let key = key.value();
                Ok((
                    Address::from_slice(&key[8..28]),
                    B256::from_slice(&key[28..]),
                    U256::from_be_bytes(*value.value()),
                ))
            })
            .collect()
    }
}
