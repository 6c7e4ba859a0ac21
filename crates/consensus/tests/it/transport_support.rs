//! Helpers of the transport tests: a real node (dev chain, Raft log, chain state machine,
//! producer) behind a [`PeerTransport`] on 127.0.0.1:0, and a raw TLS client that speaks the
//! wire format by hand to play a misbehaving peer.

use alloy_signer_local::PrivateKeySigner;
use cloister_chain::{BlockProducer, Chain, ProducerConfig, SealMode};
use cloister_chainspec::{ChainSpec, DEV_GENESIS_JSON, dev_accounts};
use cloister_consensus::{
    ChainStateMachine, ClusterRaft, LocalBlocks, LogStore, RaftBlockSink, node_id_of,
    openraft::{Config, SnapshotPolicy},
    transport::{PeerHandler, PeerIdentity, PeerNetwork, PeerPolicy, PeerTransport},
};
use cloister_primitives::{Address, Bytes};
use cloister_storage::{RaftLogDb, Store};
use cloister_txpool::{PoolConfig, TxPool};
use parking_lot::Mutex;
use rustls::{
    DigitallySignedStruct, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime},
};
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

pub fn keys() -> Vec<PrivateKeySigner> {
    dev_accounts()
        .unwrap()
        .into_iter()
        .map(|(_, key)| PrivateKeySigner::from_bytes(&key).unwrap())
        .collect()
}

/// The dev genesis with `validators`.
pub fn genesis(validators: &[Address]) -> String {
    let mut genesis: serde_json::Value = serde_json::from_str(DEV_GENESIS_JSON).unwrap();
    genesis["cloister"]["validators"] = serde_json::json!(validators);
    // Not governed: its validators are its own, not the dev genesis contract's.
    genesis["cloister"]
        .as_object_mut()
        .expect("cloister")
        .remove("members");
    genesis.to_string()
}

/// A membership predicate admitting exactly `members`.
pub fn members_only(members: &[Address]) -> PeerPolicy {
    let members = members.to_vec();
    PeerPolicy::new(Arc::new(move |a: &Address| members.contains(a)), None)
}

/// Raft timings for fast scenarios; with `snapshot_every`, a snapshot every that many entries
/// and the log it covers purged at once.
pub fn fast_config(snapshot_every: Option<u64>) -> Arc<Config> {
    let mut config = Config {
        heartbeat_interval: 100,
        election_timeout_min: 400,
        election_timeout_max: 800,
        ..Default::default()
    };
    if let Some(every) = snapshot_every {
        config.snapshot_policy = SnapshotPolicy::LogsSinceLast(every);
        config.max_in_snapshot_log_to_keep = 0;
        config.purge_batch_size = 1;
    }
    Arc::new(config.validate().unwrap())
}

/// One node: chain, pool, Raft, transport listening on `addr`, producer gated on leadership.
pub struct NetNode {
    pub id: u64,
    pub addr: SocketAddr,
    pub raft: ClusterRaft,
    pub chain: Arc<Chain>,
    pub pool: Arc<TxPool>,
    pub transport: PeerTransport,
    pub network: PeerNetwork,
    /// Batches of gossiped transactions this node received.
    pub gossiped: Arc<Mutex<Vec<Vec<Bytes>>>>,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl NetNode {
    pub async fn start(
        genesis: &str,
        key: PrivateKeySigner,
        identity: PeerIdentity,
        policy: PeerPolicy,
    ) -> Self {
        Self::start_with(genesis, key, identity, policy, fast_config(None)).await
    }

    pub async fn start_with(
        genesis: &str,
        key: PrivateKeySigner,
        identity: PeerIdentity,
        policy: PeerPolicy,
        config: Arc<Config>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data_key = [5u8; 32];
        let store = Store::open_encrypted(dir.path(), &data_key).unwrap();
        let spec = Arc::new(ChainSpec::from_genesis_json(genesis).unwrap());
        Chain::init(&store, &spec, genesis).unwrap();
        let id = node_id_of(&key.address());
        let chain = Arc::new(Chain::open(store, spec.clone(), Some(key)).unwrap());
        let pool = Arc::new(TxPool::new(PoolConfig {
            chain_id: spec.chain_id(),
            ..Default::default()
        }));
        let local = LocalBlocks::default();
        let log = LogStore::new(RaftLogDb::open(dir.path(), Some(&data_key)).unwrap());
        let sm = ChainStateMachine::new(chain.clone(), Some(pool.clone()), local.clone());
        let transport = PeerTransport::new(identity, policy).unwrap();
        let network = transport.network();
        let raft = ClusterRaft::new(id, config, network.clone(), log, sm)
            .await
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let gossiped: Arc<Mutex<Vec<Vec<Bytes>>>> = Arc::default();
        let sink = gossiped.clone();
        let handler = PeerHandler {
            raft: raft.clone(),
            on_transactions: Arc::new(move |txs| sink.lock().push(txs)),
        };
        let serving = transport.clone();
        let server = tokio::spawn(async move { serving.serve(listener, handler).await });
        let (stop, stop_rx) = watch::channel(false);
        let producer = BlockProducer::new(
            chain.clone(),
            pool.clone(),
            ProducerConfig {
                mode: SealMode::Instant,
                max_txs_per_block: 50,
            },
        )
        .with_sink(Arc::new(RaftBlockSink::new(raft.clone(), local)))
        .with_gate(RaftBlockSink::production_gate(&raft));
        tokio::spawn(producer.run(stop_rx));
        Self {
            id,
            addr,
            raft,
            chain,
            pool,
            transport,
            network,
            gossiped,
            stop,
            server,
            _dir: dir,
        }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.raft.shutdown().await.unwrap();
        self.server.abort();
    }
}

/// A fresh self-signed certificate and its key, for the raw client.
pub fn raw_certificate() -> (Vec<u8>, Vec<u8>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["raw".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (cert.der().to_vec(), key.serialize_der())
}

/// TLS-connects to `addr` presenting `cert`/`key` (no application checks); returns the stream
/// and the server's certificate.
pub async fn raw_connect(
    addr: SocketAddr,
    cert: &[u8],
    key: &[u8],
) -> (
    tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    Vec<u8>,
) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(TrustAnything))
        .with_client_auth_cert(
            vec![CertificateDer::from(cert.to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec())),
        )
        .unwrap();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("raw-test").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let server_cert = tls.get_ref().1.peer_certificates().unwrap()[0].to_vec();
    (tls, server_cert)
}

/// Waits (bounded) until `check` holds.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 10 s");
}

/// The raw client checks nothing (it plays an attacker, or reads what it is sent).
#[derive(Debug)]
struct TrustAnything;

impl ServerCertVerifier for TrustAnything {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}
