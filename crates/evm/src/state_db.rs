//! revm's `DatabaseRef` over a storage snapshot: accounts, storage, code and block hashes as of
//! the parent block. revm's `State` caches on top, so each value is read from redb once a block.

use cloister_primitives::{Address, B256, U256};
use cloister_storage::{StorageError, StoreReader};
use revm::{
    DatabaseRef,
    bytecode::Bytecode,
    database_interface::DBErrorMarker,
    primitives::KECCAK_EMPTY,
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
}

impl StateDb {
    /// State as seen by `reader`.
    pub fn new(reader: Arc<StoreReader>) -> Self {
        Self { reader }
    }

    /// The snapshot underneath.
    pub fn reader(&self) -> &StoreReader {
        &self.reader
    }
}

impl DatabaseRef for StateDb {
    type Error = StateDbError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let Some(account) = self.reader.account(&address)? else { return Ok(None) };
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
        let code = self.reader.bytecode(&code_hash)?.ok_or(StateDbError::MissingCode(code_hash))?;
        Ok(Bytecode::new_raw(code))
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        Ok(self.reader.storage(&address, &B256::from(index))?)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        Ok(self.reader.canonical_hash(number)?.unwrap_or_default())
    }
}
