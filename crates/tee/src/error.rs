//! Typed errors: why a quote, its collateral or a policy was refused.

use crate::measurement::{Mr256, Mr384};
use crate::tcb::TcbStatus;

/// Why verification failed. Policy refusals are grouped under [`VerifyError::Policy`].
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The collateral is not the JSON format of the DCAP collateral (`QuoteCollateralV3`).
    #[error("collateral JSON is malformed: {0}")]
    CollateralJson(#[from] serde_json::Error),
    /// A signed collateral document lacks a field or holds a malformed one.
    #[error("collateral {document} field {field} is missing or malformed")]
    CollateralField {
        /// `tcb_info` or `qe_identity`.
        document: &'static str,
        /// The JSON field.
        field: &'static str,
    },
    /// The quote does not parse as a DCAP quote.
    #[error("quote is malformed: {reason}")]
    MalformedQuote {
        /// The parser's message.
        reason: String,
    },
    /// A quote or collateral field is not in canonical form, or the PCK CRL issuer chain does
    /// not match the quote's chain (checks dcap-qvl leaves out; see `strict`).
    #[error("{what} is not in canonical form")]
    NonCanonical {
        /// Which part.
        what: &'static str,
    },
    /// The caller's `now` lies before the Unix epoch.
    #[error("`now` is before the Unix epoch")]
    ClockBeforeEpoch,
    /// `now` is before the collateral's latest issue date.
    #[error("collateral is not valid before {not_before} (unix seconds), now is {now}")]
    CollateralNotYetValid {
        /// Latest issue date of the signed collateral documents.
        not_before: u64,
        /// The caller's time.
        now: u64,
    },
    /// `now` is after the collateral's earliest next-update date.
    #[error("collateral expired at {not_after} (unix seconds), now is {now}")]
    CollateralExpired {
        /// Earliest next-update date of the signed collateral documents.
        not_after: u64,
        /// The caller's time.
        now: u64,
    },
    /// dcap-qvl refused the quote: a signature, certificate chain, CRL, QE identity or TCB
    /// check failed. The message is dcap-qvl's.
    #[error("quote failed DCAP verification: {reason}")]
    Dcap {
        /// dcap-qvl's error chain, rendered.
        reason: String,
    },
    /// dcap-qvl reported a TCB status this crate does not know.
    #[error(transparent)]
    UnknownTcbStatus(#[from] crate::tcb::UnknownTcbStatus),
    /// The quote verified but the policy refuses it.
    #[error("policy refused the quote: {0}")]
    Policy(#[from] PolicyViolation),
}

/// The policy rule a cryptographically valid quote broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    /// The enclave (or TD) runs in debug mode: its memory is readable by the host.
    #[error("debug enclaves are refused")]
    DebugEnclave,
    /// The platform's TCB status is not in the accepted list.
    #[error("TCB status {status} is not accepted (advisories: {advisory_ids:?})")]
    TcbStatusNotAccepted {
        /// The status found.
        status: TcbStatus,
        /// Its advisories, for the operator.
        advisory_ids: Vec<String>,
    },
    /// No rule names this MRENCLAVE or MRSIGNER (with this ISVPRODID).
    #[error("enclave MRENCLAVE {mr_enclave} / MRSIGNER {mr_signer} is not allowed")]
    EnclaveNotAllowed {
        /// The quote's MRENCLAVE.
        mr_enclave: Mr256,
        /// The quote's MRSIGNER.
        mr_signer: Mr256,
    },
    /// A rule names the enclave but requires a newer ISVSVN.
    #[error("enclave ISVSVN {isv_svn} is below the minimum {min_isv_svn}")]
    IsvSvnTooLow {
        /// The quote's ISVSVN.
        isv_svn: u16,
        /// The highest minimum among the rules naming this enclave.
        min_isv_svn: u16,
    },
    /// No TD rule names this MRTD.
    #[error("TD with MRTD {mr_td} is not allowed")]
    TdNotAllowed {
        /// The quote's MRTD.
        mr_td: Mr384,
    },
}

/// Why a [`VerificationPolicy`](crate::VerificationPolicy) is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyConfigError {
    /// An enclave rule names neither MRENCLAVE nor MRSIGNER, so it would allow any enclave.
    #[error("enclave rule {index} names neither mr_enclave nor mr_signer")]
    RuleWithoutMeasurement {
        /// Position of the rule in `allowed_enclaves`.
        index: usize,
    },
    /// No TCB status is accepted, so every quote would be refused.
    #[error("accepted_tcb_statuses is empty")]
    NoAcceptedTcbStatus,
    /// `Revoked` can never be accepted.
    #[error("the Revoked TCB status cannot be accepted")]
    RevokedAccepted,
}

/// Why producing or checking an attestation failed: quote generation on the SGX device, the
/// simulated backend, building an RA-TLS certificate, or verifying one (each check has its
/// own variant, so the message says which check refused the certificate).
#[derive(Debug, thiserror::Error)]
pub enum AttestError {
    /// The SGX device cannot be opened: not running inside Occlum on SGX hardware.
    #[error("SGX device {path} cannot be opened (not inside an Occlum enclave?): {source}")]
    DeviceUnavailable {
        /// The device path tried.
        path: std::path::PathBuf,
        /// The open error.
        source: std::io::Error,
    },
    /// An ioctl on the SGX device failed.
    #[error("SGX ioctl {request} failed: {source}")]
    Ioctl {
        /// The request name, e.g. `GEN_DCAP_QUOTE`.
        request: &'static str,
        /// The error the device returned.
        source: std::io::Error,
    },
    /// The device stayed busy (EBUSY) through every retry.
    #[error("SGX ioctl {request} still busy after {attempts} attempts")]
    DeviceBusy {
        /// The request name.
        request: &'static str,
        /// Attempts made.
        attempts: u32,
    },
    /// The device reported a quote size that cannot be a DCAP quote.
    #[error("SGX device reported an implausible quote size of {size} bytes")]
    QuoteSize {
        /// The reported size.
        size: u32,
    },
    /// The running executable could not be hashed for the simulated measurement.
    #[error("cannot hash the running executable for the simulated measurement: {0}")]
    ExecutableUnreadable(#[source] std::io::Error),
    /// rcgen could not build the RA-TLS certificate.
    #[error("cannot build the RA-TLS certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// The certificate is not DER X.509, or bytes follow it.
    #[error("certificate does not parse: {reason}")]
    CertificateParse {
        /// The parser's message.
        reason: String,
    },
    /// The certificate's self-signature does not verify (its bytes were altered).
    #[error("certificate self-signature does not verify")]
    CertificateSignature,
    /// The certificate carries no Cloister attestation extension.
    #[error("certificate has no attestation extension (OID {oid})")]
    MissingExtension {
        /// The OID looked for.
        oid: &'static str,
    },
    /// The certificate carries the attestation extension more than once.
    #[error("certificate has more than one attestation extension")]
    DuplicateExtension,
    /// The attestation extension is not the DER structure documented in docs/tee.md.
    #[error("attestation extension is malformed: {what}")]
    MalformedExtension {
        /// What is wrong.
        what: &'static str,
    },
    /// The attestation extension has a version this crate does not know.
    #[error("attestation extension version {version} is not supported")]
    UnsupportedExtensionVersion {
        /// The version found.
        version: u64,
    },
    /// The node was configured with the simulated backend on a chain that does not allow it.
    #[error("the simulated TEE backend is refused: this chain's spec does not allow simulation")]
    SimulationForbiddenByChain,
    /// The quote is a simulated one and the verifier does not allow simulation.
    #[error("quote is SIMULATED (no SGX) and this chain does not allow simulation")]
    SimulatedNotAllowed,
    /// A quote with the simulated magic does not have the simulated layout.
    #[error("simulated quote is malformed: {what}")]
    MalformedSimulatedQuote {
        /// What is wrong.
        what: &'static str,
    },
    /// A real quote was presented but the verifier holds no collateral for it.
    #[error("no DCAP collateral was supplied to verify the quote")]
    MissingCollateral,
    /// The verification policy is unusable.
    #[error("verification policy is unusable: {0}")]
    PolicyConfig(#[from] PolicyConfigError),
    /// The DCAP quote failed cryptographic verification or the policy.
    #[error("quote verification failed: {0}")]
    Quote(#[from] VerifyError),
    /// The quote's report data is not the hash of this certificate's public key: the quote was
    /// made for another key.
    #[error("quote report data does not bind the certificate's public key")]
    ReportDataMismatch,
    /// The quote's MRENCLAVE is not the one expected.
    #[error("MRENCLAVE {found} is not the expected {expected}")]
    MrEnclaveMismatch {
        /// The expected measurement.
        expected: Mr256,
        /// The quote's measurement.
        found: Mr256,
    },
    /// An MRENCLAVE was expected but the quote is a TDX quote.
    #[error("an MRENCLAVE was expected but the quote is a TDX quote")]
    NotAnEnclave,
    /// Connecting to the server failed.
    #[error("cannot connect to {address}: {source}")]
    Connect {
        /// `host:port`.
        address: String,
        /// The socket error.
        source: std::io::Error,
    },
    /// The host is neither a DNS name nor an IP address.
    #[error("{host:?} is not a valid TLS server name")]
    InvalidServerName {
        /// The host given.
        host: String,
    },
    /// The TLS client could not be configured.
    #[error("TLS configuration failed: {0}")]
    TlsConfig(#[from] rustls::Error),
    /// The TLS handshake failed.
    #[error("TLS handshake with {address} failed: {source}")]
    Handshake {
        /// `host:port`.
        address: String,
        /// The handshake error.
        source: std::io::Error,
    },
    /// Connecting and handshaking took longer than allowed.
    #[error("TLS connection to {address} timed out")]
    Timeout {
        /// `host:port`.
        address: String,
    },
    /// The server completed the handshake without presenting a certificate.
    #[error("server presented no certificate")]
    NoPeerCertificate,
}

/// Why the data key could not be created, loaded or unsealed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Reading or writing a key file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The key file can be read by group or others: it may have leaked, so it is not used.
    #[error("{path} has mode {mode:o}; it must not be accessible to group or others (chmod 600)")]
    InsecurePermissions {
        /// The key file.
        path: std::path::PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file does not have the expected length.
    #[error("{path} holds {found} bytes, expected {expected}")]
    WrongLength {
        /// The key file.
        path: std::path::PathBuf,
        /// Bytes found.
        found: u64,
        /// Bytes expected.
        expected: u64,
    },
    /// The sealed key file is not in the documented format.
    #[error("{path} is malformed: {what}")]
    Malformed {
        /// The sealed key file.
        path: std::path::PathBuf,
        /// What is wrong.
        what: &'static str,
    },
    /// The sealed key was sealed under another key policy than the one configured.
    #[error("{path} was sealed with policy {found}, the node is configured for {configured}")]
    PolicyMismatch {
        /// The sealed key file.
        path: std::path::PathBuf,
        /// The policy recorded in the file.
        found: &'static str,
        /// The configured policy.
        configured: &'static str,
    },
    /// The sealed data key does not authenticate: the file was altered, or it was sealed by
    /// another enclave (MRENCLAVE policy), another signer, or another CPU.
    #[error("{path} does not unseal: altered, or sealed by another enclave or platform")]
    Unseal {
        /// The sealed key file.
        path: std::path::PathBuf,
    },
    /// Deriving the SGX seal key failed.
    #[error("cannot derive the SGX seal key: {0}")]
    SealKey(#[from] AttestError),
    /// The OS random source failed.
    #[error("OS random source failed: {0}")]
    Random(#[source] rand::Error),
}
