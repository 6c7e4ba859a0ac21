//! Integration tests: `QuoteVerifier` on the real DCAP quotes in `tee-vectors` (fixture root:
//! `../shared` or `$CLOISTER_FIXTURES`; skipped when missing outside CI), and
//! RA-TLS certificates (simulated and real quotes) through the public API, over real TLS.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod ra_tls;
mod sgx;
mod tdx;
mod vectors;
