//! The listening side: accept, authenticate, then answer one request at a time by handing it
//! to the local Raft (or, for gossiped transactions, to the pool's callback).

use super::{
    error::TransportError,
    frame::{read_frame, write_frame},
    handshake::Authenticator,
    message::{PeerRequest, PeerResponse},
};
use crate::ClusterRaft;
use cloister_primitives::{Address, Bytes};
use std::{fmt, sync::Arc};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::Semaphore,
    task::JoinSet,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};

/// Connections served at once; a flood beyond this is dropped before TLS.
pub const MAX_CONNECTIONS: usize = 256;

/// An authenticated connection with no request for this long is closed (Raft's heartbeats
/// keep its connections busy; an idle gossip link is re-dialled when needed).
pub const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Receives gossiped raw transactions (EIP-2718 bytes) from authenticated peers. Called on a
/// blocking thread, one batch at a time per connection.
pub type TransactionSink = Arc<dyn Fn(Vec<Bytes>) + Send + Sync>;

/// Where incoming requests go.
#[derive(Clone)]
pub struct PeerHandler {
    /// The local Raft node.
    pub raft: ClusterRaft,
    /// The pool's entry for gossiped transactions.
    pub on_transactions: TransactionSink,
}

impl fmt::Debug for PeerHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerHandler").finish_non_exhaustive()
    }
}

/// Accepts peers on `listener` until the returned future is dropped (which also ends every
/// connection it serves).
pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    auth: Authenticator,
    handler: PeerHandler,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (tcp, socket) = match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of descriptors and the like: pause rather than spin.
                        tracing::warn!(target: "cloister::cluster", %err, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                    tracing::warn!(target: "cloister::cluster", %socket, "too many peer connections, dropped");
                    continue;
                };
                let (acceptor, auth, handler) = (acceptor.clone(), auth.clone(), handler.clone());
                connections.spawn(async move {
                    let _slot = slot;
                    let _ = tcp.set_nodelay(true);
                    if let Some((tls, address)) = auth.accept(&acceptor, tcp, socket).await {
                        tracing::debug!(target: "cloister::cluster", peer = %address, %socket, "peer connected");
                        let peer = Peer { address, socket };
                        if let Err(err) = serve_connection(tls, peer, &handler, &auth).await {
                            tracing::debug!(target: "cloister::cluster", peer = %address, %err, "peer connection ended");
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Who is on the other end of an admitted connection.
#[derive(Clone, Copy)]
struct Peer {
    address: Address,
    socket: std::net::SocketAddr,
}

/// Answers requests until the peer hangs up or breaks the protocol, or no longer meets the
/// rules: when governance changed them (the policy's generation moved), the peer's key and
/// certificate are checked again before its next request is answered.
async fn serve_connection(
    mut tls: TlsStream<TcpStream>,
    peer: Peer,
    handler: &PeerHandler,
    auth: &Authenticator,
) -> Result<(), TransportError> {
    let cert = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|c| c.to_vec())
        .unwrap_or_default();
    let mut generation = auth.policy.generation();
    loop {
        let next = tokio::time::timeout(IDLE_TIMEOUT, read_frame::<_, PeerRequest>(&mut tls));
        let Ok(next) = next.await else {
            return Err(TransportError::Timeout(IDLE_TIMEOUT));
        };
        let request = match next {
            Ok(request) => request,
            Err(TransportError::Closed) => return Ok(()),
            Err(err) => {
                if let TransportError::FrameTooLarge { .. } = err {
                    tracing::warn!(target: "cloister::cluster", %err, "peer sent an oversized frame");
                }
                return Err(err);
            }
        };
        let now = auth.policy.generation();
        if now != generation {
            generation = now;
            if let Err(reason) = auth.policy.check_peer(&peer.address, &cert) {
                auth.refusals
                    .record(Some(peer.address), peer.socket, &reason);
                let refusal = PeerResponse::Refused {
                    reason: reason.to_string(),
                };
                let _ = write_frame(&mut tls, &refusal).await;
                return Err(TransportError::Refused(reason));
            }
        }
        let response = answer(request, peer.address, handler).await?;
        write_frame(&mut tls, &response).await?;
    }
}

async fn answer(
    request: PeerRequest,
    peer: Address,
    handler: &PeerHandler,
) -> Result<PeerResponse, TransportError> {
    Ok(match request {
        PeerRequest::AppendEntries(req) => {
            PeerResponse::AppendEntries(handler.raft.append_entries(req).await)
        }
        PeerRequest::Vote(req) => PeerResponse::Vote(handler.raft.vote(req).await),
        PeerRequest::InstallSnapshot(req) => {
            PeerResponse::InstallSnapshot(handler.raft.install_snapshot(req).await)
        }
        PeerRequest::Transactions(txs) => {
            let sink = Arc::clone(&handler.on_transactions);
            // Admission recovers senders: keep it off the async workers.
            tokio::task::spawn_blocking(move || sink(txs))
                .await
                .map_err(|_| TransportError::Unexpected("transaction callback failed"))?;
            PeerResponse::TransactionsReceived
        }
        PeerRequest::Join(node) => PeerResponse::Joined(join(node, peer, &handler.raft).await),
        PeerRequest::Hello(_) => return Err(TransportError::Unexpected("second hello")),
    })
}

/// Adds an authenticated peer as a learner when this node leads (its key already passed the
/// membership and attestation checks of the handshake). A learner receives the log and votes on
/// nothing; adding one already present changes nothing.
async fn join(node: crate::PeerNode, peer: Address, raft: &ClusterRaft) -> Result<(), String> {
    if node.address != peer {
        return Err(format!("{peer} may only ask to join as itself"));
    }
    let id = crate::node_id_of(&node.address);
    let metrics = raft.metrics().borrow().clone();
    if metrics.current_leader != Some(metrics.id) {
        return Err(match metrics.current_leader {
            Some(leader) => format!("not the leader (node {leader:016x} is)"),
            None => "no leader yet".into(),
        });
    }
    if metrics
        .membership_config
        .membership()
        .get_node(&id)
        .is_some()
    {
        return Ok(());
    }
    tracing::info!(target: "cloister::cluster", node = %node.address, cluster = %node.cluster, "adding a learner");
    raft.add_learner(id, node, false)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
