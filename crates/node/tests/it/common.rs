//! Helpers shared by the node's confidentiality tests: a confidential node on a free loopback
//! port over plain HTTP, and sign-in with Ethereum over HTTP.

use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_auth::{SignInChallenge, message_text};
use cloister_node::{NodeConfig, NodeHandle};
use cloister_primitives::B256;
use serde_json::{Value, json};

/// A loopback port nobody listens on right now (the sign-in domain is host:port, so port 0
/// cannot be used).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Initialises `dir` with `genesis` and starts a non-dev node sealing with `validator_key`,
/// plain HTTP on loopback.
pub async fn start(dir: &std::path::Path, genesis: &str, validator_key: B256) -> NodeHandle {
    cloister_node::init(dir, genesis).expect("init");
    let mut config = NodeConfig::dev(dir.to_path_buf(), free_port());
    config.dev = false;
    config.plain_http = true;
    config.validator_key = Some(validator_key);
    cloister_node::launch(config).await.expect("launch")
}

/// Signs in as `signer` at `base` (`GET /signin/nonce`, EIP-4361 text, personal_sign,
/// `POST /signin`) and returns the token, checking the personal URL the node gives back.
pub async fn sign_in(http: &reqwest::Client, base: &str, signer: &PrivateKeySigner) -> String {
    let response = post_signed(http, base, signer, None).await;
    assert_eq!(response.status(), 200, "sign-in of {}", signer.address());
    let answer: Value = response.json().await.expect("json");
    let token = answer["token"].as_str().expect("token").to_string();
    assert_eq!(answer["rpcUrl"], format!("{base}/rpc/{token}"));
    token
}

/// Where an existing token goes when adding an address to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenIn {
    /// `Authorization: Bearer <token>`.
    Header,
    /// `"token"` in the JSON body.
    Body,
}

/// A fresh nonce for `signer`, the EIP-4361 text and its signature, posted to `/signin`; with
/// `token`, the signer is added to that token. The raw response.
pub async fn post_signed(
    http: &reqwest::Client,
    base: &str,
    signer: &PrivateKeySigner,
    token: Option<(&str, TokenIn)>,
) -> reqwest::Response {
    let url = format!("{base}/signin/nonce?address={}", signer.address());
    let response = http.get(url).send().await.expect("nonce");
    let c: Value = response.json().await.expect("json");
    let field = |name: &str| c[name].as_str().expect(name).to_string();
    let challenge = SignInChallenge {
        nonce: field("nonce"),
        domain: field("domain"),
        chain_id: c["chainId"].as_u64().expect("chainId"),
        uri: field("uri"),
        statement: field("statement"),
        issued_at: field("issuedAt"),
        expiration_time: field("expirationTime"),
    };
    let text = message_text(&challenge.message_for(signer.address()));
    let signature = signer.sign_message_sync(text.as_bytes()).expect("sign");
    let mut body =
        json!({"message": text, "signature": format!("0x{}", hex::encode(signature.as_bytes()))});
    let mut request = http.post(format!("{base}/signin"));
    match token {
        Some((token, TokenIn::Header)) => request = request.bearer_auth(token),
        Some((token, TokenIn::Body)) => body["token"] = json!(token),
        None => {}
    }
    request.json(&body).send().await.expect("signin")
}

/// Adds `signer`'s address to `token` and returns the answer (every address of the token).
pub async fn add_address(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    signer: &PrivateKeySigner,
    token_in: TokenIn,
) -> Value {
    let response = post_signed(http, base, signer, Some((token, token_in))).await;
    assert_eq!(response.status(), 200, "adding {}", signer.address());
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["token"], token);
    assert_eq!(answer["rpcUrl"], format!("{base}/rpc/{token}"));
    answer
}
