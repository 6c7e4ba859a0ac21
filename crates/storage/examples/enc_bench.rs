//! Measures what encryption at rest costs: 100k 100-byte values inserted through `Store` in
//! block-sized commits, read back by key and scanned, plaintext vs encrypted; and the raw
//! sealing throughput of `EncryptedFile`. Prints figures; asserts nothing about time.
//!
//! `cargo run -p cloister-storage --example enc_bench [values] [per_commit]`

use cloister_primitives::{B256, Bytes, U256};
use cloister_storage::{Store, encrypted::EncryptedFile};
use std::{error::Error, time::Instant};

fn key_of(i: u64) -> B256 {
    // Spread keys over the key space, as hashes are.
    B256::from(U256::from(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

/// Inserts through raw redb with a chosen commit mode, to separate the cost of two-phase commit
/// (one more fsync per commit) from the cost of sealing.
fn run_raw_redb(
    label: &str,
    db: &redb::Database,
    two_phase: bool,
    values: u64,
    per_commit: u64,
) -> Result<(), Box<dyn Error>> {
    const TABLE: redb::TableDefinition<&[u8; 32], &[u8]> = redb::TableDefinition::new("bench");
    let value = [0xabu8; 100];
    let start = Instant::now();
    let mut next = 0;
    while next < values {
        let end = (next + per_commit).min(values);
        let mut txn = db.begin_write()?;
        txn.set_two_phase_commit(two_phase);
        {
            let mut table = txn.open_table(TABLE)?;
            for i in next..end {
                table.insert(&key_of(i).0, value.as_slice())?;
            }
        }
        txn.commit()?;
        next = end;
    }
    println!(
        "{label:>24}: {:>8.0} values/s",
        values as f64 / start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn raw_redb_modes(values: u64, per_commit: u64) -> Result<(), Box<dyn Error>> {
    for (label, encrypted, two_phase) in [
        ("redb plaintext 1PC", false, false),
        ("redb plaintext 2PC", false, true),
        ("redb encrypted 2PC", true, true),
    ] {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("raw.redb");
        let db = if encrypted {
            redb::Database::builder()
                .create_with_backend(EncryptedFile::open_path(&path, &[3; 32])?)?
        } else {
            redb::Database::create(&path)?
        };
        run_raw_redb(label, &db, two_phase, values, per_commit)?;
    }
    Ok(())
}

fn cold_reads(label: &str, store: &Store, values: u64) -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let reader = store.reader()?;
    for i in 0..values {
        if reader.bytecode(&key_of(i))?.is_none() {
            return Err(format!("value {i} missing").into());
        }
    }
    println!(
        "{label:>10}: point reads after reopen (redb cache cold, OS cache warm): {:>8.0}/s",
        values as f64 / start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run(label: &str, store: &Store, values: u64, per_commit: u64) -> Result<(), Box<dyn Error>> {
    let value = Bytes::from(vec![0xab; 100]);
    let start = Instant::now();
    let mut next = 0;
    while next < values {
        let end = (next + per_commit).min(values);
        let keys: Vec<B256> = (next..end).map(key_of).collect();
        let mut w = store.writer()?;
        w.put_bytecodes(keys.iter().map(|k| (k, &value)))?;
        w.commit()?;
        next = end;
    }
    let insert = start.elapsed();

    let start = Instant::now();
    let reader = store.reader()?;
    for i in 0..values {
        if reader.bytecode(&key_of(i))?.is_none() {
            return Err(format!("value {i} missing").into());
        }
    }
    let point_reads = start.elapsed();
    println!(
        "{label:>10}: insert {values} x 100 B in {} commits: {:>8.0} values/s ({:.2} s) | point reads: {:>8.0}/s",
        values.div_ceil(per_commit),
        values as f64 / insert.as_secs_f64(),
        insert.as_secs_f64(),
        values as f64 / point_reads.as_secs_f64(),
    );
    Ok(())
}

fn raw_throughput() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let file = EncryptedFile::open_path(&dir.path().join("raw"), &[9; 32])?;
    let page = vec![0x5au8; 4096];
    let pages: u64 = 16 * 1024; // 64 MiB
    file.set_len(pages * 4096)?;
    let start = Instant::now();
    for p in 0..pages {
        file.write_at(p * 4096, &page)?;
    }
    let write = start.elapsed();
    let mut out = vec![0u8; 4096];
    let start = Instant::now();
    for p in 0..pages {
        file.read_at(p * 4096, &mut out)?;
    }
    let read = start.elapsed();
    let mib = (pages * 4096) as f64 / (1024.0 * 1024.0);
    println!(
        "EncryptedFile 4 KiB pages (page cache, no fsync): seal+pwrite {:.0} MiB/s, pread+open {:.0} MiB/s",
        mib / write.as_secs_f64(),
        mib / read.as_secs_f64()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let values: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let per_commit: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000);

    raw_throughput()?;
    let plain_dir = tempfile::tempdir()?;
    let sealed_dir = tempfile::tempdir()?;
    run(
        "plaintext",
        &Store::open(plain_dir.path())?,
        values,
        per_commit,
    )?;
    run(
        "encrypted",
        &Store::open_encrypted(sealed_dir.path(), &[7; 32])?,
        values,
        per_commit,
    )?;
    cold_reads("plaintext", &Store::open(plain_dir.path())?, values)?;
    cold_reads(
        "encrypted",
        &Store::open_encrypted(sealed_dir.path(), &[7; 32])?,
        values,
    )?;
    raw_redb_modes(values, per_commit)?;
    for (label, dir) in [("plaintext", &plain_dir), ("encrypted", &sealed_dir)] {
        let size = std::fs::metadata(dir.path().join(cloister_storage::DB_FILE))?.len();
        println!(
            "{label:>10}: file {:.1} MiB",
            size as f64 / (1024.0 * 1024.0)
        );
    }
    Ok(())
}
