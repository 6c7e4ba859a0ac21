//! RA-TLS certificates as the peer transport and `cloister attest verify` check them: X.509
//! parsing, the self-signature, the attestation extension, and the quote inside (simulated
//! quotes allowed, real ones against the SGX vector's collateral).
//!
//! Input: one mode byte. Mode 0: the rest is a certificate. Mode 1: the rest is the value of the
//! attestation extension in a certificate this harness signs (so the signature check passes and
//! the extension decoder sees hostile bytes). Mode 2: the rest is the quote, wrapped in a
//! well-formed extension of a signed certificate.

use crate::setup::fail;
use cloister_tee::{
    Collateral, RA_TLS_EXTENSION_OID_ARCS, RaTlsCheck, VerificationPolicy,
    verify_ra_tls_certificate,
};
use rcgen::{CertificateParams, CustomExtension, KeyPair};
use std::{
    sync::OnceLock,
    time::{Duration, UNIX_EPOCH},
};

const SGX_COLLATERAL: &[u8] = include_bytes!("../data/sgx_quote_collateral.json");
/// The SGX collateral's issue date + 1 hour.
const SGX_NOW: u64 = 1_750_330_571 + 3600;

struct Fixture {
    check: RaTlsCheck,
    key: KeyPair,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut check = RaTlsCheck::new(
            VerificationPolicy::default(),
            UNIX_EPOCH + Duration::from_secs(SGX_NOW),
        );
        check.allow_simulated = true;
        check.collateral = Some(
            Collateral::from_json(SGX_COLLATERAL)
                .unwrap_or_else(|err| fail("the SGX collateral", err)),
        );
        Fixture {
            check,
            key: KeyPair::generate().unwrap_or_else(|err| fail("a P-256 key", err)),
        }
    })
}

/// Verifies one certificate built as the mode byte says.
pub fn run(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let fixture = fixture();
    let cert = match mode % 3 {
        0 => rest.to_vec(),
        1 => match signed_with_extension(&fixture.key, rest.to_vec()) {
            Some(cert) => cert,
            None => return,
        },
        _ => match signed_with_extension(&fixture.key, wrap_quote(rest)) {
            Some(cert) => cert,
            None => return,
        },
    };
    if let Ok(report) = verify_ra_tls_certificate(&cert, &fixture.check) {
        // Only a simulated quote can bind a key this harness made up.
        assert!(
            *mode % 3 == 0 || report.kind == cloister_tee::QuoteKind::Simulated,
            "a real quote vouched for a key it never saw"
        );
    }
    let _ = cloister_tee::certificate_quote(&cert);
}

fn signed_with_extension(key: &KeyPair, value: Vec<u8>) -> Option<Vec<u8>> {
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).ok()?;
    params.custom_extensions = vec![CustomExtension::from_oid_content(
        RA_TLS_EXTENSION_OID_ARCS,
        value,
    )];
    Some(params.self_signed(key).ok()?.der().to_vec())
}

/// `SEQUENCE { INTEGER 1, OCTET STRING quote }` in DER.
fn wrap_quote(quote: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x01];
    push_tlv(&mut body, 0x04, quote);
    let mut value = Vec::new();
    push_tlv(&mut value, 0x30, &body);
    value
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u32).to_be_bytes();
        let skip = bytes.iter().take_while(|byte| **byte == 0).count();
        out.push(0x80 | (4 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}
