//! The state a block parameter names: the header of that block and the state after it, read
//! from history when the block is not the head.

use alloy_rpc_types_eth::{BlockId, BlockNumberOrTag};
use cloister_evm::StateDb;
use cloister_primitives::{Address, B256, Bytes, Header, U256};
use cloister_storage::{StorageError, StoreReader, StoredAccount};
use std::sync::Arc;

/// A resolved block and the state after it.
#[derive(Debug, Clone)]
pub struct BlockState {
    /// The block's header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// The snapshot the reads come from (the head's).
    pub reader: Arc<StoreReader>,
    /// revm's view of the state after this block.
    pub db: StateDb,
}

impl BlockState {
    /// An account after this block.
    pub fn account(&self, address: &Address) -> Result<Option<StoredAccount>, StorageError> {
        self.db.account(address)
    }

    /// A storage slot after this block.
    pub fn storage(&self, address: &Address, slot: &B256) -> Result<U256, StorageError> {
        self.db.storage(address, slot)
    }

    /// The code of an account after this block (empty when none).
    pub fn code(&self, address: &Address) -> Result<Bytes, StorageError> {
        let Some(account) = self.account(address)? else {
            return Ok(Bytes::new());
        };
        Ok(self
            .reader
            .bytecode(&account.code_hash)?
            .unwrap_or_default())
    }

    /// Whether this is the newest block (its state is the live one, not history).
    pub fn is_latest(&self) -> bool {
        self.db.block().is_none()
    }
}

/// Whether a block parameter asks for the pending state (for nonces that count pooled txs).
pub fn is_pending(block: Option<&BlockId>) -> bool {
    matches!(block, Some(BlockId::Number(BlockNumberOrTag::Pending)))
}
