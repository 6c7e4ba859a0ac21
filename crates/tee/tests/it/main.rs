//! Integration tests of `QuoteVerifier` on the real DCAP quotes in `shared/tee-vectors`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod vectors;
mod sgx;
mod tdx;
