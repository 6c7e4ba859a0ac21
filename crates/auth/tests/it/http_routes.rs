//! The `/signin` handler: JSON shapes, status codes, headers, and the page with its CSP.

use crate::common::*;
use alloy_signer_local::PrivateKeySigner;
use base64::Engine as _;
use cloister_auth::{AuthService, handle, message_text};
use http::{Method, Response, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

fn call(service: &AuthService, method: Method, path: &str, body: &Value) -> Response<String> {
    let body = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    handle(service, &method, path, &body).expect("a /signin route")
}

fn json_of(response: &Response<String>) -> Value {
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    serde_json::from_str(response.body()).expect("JSON body")
}

fn assert_common_headers(response: &Response<String>) {
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(
        response.headers()[header::X_CONTENT_TYPE_OPTIONS],
        "nosniff"
    );
}

/// Gets a challenge over HTTP, builds the message like the page does, signs it.
fn signed_over_http(service: &AuthService, signer: &PrivateKeySigner) -> (String, String) {
    let response = call(service, Method::GET, "/signin/nonce", &Value::Null);
    let challenge = json_of(&response);
    let text = format!(
        "{} wants you to sign in with your Ethereum account:\n{}\n\n{}\n\nURI: {}\nVersion: {}\n\
         Chain ID: {}\nNonce: {}\nIssued At: {}\nExpiration Time: {}",
        challenge["domain"].as_str().expect("domain"),
        signer.address().to_checksum(None),
        challenge["statement"].as_str().expect("statement"),
        challenge["uri"].as_str().expect("uri"),
        challenge["version"].as_str().expect("version"),
        challenge["chainId"].as_u64().expect("chainId"),
        challenge["nonce"].as_str().expect("nonce"),
        challenge["issuedAt"].as_str().expect("issuedAt"),
        challenge["expirationTime"]
            .as_str()
            .expect("expirationTime"),
    );
    let signature = personal_sign(signer, &text);
    (text, signature)
}

#[test]
fn other_paths_are_not_ours() {
    let (service, _store, _dir) = service();
    for path in ["/", "/rpc/clst_x", "/signinx", "/sign", "/api/signin"] {
        assert!(
            handle(&service, &Method::GET, path, b"").is_none(),
            "{path}"
        );
    }
    let response = call(&service, Method::GET, "/signin/elsewhere", &Value::Null);
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = call(&service, Method::PUT, "/signin", &Value::Null);
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::ALLOW], "GET, HEAD, POST");
    let response = call(&service, Method::GET, "/signin/revoke", &Value::Null);
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn nonce_endpoint_shape() {
    let (service, _store, _dir) = service();
    let response = call(&service, Method::GET, "/signin/nonce", &Value::Null);
    assert_eq!(response.status(), StatusCode::OK);
    assert_common_headers(&response);
    let body = json_of(&response);
    for key in [
        "nonce",
        "domain",
        "chainId",
        "chainName",
        "uri",
        "version",
        "statement",
        "issuedAt",
        "expirationTime",
    ] {
        assert!(body.get(key).is_some(), "missing {key}: {body}");
    }
    assert_eq!(body["domain"], DOMAIN);
    assert_eq!(body["chainId"], CHAIN_ID);
    assert_eq!(body["uri"], BASE_URL);
    assert_eq!(body["version"], "1");
    assert!(body.get("address").is_none());
    let again = json_of(&call(&service, Method::GET, "/signin/nonce", &Value::Null));
    assert_ne!(again["nonce"], body["nonce"]);

    let signer = PrivateKeySigner::random();
    let lower = format!("{:x}", signer.address());
    let path = format!("/signin/nonce?address={lower}");
    let body = json_of(&call(&service, Method::GET, &path, &Value::Null));
    assert_eq!(body["address"], signer.address().to_checksum(None));
}

#[test]
fn sign_in_over_http_then_revoke() {
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let (message, signature) = signed_over_http(&service, &signer);
    let request = json!({ "message": message, "signature": signature });
    let response = call(&service, Method::POST, "/signin", &request);
    assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
    assert_common_headers(&response);
    let body = json_of(&response);
    let token = body["token"].as_str().expect("token").to_owned();
    assert_eq!(body["rpcUrl"], format!("{BASE_URL}/rpc/{token}"));
    assert_eq!(body["address"], signer.address().to_checksum(None));
    assert_eq!(body["chainId"], CHAIN_ID);
    assert!(
        body["expiresAt"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    assert!(service.resolve(&token).expect("resolve").is_some());

    // The same signed message again: the nonce is spent.
    let response = call(&service, Method::POST, "/signin", &request);
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(&response)["error"],
        "nonce unknown, expired or already used"
    );

    let revoke = json!({ "token": token });
    let body = json_of(&call(&service, Method::POST, "/signin/revoke", &revoke));
    assert_eq!(body, json!({ "revoked": true }));
    assert_eq!(service.resolve(&token).expect("resolve"), None);
    let body = json_of(&call(&service, Method::POST, "/signin/revoke", &revoke));
    assert_eq!(body, json!({ "revoked": false }));
}

#[test]
fn refusals_are_json_errors_that_echo_nothing() {
    let allowed = PrivateKeySigner::random();
    let (service, _store, _dir) = service_allowing(allowed.address());
    let stranger = PrivateKeySigner::random();
    let (message, signature) = signed_over_http(&service, &stranger);
    let response = call(
        &service,
        Method::POST,
        "/signin",
        &json!({ "message": message, "signature": signature }),
    );
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_of(&response),
        json!({ "error": "address not allowed to sign in" })
    );

    let secret_marker = "SECRET-MARKER-123";
    let bad_message = message.replace("Version: 1", &format!("Version: {secret_marker}"));
    let cases = [
        (
            json!({ "message": bad_message, "signature": signature }),
            StatusCode::UNAUTHORIZED,
        ),
        (
            json!({ "message": secret_marker, "signature": signature }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "message": message, "signature": secret_marker }),
            StatusCode::BAD_REQUEST,
        ),
        (json!({ "message": secret_marker }), StatusCode::BAD_REQUEST),
        (json!(secret_marker), StatusCode::BAD_REQUEST),
    ];
    for (request, status) in cases {
        let response = call(&service, Method::POST, "/signin", &request);
        assert_eq!(response.status(), status, "{request}");
        assert!(json_of(&response)["error"].is_string());
        assert!(
            !response.body().contains(secret_marker),
            "{}",
            response.body()
        );
    }
    let huge = vec![b' '; cloister_auth::http::MAX_BODY_LEN + 1];
    let response = handle(&service, &Method::POST, "/signin", &huge).expect("route");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[test]
fn page_has_stable_ids_and_a_strict_csp() {
    let (service, _store, _dir) = service();
    let response = call(&service, Method::GET, "/signin", &Value::Null);
    assert_eq!(response.status(), StatusCode::OK);
    assert_common_headers(&response);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let page = response.body();
    for id in [
        "signin",
        "rpc-url",
        "add-network",
        "error",
        "addresses",
        "add-address",
    ] {
        assert!(page.contains(&format!("id=\"{id}\"")), "missing #{id}");
    }
    for call in [
        "eth_requestAccounts",
        "personal_sign",
        "wallet_addEthereumChain",
    ] {
        assert!(page.contains(call), "page never calls {call}");
    }
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii");
    assert!(csp.contains("default-src 'none'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    // The script-src hash is the SHA-256 of the page's one inline script, as browsers compute.
    let start = page.find("<script>").expect("inline script") + "<script>".len();
    let end = page.find("</script>").expect("script end");
    assert_eq!(page.matches("<script").count(), 1, "one script only");
    let digest = Sha256::digest(&page.as_bytes()[start..end]);
    let expected = format!(
        "script-src 'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    );
    assert!(csp.contains(&expected), "{csp}");
    assert!(
        !page.contains(" style=\""),
        "inline style attributes would be blocked"
    );
    assert!(
        !page.contains(" onclick="),
        "inline handlers would be blocked"
    );
}

#[test]
fn rust_builder_output_matches_what_the_page_signs() {
    // The handler's challenge turned into text by message_text must equal the page's format,
    // which `signed_over_http` reproduces; both must sign in.
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let (page_text, _) = signed_over_http(&service, &signer);
    let parsed = cloister_auth::SiweMessage::parse(&page_text).expect("page text parses");
    assert_eq!(message_text(&parsed), page_text);
}

#[test]
fn a_nonce_flood_does_not_evict_an_honest_users_nonce() {
    let (service, _store, _dir) = service();
    let honest = PrivateKeySigner::random();
    let (message, signature) = signed_over_http(&service, &honest);
    // Twice the 10,000 nonces the store used to hold before evicting the oldest.
    for _ in 0..20_000 {
        let response = call(&service, Method::GET, "/signin/nonce", &Value::Null);
        assert_eq!(response.status(), StatusCode::OK);
    }
    let request = json!({ "message": message, "signature": signature });
    let response = call(&service, Method::POST, "/signin", &request);
    assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
    // Nothing was stored for the flood: only the one used nonce is remembered.
    assert!(json_of(&response)["token"].is_string());
}
