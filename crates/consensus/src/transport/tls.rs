//! TLS for the cluster port: TLS 1.3 only, a certificate required on both sides, and any
//! certificate accepted at the rustls layer. Peers' certificates are self-signed (RA-TLS or,
//! with `--tee none`, plain), so trust comes from the application checks that follow the
//! handshake (the quote, then the key proof); the verifiers here still check the handshake
//! signature, so each side holds the private key of the certificate it presented.

use super::error::TransportError;
use alloy_signer_local::PrivateKeySigner;
use cloister_tee::RaTlsIdentity;
use rustls::{
    DigitallySignedStruct, DistinguishedName, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::{
        CryptoProvider, WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature,
    },
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime},
    server::danger::{ClientCertVerified, ClientCertVerifier},
};
use std::{fmt, sync::Arc};

/// What a node shows its peers: its node key (proved in the `Hello`) and its TLS certificate
/// and key (RA-TLS with a TEE, self-signed without).
#[derive(Clone)]
pub struct PeerIdentity {
    /// The node key: a validator's or an admitted node's.
    pub node_key: PrivateKeySigner,
    /// The TLS certificate, DER.
    pub cert_der: Vec<u8>,
    key_der: Arc<PrivateKeyDer<'static>>,
}

impl PeerIdentity {
    /// The node's RA-TLS certificate and key (a node running with a TEE).
    pub fn from_ra_tls(node_key: PrivateKeySigner, tls: &RaTlsIdentity) -> Self {
        Self {
            node_key,
            cert_der: tls.cert_der.clone(),
            key_der: Arc::new(tls.private_key()),
        }
    }

    /// A fresh self-signed certificate (P-256), for `--tee none`: no quote, so peers check only
    /// the key proof.
    pub fn self_signed(node_key: PrivateKeySigner) -> Result<Self, TransportError> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let params = rcgen::CertificateParams::new(vec!["cloister-peer".to_owned()])?;
        let cert = params.self_signed(&key)?;
        Ok(Self {
            node_key,
            cert_der: cert.der().to_vec(),
            key_der: Arc::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                key.serialize_der(),
            ))),
        })
    }

    fn chain(&self) -> Vec<CertificateDer<'static>> {
        vec![CertificateDer::from(self.cert_der.clone())]
    }
}

impl fmt::Debug for PeerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerIdentity")
            .field("address", &self.node_key.address())
            .field("cert_der_len", &self.cert_der.len())
            .finish_non_exhaustive()
    }
}

/// The server name the dialler uses. Certificates are not checked against names, and an IP
/// address keeps the placeholder out of SNI.
pub(crate) fn server_name() -> ServerName<'static> {
    ServerName::IpAddress(std::net::IpAddr::from(std::net::Ipv4Addr::LOCALHOST).into())
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The listener's configuration: client certificate required.
pub(crate) fn server_config(
    identity: &PeerIdentity,
) -> Result<rustls::ServerConfig, TransportError> {
    let provider = provider();
    let verifier = Arc::new(AnyPeerCertificate {
        algorithms: provider.signature_verification_algorithms,
    });
    Ok(rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(identity.chain(), identity.key_der.clone_key())?)
}

/// The dialler's configuration: presents its certificate, accepts any server certificate.
pub(crate) fn client_config(
    identity: &PeerIdentity,
) -> Result<rustls::ClientConfig, TransportError> {
    let provider = provider();
    let verifier = Arc::new(AnyPeerCertificate {
        algorithms: provider.signature_verification_algorithms,
    });
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(identity.chain(), identity.key_der.clone_key())?)
}

/// Accepts any certificate on either side (see the module doc), checking handshake signatures
/// against the presented certificate's key.
#[derive(Debug)]
struct AnyPeerCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyPeerCertificate {
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
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl ClientCertVerifier for AnyPeerCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
