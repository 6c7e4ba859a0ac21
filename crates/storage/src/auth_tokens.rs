//! RPC sign-in tokens, stored by hash only, each change its own short write transaction outside
//! block commits. The record is opaque here: the RPC layer encodes owner, expiry and scope.

use crate::{StorageError, Store, tables::AUTH_TOKENS};
use redb::{ReadableTable, ReadableTableMetadata as _};

/// A token hash with its record, as listed by [`Store::auth_tokens`].
pub type AuthTokenEntry = ([u8; 32], Vec<u8>);

impl Store {
    /// Stores (or replaces) the record of the token whose hash is `hash`.
    pub fn put_auth_token(&self, hash: &[u8; 32], record: &[u8]) -> Result<(), StorageError> {
        let txn = self.begin_write()?;
        txn.open_table(AUTH_TOKENS)?.insert(hash, record)?;
        txn.commit()?;
        Ok(())
    }

    /// The record of the token whose hash is `hash`.
    pub fn auth_token(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, StorageError> {
        let table = self.begin_read()?.open_table(AUTH_TOKENS)?;
        Ok(table.get(hash)?.map(|record| record.value().to_vec()))
    }

    /// Deletes a token; `false` if there was none.
    pub fn delete_auth_token(&self, hash: &[u8; 32]) -> Result<bool, StorageError> {
        let txn = self.begin_write()?;
        let existed = txn.open_table(AUTH_TOKENS)?.remove(hash)?.is_some();
        txn.commit()?;
        Ok(existed)
    }

    /// Every token hash with its record, in hash order (for revoking all tokens of one owner
    /// and sweeping expired ones).
    pub fn auth_tokens(&self) -> Result<Vec<AuthTokenEntry>, StorageError> {
        let table = self.begin_read()?.open_table(AUTH_TOKENS)?;
        let mut tokens = Vec::with_capacity(usize::try_from(table.len()?).unwrap_or(0));
        for entry in table.iter()? {
            let (hash, record) = entry?;
            tokens.push((*hash.value(), record.value().to_vec()));
        }
        Ok(tokens)
    }
}
