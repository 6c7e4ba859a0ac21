//! One token for several addresses: adding an address by signing in with it while presenting
//! the token (service and `POST /signin`), the limits, and revocation of the whole token.

use crate::common::*;
use alloy_signer_local::PrivateKeySigner;
use cloister_auth::{
    AuthError, MAX_TOKEN_ADDRESSES, TokenError, TokenStore, handle, handle_with_bearer,
};
use cloister_primitives::Address;
use cloister_storage::Store;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use std::{sync::Arc, time::Duration};

const DAY: Duration = Duration::from_secs(86_400);

#[test]
fn a_second_signature_adds_its_address_to_the_token() {
    let (service, _store, _dir) = service();
    let (first, second) = (PrivateKeySigner::random(), PrivateKeySigner::random());
    let (message, signature) = signed_message(&service, &first, |_| {});
    let signed_in = service
        .sign_in_at(&message, &signature, NOW)
        .expect("sign in");
    let token = signed_in.token.as_str();

    let (message, signature) = signed_message(&service, &second, |_| {});
    let added = service
        .add_address_at(token, &message, &signature, NOW + 1)
        .expect("add");
    assert_eq!(added.address, second.address());
    assert_eq!(added.addresses, [first.address(), second.address()]);
    assert_eq!(
        added.expires_at, signed_in.expires_at,
        "expiry does not move"
    );
    let owner = service
        .tokens()
        .resolve_at(token, NOW + 1)
        .expect("resolve")
        .expect("valid");
    assert_eq!(owner.address, first.address());
    assert_eq!(owner.addresses(), [first.address(), second.address()]);

    // The same signed message again: its nonce is spent. A fresh one for a known address
    // changes nothing.
    assert!(matches!(
        service.add_address_at(token, &message, &signature, NOW + 2),
        Err(AuthError::SignIn(_))
    ));
    let (message, signature) = signed_message(&service, &first, |_| {});
    let again = service
        .add_address_at(token, &message, &signature, NOW + 2)
        .expect("add again");
    assert_eq!(again.addresses, [first.address(), second.address()]);

    // Revoking through either address revokes the whole token.
    assert_eq!(service.revoke_all(&second.address()).expect("revoke"), 1);
    assert_eq!(
        service
            .tokens()
            .resolve_at(token, NOW + 3)
            .expect("resolve"),
        None
    );
}

#[test]
fn a_dead_token_adds_nothing_and_keeps_the_nonce_unspent() {
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let (message, signature) = signed_message(&service, &signer, |_| {});
    let unknown = format!("clst_{}", "ab".repeat(32));
    for token in [unknown.as_str(), "clst_short", ""] {
        assert!(matches!(
            service.add_address_at(token, &message, &signature, NOW),
            Err(AuthError::UnknownToken)
        ));
    }
    // The signature still signs in: the refusals above did not use its nonce.
    assert!(service.sign_in_at(&message, &signature, NOW).is_ok());

    // An expired token is refused too.
    let (message, signature) = signed_message(&service, &signer, |_| {});
    let issued = service
        .tokens()
        .issue_at(signer.address(), DAY, None, NOW - 2 * 86_400)
        .expect("issue");
    assert!(matches!(
        service.add_address_at(&issued.token, &message, &signature, NOW),
        Err(AuthError::UnknownToken)
    ));
}

#[test]
fn each_added_address_must_be_allowed_to_sign_in() {
    let allowed = PrivateKeySigner::random();
    let (service, _store, _dir) = service_allowing(allowed.address());
    let (message, signature) = signed_message(&service, &allowed, |_| {});
    let token = service
        .sign_in_at(&message, &signature, NOW)
        .expect("sign in")
        .token;
    let stranger = PrivateKeySigner::random();
    let (message, signature) = signed_message(&service, &stranger, |_| {});
    assert!(matches!(
        service.add_address_at(&token, &message, &signature, NOW),
        Err(AuthError::NotAllowed)
    ));
    let owner = service
        .tokens()
        .resolve_at(&token, NOW)
        .expect("resolve")
        .expect("valid");
    assert_eq!(owner.addresses(), [allowed.address()]);
}

#[test]
fn a_token_holds_at_most_sixteen_addresses_and_concurrent_adds_all_land() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = TokenStore::new(Store::open(dir.path()).expect("open"));
    let first = Address::repeat_byte(0x01);
    let issued = tokens.issue_at(first, DAY, None, NOW).expect("issue");
    let token: Arc<str> = Arc::from(issued.token.as_str());
    let threads: Vec<_> = (2..=u8::try_from(MAX_TOKEN_ADDRESSES).expect("small"))
        .map(|byte| {
            let (tokens, token) = (tokens.clone(), token.clone());
            std::thread::spawn(move || {
                tokens
                    .add_address_at(&token, Address::repeat_byte(byte), NOW)
                    .expect("add")
                    .expect("valid")
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread");
    }
    let owner = tokens
        .resolve_at(&token, NOW)
        .expect("resolve")
        .expect("valid");
    assert_eq!(owner.address, first);
    assert_eq!(owner.addresses().len(), MAX_TOKEN_ADDRESSES);
    assert!(matches!(
        tokens.add_address_at(&token, Address::repeat_byte(0xee), NOW),
        Err(TokenError::TooManyAddresses)
    ));
    // One already there is still fine; listing by a later address finds the token.
    assert!(
        tokens
            .add_address_at(&token, Address::repeat_byte(0x05), NOW)
            .expect("add")
            .is_some()
    );
    let listed = tokens.tokens_of(&Address::repeat_byte(0x09)).expect("list");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].holds(&first));
}

fn post(
    service: &cloister_auth::AuthService,
    body: &Value,
    bearer: Option<&str>,
) -> http::Response<String> {
    handle_with_bearer(
        service,
        &Method::POST,
        "/signin",
        body.to_string().as_bytes(),
        bearer,
    )
    .expect("a /signin route")
}

fn json_of(response: &http::Response<String>) -> Value {
    serde_json::from_str(response.body()).expect("JSON body")
}

#[test]
fn post_signin_with_a_token_adds_the_signer() {
    let (service, _store, _dir) = service();
    let (first, second, third) = (
        PrivateKeySigner::random(),
        PrivateKeySigner::random(),
        PrivateKeySigner::random(),
    );
    // Messages at the real time: the HTTP handler checks against the clock.
    let signed = |signer: &PrivateKeySigner| {
        let message = cloister_auth::message_text(&service.nonce().message_for(signer.address()));
        let signature = personal_sign(signer, &message);
        json!({"message": message, "signature": signature})
    };
    let response = post(&service, &signed(&first), None);
    assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
    let body = json_of(&response);
    assert_eq!(
        body["addresses"],
        json!([first.address().to_checksum(None)])
    );
    let token = body["token"].as_str().expect("token").to_owned();

    // By header.
    let response = post(&service, &signed(&second), Some(&token));
    assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
    let body = json_of(&response);
    assert_eq!(body["token"], token);
    assert_eq!(body["rpcUrl"], format!("{BASE_URL}/rpc/{token}"));
    assert_eq!(body["address"], second.address().to_checksum(None));
    assert_eq!(
        body["addresses"],
        json!([
            first.address().to_checksum(None),
            second.address().to_checksum(None)
        ])
    );
    assert_eq!(body["chainId"], CHAIN_ID);
    // By body field.
    let mut request = signed(&third);
    request["token"] = json!(token);
    let response = post(&service, &request, None);
    assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
    assert_eq!(
        json_of(&response)["addresses"].as_array().map(Vec::len),
        Some(3)
    );
    let owner = service.resolve(&token).expect("resolve").expect("valid");
    assert_eq!(
        owner.addresses(),
        [first.address(), second.address(), third.address()]
    );

    // Refusals: an unknown token (401), two different tokens (400).
    let unknown = format!("clst_{}", "cd".repeat(32));
    let response = post(&service, &signed(&third), Some(&unknown));
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(!response.body().contains(&unknown), "echoes the token");
    let mut request = signed(&third);
    request["token"] = json!(unknown);
    let response = post(&service, &request, Some(&token));
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // The plain handler passes no header: a body token still works through it.
    let mut request = signed(&first);
    request["token"] = json!(token);
    let response = handle(
        &service,
        &Method::POST,
        "/signin",
        request.to_string().as_bytes(),
    )
    .expect("route");
    assert_eq!(response.status(), StatusCode::OK);
}

#[test]
fn head_gets_headers_without_a_body() {
    let (service, _store, _dir) = service();
    for path in ["/signin", "/signin/", "/signin/nonce"] {
        let get = handle(&service, &Method::GET, path, b"").expect("route");
        let head = handle(&service, &Method::HEAD, path, b"").expect("route");
        assert_eq!(head.status(), get.status(), "{path}");
        assert_eq!(
            head.headers().get(http::header::CONTENT_TYPE),
            get.headers().get(http::header::CONTENT_TYPE),
            "{path}"
        );
        assert!(!get.body().is_empty() && head.body().is_empty(), "{path}");
    }
}
