//! Loads the shared DCAP vectors (`tee-vectors` under the fixture root, see `cloister-fixtures`).
//! Each test that reads them starts with `cloister_fixtures::require!("tee-vectors")`: skipped
//! when the set is missing on a developer machine, failed under `CI=true`; a single missing file
//! in a present set always fails.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use cloister_tee::{Collateral, QuoteVerifier, VerificationPolicy, VerifiedQuote};

/// One quote with its collateral JSON, as read from disk.
pub struct Vector {
    pub quote: Vec<u8>,
    pub collateral_json: Vec<u8>,
}

fn vectors_dir() -> PathBuf {
    cloister_fixtures::path("tee-vectors")
}

fn read(name: &str) -> Vec<u8> {
    let path = vectors_dir().join(name);
    std::fs::read(&path)
        .unwrap_or_else(|err| panic!("test vector {} missing: {err}", path.display()))
}

pub fn sgx() -> Vector {
    Vector {
        quote: read("sgx_quote"),
        collateral_json: read("sgx_quote_collateral.json"),
    }
}

pub fn tdx() -> Vector {
    Vector {
        quote: read("tdx_quote"),
        collateral_json: read("tdx_quote_collateral.json"),
    }
}

impl Vector {
    pub fn collateral(&self) -> Collateral {
        Collateral::from_json(&self.collateral_json).unwrap()
    }
}

/// An RFC 3339 instant as `SystemTime`.
pub fn at(rfc3339: &str) -> SystemTime {
    humantime::parse_rfc3339(rfc3339).unwrap()
}

/// The TCB info issue date + 1 hour, as PROVENANCE.md prescribes.
pub fn sgx_now() -> SystemTime {
    at("2025-06-19T10:56:11Z") + Duration::from_secs(3600)
}

/// The latest TDX collateral issue date (QE identity) + 1 hour.
pub fn tdx_now() -> SystemTime {
    at("2025-06-19T10:32:27Z") + Duration::from_secs(3600)
}

/// Verifies ignoring policy, to learn the quote's identity.
pub fn unchecked(vector: &Vector, now: SystemTime) -> VerifiedQuote {
    QuoteVerifier::verify_without_policy(&vector.quote, &vector.collateral(), now).unwrap()
}

pub fn verifier(policy: VerificationPolicy) -> QuoteVerifier {
    QuoteVerifier::new(policy).unwrap()
}

/// Positions to tamper with: every `step`-th index of `range`, plus both ends.
pub fn sample(range: std::ops::Range<usize>, step: usize) -> Vec<usize> {
    let mut positions: Vec<usize> = range.clone().step_by(step).collect();
    if let Some(last) = range.end.checked_sub(1) {
        positions.push(last);
    }
    positions
}
