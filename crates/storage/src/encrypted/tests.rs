//! Unit tests of [`EncryptedFile`] against a plain byte vector as the model.

use super::{
    EncryptedFile, EncryptionError, IntegrityError,
    layout::{BLOCK_LEN, SEALED_LEN, block_offset, physical_offset},
};
use std::{io, os::unix::fs::FileExt, path::Path};

const KEY: [u8; 32] = [7; 32];

/// Deterministic xorshift, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn open(path: &Path) -> EncryptedFile {
    EncryptedFile::open_path(path, &KEY).unwrap()
}

fn read_all(file: &EncryptedFile) -> Vec<u8> {
    let mut out = vec![0u8; file.len() as usize];
    file.read_at(0, &mut out).unwrap();
    out
}

fn flip(path: &Path, at: u64) {
    let raw = std::fs::OpenOptions::new()
        .write(true)
        .read(true)
        .open(path)
        .unwrap();
    let mut byte = [0u8];
    raw.read_exact_at(&mut byte, at).unwrap();
    raw.write_all_at(&[byte[0] ^ 0x20], at).unwrap();
}

#[test]
fn unaligned_writes_and_reads_match_a_plain_model_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    let mut model = Vec::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    {
        let file = open(&path);
        for round in 0..300u64 {
            let offset = rng.below(6 * BLOCK_LEN as u64);
            let len = rng.below(3 * BLOCK_LEN as u64) as usize;
            let data: Vec<u8> = (0..len).map(|i| (round as usize + i) as u8).collect();
            file.write_at(offset, &data).unwrap();
            let end = offset as usize + len;
            if model.len() < end {
                model.resize(end, 0);
            }
            model[offset as usize..end].copy_from_slice(&data);
            let from = rng.below(model.len() as u64 + 1) as usize;
            let to = from + rng.below((model.len() - from) as u64 + 1) as usize;
            let mut got = vec![0u8; to - from];
            file.read_at(from as u64, &mut got).unwrap();
            assert_eq!(got, model[from..to], "round {round}: read {from}..{to}");
        }
        assert_eq!(file.len(), model.len() as u64);
        file.sync_data().unwrap();
    }
    let file = open(&path);
    assert_eq!(read_all(&file), model);
}

#[test]
fn set_len_grows_with_zeros_and_shrinks_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    {
        let file = open(&path);
        file.write_at(0, &[0xaa; 3 * BLOCK_LEN]).unwrap();
        file.set_len(BLOCK_LEN as u64 + 10).unwrap();
        assert_eq!(file.len(), BLOCK_LEN as u64 + 10);
        // Growing again must not bring back the bytes that were cut.
        file.set_len(5 * BLOCK_LEN as u64 + 3).unwrap();
        let all = read_all(&file);
        assert!(all[..BLOCK_LEN + 10].iter().all(|b| *b == 0xaa));
        assert!(all[BLOCK_LEN + 10..].iter().all(|b| *b == 0));
        file.set_len(100).unwrap();
        file.set_len(200).unwrap();
        let all = read_all(&file);
        assert_eq!(all.len(), 200);
        assert!(all[..100].iter().all(|b| *b == 0xaa));
        assert!(all[100..].iter().all(|b| *b == 0));
        file.set_len(7777).unwrap();
    }
    let file = open(&path);
    assert_eq!(file.len(), 7777, "an unaligned length is recovered exactly");
    file.set_len(0).unwrap();
    assert!(file.is_empty());
    drop(file);
    let file = open(&path);
    assert!(file.is_empty());
    file.write_at(5, b"hello").unwrap();
    assert_eq!(read_all(&file), b"\0\0\0\0\0hello");
}

#[test]
fn reads_past_the_end_fail() {
    let dir = tempfile::tempdir().unwrap();
    let file = open(&dir.path().join("f"));
    file.write_at(0, &[1; 10]).unwrap();
    let mut out = [0u8; 11];
    let err = file.read_at(0, &mut out).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
}

#[test]
fn wrong_key_and_foreign_files_are_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    open(&path).write_at(0, b"secret").unwrap();
    assert!(matches!(
        EncryptedFile::open_path(&path, &[8; 32]),
        Err(EncryptionError::WrongKey)
    ));
    let other = dir.path().join("other");
    std::fs::write(&other, vec![b'x'; 500]).unwrap();
    assert!(matches!(
        EncryptedFile::open_path(&other, &KEY),
        Err(EncryptionError::NotEncrypted)
    ));
}

#[test]
fn a_flipped_byte_in_a_data_block_is_an_integrity_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    open(&path).write_at(0, &[3; 4 * BLOCK_LEN]).unwrap();
    for at in [0, 8, 20, 45, 60, SEALED_LEN as u64 - 1] {
        flip(&path, block_offset(2) + at);
        let file = open(&path);
        let mut out = vec![0u8; BLOCK_LEN];
        let err = file
            .read_at(2 * BLOCK_LEN as u64 + 1, &mut out[..10])
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            IntegrityError::find(&err),
            Some(IntegrityError { block: 2 })
        );
        assert_eq!(
            err.to_string(),
            "integrity check failed at block 2: tampered or wrong key"
        );
        // Neighbours still read.
        file.read_at(BLOCK_LEN as u64, &mut out).unwrap();
        assert_eq!(out, vec![3; BLOCK_LEN]);
        flip(&path, block_offset(2) + at);
    }
}

#[test]
fn zeroed_moved_and_swapped_blocks_fail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    let file = open(&path);
    file.write_at(0, &[1; BLOCK_LEN]).unwrap();
    file.write_at(BLOCK_LEN as u64, &[2; BLOCK_LEN]).unwrap();
    file.write_at(2 * BLOCK_LEN as u64, &[3; BLOCK_LEN])
        .unwrap();
    drop(file);
    let raw = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let mut block1 = vec![0u8; SEALED_LEN];
    raw.read_exact_at(&mut block1, block_offset(1)).unwrap();
    raw.write_all_at(&block1, block_offset(2)).unwrap();
    let file = open(&path);
    let mut out = vec![0u8; BLOCK_LEN];
    assert!(
        file.read_at(2 * BLOCK_LEN as u64, &mut out).is_err(),
        "moved"
    );
    drop(file);
    raw.write_all_at(&vec![0u8; SEALED_LEN], block_offset(1))
        .unwrap();
    let file = open(&path);
    assert!(file.read_at(BLOCK_LEN as u64, &mut out).is_err(), "zeroed");

    // A block from another file (same key, same position) fails too.
    let other_path = dir.path().join("other");
    let other = open(&other_path);
    other.write_at(0, &[9; 3 * BLOCK_LEN]).unwrap();
    drop(other);
    let other_raw = std::fs::File::open(&other_path).unwrap();
    let mut foreign = vec![0u8; SEALED_LEN];
    other_raw
        .read_exact_at(&mut foreign, block_offset(1))
        .unwrap();
    raw.write_all_at(&foreign, block_offset(1)).unwrap();
    assert!(
        open(&path).read_at(BLOCK_LEN as u64, &mut out).is_err(),
        "foreign"
    );
}

#[test]
fn a_torn_block_zero_falls_back_to_the_previous_copy_and_two_torn_copies_fail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    let file = open(&path);
    file.write_at(0, b"first").unwrap();
    file.write_at(0, b"second").unwrap();
    drop(file);
    // The newest copy sits in the slot written last; tear it (a power cut mid-write).
    let newest = (0..2)
        .map(|slot| {
            let raw = std::fs::File::open(&path).unwrap();
            let mut seq = [0u8; 8];
            raw.read_exact_at(&mut seq, physical_offset(slot)).unwrap();
            (u64::from_le_bytes(seq), slot)
        })
        .max()
        .unwrap()
        .1;
    flip(&path, physical_offset(newest) + 100);
    let file = open(&path);
    let mut out = [0u8; 6];
    file.read_at(0, &mut out).unwrap();
    assert_eq!(&out[..5], b"first");
    // The next write replaces the torn copy and becomes the newest.
    file.write_at(0, b"third!").unwrap();
    drop(file);
    open(&path).read_at(0, &mut out).unwrap();
    assert_eq!(&out, b"third!");

    flip(&path, physical_offset(0) + 200);
    flip(&path, physical_offset(1) + 200);
    assert!(matches!(
        EncryptedFile::open_path(&path, &KEY),
        Err(EncryptionError::Integrity(IntegrityError { block: 0 }))
    ));
}

#[test]
fn plaintext_never_reaches_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    let marker = b"unique-marker-0123456789abcdef!!";
    let file = open(&path);
    for offset in [0, 100, BLOCK_LEN as u64 - 5, 3 * BLOCK_LEN as u64] {
        file.write_at(offset, marker).unwrap();
    }
    drop(file);
    let raw = std::fs::read(&path).unwrap();
    assert!(!raw.windows(8).any(|w| marker.windows(8).any(|m| m == w)));
}
