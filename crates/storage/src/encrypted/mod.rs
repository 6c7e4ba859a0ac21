//! Encryption at rest: [`EncryptedFile`], a [`redb::StorageBackend`] that seals every 4096-byte
//! logical block with XChaCha20-Poly1305, so tables, indexes and redb's own metadata never reach
//! the disk in the clear, and a changed byte is an error, never different data.
//!
//! # Format
//! A 128-byte header (magic `CLOISTER-ENC-v1`, random file id, key check value, tail length),
//! then sealed blocks of `seq ‖ kind ‖ nonce ‖ tag ‖ ciphertext` (4152 bytes for 4096). The
//! associated data is `file id ‖ block index ‖ seq ‖ kind`: a block moved to another position
//! or copied from another file fails. The key check (32 zero bytes sealed under the file id)
//! makes a wrong key a clear [`EncryptionError::WrongKey`] at open instead of garbage later.
//! Plain `pread`/`pwrite`, no `mmap` (Occlum does not keep mappings coherent with writes).
//!
//! # Never-written bytes
//! redb requires new bytes to read as zeros. Growing the file writes an authenticated
//! "all zeros" marker (a tag over no ciphertext) into every new block; an all-zero physical block
//! (a filesystem hole, or an attacker zeroing a block) does not authenticate, so tampering can
//! never turn data into zeros.
//!
//! # What redb reads and writes
//! From redb 4.4's source (`tree_store/page_store/cached_file.rs`, `page_manager.rs`): pages are
//! written whole at page-aligned offsets (`assert_eq!(0, offset % page_size)`) and are
//! 4096 << order bytes long, so a page write seals whole blocks with no read-modify-write. The
//! exceptions are the 320-byte database header at offset 0 (every commit) and a 9-byte magic
//! read at open, both inside block 0, whose plaintext is cached. File lengths from redb are whole
//! pages; other lengths work too (the tail length in the header makes them exact).
//!
//! # Crash safety
//! A torn physical write (power cut mid-`pwrite`) leaves a block that fails authentication:
//! redb then gets an error, never garbage it could mistake for data. Two things keep torn
//! blocks away from what redb reads after a crash:
//! - The store commits in two phases (`set_two_phase_commit(true)`): data pages are made
//!   durable before the header that references them is written, and redb's copy-on-write never
//!   overwrites pages the durable header references. A torn data page is therefore one that no
//!   committed state points to. (redb's default one-phase commit instead detects torn pages by
//!   checksum during recovery, which needs to read them, so the encrypted store does not use it.)
//! - Block 0 (redb's header, the commit point) lives in two slots written alternately; if the
//!   newest copy is torn, the previous one is used, exactly as if the crash came just before
//!   that header write (see `block_zero`). An attacker who corrupts the newest copy thereby
//!   rolls the header back one write; replacing the whole file with an older copy is possible
//!   anyway, since rollback protection needs a monotonic counter outside the disk.
//!
//! A failed authentication is an `io::Error` of kind `InvalidData` wrapping [`IntegrityError`]
//! (`integrity check failed at block N: tampered or wrong key`), which `cloister-storage` turns
//! into `StorageError::Integrity`.

mod backend;
mod block_zero;
mod error;
mod file;
mod header;
mod layout;
mod sealer;

pub use error::{EncryptionError, IntegrityError};
pub use file::EncryptedFile;
pub use header::{FileKind, MAGIC, file_kind};
pub use layout::{BLOCK_LEN, HEADER_LEN, SEALED_LEN};

#[cfg(test)]
mod tests;
