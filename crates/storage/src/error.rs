//! Storage errors: redb failures, undecodable values and I/O.

/// Everything that can go wrong below the chain.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database file could not be opened or created.
    #[error("database: {0}")]
    Database(#[from] redb::DatabaseError),
    /// A transaction could not start.
    #[error("transaction: {0}")]
    Transaction(#[from] redb::TransactionError),
    /// A table could not be opened.
    #[error("table: {0}")]
    Table(#[from] redb::TableError),
    /// A read or write failed.
    #[error("storage: {0}")]
    Storage(#[from] redb::StorageError),
    /// The commit failed; nothing of the transaction was written.
    #[error("commit: {0}")]
    Commit(#[from] redb::CommitError),
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
}

impl StorageError {
    pub(crate) fn corrupt(table: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            table,
            reason: reason.to_string(),
        }
    }
}
