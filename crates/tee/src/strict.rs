//! Canonical-form checks that dcap-qvl does not make, so that no byte of a quote or its
//! collateral is free to change: PEM chains must be canonically encoded certificates, the
//! PCK CRL issuer chain (unused by dcap-qvl) must be the quote's own PCK issuer chain, the
//! outer certification data of a v4/v5 quote must be a QE report (type 6) carrying a PCK
//! chain (type 5), and anything after the quote's declared length must be zero padding.

use dcap_qvl::quote::{AuthData, Quote};
use pem::{EncodeConfig, LineEnding, Pem};

use crate::error::VerifyError;

/// Certification data type: PCK certificate chain in PEM.
const CERT_TYPE_PCK_CHAIN: u16 = 5;
/// Certification data type: QE report certification data (v4/v5 quotes).
const CERT_TYPE_QE_REPORT: u16 = 6;
const PEM_TAG: &str = "CERTIFICATE";

fn noncanonical(what: &'static str) -> VerifyError {
    VerifyError::NonCanonical { what }
}

/// Checks the quote's framing and its embedded PCK chain; returns the chain's certificates.
pub(crate) fn check_quote(quote: &[u8], parsed: &Quote) -> Result<Vec<Pem>, VerifyError> {
    if let AuthData::V4(auth) = &parsed.auth_data
        && auth.certification_data.cert_type != CERT_TYPE_QE_REPORT
    {
        return Err(noncanonical("outer certification data type"));
    }
    if parsed.inner_cert_type() != CERT_TYPE_PCK_CHAIN {
        return Err(noncanonical("PCK certification data type"));
    }
    let signed_length = parsed.signed_length();
    let auth_len_bytes = quote
        .get(signed_length..signed_length.saturating_add(4))
        .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
        .ok_or_else(|| noncanonical("quote length"))?;
    let declared_end = usize::try_from(u32::from_le_bytes(auth_len_bytes))
        .ok()
        .and_then(|auth_len| signed_length.checked_add(4)?.checked_add(auth_len))
        .ok_or_else(|| noncanonical("quote length"))?;
    let padding = quote
        .get(declared_end..)
        .ok_or_else(|| noncanonical("quote length"))?;
    if padding.iter().any(|byte| *byte != 0) {
        return Err(noncanonical("quote padding"));
    }
    canonical_chain(parsed.inner_cert_data(), "quote PCK chain")
}

/// Intel SGX Root CA (public certificate, DER), the trust anchor every chain must end in.
pub(crate) const INTEL_SGX_ROOT_CA_DER: &[u8] = include_bytes!("intel_sgx_root_ca.der");

/// Parses a PEM certificate chain and requires it to be exactly the canonical encoding (LF
/// line ends, 64-column base64) of its certificates, optionally followed by NUL terminators.
pub(crate) fn canonical_chain(text: &[u8], what: &'static str) -> Result<Vec<Pem>, VerifyError> {
    let unterminated_len = text
        .iter()
        .rposition(|byte| *byte != 0)
        .map_or(0, |last| last + 1);
    let (body, _nuls) = text.split_at(unterminated_len);
    let certificates = pem::parse_many(body).map_err(|_| noncanonical(what))?;
    if certificates.is_empty() || certificates.iter().any(|cert| cert.tag() != PEM_TAG) {
        return Err(noncanonical(what));
    }
    let config = EncodeConfig::new().set_line_ending(LineEnding::LF);
    let canonical: String = certificates
        .iter()
        .map(|cert| pem::encode_config(cert, config))
        .collect();
    if canonical.as_bytes() != body {
        return Err(noncanonical(what));
    }
    // The root copy in a chain is never used by the path builder, so pin it to the anchor.
    if certificates.last().map(Pem::contents) != Some(INTEL_SGX_ROOT_CA_DER) {
        return Err(noncanonical(what));
    }
    Ok(certificates)
}

/// The PCK CRL is issued by the CA above the PCK leaf: its issuer chain must be the quote's
/// PCK chain without the leaf.
pub(crate) fn check_pck_crl_issuer_chain(
    quote_chain: &[Pem],
    pck_crl_issuer_chain: &[Pem],
) -> Result<(), VerifyError> {
    let issuers = quote_chain.get(1..).unwrap_or_default();
    let same = issuers.len() == pck_crl_issuer_chain.len()
        && issuers
            .iter()
            .zip(pck_crl_issuer_chain)
            .all(|(a, b)| a.contents() == b.contents());
    if same {
        Ok(())
    } else {
        Err(noncanonical("PCK CRL issuer chain"))
    }
}
