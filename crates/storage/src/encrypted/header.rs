//! The file header: magic, random file id, key check value and the byte count of a partial last
//! block. Written once at creation; only the tail field ever changes, and redb sizes the file in
//! whole pages, so in practice it never does.
//!
//! The tail and the file length are not authenticated: an attacker who can write the disk can
//! always cut or replace the whole file (rollback is outside what at-rest encryption can stop),
//! and redb refuses a file shorter than its committed layout.

use super::{
    error::EncryptionError,
    layout::HEADER_LEN,
    sealer::{FILE_ID_LEN, KEY_CHECK_LEN},
};
use std::{fs::File, io, os::unix::fs::FileExt, path::Path};

/// First bytes of every encrypted file.
pub const MAGIC: &[u8; 16] = b"CLOISTER-ENC-v1\0";

const FILE_ID_AT: usize = MAGIC.len();
const KEY_CHECK_AT: usize = FILE_ID_AT + FILE_ID_LEN;
const TAIL_AT: usize = KEY_CHECK_AT + KEY_CHECK_LEN;
const HEADER_BYTES: usize = HEADER_LEN as usize;

/// The parsed file header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileHeader {
    pub(crate) file_id: [u8; FILE_ID_LEN],
    pub(crate) key_check: [u8; KEY_CHECK_LEN],
    /// Bytes used in the last block; 0 when it is full.
    pub(crate) tail: u32,
}

impl FileHeader {
    pub(crate) fn encode(&self) -> [u8; HEADER_BYTES] {
        let mut out = [0u8; HEADER_BYTES];
        out[..FILE_ID_AT].copy_from_slice(MAGIC);
        out[FILE_ID_AT..KEY_CHECK_AT].copy_from_slice(&self.file_id);
        out[KEY_CHECK_AT..TAIL_AT].copy_from_slice(&self.key_check);
        out[TAIL_AT..TAIL_AT + 4].copy_from_slice(&self.tail.to_le_bytes());
        out
    }

    pub(crate) fn decode(bytes: &[u8; HEADER_BYTES]) -> Result<Self, EncryptionError> {
        if &bytes[..FILE_ID_AT] != MAGIC {
            return Err(EncryptionError::NotEncrypted);
        }
        let mut file_id = [0u8; FILE_ID_LEN];
        file_id.copy_from_slice(&bytes[FILE_ID_AT..KEY_CHECK_AT]);
        let mut key_check = [0u8; KEY_CHECK_LEN];
        key_check.copy_from_slice(&bytes[KEY_CHECK_AT..TAIL_AT]);
        let mut tail = [0u8; 4];
        tail.copy_from_slice(&bytes[TAIL_AT..TAIL_AT + 4]);
        Ok(Self {
            file_id,
            key_check,
            tail: u32::from_le_bytes(tail),
        })
    }

    /// Rewrites only the tail field (4 bytes inside one sector).
    pub(crate) fn write_tail(file: &File, tail: u32) -> io::Result<()> {
        file.write_all_at(&tail.to_le_bytes(), TAIL_AT as u64)
    }
}

/// What a database file holds, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Missing or empty: either kind may be created.
    Empty,
    /// Starts with [`MAGIC`].
    Encrypted,
    /// Anything else (a plaintext redb file starts with redb's own magic).
    Other,
}

/// Looks at the first bytes of `path`.
pub fn file_kind(path: &Path) -> io::Result<FileKind> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(FileKind::Empty),
        Err(err) => return Err(err),
    };
    if file.metadata()?.len() == 0 {
        return Ok(FileKind::Empty);
    }
    let mut magic = [0u8; MAGIC.len()];
    match file.read_exact_at(&mut magic, 0) {
        Ok(()) if &magic == MAGIC => Ok(FileKind::Encrypted),
        Ok(()) => Ok(FileKind::Other),
        Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => Ok(FileKind::Other),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_rejects_foreign_magic() {
        let header = FileHeader {
            file_id: [3; FILE_ID_LEN],
            key_check: [4; KEY_CHECK_LEN],
            tail: 17,
        };
        let mut bytes = header.encode();
        assert_eq!(FileHeader::decode(&bytes).unwrap(), header);
        bytes[0] = b'r';
        assert!(matches!(
            FileHeader::decode(&bytes),
            Err(EncryptionError::NotEncrypted)
        ));
    }

    #[test]
    fn kinds_of_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        assert_eq!(file_kind(&path).unwrap(), FileKind::Empty);
        std::fs::write(&path, b"").unwrap();
        assert_eq!(file_kind(&path).unwrap(), FileKind::Empty);
        std::fs::write(&path, b"redb").unwrap();
        assert_eq!(file_kind(&path).unwrap(), FileKind::Other);
        std::fs::write(&path, MAGIC).unwrap();
        assert_eq!(file_kind(&path).unwrap(), FileKind::Encrypted);
    }
}
