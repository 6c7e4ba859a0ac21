//! RA-TLS: the node's TLS certificate carries a quote whose report data is the hash of the
//! certificate's own public key, so a client that verifies the quote and completes a TLS
//! handshake with that key knows it talks to the attested enclave.
//!
//! - report data = SHA-512(`"cloister-ra-tls-v1\0"` ‖ DER SubjectPublicKeyInfo), 64 bytes;
//! - the quote sits in a non-critical X.509 extension, OID [`RA_TLS_EXTENSION_OID`], whose
//!   value is DER `SEQUENCE { version INTEGER (1), quote OCTET STRING }`.
//!
//! Formats and the choice of OID are written down in docs/tee.md.

mod extension;
mod identity;
mod report;
mod verify;

use sha2::{Digest as _, Sha512};

pub use identity::RaTlsIdentity;
pub use report::{AttestationReport, QuoteKind};
pub use verify::{RaTlsCheck, certificate_quote, verify_ra_tls_certificate};

/// Domain tag hashed before the public key, so this report data can mean nothing else.
pub const RA_TLS_DOMAIN_TAG: &[u8] = b"cloister-ra-tls-v1\0";

/// Arcs of the attestation extension's OID: the IANA experimental arc 1.3.6.1.3, then the
/// ASCII bytes of "CLOISTER" read as one big-endian integer, then 1 (first extension).
pub const RA_TLS_EXTENSION_OID_ARCS: &[u64] = &[1, 3, 6, 1, 3, 0x434c_4f49_5354_4552, 1];
/// The same OID in dotted form.
pub const RA_TLS_EXTENSION_OID: &str = "1.3.6.1.3.4849338075120420178.1";

/// The report data an RA-TLS quote must carry for a certificate whose DER-encoded
/// SubjectPublicKeyInfo is `spki_der`.
pub fn report_data_for_public_key(spki_der: &[u8]) -> [u8; 64] {
    Sha512::new()
        .chain_update(RA_TLS_DOMAIN_TAG)
        .chain_update(spki_der)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_forms_agree() {
        let dotted: Vec<String> = RA_TLS_EXTENSION_OID_ARCS
            .iter()
            .map(u64::to_string)
            .collect();
        assert_eq!(dotted.join("."), RA_TLS_EXTENSION_OID);
    }

    #[test]
    fn report_data_is_tagged_sha512() {
        let spki = b"not really an spki";
        let mut preimage = RA_TLS_DOMAIN_TAG.to_vec();
        preimage.extend_from_slice(spki);
        let expected: [u8; 64] = Sha512::digest(&preimage).into();
        assert_eq!(report_data_for_public_key(spki), expected);
        assert_ne!(
            report_data_for_public_key(spki),
            <[u8; 64]>::from(Sha512::digest(spki))
        );
    }
}
