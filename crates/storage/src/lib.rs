//! Cloister's persistent storage: typed tables over redb (pure Rust, pread/pwrite, ACID,
//! crash-safe; DESIGN.md says why not MDBX). Readers get MVCC snapshots ([`StoreReader`]) that
//! never block the single writer; the writer ([`StoreWriter`]) commits one block per
//! transaction, so a crash leaves whole blocks only. [`Store::open_encrypted`] puts the same
//! tables on an [`encrypted::EncryptedFile`]: every page sealed on disk.

mod audit_log;
mod auth_tokens;
mod codec;
pub mod encrypted;
mod error;
mod history;
mod raft_log;
mod reader;
mod tables;
mod writer;

pub use auth_tokens::AuthTokenEntry;
pub use codec::{StoredAccount, StoredReceipt, TxLocation};
pub use error::StorageError;
pub use raft_log::{META_PURGED, RAFT_LOG_FILE, RaftLogDb};
pub use reader::StoreReader;
pub use writer::{BlockRecord, StoreWriter};

use encrypted::{EncryptedFile, FileKind, file_kind};
use redb::ReadableDatabase as _;
use std::{path::Path, sync::Arc};

/// The node's database. Cheap to clone; every clone shares one redb file.
#[derive(Clone)]
pub struct Store {
    db: Arc<redb::Database>,
    encrypted: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("encrypted", &self.encrypted)
            .finish_non_exhaustive()
    }
}

/// File name of the database inside a datadir.
pub const DB_FILE: &str = "chain.redb";

/// redb's page cache (plaintext pages, in memory only).
const CACHE_BYTES: usize = 512 * 1024 * 1024;

impl Store {
    /// Opens (or creates) the plaintext database in `datadir`, creating every table so that
    /// readers never meet a missing one. An encrypted `chain.redb` is refused with
    /// [`StorageError::Encrypted`].
    pub fn open(datadir: &Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(datadir).map_err(StorageError::Io)?;
        let path = datadir.join(DB_FILE);
        if file_kind(&path).map_err(StorageError::Io)? == FileKind::Encrypted {
            return Err(StorageError::Encrypted);
        }
        let db = redb::Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(path)?;
        Self::with_tables(db, false)
    }

    /// Opens (or creates) the encrypted database in `datadir` under `key` (32 bytes from the
    /// sealing seam). A plaintext `chain.redb` is refused with [`StorageError::NotEncrypted`], a
    /// different key with [`StorageError::WrongKey`].
    pub fn open_encrypted(datadir: &Path, key: &[u8; 32]) -> Result<Self, StorageError> {
        std::fs::create_dir_all(datadir).map_err(StorageError::Io)?;
        let path = datadir.join(DB_FILE);
        if file_kind(&path).map_err(StorageError::Io)? == FileKind::Other {
            return Err(StorageError::NotEncrypted);
        }
        let backend = EncryptedFile::open_path(&path, key)?;
        let db = redb::Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create_with_backend(backend)?;
        Self::with_tables(db, true)
    }

    fn with_tables(db: redb::Database, encrypted: bool) -> Result<Self, StorageError> {
        let store = Self {
            db: Arc::new(db),
            encrypted,
        };
        store.writer()?.create_tables()?.commit()?;
        Ok(store)
    }

    /// Whether this store seals its pages on disk.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// A consistent snapshot of the last committed block.
    pub fn reader(&self) -> Result<StoreReader, StorageError> {
        StoreReader::new(self.db.begin_read()?)
    }

    /// The single writer. redb serialises writers, so a second call waits for the first to end.
    pub fn writer(&self) -> Result<StoreWriter, StorageError> {
        StoreWriter::new(self.begin_write()?)
    }

    /// A write transaction; on an encrypted store it commits in two phases, so that no header
    /// ever points at a page whose sealed block could be torn (see [`encrypted`]).
    pub(crate) fn begin_write(&self) -> Result<redb::WriteTransaction, StorageError> {
        let mut txn = self.db.begin_write()?;
        if self.encrypted {
            txn.set_two_phase_commit(true);
        }
        Ok(txn)
    }

    pub(crate) fn begin_read(&self) -> Result<redb::ReadTransaction, StorageError> {
        Ok(self.db.begin_read()?)
    }
}
