//! Mutual authentication of a new connection, before any chain data flows: TLS with a
//! certificate on both sides, the attestation check of the peer's certificate, then one key
//! proof each way ([`Hello`]). The listener refuses with a reason frame and nothing else; the
//! dialler simply hangs up on a listener it does not accept. Both record the refusal, and both
//! keep the attestation report of a peer they admitted ([`PeerMeasurements`]).

use super::{
    error::{RefusalReason, TransportError},
    frame::{read_frame_limited, write_frame},
    message::{PeerRequest, PeerResponse},
    policy::PeerPolicy,
    proof::{Hello, Role},
    refusals::{PeerMeasurements, RefusalLog},
    tls::{PeerIdentity, server_name},
};
use cloister_primitives::Address;
use cloister_tee::AttestationReport;
use std::{net::SocketAddr, time::Duration};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector, client, server};

/// Bound on TLS plus key proofs; a peer that stalls longer is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A `Hello` is a few hundred bytes; a larger first frame is refused without reading it.
const MAX_HELLO_LEN: u32 = 4096;

/// What both ends need to authenticate a connection.
#[derive(Clone, Debug)]
pub(crate) struct Authenticator {
    pub identity: PeerIdentity,
    pub policy: PeerPolicy,
    pub refusals: RefusalLog,
    pub measurements: PeerMeasurements,
}

/// The peer's leaf certificate, which mandatory client auth (or the server's handshake)
/// guarantees is there.
fn leaf(
    certificates: Option<&[rustls::pki_types::CertificateDer<'static>]>,
) -> Result<Vec<u8>, RefusalReason> {
    certificates
        .and_then(|chain| chain.first())
        .map(|cert| cert.to_vec())
        .ok_or_else(|| RefusalReason::Handshake("no certificate presented".into()))
}

impl Authenticator {
    /// The attestation check of a peer's certificate: its report, or `None` without a TEE.
    fn verify_certificate(
        &self,
        cert_der: &[u8],
    ) -> Result<Option<AttestationReport>, RefusalReason> {
        self.policy.verify_certificate(cert_der)
    }

    /// Keeps what an admitted peer proved.
    fn admitted(&self, address: Address, report: Option<AttestationReport>) {
        if let Some(report) = report {
            self.measurements.record(address, report);
        }
    }

    /// Authenticates a dialler on an accepted socket: the stream and the key it proved, or
    /// `None` after refusing it (already logged and recorded).
    pub async fn accept(
        &self,
        acceptor: &TlsAcceptor,
        tcp: TcpStream,
        socket: SocketAddr,
    ) -> Option<(server::TlsStream<TcpStream>, Address)> {
        let outcome =
            tokio::time::timeout(HANDSHAKE_TIMEOUT, self.accept_inner(acceptor, tcp)).await;
        match outcome {
            Ok(Ok(accepted)) => Some(accepted),
            Ok(Err((address, reason))) => {
                self.refusals.record(address, socket, &reason);
                None
            }
            Err(_) => {
                let reason = RefusalReason::Handshake(format!("not done in {HANDSHAKE_TIMEOUT:?}"));
                self.refusals.record(None, socket, &reason);
                None
            }
        }
    }

    async fn accept_inner(
        &self,
        acceptor: &TlsAcceptor,
        tcp: TcpStream,
    ) -> Result<(server::TlsStream<TcpStream>, Address), (Option<Address>, RefusalReason)> {
        let mut tls = acceptor
            .accept(tcp)
            .await
            .map_err(|e| (None, RefusalReason::Handshake(e.to_string())))?;
        let client_cert = leaf(tls.get_ref().1.peer_certificates()).map_err(|r| (None, r))?;
        let server_cert = &self.identity.cert_der;
        let result = async {
            let report = self
                .verify_certificate(&client_cert)
                .map_err(|r| (None, r))?;
            let hello = match read_frame_limited::<_, PeerRequest>(&mut tls, MAX_HELLO_LEN).await {
                Ok(PeerRequest::Hello(hello)) => hello,
                Ok(other) => {
                    return Err((
                        None,
                        RefusalReason::Protocol(format!("{} before hello", other.kind())),
                    ));
                }
                Err(TransportError::Closed) => {
                    // Usually the dialler refusing this node's certificate or key.
                    let reason = "closed before its key proof".to_owned();
                    return Err((None, RefusalReason::Protocol(reason)));
                }
                Err(err) => return Err((None, RefusalReason::Protocol(err.to_string()))),
            };
            let address = hello
                .verify(&client_cert, server_cert, Role::Dialler)
                .map_err(|r| (Some(hello.address), r))?;
            self.policy
                .check_member(&address)
                .map_err(|r| (Some(address), r))?;
            Ok((address, report))
        }
        .await;
        match result {
            Ok((address, report)) => {
                let hello = Hello::sign(
                    &self.identity.node_key,
                    &client_cert,
                    server_cert,
                    Role::Listener,
                )
                .map_err(|e| {
                    (
                        Some(address),
                        RefusalReason::Protocol(format!("cannot sign: {e}")),
                    )
                })?;
                write_frame(&mut tls, &PeerResponse::Hello(hello))
                    .await
                    .map_err(|e| (Some(address), RefusalReason::Protocol(e.to_string())))?;
                self.admitted(address, report);
                Ok((tls, address))
            }
            Err((address, reason)) => {
                // The reason is all a refused peer gets; a failure to deliver it changes nothing.
                let refusal = PeerResponse::Refused {
                    reason: reason.to_string(),
                };
                let _ = write_frame(&mut tls, &refusal).await;
                // close_notify, so the reason is read before the connection ends.
                let _ = tls.shutdown().await;
                Err((address, reason))
            }
        }
    }

    /// Dials `cluster` (`host:port`), authenticates it as `expected`, and proves this node's
    /// key. A listener that fails the checks is recorded and hung up on.
    pub async fn dial(
        &self,
        connector: &TlsConnector,
        cluster: &str,
        expected: Address,
    ) -> Result<client::TlsStream<TcpStream>, TransportError> {
        tokio::time::timeout(
            HANDSHAKE_TIMEOUT,
            self.dial_inner(connector, cluster, expected),
        )
        .await
        .map_err(|_| TransportError::Timeout(HANDSHAKE_TIMEOUT))?
    }

    async fn dial_inner(
        &self,
        connector: &TlsConnector,
        cluster: &str,
        expected: Address,
    ) -> Result<client::TlsStream<TcpStream>, TransportError> {
        let tcp = TcpStream::connect(cluster).await?;
        tcp.set_nodelay(true)?;
        let socket = tcp.peer_addr()?;
        let mut tls = connector.connect(server_name(), tcp).await?;
        let refuse = |address: Option<Address>, reason: RefusalReason| {
            self.refusals.record(address, socket, &reason);
            TransportError::Refused(reason)
        };
        let server_cert = leaf(tls.get_ref().1.peer_certificates()).map_err(|r| refuse(None, r))?;
        let client_cert = &self.identity.cert_der;
        let report = self
            .verify_certificate(&server_cert)
            .map_err(|r| refuse(Some(expected), r))?;
        let hello = Hello::sign(
            &self.identity.node_key,
            client_cert,
            &server_cert,
            Role::Dialler,
        )?;
        write_frame(&mut tls, &PeerRequest::Hello(hello)).await?;
        match read_frame_limited::<_, PeerResponse>(&mut tls, MAX_HELLO_LEN).await? {
            PeerResponse::Hello(hello) => {
                let proved = hello
                    .verify(client_cert, &server_cert, Role::Listener)
                    .map_err(|r| refuse(Some(hello.address), r))?;
                if proved != expected {
                    return Err(refuse(
                        Some(proved),
                        RefusalReason::WrongPeer { expected, proved },
                    ));
                }
                self.policy
                    .check_member(&proved)
                    .map_err(|r| refuse(Some(proved), r))?;
                self.admitted(proved, report);
                Ok(tls)
            }
            PeerResponse::Refused { reason } => {
                tracing::warn!(target: "cloister::cluster", peer = %expected, %socket, %reason, "refused by peer");
                Err(TransportError::RefusedByPeer(reason))
            }
            _ => Err(TransportError::Unexpected(
                "listener answered the hello with another frame",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{
        policy::PeerAttestation,
        tls::{client_config, server_config},
    };
    use alloy_signer_local::PrivateKeySigner;
    use cloister_primitives::B256;
    use cloister_tee::{EnclaveRule, Mr256, RaTlsIdentity, SimulatedAttester};
    use std::sync::Arc;
    use tokio::net::TcpListener;

    const ALLOWED: [u8; 32] = [0xa1; 32];

    fn key(byte: u8) -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&B256::with_last_byte(byte)).expect("key")
    }

    /// `key` with a simulated RA-TLS certificate measuring `ALLOWED`, admitting `members`.
    fn authenticator(key: PrivateKeySigner, members: Vec<Address>) -> Authenticator {
        let tls = RaTlsIdentity::generate(&SimulatedAttester::new(ALLOWED), &[]).expect("tls");
        let attestation =
            PeerAttestation::new(vec![EnclaveRule::mr_enclave(Mr256::from(ALLOWED), 0)], true);
        Authenticator {
            identity: PeerIdentity::from_ra_tls(key, &tls),
            policy: PeerPolicy::new(
                Arc::new(move |a: &Address| members.contains(a)),
                Some(attestation),
            ),
            refusals: RefusalLog::default(),
            measurements: PeerMeasurements::default(),
        }
    }

    /// One connection from `dialler` to `listener`: what each side concluded.
    async fn connect(
        listener_auth: Authenticator,
        dialler: &Authenticator,
        expected: Address,
    ) -> (Option<Address>, Result<(), TransportError>) {
        let acceptor = TlsAcceptor::from(Arc::new(
            server_config(&listener_auth.identity).expect("server config"),
        ));
        let connector = TlsConnector::from(Arc::new(
            client_config(&dialler.identity).expect("client config"),
        ));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let accepting = tokio::spawn(async move {
            let (tcp, socket) = listener.accept().await.expect("accept");
            listener_auth
                .accept(&acceptor, tcp, socket)
                .await
                .map(|(_, address)| address)
        });
        let dialled = dialler
            .dial(&connector, &addr.to_string(), expected)
            .await
            .map(|_| ());
        (accepting.await.expect("task"), dialled)
    }

    #[tokio::test]
    async fn both_sides_keep_the_measurement_an_admitted_peer_proved() {
        let (a, b) = (key(1), key(2));
        let members = vec![a.address(), b.address()];
        let listener = authenticator(a.clone(), members.clone());
        let dialler = authenticator(b.clone(), members);
        let listener_view = listener.measurements.clone();
        let (accepted, dialled) = connect(listener, &dialler, a.address()).await;
        assert_eq!(accepted, Some(b.address()));
        dialled.expect("admitted");

        let seen_by_listener = listener_view.get(&b.address()).expect("dialler's report");
        assert_eq!(seen_by_listener.mrenclave, Some(Mr256::from(ALLOWED)));
        let seen_by_dialler = dialler.measurements.get(&a.address()).expect("listener's");
        assert_eq!(seen_by_dialler.mrenclave, Some(Mr256::from(ALLOWED)));
        assert_eq!(dialler.measurements.all().len(), 1);
    }

    #[tokio::test]
    async fn a_refused_peer_leaves_no_measurement() {
        let (a, outsider) = (key(1), key(3));
        // The listener admits only itself: the outsider's quote verifies, its key does not.
        let listener = authenticator(a.clone(), vec![a.address()]);
        let dialler = authenticator(outsider.clone(), vec![a.address(), outsider.address()]);
        let listener_view = listener.measurements.clone();
        let listener_refusals = listener.refusals.clone();
        let (accepted, dialled) = connect(listener, &dialler, a.address()).await;
        assert_eq!(accepted, None);
        assert!(dialled.is_err());
        assert!(listener_view.all().is_empty());
        assert_eq!(listener_refusals.recent().len(), 1);
        assert!(dialler.measurements.get(&a.address()).is_none());
    }
}
