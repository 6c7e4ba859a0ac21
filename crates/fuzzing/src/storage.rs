//! What the storage layer reads back from disk, where the host (outside the enclave) can write
//! anything: the encrypted file format (header, key check, sealed 4 KiB blocks, the zero
//! marker, partial tails), and the stored records (accounts, receipts).
//!
//! Input: one mode byte. Mode 0: the rest is a whole encrypted file, opened with [`KEY`], read
//! whole, then written and read back. Mode 1: a stored account. Mode 2: a stored receipt.

use crate::setup::{fail, temp_dir, violated};
use cloister_storage::{StoredAccount, StoredReceipt, encrypted::EncryptedFile};
use std::{cell::RefCell, fs::File};

/// The data key of every fuzzed file (the seed files were written with it).
pub const KEY: [u8; 32] = [0x42; 32];
/// Largest logical length read back: a header may claim more than the input holds.
const MAX_READ: u64 = 1 << 20;

thread_local! {
    static DIR: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// Runs one input as the mode byte says.
pub fn run(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => encrypted_file(rest),
        1 => {
            if let Ok(account) = StoredAccount::decode(rest)
                && account.encode().as_slice() != rest
            {
                violated("a stored account re-encodes differently");
            }
        }
        _ => {
            if let Ok(receipt) = StoredReceipt::decode(rest)
                && let Err(err) = StoredReceipt::decode(&receipt.encode())
            {
                violated(format!("a re-encoded receipt does not decode: {err}"));
            }
        }
    }
}

fn encrypted_file(image: &[u8]) {
    DIR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let dir = slot.get_or_insert_with(|| temp_dir("the encrypted-file directory"));
        let path = dir.path().join("fuzz.enc");
        if let Err(err) = std::fs::write(&path, image) {
            fail("the encrypted file", err);
        }
        let file = File::options()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap_or_else(|err| fail("the encrypted file", err));
        exercise(file);
    });
}

fn exercise(file: File) {
    let Ok(encrypted) = EncryptedFile::open(file, &KEY) else {
        return;
    };
    let len = encrypted.len().min(MAX_READ);
    let mut whole = vec![0u8; len as usize];
    let readable = encrypted.read_at(0, &mut whole).is_ok();
    // Block by block, at odd offsets too: every read is data or an error, never a panic.
    let mut offset = 0;
    while offset < len {
        let mut chunk = vec![0u8; 1000.min((len - offset) as usize)];
        if let Ok(()) = encrypted.read_at(offset, &mut chunk)
            && readable
            && chunk != whole[offset as usize..offset as usize + chunk.len()]
        {
            violated("two reads of the same bytes differ");
        }
        offset += 4093;
    }
    // A write that succeeds reads back (redb writes at page offsets, and also the header).
    let patch = [0xa5u8; 600];
    let at = len.saturating_sub(300);
    if encrypted.write_at(at, &patch).is_ok() {
        let mut back = [0u8; 600];
        match encrypted.read_at(at, &mut back) {
            Ok(()) if back == patch => {}
            Ok(()) => violated("a written range reads back different bytes"),
            Err(err) => violated(format!("a written range cannot be read back: {err}")),
        }
    }
    let _ = encrypted.set_len(len / 2);
}

/// A small encrypted file (three blocks and a tail) for the seed corpus.
pub fn seed_image() -> Vec<u8> {
    let dir = temp_dir("the seed file");
    let path = dir.path().join("seed.enc");
    let written = EncryptedFile::open_path(&path, &KEY).and_then(|file| {
        let data: Vec<u8> = (0..3 * 4096 + 700).map(|i| (i % 251) as u8).collect();
        file.write_at(0, &data)?;
        file.sync_data()?;
        Ok(())
    });
    if let Err(err) = written {
        fail("the seed file", err);
    }
    std::fs::read(&path).unwrap_or_else(|err| fail("the seed file", err))
}
