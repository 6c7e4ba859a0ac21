//! Conformance test binary: the official blockchain and state tests, and the hive fixture chain
//! imported through `cloister import`'s code path. A missing fixture directory fails.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod ethereum_tests;
mod hive_chain;

use std::path::PathBuf;

/// `../shared/conformance` beside the repository; panics when it is missing.
fn conformance_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance");
    assert!(
        dir.is_dir(),
        "conformance fixtures not found at {}: they must be present",
        dir.display()
    );
    dir
}
