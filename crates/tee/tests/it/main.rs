//! Integration tests: `QuoteVerifier` on the real DCAP quotes in `shared/tee-vectors`, and
//! RA-TLS certificates (simulated and real quotes) through the public API, over real TLS.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod vectors;
mod sgx;
mod tdx;
mod ra_tls;
mod client;
