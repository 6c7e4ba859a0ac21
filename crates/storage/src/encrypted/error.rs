//! Errors of the encrypted file: opening it, and a block that fails authentication.

use std::io;

/// A sealed block that did not authenticate: its bytes were changed (tampering, a torn write)
/// or it was sealed under another key or for another file or position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("integrity check failed at block {block}: tampered or wrong key")]
pub struct IntegrityError {
    /// Logical block index (byte offset / 4096).
    pub block: u64,
}

impl From<IntegrityError> for io::Error {
    fn from(err: IntegrityError) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }
}

impl IntegrityError {
    /// The integrity failure inside an I/O error that redb passed on, if that is what it is.
    pub fn find(err: &io::Error) -> Option<Self> {
        err.get_ref()
            .and_then(|inner| inner.downcast_ref::<Self>())
            .copied()
    }
}

/// Why an encrypted file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum EncryptionError {
    /// The file does not start with the encrypted-file magic.
    #[error("not an encrypted Cloister file")]
    NotEncrypted,
    /// The key check value does not authenticate under this key.
    #[error("wrong encryption key for this file")]
    WrongKey,
    /// Both copies of block 0 fail authentication.
    #[error(transparent)]
    Integrity(#[from] IntegrityError),
    /// Reading, writing or syncing the file failed, or no random bytes were available.
    #[error("io: {0}")]
    Io(#[from] io::Error),
}

/// An I/O error saying `what` is out of range or malformed.
pub(crate) fn invalid_input(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what)
}
