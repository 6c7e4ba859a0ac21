//! The encrypted store end to end: real redb databases on `EncryptedFile`, reopened, tampered
//! with byte by byte, and scanned for plaintext.

use cloister_primitives::{Address, B256, Bytes, U256};
use cloister_storage::{
    DB_FILE, StorageError, Store, StoredAccount,
    encrypted::{HEADER_LEN, SEALED_LEN},
};
use std::path::Path;

const KEY: [u8; 32] = [0x5a; 32];

fn account(i: u64) -> StoredAccount {
    StoredAccount {
        nonce: i,
        balance: U256::from(i * 1_000_000_007),
        code_hash: B256::with_last_byte(i as u8),
        storage_root: B256::repeat_byte(i as u8),
    }
}

fn address(i: u64) -> Address {
    let mut bytes = [0u8; 20];
    bytes[12..].copy_from_slice(&i.to_be_bytes());
    Address::from(bytes)
}

/// Writes `accounts` accounts (each with 3 slots and a 300-byte code) in `commits` commits.
fn fill(store: &Store, accounts: u64, commits: u64) {
    let per_commit = accounts / commits;
    for commit in 0..commits {
        let mut w = store.writer().unwrap();
        let range = commit * per_commit..(commit + 1) * per_commit;
        let addresses: Vec<Address> = range.clone().map(address).collect();
        w.put_accounts(
            addresses
                .iter()
                .zip(range.clone())
                .map(|(a, i)| (a, Some(account(i)))),
        )
        .unwrap();
        w.put_storage(addresses.iter().zip(range.clone()).flat_map(|(a, i)| {
            (1..=3u8).map(move |s| {
                (
                    a,
                    B256::with_last_byte(s),
                    U256::from(i * 10 + u64::from(s)),
                )
            })
        }))
        .unwrap();
        let codes: Vec<(B256, Bytes)> = range
            .map(|i| (B256::from(U256::from(i)), Bytes::from(vec![i as u8; 300])))
            .collect();
        w.put_bytecodes(codes.iter().map(|(h, c)| (h, c))).unwrap();
        w.commit().unwrap();
    }
}

/// Everything readable from the store, or the first error.
fn read_everything(store: &Store) -> Result<Vec<String>, StorageError> {
    let reader = store.reader()?;
    let mut out = Vec::new();
    for (address, account) in reader.all_accounts()? {
        out.push(format!("{address} {account:?}"));
        for (slot, value) in reader.storage_slots(&address)? {
            out.push(format!("{address} {slot} {value}"));
        }
        let code = reader.bytecode(&B256::from(U256::from(account.nonce)))?;
        out.push(format!("{code:?}"));
    }
    Ok(out)
}

#[test]
fn many_blocks_round_trip_through_redb_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let expected = {
        let store = Store::open_encrypted(dir.path(), &KEY).unwrap();
        assert!(store.is_encrypted());
        fill(&store, 4000, 8);
        read_everything(&store).unwrap()
    };
    assert_eq!(expected.len(), 4000 * 5);
    let size = std::fs::metadata(dir.path().join(DB_FILE)).unwrap().len();
    assert!(
        size > 200 * SEALED_LEN as u64,
        "spans many blocks: {size} bytes"
    );
    let store = Store::open_encrypted(dir.path(), &KEY).unwrap();
    assert_eq!(read_everything(&store).unwrap(), expected);
    // More commits after reopening keep working.
    fill(&store, 100, 1);
    assert_eq!(
        store.reader().unwrap().account(&address(42)).unwrap(),
        Some(account(42))
    );
}

#[test]
fn wrong_key_missing_key_and_plaintext_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open_encrypted(dir.path(), &KEY).unwrap());
    assert!(matches!(
        Store::open_encrypted(dir.path(), &[1; 32]),
        Err(StorageError::WrongKey)
    ));
    assert!(matches!(
        Store::open(dir.path()),
        Err(StorageError::Encrypted)
    ));
    assert!(Store::open_encrypted(dir.path(), &KEY).is_ok());

    let plain = tempfile::tempdir().unwrap();
    drop(Store::open(plain.path()).unwrap());
    assert!(matches!(
        Store::open_encrypted(plain.path(), &KEY),
        Err(StorageError::NotEncrypted)
    ));
    assert!(Store::open(plain.path()).is_ok());
}

fn marker_found(datadir: &Path, marker: &[u8; 32]) -> bool {
    let raw = std::fs::read(datadir.join(DB_FILE)).unwrap();
    raw.windows(marker.len()).any(|w| w == marker)
}

#[test]
fn a_marker_written_as_key_and_value_never_reaches_the_disk_in_the_clear() {
    let marker: [u8; 32] = *b"marker:7f3a9c1e5b2d4f6a8c0e1b3d5";
    let value_marker: [u8; 32] = *b"value:0b1c2d3e4f5a6b7c8d9e0f1a2b";
    let write = |store: &Store| {
        store.put_auth_token(&marker, &value_marker).unwrap();
        let mut w = store.writer().unwrap();
        w.put_bytecodes([(&B256::from(marker), &Bytes::from(value_marker.to_vec()))])
            .unwrap();
        w.commit().unwrap();
    };

    let plain = tempfile::tempdir().unwrap();
    {
        let store = Store::open(plain.path()).unwrap();
        write(&store);
    }
    // The check can fail: without encryption both markers are on disk.
    assert!(marker_found(plain.path(), &marker));
    assert!(marker_found(plain.path(), &value_marker));

    let sealed = tempfile::tempdir().unwrap();
    {
        let store = Store::open_encrypted(sealed.path(), &KEY).unwrap();
        write(&store);
        assert_eq!(
            store.auth_token(&marker).unwrap(),
            Some(value_marker.to_vec())
        );
    }
    assert!(!marker_found(sealed.path(), &marker));
    assert!(!marker_found(sealed.path(), &value_marker));
}

/// Flips one byte in every sealed block of a small database, one block at a time on a pristine
/// copy: opening and reading everything must then fail or give exactly the original data.
#[test]
fn every_flipped_block_is_an_error_or_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let expected = {
        let store = Store::open_encrypted(dir.path(), &KEY).unwrap();
        fill(&store, 300, 3);
        read_everything(&store).unwrap()
    };
    let path = dir.path().join(DB_FILE);
    let pristine = std::fs::read(&path).unwrap();
    let blocks = (pristine.len() as u64 - HEADER_LEN) / SEALED_LEN as u64;
    let (mut integrity_errors, mut other_errors, mut unchanged) = (0, 0, 0);
    for block in 0..blocks {
        // Vary the flipped position: prefix, nonce, tag and ciphertext bytes all get hit.
        let within = (block * 997) % SEALED_LEN as u64;
        let mut tampered = pristine.clone();
        tampered[(HEADER_LEN + block * SEALED_LEN as u64 + within) as usize] ^= 0x01;
        std::fs::write(&path, &tampered).unwrap();
        let outcome = Store::open_encrypted(dir.path(), &KEY).and_then(|s| read_everything(&s));
        match outcome {
            Ok(data) => {
                assert_eq!(
                    data, expected,
                    "block {block} byte {within}: different data"
                );
                unchanged += 1;
            }
            Err(StorageError::Integrity { .. }) => integrity_errors += 1,
            Err(_) => other_errors += 1,
        }
    }
    eprintln!(
        "{blocks} blocks: {integrity_errors} integrity errors, {other_errors} other errors, \
         {unchanged} unchanged (free pages or the spare copy of block 0)"
    );
    assert!(integrity_errors > 0);
    // Every page that holds the 300 accounts is read, so most blocks must fail.
    assert!(integrity_errors + other_errors >= 10);
}

/// A copy of the file taken while the store is open (as a power cut after a commit leaves it:
/// recovery flag set, allocator state not saved) opens, repairs and reads back everything.
#[test]
fn a_crash_image_taken_after_a_commit_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let crash = tempfile::tempdir().unwrap();
    let store = Store::open_encrypted(dir.path(), &KEY).unwrap();
    fill(&store, 600, 3);
    let expected = read_everything(&store).unwrap();
    std::fs::copy(dir.path().join(DB_FILE), crash.path().join(DB_FILE)).unwrap();
    let recovered = Store::open_encrypted(crash.path(), &KEY).unwrap();
    assert_eq!(read_everything(&recovered).unwrap(), expected);
    fill(&recovered, 30, 1);
}
