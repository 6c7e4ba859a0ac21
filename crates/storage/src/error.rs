//! Storage errors: redb failures, undecodable values, I/O, and encryption at rest (wrong key,
//! wrong kind of file, a block that fails authentication).

use crate::encrypted::{EncryptionError, IntegrityError};

/// Everything that can go wrong below the chain.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database file could not be opened or created.
    #[error("database: {0}")]
    Database(redb::DatabaseError),
    /// A transaction could not start.
    #[error("transaction: {0}")]
    Transaction(redb::TransactionError),
    /// A table could not be opened.
    #[error("table: {0}")]
    Table(redb::TableError),
    /// A read or write failed.
    #[error("storage: {0}")]
    Storage(redb::StorageError),
    /// The commit failed; nothing of the transaction was written.
    #[error("commit: {0}")]
    Commit(redb::CommitError),
    /// A stored value does not decode: corruption or a format change.
    #[error("corrupt {table} value: {reason}")]
    Corrupt {
        /// Table that held the value.
        table: &'static str,
        /// What did not decode.
        reason: String,
    },
    /// Filesystem error around the database.
    #[error("io: {0}")]
    Io(std::io::Error),
    /// The database file is encrypted and was opened without a key.
    #[error("the database is encrypted: open it with its key")]
    Encrypted,
    /// The database file is plaintext and was opened with a key: refused rather than mixing.
    #[error("the database is not encrypted: refusing to open it with a key")]
    NotEncrypted,
    /// The key does not match the encrypted database's key check value.
    #[error("wrong encryption key for this database")]
    WrongKey,
    /// A sealed block did not authenticate: the file was tampered with or damaged. No data from
    /// it was returned. redb refuses further I/O until the database is reopened.
    #[error("integrity check failed at block {block}: tampered or wrong key")]
    Integrity {
        /// Logical block index (byte offset / 4096).
        block: u64,
    },
}

impl StorageError {
    pub(crate) fn corrupt(table: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            table,
            reason: reason.to_string(),
        }
    }
}

/// The authentication failure inside a redb storage error, if that is what it is.
fn integrity_failure(err: &redb::StorageError) -> Option<StorageError> {
    match err {
        redb::StorageError::Io(io) => {
            IntegrityError::find(io).map(|e| StorageError::Integrity { block: e.block })
        }
        _ => None,
    }
}

impl From<redb::StorageError> for StorageError {
    fn from(err: redb::StorageError) -> Self {
        integrity_failure(&err).unwrap_or(Self::Storage(err))
    }
}

impl From<redb::DatabaseError> for StorageError {
    fn from(err: redb::DatabaseError) -> Self {
        match &err {
            redb::DatabaseError::Storage(inner) => integrity_failure(inner),
            _ => None,
        }
        .unwrap_or(Self::Database(err))
    }
}

impl From<redb::TransactionError> for StorageError {
    fn from(err: redb::TransactionError) -> Self {
        match &err {
            redb::TransactionError::Storage(inner) => integrity_failure(inner),
            _ => None,
        }
        .unwrap_or(Self::Transaction(err))
    }
}

impl From<redb::TableError> for StorageError {
    fn from(err: redb::TableError) -> Self {
        match &err {
            redb::TableError::Storage(inner) => integrity_failure(inner),
            _ => None,
        }
        .unwrap_or(Self::Table(err))
    }
}

impl From<redb::CommitError> for StorageError {
    fn from(err: redb::CommitError) -> Self {
        match &err {
            redb::CommitError::Storage(inner) => integrity_failure(inner),
            _ => None,
        }
        .unwrap_or(Self::Commit(err))
    }
}

impl From<EncryptionError> for StorageError {
    fn from(err: EncryptionError) -> Self {
        match err {
            EncryptionError::NotEncrypted => Self::NotEncrypted,
            EncryptionError::WrongKey => Self::WrongKey,
            EncryptionError::Integrity(e) => Self::Integrity { block: e.block },
            EncryptionError::Io(e) => Self::Io(e),
        }
    }
}
