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

    /// Reads the record of the token whose hash is `hash` (`None`: no such token) and, if
    /// `update` returns a new record, stores it, in one write transaction: two updates of one
    /// token never lose each other's change. `update`'s second value is handed back.
    pub fn update_auth_token<T>(
        &self,
        hash: &[u8; 32],
        update: impl FnOnce(Option<&[u8]>) -> (Option<Vec<u8>>, T),
    ) -> Result<T, StorageError> {
        let txn = self.begin_write()?;
        let outcome = {
            let mut table = txn.open_table(AUTH_TOKENS)?;
            let current = table.get(hash)?.map(|record| record.value().to_vec());
            let (replacement, outcome) = update(current.as_deref());
            if let Some(record) = replacement {
                table.insert(hash, record.as_slice())?;
            }
            outcome
        };
        txn.commit()?;
        Ok(outcome)
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
