//! [`redb::StorageBackend`] over [`EncryptedFile`]. redb sees logical offsets only. Locking
//! follows redb's own `FileBackend`: only the whole storage can be locked (a whole-file lock);
//! for any narrower range redb is told "unsupported" and falls back to the whole-storage lock.

use super::file::EncryptedFile;
use redb::{BackendError, StorageBackend};
use std::{fs::TryLockError, io, ops::Bound, sync::atomic::Ordering};

fn is_whole_storage(start: Bound<u64>, end: Bound<u64>) -> bool {
    matches!(start, Bound::Unbounded | Bound::Included(0)) && end == Bound::Unbounded
}

impl EncryptedFile {
    fn try_lock_whole(&self, shared: bool) -> io::Result<bool> {
        let attempt = if shared {
            self.file.try_lock_shared()
        } else {
            self.file.try_lock()
        };
        match attempt {
            Ok(()) => {
                self.whole_file_locked.store(true, Ordering::Release);
                Ok(true)
            }
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(err)) => Err(err),
        }
    }
}

impl StorageBackend for EncryptedFile {
    fn len(&self) -> Result<u64, io::Error> {
        Ok(EncryptedFile::len(self))
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), io::Error> {
        self.read_at(offset, out)
    }

    fn set_len(&self, len: u64) -> Result<(), io::Error> {
        EncryptedFile::set_len(self, len)
    }

    fn sync_data(&self) -> Result<(), io::Error> {
        EncryptedFile::sync_data(self)
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), io::Error> {
        self.write_at(offset, data)
    }

    fn close(&self) -> Result<(), io::Error> {
        self.unlock_range(Bound::Unbounded, Bound::Unbounded)
            .map_err(io::Error::from)
    }

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        if !is_whole_storage(start, end) {
            return Err(BackendError::Unsupported);
        }
        self.try_lock_whole(false).map_err(BackendError::from)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        if !is_whole_storage(start, end) {
            return Err(BackendError::Unsupported);
        }
        self.try_lock_whole(true).map_err(BackendError::from)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        if !is_whole_storage(start, end) {
            return Err(BackendError::Unsupported);
        }
        if self.whole_file_locked.swap(false, Ordering::AcqRel) {
            self.file.unlock()?;
        }
        Ok(())
    }
}
