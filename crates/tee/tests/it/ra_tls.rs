//! RA-TLS certificates: generate → verify, and each check refusing what it must.

use std::time::SystemTime;

use cloister_tee::{
    AttestError, Attester, AttesterKind, EnclaveRule, Mr256, PolicyViolation, QuoteKind,
    RaTlsCheck, RaTlsIdentity, SIMULATED_QUOTE_MAGIC, SimulatedAttester, VerificationPolicy,
    VerifyError, certificate_quote, report_data_for_public_key, verify_ra_tls_certificate,
};
use sha2::{Digest, Sha256};

use crate::vectors::{sgx, sgx_now, unchecked};

const MEASUREMENT: [u8; 32] = [0x42; 32];

fn names() -> Vec<String> {
    vec!["localhost".to_owned(), "127.0.0.1".to_owned()]
}

fn simulated_identity() -> RaTlsIdentity {
    RaTlsIdentity::generate(&SimulatedAttester::new(MEASUREMENT), &names()).unwrap()
}

fn dev_check() -> RaTlsCheck {
    RaTlsCheck {
        allow_simulated: true,
        ..RaTlsCheck::new(VerificationPolicy::default(), SystemTime::now())
    }
}

/// Returns a fixed quote whatever report data it is asked for: a cert built with it carries
/// a quote made for some other key (or, for the vectors, by some other enclave).
#[derive(Debug)]
struct ReplayAttester {
    quote: Vec<u8>,
    kind: AttesterKind,
}

impl Attester for ReplayAttester {
    fn kind(&self) -> AttesterKind {
        self.kind
    }

    fn quote(&self, _report_data: &[u8; 64]) -> Result<Vec<u8>, AttestError> {
        Ok(self.quote.clone())
    }
}

#[test]
fn simulated_identity_verifies_where_simulation_is_allowed() {
    let identity = simulated_identity();
    assert_eq!(identity.attester_kind, AttesterKind::Simulated);
    let check = RaTlsCheck {
        expect_mrenclave: Some(Mr256::from(MEASUREMENT)),
        ..dev_check()
    };
    let report = verify_ra_tls_certificate(&identity.cert_der, &check).unwrap();
    assert_eq!(report.kind, QuoteKind::Simulated);
    assert!(report.warning.as_deref().unwrap().contains("SIMULATED"));
    assert_eq!(report.mrenclave, Some(Mr256::from(MEASUREMENT)));
    assert!(report.report_data_binds_key);
    assert_eq!(
        report.cert_sha256,
        <[u8; 32]>::from(Sha256::digest(&identity.cert_der))
    );
    assert_eq!(
        report.quote_sha256,
        <[u8; 32]>::from(Sha256::digest(&identity.quote))
    );
    assert_eq!(
        certificate_quote(&identity.cert_der).unwrap(),
        identity.quote
    );

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["kind"], "simulated");
    assert_eq!(json["mrenclave"], "42".repeat(32));
    assert_eq!(json["report_data"].as_str().unwrap().len(), 128);
}

#[test]
fn report_data_is_the_tagged_hash_of_the_certificate_key() {
    let identity = simulated_identity();
    let (_, cert) = x509_parser::parse_x509_certificate(&identity.cert_der).unwrap();
    let expected = report_data_for_public_key(cert.public_key().raw);
    let quote = cloister_tee::parse_simulated_quote(&identity.quote).unwrap();
    assert_eq!(quote.report_data, expected);
}

#[test]
fn simulated_identity_is_refused_without_simulation() {
    let identity = simulated_identity();
    let check = RaTlsCheck {
        allow_simulated: false,
        ..dev_check()
    };
    let err = verify_ra_tls_certificate(&identity.cert_der, &check).unwrap_err();
    assert!(matches!(err, AttestError::SimulatedNotAllowed), "{err}");
}

#[test]
fn wrong_expected_mrenclave_is_refused() {
    let identity = simulated_identity();
    let check = RaTlsCheck {
        expect_mrenclave: Some(Mr256::from([0x43; 32])),
        ..dev_check()
    };
    let err = verify_ra_tls_certificate(&identity.cert_der, &check).unwrap_err();
    assert!(
        matches!(err, AttestError::MrEnclaveMismatch { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("MRENCLAVE"));
}

#[test]
fn quote_made_for_another_key_is_refused() {
    let other = simulated_identity();
    let replay = ReplayAttester {
        quote: other.quote.clone(),
        kind: AttesterKind::Simulated,
    };
    let impostor = RaTlsIdentity::generate(&replay, &names()).unwrap();
    let err = verify_ra_tls_certificate(&impostor.cert_der, &dev_check()).unwrap_err();
    assert!(matches!(err, AttestError::ReportDataMismatch), "{err}");
}

#[test]
fn flipped_byte_in_the_extension_is_refused() {
    let identity = simulated_identity();
    let quote_at = identity
        .cert_der
        .windows(SIMULATED_QUOTE_MAGIC.len())
        .position(|window| window == SIMULATED_QUOTE_MAGIC)
        .unwrap();
    // In the magic, the measurement, and the report data of the embedded quote.
    for offset in [0, 40, identity.quote.len() - 1] {
        let mut altered = identity.cert_der.clone();
        altered[quote_at + offset] ^= 0x01;
        let err = verify_ra_tls_certificate(&altered, &dev_check()).unwrap_err();
        assert!(
            matches!(err, AttestError::CertificateSignature),
            "offset {offset}: {err}"
        );
    }
}

#[test]
fn certificate_without_the_extension_is_refused() {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(names())
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let err = verify_ra_tls_certificate(cert.der(), &dev_check()).unwrap_err();
    assert!(matches!(err, AttestError::MissingExtension { .. }), "{err}");
    let err = verify_ra_tls_certificate(b"not a certificate", &dev_check()).unwrap_err();
    assert!(matches!(err, AttestError::CertificateParse { .. }), "{err}");
}

/// A certificate carrying the real SGX vector quote: DCAP verification passes, and the check
/// that the quote binds this certificate's key is what refuses it.
#[test]
fn real_quote_goes_through_dcap_then_fails_the_key_binding() {
    cloister_fixtures::require!("tee-vectors");
    let vector = sgx();
    let enclave = unchecked(&vector, sgx_now()).sgx().unwrap().clone();
    let replay = ReplayAttester {
        quote: vector.quote.clone(),
        kind: AttesterKind::Occlum,
    };
    let identity = RaTlsIdentity::generate(&replay, &names()).unwrap();
    let policy = VerificationPolicy {
        allowed_enclaves: vec![EnclaveRule::mr_enclave(enclave.mr_enclave, 0)],
        ..VerificationPolicy::default()
    };
    let mut check = RaTlsCheck::new(policy, sgx_now());

    let err = verify_ra_tls_certificate(&identity.cert_der, &check).unwrap_err();
    assert!(matches!(err, AttestError::MissingCollateral), "{err}");

    check.collateral = Some(vector.collateral());
    let err = verify_ra_tls_certificate(&identity.cert_der, &check).unwrap_err();
    assert!(matches!(err, AttestError::ReportDataMismatch), "{err}");

    check.policy.allowed_enclaves = vec![EnclaveRule::mr_enclave(Mr256::from([1; 32]), 0)];
    let err = verify_ra_tls_certificate(&identity.cert_der, &check).unwrap_err();
    assert!(
        matches!(
            err,
            AttestError::Quote(VerifyError::Policy(
                PolicyViolation::EnclaveNotAllowed { .. }
            ))
        ),
        "{err}"
    );
}
