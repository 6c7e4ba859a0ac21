//! Cloister's persistent storage: typed tables over redb (pure Rust, pread/pwrite, ACID,
//! crash-safe; DESIGN.md says why not MDBX). Readers get MVCC snapshots ([`StoreReader`]) that
//! never block the single writer; the writer ([`StoreWriter`]) commits one block per
//! transaction, so a crash leaves whole blocks only.

mod codec;
mod error;
mod history;
mod reader;
mod tables;
mod writer;

pub use codec::{StoredAccount, StoredReceipt, TxLocation};
pub use error::StorageError;
pub use reader::StoreReader;
pub use writer::{BlockRecord, StoreWriter};

use redb::ReadableDatabase as _;
use std::{path::Path, sync::Arc};

/// The node's database. Cheap to clone; every clone shares one redb file.
#[derive(Clone)]
pub struct Store {
    db: Arc<redb::Database>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// File name of the database inside a datadir.
pub const DB_FILE: &str = "chain.redb";

impl Store {
    /// Opens (or creates) the database in `datadir`, creating every table so that readers never
    /// meet a missing one.
    pub fn open(datadir: &Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(datadir).map_err(StorageError::Io)?;
        let db = redb::Database::builder()
            .set_cache_size(512 * 1024 * 1024)
            .create(datadir.join(DB_FILE))?;
        let store = Self { db: Arc::new(db) };
        store.writer()?.create_tables()?.commit()?;
        Ok(store)
    }

    /// A consistent snapshot of the last committed block.
    pub fn reader(&self) -> Result<StoreReader, StorageError> {
        StoreReader::new(self.db.begin_read()?)
    }

    /// The single writer. redb serialises writers, so a second call waits for the first to end.
    pub fn writer(&self) -> Result<StoreWriter, StorageError> {
        StoreWriter::new(self.db.begin_write()?)
    }
}
