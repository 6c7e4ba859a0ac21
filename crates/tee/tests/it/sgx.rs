//! The real SGX v3 quote: verifies in its window, fails outside it, fails when tampered with,
//! and is refused by policies that do not allow it.

use std::time::Duration;

use cloister_tee::{
    Collateral, EnclaveRule, PolicyViolation, SgxEnclave, TcbStatus, VerificationPolicy,
    VerifyError,
};

use crate::vectors::{at, sample, sgx, sgx_now, unchecked, verifier};

/// SGX quote v3 layout: 48-byte header, 384-byte enclave report, 4-byte auth data length.
const SIGNED_LEN: usize = 48 + 384;
const AUTH_DATA_START: usize = SIGNED_LEN + 4;

fn sgx_enclave() -> SgxEnclave {
    unchecked(&sgx(), sgx_now()).sgx().unwrap().clone()
}

fn policy_allowing_mr_enclave() -> VerificationPolicy {
    VerificationPolicy {
        allowed_enclaves: vec![EnclaveRule::mr_enclave(sgx_enclave().mr_enclave, 0)],
        ..VerificationPolicy::default()
    }
}

#[test]
fn window_is_read_from_collateral() {
    cloister_fixtures::require!("tee-vectors");
    let window = sgx().collateral().window();
    assert_eq!(window.not_before, 1_750_330_571); // 2025-06-19T10:56:11Z
    assert_eq!(window.not_after, 1_752_919_278); // 2025-07-19T10:01:18Z (QE identity)
}

#[test]
fn verifies_at_issue_date_plus_one_hour() {
    cloister_fixtures::require!("tee-vectors");
    let vector = sgx();
    let verified = verifier(policy_allowing_mr_enclave()).verify(
        &vector.quote,
        &vector.collateral(),
        sgx_now(),
    );
    let verified = verified.unwrap();
    assert_eq!(
        verified.tcb_status,
        TcbStatus::ConfigurationAndSWHardeningNeeded
    );
    assert_eq!(verified.advisory_ids, ["INTEL-SA-00289", "INTEL-SA-00615"]);
    assert!(!verified.is_debug());
    let enclave = verified.sgx().unwrap();
    assert!(!enclave.debug);
    assert_eq!(verified.report_data(), &enclave.report_data);
    assert_ne!(enclave.mr_enclave, enclave.mr_signer);
}

#[test]
fn mr_signer_rule_with_isv_svn_minimum() {
    cloister_fixtures::require!("tee-vectors");
    let vector = sgx();
    let enclave = sgx_enclave();
    let rule = |min| EnclaveRule::mr_signer(enclave.mr_signer, enclave.isv_prod_id, min);
    let ok = VerificationPolicy {
        allowed_enclaves: vec![rule(enclave.isv_svn)],
        ..Default::default()
    };
    assert!(
        verifier(ok)
            .verify(&vector.quote, &vector.collateral(), sgx_now())
            .is_ok()
    );

    let too_new = enclave.isv_svn + 1;
    let strict = VerificationPolicy {
        allowed_enclaves: vec![rule(too_new)],
        ..Default::default()
    };
    let err = verifier(strict)
        .verify(&vector.quote, &vector.collateral(), sgx_now())
        .unwrap_err();
    assert!(matches!(
        err,
        VerifyError::Policy(PolicyViolation::IsvSvnTooLow { isv_svn, min_isv_svn })
            if isv_svn == enclave.isv_svn && min_isv_svn == too_new
    ));
}

#[test]
fn fails_outside_validity_window() {
    cloister_fixtures::require!("tee-vectors");
    let vector = sgx();
    let verifier = verifier(policy_allowing_mr_enclave());
    let before = at("2025-06-19T10:56:11Z") - Duration::from_secs(3600);
    let err = verifier
        .verify(&vector.quote, &vector.collateral(), before)
        .unwrap_err();
    assert!(
        matches!(err, VerifyError::CollateralNotYetValid { .. }),
        "{err}"
    );
    let after = at("2025-07-19T10:56:11Z") + Duration::from_secs(3600);
    let err = verifier
        .verify(&vector.quote, &vector.collateral(), after)
        .unwrap_err();
    assert!(
        matches!(err, VerifyError::CollateralExpired { .. }),
        "{err}"
    );
    // Present-day time is long past the vectors' window.
    let err = verifier.verify(
        &vector.quote,
        &vector.collateral(),
        std::time::SystemTime::now(),
    );
    assert!(err.is_err());
}

#[test]
fn unlisted_enclave_is_refused() {
    cloister_fixtures::require!("tee-vectors");
    let vector = sgx();
    let enclave = sgx_enclave();
    let mut other = enclave.mr_enclave;
    other.0[0] ^= 1;
    let by_enclave = VerificationPolicy {
        allowed_enclaves: vec![EnclaveRule::mr_enclave(other, 0)],
        ..Default::default()
    };
    let mut other_signer = enclave.mr_signer;
    other_signer.0[31] ^= 1;
    let by_signer = VerificationPolicy {
        allowed_enclaves: vec![EnclaveRule::mr_signer(other_signer, enclave.isv_prod_id, 0)],
        ..Default::default()
    };
    for policy in [VerificationPolicy::default(), by_enclave, by_signer] {
        let err = verifier(policy)
            .verify(&vector.quote, &vector.collateral(), sgx_now())
            .unwrap_err();
        assert!(
            matches!(
                &err,
                VerifyError::Policy(PolicyViolation::EnclaveNotAllowed { mr_enclave, mr_signer })
                    if *mr_enclave == enclave.mr_enclave && *mr_signer == enclave.mr_signer
            ),
            "{err}"
        );
    }
}

#[test]
fn refused_tcb_status_is_refused() {
    cloister_fixtures::require!("tee-vectors");
    let vector = sgx();
    let policy = VerificationPolicy {
        accepted_tcb_statuses: vec![TcbStatus::UpToDate, TcbStatus::SWHardeningNeeded],
        ..policy_allowing_mr_enclave()
    };
    let err = verifier(policy)
        .verify(&vector.quote, &vector.collateral(), sgx_now())
        .unwrap_err();
    match err {
        VerifyError::Policy(PolicyViolation::TcbStatusNotAccepted {
            status,
            advisory_ids,
        }) => {
            assert_eq!(status, TcbStatus::ConfigurationAndSWHardeningNeeded);
            assert_eq!(advisory_ids, ["INTEL-SA-00289", "INTEL-SA-00615"]);
        }
        other => panic!("unexpected {other}"),
    }
}

/// Flips each sampled byte of the quote and expects verification to fail.
fn assert_quote_flips_fail(positions: &[usize]) {
    let vector = sgx();
    let collateral = vector.collateral();
    let verifier = verifier(policy_allowing_mr_enclave());
    assert!(
        verifier
            .verify(&vector.quote, &collateral, sgx_now())
            .is_ok()
    );
    for &position in positions {
        for mask in [0x01, 0x80] {
            let mut quote = vector.quote.clone();
            quote[position] ^= mask;
            assert!(
                verifier.verify(&quote, &collateral, sgx_now()).is_err(),
                "quote byte {position} ^ {mask:#x} still verified"
            );
        }
    }
}

#[test]
fn flipped_quote_body_byte_fails() {
    cloister_fixtures::require!("tee-vectors");
    assert_quote_flips_fail(&sample(0..SIGNED_LEN, 3));
}

#[test]
fn flipped_signature_region_byte_fails() {
    cloister_fixtures::require!("tee-vectors");
    // ISV signature, attestation key, QE report, QE report signature, QE auth data and the
    // start of the certification data (PCK chain).
    assert_quote_flips_fail(&sample(
        SIGNED_LEN..AUTH_DATA_START + 64 * 2 + 384 + 64 + 40,
        3,
    ));
}

#[test]
fn flipped_certification_data_byte_fails() {
    cloister_fixtures::require!("tee-vectors");
    let len = sgx().quote.len();
    assert_quote_flips_fail(&sample(AUTH_DATA_START + 64 * 2 + 384 + 64 + 40..len, 11));
}

#[test]
fn flipped_collateral_byte_fails() {
    cloister_fixtures::require!("tee-vectors");
    let vector = sgx();
    let verifier = verifier(policy_allowing_mr_enclave());
    for position in sample(0..vector.collateral_json.len(), 7) {
        for mask in [0x01, 0x80] {
            let mut json = vector.collateral_json.clone();
            json[position] ^= mask;
            let verified = Collateral::from_json(&json)
                .and_then(|collateral| verifier.verify(&vector.quote, &collateral, sgx_now()));
            assert!(
                verified.is_err(),
                "collateral byte {position} ^ {mask:#x} still verified"
            );
        }
    }
}

#[test]
fn truncated_quote_is_malformed() {
    cloister_fixtures::require!("tee-vectors");
    let vector = sgx();
    let err = verifier(policy_allowing_mr_enclave())
        .verify(&vector.quote[..100], &vector.collateral(), sgx_now())
        .unwrap_err();
    assert!(matches!(err, VerifyError::MalformedQuote { .. }), "{err}");
}
