//! Fetching a server's TLS certificate for RA-TLS verification.
//!
//! The TLS client here accepts ANY server certificate: an RA-TLS certificate is self-signed,
//! and trust comes from verifying the quote inside it ([`crate::verify_ra_tls_certificate`]),
//! not from a CA. The handshake signature is still checked (ring provider), so the server
//! proved possession of the certificate's private key, the key the quote binds.
//! A caller who goes on talking to the server must pin the verified certificate's key for
//! those connections: a second connection may reach another server.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::error::AttestError;

/// Bound on connecting plus handshaking.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// TLS-connects to `host:port` and returns the server's leaf certificate (DER), unverified.
pub async fn fetch_server_certificate(host: &str, port: u16) -> Result<Vec<u8>, AttestError> {
    let address = format!("{host}:{port}");
    tokio::time::timeout(FETCH_TIMEOUT, fetch(host, port, &address))
        .await
        .map_err(|_| AttestError::Timeout {
            address: address.clone(),
        })?
}

async fn fetch(host: &str, port: u16, address: &str) -> Result<Vec<u8>, AttestError> {
    // `[::1]` is how IPv6 hosts appear in URLs; TLS and the resolver want the bare address.
    let bare_host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let server_name =
        ServerName::try_from(bare_host.to_owned()).map_err(|_| AttestError::InvalidServerName {
            host: host.to_owned(),
        })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = AnyServerCertificate {
        algorithms: provider.signature_verification_algorithms,
    };
    let config = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let tcp = TcpStream::connect((bare_host, port))
        .await
        .map_err(|source| AttestError::Connect {
            address: address.to_owned(),
            source,
        })?;
    let tls = TlsConnector::from(Arc::new(config))
        .connect(server_name, tcp)
        .await
        .map_err(|source| AttestError::Handshake {
            address: address.to_owned(),
            source,
        })?;
    let (_, session) = tls.get_ref();
    let leaf = session
        .peer_certificates()
        .and_then(|chain| chain.first())
        .ok_or(AttestError::NoPeerCertificate)?;
    Ok(leaf.to_vec())
}

/// Accepts every server certificate (see the module doc for why) but verifies handshake
/// signatures against the presented certificate's key.
#[derive(Debug)]
struct AnyServerCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

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
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
