//! A confidential node without `--http` serves only TLS: a client certificate the policy maps
//! (by the SHA-256 of its DER) acts as its address, other or missing certificates are
//! anonymous, plain HTTP gets no JSON-RPC answer, and sign-in tokens work over TLS.
//! reqwest has no TLS backend in this workspace, so requests are hand-written HTTP/1.1 over
//! tokio-rustls.

use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_auth::{SignInChallenge, message_text};
use cloister_node::{NodeConfig, NodeHandle};
use cloister_primitives::B256;
use rcgen::CertifiedKey;
use rustls::{
    DigitallySignedStruct, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::CryptoProvider,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const VALIDATOR_KEY: B256 = B256::with_last_byte(0x09);
/// Guards reads against a hung server (a failure, not a timing assertion).
const READ_LIMIT: Duration = Duration::from_secs(30);

fn signer(byte: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::with_last_byte(byte)).expect("key")
}

fn client_certificate() -> CertifiedKey<rcgen::KeyPair> {
    rcgen::generate_simple_self_signed(vec!["client.test".to_string()]).expect("client cert")
}

/// A confidential genesis whose policy maps `certificates` (hex fingerprint → address, roles).
fn genesis(certificates: Value) -> String {
    let mut g: Value =
        serde_json::from_str(cloister_chainspec::DEV_GENESIS_JSON).expect("dev genesis");
    g["cloister"]["validators"] = json!([signer(0x09).address()]);
    // Not governed: its validators are its own, not the dev genesis contract's.
    g["cloister"]
        .as_object_mut()
        .expect("cloister")
        .remove("members");
    g["cloister"]["policy"] = json!({
        "version": 1,
        "mode": "confidential",
        "certificates": certificates,
    });
    g.to_string()
}

async fn start(dir: &std::path::Path, certificates: Value) -> NodeHandle {
    cloister_node::init(dir, &genesis(certificates)).expect("init");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut config = NodeConfig::dev(dir.to_path_buf(), port);
    config.dev = false;
    config.plain_http = false;
    config.validator_key = Some(VALIDATOR_KEY);
    cloister_node::launch(config).await.expect("launch")
}

/// Accepts any server certificate: the node made its own self-signed one at start and only
/// logs its fingerprint, so the test has nothing to pin; what is tested is the client side.
#[derive(Debug)]
struct AnyServerCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyServerCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// An HTTPS client for one node, optionally presenting a client certificate.
struct TlsClient {
    addr: SocketAddr,
    connector: tokio_rustls::TlsConnector,
}

impl TlsClient {
    fn new(node: &NodeHandle, identity: Option<&CertifiedKey<rcgen::KeyPair>>) -> Self {
        let url = node.http_url();
        let authority = url.strip_prefix("https://").expect("node serves https");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServerCertificate(provider)));
        let config = match identity {
            Some(certified) => builder
                .with_client_auth_cert(
                    vec![certified.cert.der().clone()],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                        certified.signing_key.serialize_der(),
                    )),
                )
                .expect("client auth"),
            None => builder.with_no_client_auth(),
        };
        Self {
            addr: authority.parse().expect("socket address"),
            connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
        }
    }

    /// Sends one request on a fresh connection; returns the status and the body.
    async fn send(&self, method: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
        let tcp = tokio::net::TcpStream::connect(self.addr)
            .await
            .expect("connect");
        let name = ServerName::try_from("localhost").expect("name");
        let mut tls = self.connector.connect(name, tcp).await.expect("handshake");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            body.len()
        );
        tls.write_all(request.as_bytes()).await.expect("write");
        parse_response(&read_all(&mut tls).await)
    }

    async fn rpc(&self, path: &str, headers: &str, method: &str) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": []});
        let (status, text) = self.send("POST", path, headers, &body.to_string()).await;
        assert_eq!(status, 200, "{method} at {path}: {text}");
        let answer: Value = serde_json::from_str(&text).expect("json");
        answer
            .get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{method}: {answer}"))
    }

    async fn whoami(&self) -> Value {
        self.rpc("/", "", "cloister_whoami").await
    }
}

/// Reads until the peer closes; a close without TLS close_notify still ends the response.
async fn read_all(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let read = tokio::time::timeout(READ_LIMIT, stream.read(&mut chunk))
            .await
            .expect("server answered or closed");
        match read {
            Ok(0) | Err(_) => return out,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Status and body of an HTTP/1.1 response (Content-Length or chunked).
fn parse_response(raw: &[u8]) -> (u16, String) {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP head");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    if !chunked {
        return (status, body.to_string());
    }
    let mut rest = body;
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    (status, out)
}

fn anonymous() -> Value {
    json!({"address": null, "addresses": [], "roles": []})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_certificate_maps_to_an_address() {
    let mapped = client_certificate();
    let unmapped = client_certificate();
    let fingerprint = hex::encode(Sha256::digest(mapped.cert.der().as_ref()));
    let a = signer(0xa1).address();
    let dir = tempfile::tempdir().expect("tempdir");
    let node = start(
        dir.path(),
        json!({ fingerprint: {"address": a, "roles": ["auditor"]} }),
    )
    .await;

    let with_mapped = TlsClient::new(&node, Some(&mapped));
    assert_eq!(
        with_mapped.whoami().await,
        json!({"address": a, "addresses": [a], "roles": ["auditor"]})
    );
    assert_eq!(TlsClient::new(&node, None).whoami().await, anonymous());
    assert_eq!(
        TlsClient::new(&node, Some(&unmapped)).whoami().await,
        anonymous()
    );

    // Plain HTTP on the TLS port: the handshake fails, nothing answers in JSON-RPC.
    let addr: SocketAddr = node
        .http_url()
        .trim_start_matches("https://")
        .parse()
        .expect("address");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"cloister_whoami","params":[]}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.expect("write");
    let answer = read_all(&mut tcp).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(
        !text.starts_with("HTTP/") && !text.contains("jsonrpc"),
        "plain HTTP got an answer: {text}"
    );
    node.stop().await;
}

/// Signs in as `who` over TLS and returns the token.
async fn sign_in(client: &TlsClient, who: &PrivateKeySigner) -> String {
    let path = format!("/signin/nonce?address={}", who.address());
    let (status, text) = client.send("GET", &path, "", "").await;
    assert_eq!(status, 200, "nonce: {text}");
    let c: Value = serde_json::from_str(&text).expect("challenge json");
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
    let text = message_text(&challenge.message_for(who.address()));
    let signature = who.sign_message_sync(text.as_bytes()).expect("sign");
    let body =
        json!({"message": text, "signature": format!("0x{}", hex::encode(signature.as_bytes()))});
    let (status, text) = client.send("POST", "/signin", "", &body.to_string()).await;
    assert_eq!(status, 200, "sign-in: {text}");
    let answer: Value = serde_json::from_str(&text).expect("sign-in json");
    answer["token"].as_str().expect("token").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_token_over_tls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = start(dir.path(), json!({})).await;
    let client = TlsClient::new(&node, None);
    let a = signer(0xa1);
    let token = sign_in(&client, &a).await;
    let expected = json!({"address": a.address(), "addresses": [a.address()], "roles": []});

    let by_path = client
        .rpc(&format!("/rpc/{token}"), "", "cloister_whoami")
        .await;
    assert_eq!(by_path, expected);
    let by_header = client
        .rpc(
            "/",
            &format!("Authorization: Bearer {token}\r\n"),
            "cloister_whoami",
        )
        .await;
    assert_eq!(by_header, expected);
    assert_eq!(client.whoami().await, anonymous());
    // A forged token over TLS is refused, not downgraded to anonymous.
    let (status, _) = client
        .send(
            "POST",
            "/rpc/clst_forged",
            "",
            r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#,
        )
        .await;
    assert_eq!(status, 401);
    node.stop().await;
}
