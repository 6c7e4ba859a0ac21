//! `cloister-tee`: the trusted-execution side of Cloister.
//!
//! - Attestation: the [`Attester`] seam with two backends, [`OcclumAttester`] (Intel SGX DCAP
//!   quotes through Occlum's `/dev/sgx`) and [`SimulatedAttester`] (clearly marked fake quotes
//!   for development, refused unless the chain allows simulation).
//! - Verification: [`QuoteVerifier`] checks an Intel DCAP quote (SGX v3, TDX v4/v5) against
//!   its [`Collateral`] with `dcap-qvl`, then applies an explicit [`VerificationPolicy`] (no
//!   debug enclaves, allowed MRENCLAVE / MRSIGNER with a minimum ISVSVN, accepted TCB
//!   statuses). A success is a typed [`VerifiedQuote`]; a failure a [`VerifyError`].
//! - RA-TLS: [`RaTlsIdentity`] is a TLS key whose certificate carries a quote over that key;
//!   [`verify_ra_tls_certificate`] checks one and returns an [`AttestationReport`];
//!   [`fetch_server_certificate`] gets a server's certificate to check.
//! - Sealing: the data key of encryption at rest, kept by a [`Sealer`]: [`SgxSealer`] (SGX
//!   seal key) in an enclave, [`KeyFileSealer`] (mode-0600 file) when simulating.
//!
//! Verification is fully offline: collateral travels beside the quote and the caller supplies
//! `now`. Getting `now` from a trusted, bounded source (not the host clock alone inside an
//! enclave, where time comes from the untrusted host) is the caller's job.
//! Formats, OIDs and the threat model: docs/tee.md.

mod attester;
mod backend;
mod client;
mod collateral;
mod error;
mod hex_serde;
mod measurement;
mod occlum;
mod policy;
mod ra_tls;
mod sealing;
mod simulated;
mod strict;
mod tcb;
mod verified;
mod verifier;

pub use attester::{Attester, AttesterKind};
pub use backend::{open_attester, open_sealer};
pub use client::fetch_server_certificate;
pub use collateral::{Collateral, CollateralWindow};
pub use error::{AttestError, PolicyConfigError, PolicyViolation, SealError, VerifyError};
pub use measurement::{Digest, Mr256, Mr384, ParseDigestError};
pub use occlum::{OcclumAttester, OcclumSealKeySource, SGX_DEVICE_PATH};
pub use policy::{EnclaveRule, TdRule, VerificationPolicy};
pub use ra_tls::{
    AttestationReport, QuoteKind, RA_TLS_DOMAIN_TAG, RA_TLS_EXTENSION_OID,
    RA_TLS_EXTENSION_OID_ARCS, RaTlsCheck, RaTlsIdentity, certificate_quote,
    report_data_for_public_key, verify_ra_tls_certificate,
};
pub use sealing::{
    DATA_KEY_FILE, DataKey, KeyFileSealer, SEALED_DATA_KEY_FILE, SealKeyRequest, SealKeySource,
    SealPolicy, Sealer, SecurityVersions, SgxSealer,
};
pub use simulated::{
    SIMULATED_MRSIGNER, SIMULATED_QUOTE_LEN, SIMULATED_QUOTE_MAGIC, SimulatedAttester,
    SimulatedQuote, is_simulated_quote, parse_simulated_quote,
};
pub use tcb::{TcbStatus, UnknownTcbStatus};
pub use verified::{EnclaveIdentity, SgxEnclave, TdxDomain, VerifiedQuote};
pub use verifier::QuoteVerifier;
