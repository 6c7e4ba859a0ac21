//! revm's `DatabaseRef` over a storage snapshot: accounts, storage, code and block hashes as of
//! the parent block. revm's `State` caches on top, so each value is read from redb once a block.

use cloister_primitives::{Address, B256, U256};
use cloister_storage::{StorageError, StoreReader};
use revm::{
    DatabaseRef, bytecode::Bytecode, database_interface::DBErrorMarker, primitives::KECCAK_EMPTY,
    state::AccountInfo,
};
use std::sync::Arc;

/// A state read failed.
#[derive(Debug, thiserror::Error)]
pub enum StateDbError {
    /// The storage layer failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// An account names code that is not stored.
    #[error("missing bytecode {0}")]
    MissingCode(B256),
}

impl DBErrorMarker for StateDbError {}

/// State as of one committed block.
#[derive(Debug, Clone)]
pub struct StateDb {
    reader: Arc<StoreReader>,
    /// Read history as of this block instead of the snapshot's latest state.
    block: Option<u64>,
}

impl StateDb {
    /// The latest state `reader` sees.
    pub fn new(reader: Arc<StoreReader>) -> Self {
        Self {
            reader,
            block: None,
        }
    }

    /// State as it was after block `block` (from history when later blocks changed it).
    pub fn at_block(reader: Arc<StoreReader>, block: u64) -> Self {
        Self {
            reader,
            block: Some(block),
        }
    }

    /// The block this state is after, when it is not the latest.
    pub fn block(&self) -> Option<u64> {
        self.block
    }

    /// An account, at this state's block.
    pub fn account(
        &self,
        address: &Address,
    ) -> Result<Option<cloister_storage::StoredAccount>, StorageError> {
        match self.block {
            None => self.reader.account(address),
            Some(block) => self.reader.account_at(address, block),
        }
    }

    /// A storage slot, at this state's block.
    pub fn storage(&self, address: &Address, slot: &B256) -> Result<U256, StorageError> {
        match self.block {
            None => self.reader.storage(address, slot),
            Some(block) => self.reader.storage_at(address, slot, block),
        }
    }

    /// The snapshot underneath.
    pub fn reader(&self) -> &StoreReader {
        &self.reader
    }
}

impl DatabaseRef for StateDb {
    type Error = StateDbError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let Some(account) = self.account(&address)? else {
            return Ok(None);
        };
        let code = if account.code_hash == KECCAK_EMPTY {
            Some(Bytecode::default())
        } else {
            None
        };
        Ok(Some(AccountInfo {
            balance: account.balance,
            nonce: account.nonce,
            code_hash: account.code_hash,
            code,
            ..Default::default()
        }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        let code = self
            .reader
            .bytecode(&code_hash)?
            .ok_or(StateDbError::MissingCode(code_hash))?;
        Ok(Bytecode::new_raw(code))
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        Ok(self.storage(&address, &B256::from(index))?)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        Ok(self.reader.canonical_hash(number)?.unwrap_or_default())
    }
}
