//! The attested peer transport: how validators and admitted nodes carry Raft's RPCs and
//! gossiped transactions to each other.
//!
//! Wire: TCP, TLS 1.3 (rustls, ring) with a certificate on both sides, then frames of a
//! big-endian `u32` length and a JSON message ([`PeerRequest`] / [`PeerResponse`]), one request
//! at a time per connection, at most [`MAX_FRAME_LEN`] bytes.
//!
//! Before any chain data flows, each side authenticates the other:
//! 1. the peer's TLS certificate passes the attestation check ([`PeerAttestation`]: RA-TLS
//!    quote bound to the TLS key, measurement allowed by the chain, simulated quotes only on
//!    chains that allow them); with `--tee none` there is no quote and this step is skipped;
//! 2. a key proof each way ([`Hello`]): the node key's signature over both certificates'
//!    hashes and the signer's role, so it cannot be replayed or relayed; the proven key must be
//!    a member ([`PeerPolicy::membership`]), and the listener must be the key the dialler
//!    meant to reach.
//!
//! A refused peer gets only a refusal reason; the refusal is logged at warn (target
//! `cloister::cluster`) and kept in a bounded list ([`PeerTransport::refusals`]). The
//! attestation report an admitted peer proved is kept per key ([`PeerTransport::attestation_of`]).

mod error;
pub mod frame;
mod gossip;
mod handshake;
mod message;
mod network;
mod policy;
mod proof;
mod refusals;
mod server;
mod tls;

pub use error::{RefusalReason, TransportError};
pub use frame::MAX_FRAME_LEN;
pub use gossip::GOSSIP_QUEUE;
pub use handshake::HANDSHAKE_TIMEOUT;
pub use message::{PeerRequest, PeerResponse};
pub use network::{PeerConnection, PeerNetwork};
pub use policy::{Membership, PeerAttestation, PeerPolicy};
pub use proof::{Hello, PROOF_DOMAIN, Role, proof_hash};
pub use refusals::{MAX_REFUSALS, PeerMeasurements, PeerRefusal, RefusalLog};
pub use server::{MAX_CONNECTIONS, PeerHandler, TransactionSink};
pub use tls::PeerIdentity;

use crate::{PeerNode, node_id_of};
use cloister_primitives::Address;
use cloister_tee::AttestationReport;
use handshake::Authenticator;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// A node's end of the cluster network: its identity, the rules its peers must meet, and the
/// refusals it made. [`serve`](Self::serve) listens; [`network`](Self::network) dials.
#[derive(Clone, Debug)]
pub struct PeerTransport {
    shared: Arc<Shared>,
}

/// What the listener, the Raft connections and the gossip tasks share.
pub(crate) struct Shared {
    auth: Authenticator,
    connector: TlsConnector,
    acceptor: TlsAcceptor,
    node_id: u64,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("identity", &self.auth.identity)
            .field("node_id", &self.node_id)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn address(&self) -> Address {
        self.auth.identity.node_key.address()
    }

    /// An authenticated connection to `node`, which must prove `node.address`.
    async fn dial(&self, node: &PeerNode) -> Result<network::PeerStream, TransportError> {
        self.auth
            .dial(&self.connector, &node.cluster, node.address)
            .await
    }
}

impl PeerTransport {
    /// The transport of the node with `identity`, admitting peers that meet `policy`.
    pub fn new(identity: PeerIdentity, policy: PeerPolicy) -> Result<Self, TransportError> {
        let connector = TlsConnector::from(Arc::new(tls::client_config(&identity)?));
        let acceptor = TlsAcceptor::from(Arc::new(tls::server_config(&identity)?));
        let node_id = node_id_of(&identity.node_key.address());
        // This node's own report, as its peers will verify it (when it verifies here at all:
        // a real quote without collateral does not, and then none is shown).
        let measurements = PeerMeasurements::default();
        if let Ok(Some(report)) = policy.verify_certificate(&identity.cert_der) {
            measurements.record(identity.node_key.address(), report);
        }
        Ok(Self {
            shared: Arc::new(Shared {
                auth: Authenticator {
                    identity,
                    policy,
                    refusals: RefusalLog::default(),
                    measurements,
                },
                connector,
                acceptor,
                node_id,
            }),
        })
    }

    /// This node's key address.
    pub fn address(&self) -> Address {
        self.shared.address()
    }

    /// Serves peers on `listener`, handing their requests to `handler`, until the future is
    /// dropped (spawn it and abort the task to stop; its connections end with it).
    pub async fn serve(&self, listener: TcpListener, handler: PeerHandler) {
        server::serve(
            listener,
            self.shared.acceptor.clone(),
            self.shared.auth.clone(),
            handler,
        )
        .await;
    }

    /// openraft's network factory dialling peers from this node. Each call has its own gossip
    /// peers; clones of one `PeerNetwork` share them.
    pub fn network(&self) -> PeerNetwork {
        PeerNetwork::new(Arc::clone(&self.shared))
    }

    /// The rules peers must meet (shared: replacing its attestation rules, or calling
    /// [`PeerPolicy::rules_changed`] after membership changed, makes every open connection
    /// check its peer again before its next request).
    pub fn policy(&self) -> &PeerPolicy {
        &self.shared.auth.policy
    }

    /// The recent refusals, both directions, oldest first (for `cloister_clusterStatus`).
    pub fn refusals(&self) -> Vec<PeerRefusal> {
        self.shared.auth.refusals.recent()
    }

    /// The shared refusal list itself.
    pub fn refusal_log(&self) -> RefusalLog {
        self.shared.auth.refusals.clone()
    }

    /// The attestation report `address` last proved on an admitted connection (this node's
    /// own among them, when its certificate verifies under the chain's rule); `None` without a
    /// TEE or before it connected.
    pub fn attestation_of(&self, address: &Address) -> Option<AttestationReport> {
        self.shared.auth.measurements.get(address)
    }

    /// The reports of every admitted peer (and this node), by address.
    pub fn measurements(&self) -> PeerMeasurements {
        self.shared.auth.measurements.clone()
    }
}
