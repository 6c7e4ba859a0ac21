//! Measures what `TokenStore::resolve` costs per request (SHA-256 + one redb read
//! transaction) over a store holding many tokens. Run:
//! `cargo run -p cloister-auth --example resolve_cost --release` (or without `--release`).

use cloister_auth::TokenStore;
use cloister_primitives::Address;
use cloister_storage::Store;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let tokens = TokenStore::new(Store::open(dir.path())?);
    let issued_count = 2_000u16;
    let start = Instant::now();
    let mut issued = Vec::new();
    for i in 0..issued_count {
        let owner = Address::left_padding_from(&i.to_be_bytes());
        issued.push(tokens.issue(owner, Duration::from_secs(3600))?);
    }
    let per_issue = start.elapsed() / u32::from(issued_count);
    let rounds = 100_000u32;
    let start = Instant::now();
    let mut found = 0u32;
    for round in 0..rounds {
        let token = &issued[round as usize % issued.len()].token;
        found += u32::from(tokens.resolve(token)?.is_some());
    }
    let per_resolve = start.elapsed() / rounds;
    let start = Instant::now();
    for _ in 0..rounds {
        tokens.resolve("clst_0000000000000000000000000000000000000000000000000000000000000000")?;
    }
    let per_miss = start.elapsed() / rounds;
    println!("issue (one write transaction each): {per_issue:?}");
    println!("resolve hit ({found} of {rounds}): {per_resolve:?}");
    println!("resolve miss: {per_miss:?}");
    Ok(())
}
