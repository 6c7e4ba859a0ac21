//! The real TDX v4 quote: verifies cryptographically, is refused unless its MRTD is allowed,
//! and fails when tampered with.

use cloister_tee::{
    EnclaveIdentity, PolicyViolation, TcbStatus, TdRule, VerificationPolicy, VerifyError,
};

use crate::vectors::{sample, tdx, tdx_now, unchecked, verifier};

#[test]
fn verifies_cryptographically() {
    cloister_fixtures::require!("tee-vectors");
    let verified = unchecked(&tdx(), tdx_now());
    let EnclaveIdentity::Tdx(domain) = &verified.identity else {
        panic!("not a TDX identity: {verified:?}");
    };
    assert!(!domain.debug);
    assert_eq!(verified.report_data(), &domain.report_data);
    assert!(TcbStatus::ALL.contains(&verified.tcb_status));
}

#[test]
fn policy_needs_its_mr_td() {
    cloister_fixtures::require!("tee-vectors");
    let vector = tdx();
    let verified = unchecked(&vector, tdx_now());
    let EnclaveIdentity::Tdx(domain) = &verified.identity else {
        panic!("not a TDX identity");
    };
    let every_status = TcbStatus::ALL
        .into_iter()
        .filter(|s| *s != TcbStatus::Revoked)
        .collect();
    let refused = VerificationPolicy {
        accepted_tcb_statuses: every_status,
        ..Default::default()
    };
    let err = verifier(refused.clone()).verify(&vector.quote, &vector.collateral(), tdx_now());
    assert!(matches!(
        err,
        Err(VerifyError::Policy(PolicyViolation::TdNotAllowed { .. }))
    ));

    let allowed = VerificationPolicy {
        allowed_tds: vec![TdRule {
            mr_td: domain.mr_td,
        }],
        ..refused
    };
    let ok = verifier(allowed)
        .verify(&vector.quote, &vector.collateral(), tdx_now())
        .unwrap();
    assert_eq!(ok, verified);
}

#[test]
fn flipped_quote_byte_fails() {
    cloister_fixtures::require!("tee-vectors");
    let vector = tdx();
    let collateral = vector.collateral();
    for position in sample(0..vector.quote.len(), 17) {
        let mut quote = vector.quote.clone();
        quote[position] ^= 0x01;
        let result =
            cloister_tee::QuoteVerifier::verify_without_policy(&quote, &collateral, tdx_now());
        assert!(result.is_err(), "TDX quote byte {position} still verified");
    }
}
