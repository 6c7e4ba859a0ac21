//! `fetch_server_certificate` against a real TLS server on 127.0.0.1 serving an RA-TLS
//! identity; the fetched certificate then verifies.

use std::sync::Arc;
use std::time::SystemTime;

use cloister_tee::{
    AttestError, RaTlsCheck, RaTlsIdentity, SimulatedAttester, VerificationPolicy,
    fetch_server_certificate, verify_ra_tls_certificate,
};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

fn server_config(identity: &RaTlsIdentity) -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(identity.certificate_chain(), identity.private_key())
        .unwrap()
}

#[tokio::test]
async fn fetches_and_verifies_the_servers_ra_tls_certificate() {
    let identity =
        RaTlsIdentity::generate(&SimulatedAttester::new([9; 32]), &["localhost".to_owned()])
            .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(server_config(&identity)));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        // The handshake is all the client needs; dropping the stream closes it.
        acceptor.accept(tcp).await.unwrap();
    });

    let fetched = fetch_server_certificate("127.0.0.1", port).await.unwrap();
    assert_eq!(fetched, identity.cert_der);
    server.await.unwrap();

    let check = RaTlsCheck {
        allow_simulated: true,
        ..RaTlsCheck::new(VerificationPolicy::default(), SystemTime::now())
    };
    let report = verify_ra_tls_certificate(&fetched, &check).unwrap();
    assert_eq!(report.mrenclave.unwrap().as_bytes(), &[9; 32]);
}

#[tokio::test]
async fn closed_port_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = fetch_server_certificate("127.0.0.1", port)
        .await
        .unwrap_err();
    assert!(matches!(err, AttestError::Connect { .. }), "{err}");
}
