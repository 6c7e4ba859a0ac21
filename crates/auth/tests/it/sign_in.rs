//! Sign-in with real keys: what is accepted and every way a message is refused.

use crate::common::*;
use alloy_signer_local::PrivateKeySigner;
use cloister_auth::{AuthError, SiweError, message_text, time::format_rfc3339};

/// Changes one field of a message before it is signed.
type Edit = Box<dyn Fn(&mut cloister_auth::SiweMessage)>;

fn refusal(result: Result<cloister_auth::SignInResult, AuthError>) -> SiweError {
    match result {
        Err(AuthError::SignIn(refusal)) => refusal,
        other => panic!("expected a sign-in refusal, got {other:?}"),
    }
}

#[test]
fn real_key_signs_in_and_gets_a_working_rpc_url() {
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let (text, signature) = signed_message(&service, &signer, |_| {});
    let result = service
        .sign_in_at(&text, &signature, NOW + 5)
        .expect("signs in");
    assert_eq!(result.address, signer.address());
    assert_eq!(result.chain_id, CHAIN_ID);
    assert!(result.token.starts_with("clst_") && result.token.len() == 69);
    assert_eq!(*result.rpc_url, format!("{BASE_URL}/rpc/{}", *result.token));
    assert!(!format!("{result:?}").contains(result.token.as_str()));
    let owner = service
        .tokens()
        .resolve_at(&result.token, NOW + 5)
        .expect("resolve")
        .expect("valid");
    assert_eq!(owner.address, signer.address());
    assert_eq!(owner.expires_at, result.expires_at);
}

#[test]
fn replayed_nonce_is_refused() {
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let (text, signature) = signed_message(&service, &signer, |_| {});
    service
        .sign_in_at(&text, &signature, NOW)
        .expect("first use");
    assert_eq!(
        refusal(service.sign_in_at(&text, &signature, NOW)),
        SiweError::UnknownNonce
    );
}

#[test]
fn nonce_not_issued_here_is_refused() {
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let (text, signature) =
        signed_message(&service, &signer, |m| m.nonce = "madeUpNonce12345".into());
    assert_eq!(
        refusal(service.sign_in_at(&text, &signature, NOW)),
        SiweError::UnknownNonce
    );
}

#[test]
fn nonce_expires_with_the_challenge() {
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let (text, signature) = signed_message(&service, &signer, |m| m.expiration_time = None);
    let later = NOW + cloister_auth::nonce::NONCE_LIFETIME_SECS;
    assert_eq!(
        refusal(service.sign_in_at(&text, &signature, later)),
        SiweError::UnknownNonce
    );
}

#[test]
fn binding_and_time_violations_are_refused_without_burning_the_nonce() {
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let challenge = service.nonce_at(NOW);
    let cases: Vec<(Edit, SiweError)> = vec![
        (
            Box::new(|m| m.domain = "evil.example:8545".into()),
            SiweError::DomainMismatch,
        ),
        (
            Box::new(|m| m.domain = "node.example".into()),
            SiweError::DomainMismatch,
        ),
        (Box::new(|m| m.chain_id = 1), SiweError::ChainIdMismatch),
        (
            Box::new(|m| m.version = "2".into()),
            SiweError::UnsupportedVersion,
        ),
        (
            Box::new(|m| m.expiration_time = Some(format_rfc3339(NOW - 1))),
            SiweError::Expired,
        ),
        (
            Box::new(|m| m.expiration_time = Some(format_rfc3339(NOW))),
            SiweError::Expired,
        ),
        (
            Box::new(|m| m.not_before = Some(format_rfc3339(NOW + 3600))),
            SiweError::NotYetValid,
        ),
        (
            Box::new(|m| m.issued_at = format_rfc3339(NOW + 61)),
            SiweError::IssuedInFuture,
        ),
        (
            Box::new(|m| m.issued_at = "yesterday-ish".into()),
            SiweError::BadTimestamp,
        ),
    ];
    for (edit, expected) in cases {
        let mut message = challenge.message_for(signer.address());
        edit(&mut message);
        let text = message_text(&message);
        let signature = personal_sign(&signer, &text);
        assert_eq!(
            refusal(service.sign_in_at(&text, &signature, NOW)),
            expected,
            "{text}"
        );
    }
    // The nonce survived every refusal; clock skew within 60 s and a past not-before pass.
    let mut message = challenge.message_for(signer.address());
    message.issued_at = format_rfc3339(NOW + 60);
    message.not_before = Some(format_rfc3339(NOW - 10));
    let text = message_text(&message);
    let signature = personal_sign(&signer, &text);
    service
        .sign_in_at(&text, &signature, NOW)
        .expect("valid message accepted");
}

#[test]
fn wrong_signer_and_tampering_are_refused() {
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let other = PrivateKeySigner::random();
    // Message names `other`, signed by `signer`.
    let (text, signature) = signed_message(&service, &signer, |m| m.address = other.address());
    assert_eq!(
        refusal(service.sign_in_at(&text, &signature, NOW)),
        SiweError::SignerMismatch
    );
    // Text altered after signing.
    let (text, signature) = signed_message(&service, &signer, |_| {});
    let tampered = text.replace("Sign in to get", "Sign in to got");
    assert_eq!(
        refusal(service.sign_in_at(&tampered, &signature, NOW)),
        SiweError::SignerMismatch
    );
    // The untampered message still works: refusals did not consume the nonce.
    service
        .sign_in_at(&text, &signature, NOW)
        .expect("original accepted");
}

#[test]
fn signature_encodings() {
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let (text, signature) = signed_message(&service, &signer, |_| {});
    for bad in ["", "0x", "0x1234", &signature[..signature.len() - 2], "zz"] {
        assert_eq!(
            refusal(service.sign_in_at(&text, bad, NOW)),
            SiweError::MalformedSignature
        );
    }
    let mut bad_v = signature.clone();
    bad_v.replace_range(bad_v.len() - 2.., "05");
    assert_eq!(
        refusal(service.sign_in_at(&text, &bad_v, NOW)),
        SiweError::MalformedSignature
    );
    // v as 0/1 (some hardware wallets) and without 0x both work.
    let v = u8::from_str_radix(&signature[signature.len() - 2..], 16).expect("v");
    let mut low_v = signature[2..signature.len() - 2].to_owned();
    low_v.push_str(&format!("{:02x}", v - 27));
    service
        .sign_in_at(&text, &low_v, NOW)
        .expect("v in {0,1} accepted");
}

#[test]
fn lower_case_address_in_message_is_accepted() {
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let message = service.nonce_at(NOW).message_for(signer.address());
    let checksummed = signer.address().to_checksum(None);
    let text = message_text(&message).replace(&checksummed, &checksummed.to_lowercase());
    let signature = personal_sign(&signer, &text);
    let result = service
        .sign_in_at(&text, &signature, NOW)
        .expect("signs in");
    assert_eq!(result.address, signer.address());
}

#[test]
fn address_not_allowed_is_refused_distinctly() {
    let allowed = PrivateKeySigner::random();
    let (service, _store, _dir) = service_allowing(allowed.address());
    let stranger = PrivateKeySigner::random();
    let (text, signature) = signed_message(&service, &stranger, |_| {});
    let result = service.sign_in_at(&text, &signature, NOW);
    assert!(matches!(result, Err(AuthError::NotAllowed)), "{result:?}");
    assert_eq!(
        AuthError::NotAllowed.to_string(),
        "address not allowed to sign in"
    );
    assert!(
        service
            .tokens()
            .tokens_of(&stranger.address())
            .expect("list")
            .is_empty()
    );
    let (text, signature) = signed_message(&service, &allowed, |_| {});
    service
        .sign_in_at(&text, &signature, NOW)
        .expect("allowed address signs in");
}
