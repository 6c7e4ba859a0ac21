//! Whether an account holds storage: the one fact EIP-7610's create-collision rule needs that
//! revm's `Database` cannot answer. Implemented for every layer Cloister stacks under the EVM
//! (the redb snapshot, revm's block `State` cache, `CacheDB` for state tests), each answering
//! from what it knows and asking the layer below only when it cannot.

use crate::StateDb;
use alloy_consensus::EMPTY_ROOT_HASH;
use cloister_primitives::Address;
use revm::{
    Database, DatabaseRef,
    database::{CacheDB, State, WrapDatabaseRef, in_memory_db::AccountState},
    database_interface::{EmptyDBTyped, bal::EvmDatabaseError},
};

/// A [`Database`] that can tell whether an account has any non-zero storage slot.
pub trait HasStorage: Database {
    /// True when `address` holds at least one non-zero storage slot.
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error>;
}

/// A [`DatabaseRef`] that can tell whether an account has any non-zero storage slot.
pub trait HasStorageRef: DatabaseRef {
    /// True when `address` holds at least one non-zero storage slot.
    fn has_storage_ref(&self, address: Address) -> Result<bool, Self::Error>;
}

impl<T: HasStorage + ?Sized> HasStorage for &mut T {
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error> {
        (**self).has_storage(address)
    }
}

impl<T: HasStorageRef + ?Sized> HasStorageRef for &T {
    fn has_storage_ref(&self, address: Address) -> Result<bool, Self::Error> {
        (**self).has_storage_ref(address)
    }
}

impl<T: HasStorageRef> HasStorage for WrapDatabaseRef<T> {
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error> {
        self.0.has_storage_ref(address)
    }
}

impl HasStorageRef for StateDb {
    /// The account record carries its storage root, so this costs the account lookup only.
    fn has_storage_ref(&self, address: Address) -> Result<bool, Self::Error> {
        Ok(self
            .account(&address)?
            .is_some_and(|account| account.storage_root != EMPTY_ROOT_HASH))
    }
}

impl<DB: HasStorage> HasStorage for State<DB> {
    /// The block's cache first: an account created or destroyed earlier in the block has its
    /// whole storage in memory, so the snapshot below (older) must not be asked.
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error> {
        if let Some(cached) = self.cache.accounts.get(&address) {
            let storage = cached.account.as_ref().map(|account| &account.storage);
            if storage.is_some_and(|slots| slots.values().any(|value| !value.is_zero())) {
                return Ok(true);
            }
            if cached.status.is_storage_known() {
                return Ok(false);
            }
        }
        self.database
            .has_storage(address)
            .map_err(EvmDatabaseError::Database)
    }
}

impl<ExtDB: HasStorageRef> HasStorageRef for CacheDB<ExtDB> {
    fn has_storage_ref(&self, address: Address) -> Result<bool, Self::Error> {
        if let Some(cached) = self.cache.accounts.get(&address) {
            if cached.storage.values().any(|value| !value.is_zero()) {
                return Ok(true);
            }
            // Cleared or never existing: nothing below counts.
            if matches!(
                cached.account_state,
                AccountState::StorageCleared | AccountState::NotExisting
            ) {
                return Ok(false);
            }
        }
        self.db.has_storage_ref(address)
    }
}

impl<ExtDB: HasStorageRef> HasStorage for CacheDB<ExtDB> {
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error> {
        self.has_storage_ref(address)
    }
}

impl<E> HasStorageRef for EmptyDBTyped<E>
where
    EmptyDBTyped<E>: DatabaseRef,
{
    fn has_storage_ref(&self, _address: Address) -> Result<bool, Self::Error> {
        Ok(false)
    }
}
