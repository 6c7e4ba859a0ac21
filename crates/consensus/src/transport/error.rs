//! Why a peer connection failed or was refused.

use cloister_primitives::Address;

/// A transport failure: dialling, TLS, framing, or the peer's authentication.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The socket failed (connect, read, write).
    #[error("peer i/o: {0}")]
    Io(#[from] std::io::Error),
    /// TLS could not be configured.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    /// A self-signed certificate could not be generated.
    #[error("certificate generation: {0}")]
    Certificate(#[from] rcgen::Error),
    /// A frame announced more bytes than the limit; nothing was read or allocated for it.
    #[error("frame of {len} bytes exceeds the {max}-byte limit")]
    FrameTooLarge {
        /// Announced length.
        len: u32,
        /// The limit.
        max: u32,
    },
    /// A message did not encode or decode.
    #[error("malformed message: {0}")]
    Codec(#[from] serde_json::Error),
    /// The peer closed the connection.
    #[error("connection closed by peer")]
    Closed,
    /// The operation did not finish in time.
    #[error("timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// The peer sent a message that does not belong at this point of the protocol.
    #[error("unexpected message: {0}")]
    Unexpected(&'static str),
    /// The peer refused this node, with its reason.
    #[error("refused by peer: {0}")]
    RefusedByPeer(String),
    /// This node refused the peer.
    #[error("peer refused: {0}")]
    Refused(#[from] RefusalReason),
    /// The node key could not sign.
    #[error("signing the key proof: {0}")]
    Sign(#[from] alloy_signer::Error),
}

/// Why this node refused a peer. Shown in logs and in `cloister_clusterStatus`; never carries
/// chain data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusalReason {
    /// The TLS handshake failed or presented no certificate.
    #[error("TLS handshake: {0}")]
    Handshake(String),
    /// The peer's certificate did not pass the attestation check.
    #[error("attestation: {0}")]
    Attestation(String),
    /// The simulated quote's MRENCLAVE is not one the chain allows.
    #[error("measurement {0} is not allowed by the chain")]
    MeasurementNotAllowed(String),
    /// The key proof does not verify or names another key than it claims.
    #[error("bad key proof: {0}")]
    BadProof(String),
    /// The proven key is not a member of the cluster.
    #[error("key {0} is not a member")]
    NotMember(Address),
    /// The proven key is a member, but not the one this connection was dialled for.
    #[error("expected key {expected}, peer proved {proved}")]
    WrongPeer {
        /// The key the membership names at that address.
        expected: Address,
        /// The key the peer proved.
        proved: Address,
    },
    /// The peer broke the protocol before authenticating (e.g. an oversized first frame).
    #[error("protocol: {0}")]
    Protocol(String),
}
