//! The consensus log and vote, in a redb file of their own (`raft.redb` beside `chain.redb`):
//! they are written on every append, the chain once per block, so keeping them apart keeps each
//! commit small. Encrypted at rest like the chain when a key is given. Entries are opaque bytes
//! here; `cloister-consensus` decides their encoding.

use crate::{
    StorageError,
    encrypted::{EncryptedFile, FileKind, file_kind},
};
use redb::{ReadableDatabase as _, ReadableTable, TableDefinition};
use std::{ops::RangeBounds, path::Path};

/// File name of the consensus log inside a datadir.
pub const RAFT_LOG_FILE: &str = "raft.redb";

/// Log index -> encoded entry.
const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("raft_entries");
/// Name -> value (vote, committed index, last purged id).
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("raft_meta");

/// redb's page cache for the log (recent entries are read back for replication).
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The consensus log of one node. Cheap to clone.
#[derive(Clone)]
pub struct RaftLogDb {
    db: std::sync::Arc<redb::Database>,
    encrypted: bool,
}

impl std::fmt::Debug for RaftLogDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaftLogDb")
            .field("encrypted", &self.encrypted)
            .finish_non_exhaustive()
    }
}

impl RaftLogDb {
    /// Opens (or creates) `raft.redb` in `datadir`, encrypted under `key` when one is given. A
    /// file of the other kind is refused, as for the chain.
    pub fn open(datadir: &Path, key: Option<&[u8; 32]>) -> Result<Self, StorageError> {
        std::fs::create_dir_all(datadir).map_err(StorageError::Io)?;
        let path = datadir.join(RAFT_LOG_FILE);
        let kind = file_kind(&path).map_err(StorageError::Io)?;
        let builder = {
            let mut builder = redb::Database::builder();
            builder.set_cache_size(CACHE_BYTES);
            builder
        };
        let db = match key {
            Some(key) => {
                if kind == FileKind::Other {
                    return Err(StorageError::NotEncrypted);
                }
                builder.create_with_backend(EncryptedFile::open_path(&path, key)?)?
            }
            None => {
                if kind == FileKind::Encrypted {
                    return Err(StorageError::Encrypted);
                }
                builder.create(path)?
            }
        };
        let log = Self {
            db: std::sync::Arc::new(db),
            encrypted: key.is_some(),
        };
        let txn = log.begin_write()?;
        txn.open_table(ENTRIES)?;
        txn.open_table(META)?;
        txn.commit()?;
        Ok(log)
    }

    fn begin_write(&self) -> Result<redb::WriteTransaction, StorageError> {
        let mut txn = self.db.begin_write()?;
        // A torn page of an encrypted file cannot be recovered, so never point at one.
        if self.encrypted {
            txn.set_two_phase_commit(true);
        }
        Ok(txn)
    }

    /// Appends (or overwrites) entries by index in one durable commit.
    pub fn append(&self, entries: &[(u64, Vec<u8>)]) -> Result<(), StorageError> {
        let txn = self.begin_write()?;
        {
            let mut table = txn.open_table(ENTRIES)?;
            for (index, bytes) in entries {
                table.insert(*index, bytes.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Entries whose index lies in `range`, in order.
    pub fn range(&self, range: impl RangeBounds<u64>) -> Result<Vec<(u64, Vec<u8>)>, StorageError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ENTRIES)?;
        let mut out = Vec::new();
        for item in table.range(range)? {
            let (index, bytes) = item?;
            out.push((index.value(), bytes.value().to_vec()));
        }
        Ok(out)
    }

    /// The entry with the highest index.
    pub fn last(&self) -> Result<Option<(u64, Vec<u8>)>, StorageError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ENTRIES)?;
        Ok(table
            .last()?
            .map(|(index, bytes)| (index.value(), bytes.value().to_vec())))
    }

    /// Deletes every entry at `from` and after (a conflicting suffix).
    pub fn truncate_from(&self, from: u64) -> Result<(), StorageError> {
        self.delete(from..)
    }

    /// Deletes every entry up to and including `upto` (applied and in a snapshot), and records
    /// `purged` (the encoded id of the last purged entry) in the same commit.
    pub fn purge_upto(&self, upto: u64, purged: &[u8]) -> Result<(), StorageError> {
        let txn = self.begin_write()?;
        {
            let mut table = txn.open_table(ENTRIES)?;
            table.retain_in(..=upto, |_, _| false)?;
            txn.open_table(META)?.insert(META_PURGED, purged)?;
        }
        txn.commit()?;
        Ok(())
    }

    fn delete(&self, range: impl RangeBounds<u64>) -> Result<(), StorageError> {
        let txn = self.begin_write()?;
        txn.open_table(ENTRIES)?.retain_in(range, |_, _| false)?;
        txn.commit()?;
        Ok(())
    }

    /// A named value (vote, committed, purged).
    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(META)?;
        Ok(table.get(name)?.map(|v| v.value().to_vec()))
    }

    /// Writes a named value durably.
    pub fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StorageError> {
        let txn = self.begin_write()?;
        txn.open_table(META)?.insert(name, value)?;
        txn.commit()?;
        Ok(())
    }
}

/// Name under which [`RaftLogDb::purge_upto`] keeps the last purged entry's id.
pub const META_PURGED: &str = "last_purged";

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;

    fn entries(range: std::ops::Range<u64>) -> Vec<(u64, Vec<u8>)> {
        range.map(|i| (i, vec![i as u8; 3])).collect()
    }

    #[test]
    fn append_range_truncate_purge_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let key = [7u8; 32];
        {
            let log = RaftLogDb::open(dir.path(), Some(&key)).unwrap();
            log.append(&entries(1..11)).unwrap();
            assert_eq!(log.range(3..5).unwrap(), entries(3..5));
            log.truncate_from(8).unwrap();
            assert_eq!(log.last().unwrap().unwrap().0, 7);
            log.purge_upto(2, b"p2").unwrap();
            assert_eq!(log.range(..).unwrap(), entries(3..8));
            log.put_meta("vote", b"v").unwrap();
        }
        let log = RaftLogDb::open(dir.path(), Some(&key)).unwrap();
        assert_eq!(log.range(..).unwrap(), entries(3..8));
        assert_eq!(log.meta("vote").unwrap().unwrap(), b"v");
        assert_eq!(log.meta(META_PURGED).unwrap().unwrap(), b"p2");
        assert!(matches!(
            RaftLogDb::open(dir.path(), None),
            Err(StorageError::Encrypted)
        ));
        assert!(RaftLogDb::open(dir.path(), Some(&[8u8; 32])).is_err());
    }
}
