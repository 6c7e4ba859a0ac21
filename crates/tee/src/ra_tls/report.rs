//! What a successful RA-TLS verification established, as a serializable report (JSON with
//! hex byte fields) for the CLI, the RPC and the logs.

use serde::{Deserialize, Serialize};

use crate::measurement::{Mr256, Mr384};
use crate::tcb::TcbStatus;
use crate::verified::VerifiedQuote;

/// The kind of quote a certificate carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuoteKind {
    /// An Intel SGX DCAP quote, verified against Intel's root.
    Sgx,
    /// An Intel TDX DCAP quote, verified against Intel's root.
    Tdx,
    /// A simulated quote: proves nothing, accepted only where simulation is allowed.
    Simulated,
}

/// A verified RA-TLS certificate. Only ever returned on success: every failed check is an
/// error naming the check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationReport {
    /// What produced the quote.
    pub kind: QuoteKind,
    /// Set for simulated quotes, so that no reader mistakes them for real attestation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// MRENCLAVE (SGX and simulated).
    pub mrenclave: Option<Mr256>,
    /// MRSIGNER (SGX and simulated; the simulated one is a fixed marker).
    pub mrsigner: Option<Mr256>,
    /// ISVPRODID (SGX).
    pub isv_prod_id: Option<u16>,
    /// ISVSVN (SGX and simulated).
    pub isv_svn: Option<u16>,
    /// MRTD (TDX).
    pub mrtd: Option<Mr384>,
    /// Platform TCB status (real quotes only).
    pub tcb_status: Option<TcbStatus>,
    /// Intel advisories at that TCB level (real quotes only).
    pub advisory_ids: Vec<String>,
    /// The quote's report data.
    #[serde(with = "crate::hex_serde")]
    pub report_data: [u8; 64],
    /// The report data is SHA-512(tag ‖ the certificate's public key): always true in a
    /// returned report, spelled out for readers of the JSON.
    pub report_data_binds_key: bool,
    /// SHA-256 of the certificate DER.
    #[serde(with = "crate::hex_serde")]
    pub cert_sha256: [u8; 32],
    /// SHA-256 of the certificate's SubjectPublicKeyInfo DER (pin this for later sessions).
    #[serde(with = "crate::hex_serde")]
    pub public_key_sha256: [u8; 32],
    /// SHA-256 of the quote.
    #[serde(with = "crate::hex_serde")]
    pub quote_sha256: [u8; 32],
    /// The time verification ran at, Unix seconds.
    pub verified_at: u64,
    /// The full verified quote (real quotes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<VerifiedQuote>,
}
