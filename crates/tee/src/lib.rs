//! `cloister-tee`: the trusted-execution side of Cloister.
//!
//! This crate holds, for now, the verifier half: [`QuoteVerifier`] checks an Intel DCAP quote
//! (SGX v3, and TDX v4/v5 through the same code path) against its [`Collateral`] with the
//! `dcap-qvl` crate, then applies an explicit [`VerificationPolicy`] (no debug enclaves,
//! allowed MRENCLAVE / MRSIGNER with a minimum ISVSVN, accepted TCB statuses). A success is a
//! typed [`VerifiedQuote`]; a failure is a [`VerifyError`] naming the rule that failed.
//!
//! Verification is fully offline: collateral travels beside the quote and the caller supplies
//! `now`. Getting `now` from a trusted, bounded source (not the host clock alone inside an
//! enclave, where time comes from the untrusted host) is the caller's job.

mod collateral;
mod error;
mod measurement;
mod policy;
mod strict;
mod tcb;
mod verified;
mod verifier;

pub use collateral::{Collateral, CollateralWindow};
pub use error::{PolicyConfigError, PolicyViolation, VerifyError};
pub use measurement::{Digest, Mr256, Mr384, ParseDigestError};
pub use policy::{EnclaveRule, TdRule, VerificationPolicy};
pub use tcb::{TcbStatus, UnknownTcbStatus};
pub use verified::{EnclaveIdentity, SgxEnclave, TdxDomain, VerifiedQuote};
pub use verifier::QuoteVerifier;
