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
