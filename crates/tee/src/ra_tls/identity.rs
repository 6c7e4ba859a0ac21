//! The node's RA-TLS identity: a fresh P-256 key, a quote over its public key, and a
//! self-signed certificate carrying the quote.

use std::fmt;

use rcgen::{
    CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PublicKeyData,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use zeroize::Zeroizing;

use super::{RA_TLS_EXTENSION_OID_ARCS, extension, report_data_for_public_key};
use crate::attester::{Attester, AttesterKind};
use crate::error::AttestError;

/// Common name of every RA-TLS certificate; clients trust the quote, not the name.
const COMMON_NAME: &str = "Cloister RA-TLS node";

/// A TLS key pair and its attested certificate. `Debug` never shows the private key.
pub struct RaTlsIdentity {
    /// The self-signed certificate, DER.
    pub cert_der: Vec<u8>,
    /// The private key, PKCS#8 DER; zeroed on drop.
    pub key_der: Zeroizing<Vec<u8>>,
    /// The quote embedded in the certificate.
    pub quote: Vec<u8>,
    /// The backend that produced the quote.
    pub attester_kind: AttesterKind,
}

impl RaTlsIdentity {
    /// Generates a key, has `attester` quote its public key, and builds the certificate with
    /// `subject_names` (DNS names or IP addresses) as subject alternative names.
    pub fn generate(
        attester: &dyn Attester,
        subject_names: &[String],
    ) -> Result<Self, AttestError> {
        let key_pair = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let report_data = report_data_for_public_key(&key_pair.subject_public_key_info());
        let quote = attester.quote(&report_data)?;
        let cert_der = build_certificate(&key_pair, &quote, subject_names)?;
        Ok(Self {
            cert_der,
            key_der: Zeroizing::new(key_pair.serialize_der()),
            quote,
            attester_kind: attester.kind(),
        })
    }

    /// The certificate chain for rustls (one self-signed certificate).
    pub fn certificate_chain(&self) -> Vec<CertificateDer<'static>> {
        vec![CertificateDer::from(self.cert_der.clone())]
    }

    /// The private key for rustls.
    pub fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.to_vec()))
    }
}

impl fmt::Debug for RaTlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RaTlsIdentity")
            .field("cert_der_len", &self.cert_der.len())
            .field("quote_len", &self.quote.len())
            .field("attester_kind", &self.attester_kind)
            .finish_non_exhaustive()
    }
}

/// Builds a self-signed certificate for `key_pair` carrying `quote` in the attestation
/// extension. Separate from `generate` so tests can pair a key with another key's quote.
pub(crate) fn build_certificate(
    key_pair: &KeyPair,
    quote: &[u8],
    subject_names: &[String],
) -> Result<Vec<u8>, AttestError> {
    let mut params = CertificateParams::new(subject_names.to_vec())?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, COMMON_NAME);
    params.distinguished_name = name;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    // Non-critical: TLS stacks that do not know the extension still accept the certificate.
    params.custom_extensions = vec![CustomExtension::from_oid_content(
        RA_TLS_EXTENSION_OID_ARCS,
        extension::encode(quote),
    )];
    Ok(params.self_signed(key_pair)?.der().to_vec())
}
