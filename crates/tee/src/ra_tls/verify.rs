//! Verifying an RA-TLS certificate: parse it, check its self-signature, extract the quote,
//! require the quote's report data to bind the certificate's public key, verify the quote
//! (real: DCAP with collateral and policy; simulated: only where allowed), and check the
//! expected MRENCLAVE.

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest as _, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::report::{AttestationReport, QuoteKind};
use super::{
    RA_TLS_EXTENSION_OID, RA_TLS_EXTENSION_OID_ARCS, extension, report_data_for_public_key,
};
use crate::collateral::Collateral;
use crate::error::{AttestError, VerifyError};
use crate::measurement::Mr256;
use crate::policy::VerificationPolicy;
use crate::simulated::{is_simulated_quote, parse_simulated_quote};
use crate::verified::{EnclaveIdentity, VerifiedQuote};
use crate::verifier::QuoteVerifier;

/// Shown in every report about a simulated quote.
const SIMULATED_WARNING: &str = "SIMULATED quote: no SGX hardware, proves nothing";

/// What a verifier requires of an RA-TLS certificate.
#[derive(Clone, Debug)]
pub struct RaTlsCheck {
    /// Policy for real quotes (allowed enclaves, TCB statuses). Not applied to simulated ones.
    pub policy: VerificationPolicy,
    /// Collateral for the real quote; without it a real quote is refused.
    pub collateral: Option<Collateral>,
    /// Whether simulated quotes are accepted: only when the chain spec allows simulation.
    pub allow_simulated: bool,
    /// If set, the quote's MRENCLAVE must be exactly this.
    pub expect_mrenclave: Option<Mr256>,
    /// The time to verify collateral at (see [`QuoteVerifier::verify`] on trusting it).
    pub now: SystemTime,
}

impl RaTlsCheck {
    /// A check with `policy` at `now`: no collateral, simulation refused, no expected
    /// measurement.
    pub fn new(policy: VerificationPolicy, now: SystemTime) -> Self {
        Self {
            policy,
            collateral: None,
            allow_simulated: false,
            expect_mrenclave: None,
            now,
        }
    }
}

/// Verifies an RA-TLS certificate; the error names the check that failed.
pub fn verify_ra_tls_certificate(
    cert_der: &[u8],
    check: &RaTlsCheck,
) -> Result<AttestationReport, AttestError> {
    let cert = parse_certificate(cert_der)?;
    // Self-signed: the signature proves the certificate (extension included) is whole; the
    // binding to the enclave comes from the report data, checked below.
    cert.verify_signature(None)
        .map_err(|_| AttestError::CertificateSignature)?;
    let quote = find_quote(&cert)?;
    let spki_der = cert.tbs_certificate.subject_pki.raw;
    let expected_report_data = report_data_for_public_key(spki_der);
    let facts = CertificateFacts {
        cert_sha256: Sha256::digest(cert_der).into(),
        public_key_sha256: Sha256::digest(spki_der).into(),
        quote_sha256: Sha256::digest(quote).into(),
        verified_at: check
            .now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| AttestError::Quote(VerifyError::ClockBeforeEpoch))?
            .as_secs(),
    };
    if is_simulated_quote(quote) {
        verify_simulated(quote, check, &expected_report_data, facts)
    } else {
        verify_real(quote, check, &expected_report_data, facts)
    }
}

/// Digests of what was verified, copied into the report.
struct CertificateFacts {
    cert_sha256: [u8; 32],
    public_key_sha256: [u8; 32],
    quote_sha256: [u8; 32],
    verified_at: u64,
}

/// The quote inside an RA-TLS certificate, unverified (for display or forwarding).
pub fn certificate_quote(cert_der: &[u8]) -> Result<Vec<u8>, AttestError> {
    Ok(find_quote(&parse_certificate(cert_der)?)?.to_vec())
}

fn parse_certificate(cert_der: &[u8]) -> Result<X509Certificate<'_>, AttestError> {
    let (rest, cert) =
        X509Certificate::from_der(cert_der).map_err(|err| AttestError::CertificateParse {
            reason: err.to_string(),
        })?;
    if !rest.is_empty() {
        return Err(AttestError::CertificateParse {
            reason: format!("{} bytes after the certificate", rest.len()),
        });
    }
    Ok(cert)
}

fn find_quote<'a>(cert: &X509Certificate<'a>) -> Result<&'a [u8], AttestError> {
    let mut ours = cert.extensions().iter().filter(|ext| {
        ext.oid
            .iter()
            .is_some_and(|arcs| arcs.eq(RA_TLS_EXTENSION_OID_ARCS.iter().copied()))
    });
    let ext = ours.next().ok_or(AttestError::MissingExtension {
        oid: RA_TLS_EXTENSION_OID,
    })?;
    if ours.next().is_some() {
        return Err(AttestError::DuplicateExtension);
    }
    extension::decode(ext.value)
}

fn verify_simulated(
    quote: &[u8],
    check: &RaTlsCheck,
    expected_report_data: &[u8; 64],
    facts: CertificateFacts,
) -> Result<AttestationReport, AttestError> {
    if !check.allow_simulated {
        return Err(AttestError::SimulatedNotAllowed);
    }
    let simulated = parse_simulated_quote(quote)?;
    if simulated.report_data != *expected_report_data {
        return Err(AttestError::ReportDataMismatch);
    }
    check_mrenclave(check, simulated.mr_enclave)?;
    Ok(AttestationReport {
        kind: QuoteKind::Simulated,
        warning: Some(SIMULATED_WARNING.to_owned()),
        mrenclave: Some(simulated.mr_enclave),
        mrsigner: Some(simulated.mr_signer),
        isv_prod_id: None,
        isv_svn: Some(simulated.isv_svn),
        mrtd: None,
        tcb_status: None,
        advisory_ids: Vec::new(),
        report_data: simulated.report_data,
        report_data_binds_key: true,
        cert_sha256: facts.cert_sha256,
        public_key_sha256: facts.public_key_sha256,
        quote_sha256: facts.quote_sha256,
        verified_at: facts.verified_at,
        quote: None,
    })
}

fn verify_real(
    quote: &[u8],
    check: &RaTlsCheck,
    expected_report_data: &[u8; 64],
    facts: CertificateFacts,
) -> Result<AttestationReport, AttestError> {
    let collateral = check
        .collateral
        .as_ref()
        .ok_or(AttestError::MissingCollateral)?;
    let verified =
        QuoteVerifier::new(check.policy.clone())?.verify(quote, collateral, check.now)?;
    if verified.report_data() != expected_report_data {
        return Err(AttestError::ReportDataMismatch);
    }
    match (&verified.identity, check.expect_mrenclave) {
        (EnclaveIdentity::Sgx(enclave), _) => check_mrenclave(check, enclave.mr_enclave)?,
        (EnclaveIdentity::Tdx(_), Some(_)) => return Err(AttestError::NotAnEnclave),
        (EnclaveIdentity::Tdx(_), None) => {}
    }
    Ok(real_report(verified, facts))
}

fn check_mrenclave(check: &RaTlsCheck, found: Mr256) -> Result<(), AttestError> {
    match check.expect_mrenclave {
        Some(expected) if expected != found => {
            Err(AttestError::MrEnclaveMismatch { expected, found })
        }
        _ => Ok(()),
    }
}

fn real_report(verified: VerifiedQuote, facts: CertificateFacts) -> AttestationReport {
    let (kind, mrenclave, mrsigner, isv_prod_id, isv_svn, mrtd) = match &verified.identity {
        EnclaveIdentity::Sgx(enclave) => (
            QuoteKind::Sgx,
            Some(enclave.mr_enclave),
            Some(enclave.mr_signer),
            Some(enclave.isv_prod_id),
            Some(enclave.isv_svn),
            None,
        ),
        EnclaveIdentity::Tdx(domain) => {
            (QuoteKind::Tdx, None, None, None, None, Some(domain.mr_td))
        }
    };
    AttestationReport {
        kind,
        warning: None,
        mrenclave,
        mrsigner,
        isv_prod_id,
        isv_svn,
        mrtd,
        tcb_status: Some(verified.tcb_status),
        advisory_ids: verified.advisory_ids.clone(),
        report_data: *verified.report_data(),
        report_data_binds_key: true,
        cert_sha256: facts.cert_sha256,
        public_key_sha256: facts.public_key_sha256,
        quote_sha256: facts.quote_sha256,
        verified_at: facts.verified_at,
        quote: Some(verified),
    }
}
