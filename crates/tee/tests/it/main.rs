//! Integration tests: `QuoteVerifier` on the real DCAP quotes in `shared/tee-vectors`, and
//! RA-TLS certificates (simulated and real quotes) through the public API, over real TLS.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod ra_tls;
mod sgx;
mod tdx;
mod vectors;
