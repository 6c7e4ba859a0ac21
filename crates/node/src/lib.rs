//! Wiring of one Cloister node: opens the datadir, (in dev mode) writes the dev genesis, starts
//! the block producer and the RPC server, and hands back a [`NodeHandle`] that tests and the
//! binary use to find and stop it.

mod cloister_api;
mod cluster;
mod cluster_membership;
mod config;
mod config_file;
mod datadir;
mod governance_page;
mod governed;
mod guard;
mod import;
mod metrics;
mod security;
mod status;

pub use cloister_api::{Attestation, CloisterApiServer, CloisterRpc, WhoAmI};
pub use cloister_consensus::PeerNode;
pub use cloister_rpc_filter::FilterConfig;
pub use cluster::{ClusterConfig, ClusterError, ClusterRole};
pub use config::{NodeConfig, NodeError, RpcOptions, TeeMode, TlsSource};
pub use config_file::{ClusterSection, NodeFile, PeerSection, RpcSection, read_key, write_key};
pub use datadir::open_store;
pub use import::{ImportSummary, import_file};
pub use security::enclave_rules;
pub use status::{ClusterStatus, NodeRole, NodeStatus};

use alloy_signer_local::PrivateKeySigner;
use cloister_chain::{BlockProducer, Chain, ChainError, ProducerConfig};
use cloister_chainspec::{ChainSpec, dev_accounts, dev_genesis_json_at, is_dev_genesis};
use cloister_rpc::{RpcContext, core_module};
use cloister_txpool::{PoolConfig, TxPool};
use std::{net::SocketAddr, sync::Arc};
use tokio::{sync::watch, task::JoinHandle};

/// A running node.
#[derive(Debug)]
pub struct NodeHandle {
    /// Where RPC listens (HTTP and WebSocket).
    pub rpc_addr: SocketAddr,
    /// `https` when the RPC port speaks TLS, else `http`.
    pub scheme: &'static str,
    /// Where the engine API listens, when it runs.
    pub engine_addr: Option<SocketAddr>,
    /// The chain.
    pub chain: Arc<Chain>,
    /// The pool.
    pub pool: Arc<TxPool>,
    /// Dev accounts and their keys (empty outside dev mode).
    pub dev_accounts: Vec<PrivateKeySigner>,
    shutdown: watch::Sender<bool>,
    producer: Option<JoinHandle<()>>,
    cluster: Option<cluster::ClusterNode>,
    rpc: cloister_rpc::ServerHandle,
    engine: Option<cloister_rpc::ServerHandle>,
    status: Arc<NodeStatus>,
}

impl NodeHandle {
    /// `http://` or `https://` URL of the RPC server.
    pub fn http_url(&self) -> String {
        format!("{}://{}", self.scheme, self.rpc_addr)
    }

    /// What `cloister_clusterStatus` answers now.
    pub async fn cluster_status(&self) -> ClusterStatus {
        self.status.cluster_status().await
    }

    /// Stops the producer (after the block in progress commits) and the RPC server.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(cluster) = self.cluster.take() {
            cluster.stop().await;
        }
        if let Some(producer) = self.producer.take() {
            let _ = producer.await;
        }
        let _ = self.rpc.stop();
        self.rpc.stopped().await;
        if let Some(engine) = self.engine.take() {
            let _ = engine.stop();
            engine.stopped().await;
        }
    }
}

/// Writes a genesis into `datadir` (the `init` command). Refuses a datadir of another chain.
pub fn init(
    datadir: &std::path::Path,
    genesis_json: &str,
) -> Result<cloister_primitives::B256, NodeError> {
    init_sealed(datadir, genesis_json, config::TeeMode::None)
}

/// [`init`] with the data key sealed by `tee`'s sealer (the one the node will run with).
/// Initialising again with the same genesis changes nothing.
pub fn init_sealed(
    datadir: &std::path::Path,
    genesis_json: &str,
    tee: TeeMode,
) -> Result<cloister_primitives::B256, NodeError> {
    let spec = ChainSpec::from_genesis_json(genesis_json)?;
    let store = open_store(datadir, tee)?;
    Ok(Chain::init(&store, &spec, genesis_json)?)
}

/// Starts a node.
pub async fn launch(config: NodeConfig) -> Result<NodeHandle, NodeError> {
    config.validate()?;
    let (store, data_key) = datadir::open_store_with_key(&config.datadir, config.tee)?;
    let stored_json = store.reader()?.genesis_json()?;
    let genesis_json = match (stored_json, config.dev) {
        // A dev datadir keeps the genesis (and its timestamp) it was created with.
        (Some(json), true) if !is_dev_genesis(&json) => {
            return Err(ChainError::GenesisConfigMismatch.into());
        }
        (Some(json), _) => json,
        (None, true) => {
            let json = dev_genesis_json_at(unix_now())?;
            Chain::init(&store, &ChainSpec::from_genesis_json(&json)?, &json)?;
            json
        }
        (None, false) => return Err(NodeError::NotInitialised(config.datadir.clone())),
    };
    let spec = Arc::new(ChainSpec::from_genesis_json(&genesis_json)?);

    let dev_keys: Vec<PrivateKeySigner> = if config.dev || config.unlock_dev_accounts {
        dev_accounts()?
            .into_iter()
            .map(|(_, key)| PrivateKeySigner::from_bytes(&key))
            .collect::<Result<_, _>>()
            .map_err(|e| NodeError::Key(e.to_string()))?
    } else {
        Vec::new()
    };
    let validator = validator_key(&config, &dev_keys)?;
    let cluster_key = match (&validator, &config.node_key) {
        (Some(key), _) => Some(key.clone()),
        (None, Some(bytes)) => {
            Some(PrivateKeySigner::from_bytes(bytes).map_err(|e| NodeError::Key(e.to_string()))?)
        }
        (None, None) => None,
    };
    let (tls, attestation, ra_tls) = security::tls_identity(&config, &spec)?;
    // In a cluster every node holds its key as a sealing key: it seals only while it leads and
    // the configuration in force lists it as a validator (a read replica that a vote made a
    // validator becomes a voter, so it must be able to seal when it wins an election).
    let sealing_key = if config.cluster.is_some() {
        cluster_key.clone()
    } else {
        validator
    };
    let is_validator = sealing_key.is_some();
    let chain = Arc::new(Chain::open(store, spec.clone(), sealing_key)?);
    // A single validator must be one in the configuration in force; in a cluster a validator
    // that governance adds later starts as a learner and seals once the configuration lists it.
    if let Some(address) = chain.validator()
        && config.cluster.is_none()
        && spec.cloister().is_some()
        && !chain.consortium().is_validator(&address)
    {
        return Err(NodeError::NotAValidator(address));
    }
    let pool = Arc::new(TxPool::new(PoolConfig {
        chain_id: spec.chain_id(),
        ..Default::default()
    }));

    let cluster_node = match (&config.cluster, cluster_key) {
        (Some(cluster_config), Some(key)) => {
            let attested = ra_tls.map(|identity| cluster::ClusterAttestation {
                identity,
                peers: cluster_attestation_rule(&chain),
            });
            Some(
                cluster::start(
                    cluster_config,
                    &config.datadir,
                    data_key.as_ref().map(|k| k.as_bytes()),
                    chain.clone(),
                    pool.clone(),
                    key,
                    attested,
                )
                .await?,
            )
        }
        (Some(_), None) => return Err(cluster::ClusterError::NoKey.into()),
        (None, _) => None,
    };
    // Observability: cloister_clusterStatus, /metrics and /health read these.
    let status = Arc::new(match &cluster_node {
        Some(node) => NodeStatus::clustered(chain.clone(), node),
        None => NodeStatus::single(chain.clone(), chain.validator()),
    });
    let node_metrics = Arc::new(metrics::NodeMetrics::new(status.clone(), pool.clone()));

    let (shutdown, shutdown_rx) = watch::channel(false);
    tokio::spawn(
        node_metrics
            .clone()
            .count_committed(chain.clone(), shutdown.subscribe()),
    );
    let producer = is_validator.then(|| {
        let mut producer = BlockProducer::new(
            chain.clone(),
            pool.clone(),
            ProducerConfig {
                mode: config.seal_mode(),
                max_txs_per_block: config.max_txs_per_block,
            },
        )
        .with_timer(node_metrics.block_timer());
        // In a cluster only the leader builds, and its blocks commit through Raft.
        if let Some(node) = &cluster_node {
            let (sink, gate) = cluster::producer_parts(node);
            producer = producer.with_sink(sink).with_gate(gate);
        }
        tokio::spawn(producer.run(shutdown_rx))
    });

    // The policy in force at the head (the genesis document, or the one governance put in
    // place), kept current as governance changes it.
    let policy = governed::policy_in_force(&chain)?;
    tokio::spawn(governed::follow(
        chain.clone(),
        policy.clone(),
        cluster_node.as_ref().map(|n| n.transport.policy().clone()),
        shutdown.subscribe(),
    ));
    let mut rpc_context = RpcContext::new(
        chain.clone(),
        pool.clone(),
        dev_keys.clone(),
        config.rpc_gas_cap,
    );
    rpc_context.policy = policy.clone();
    rpc_context.set_evm_limits(
        config.rpc_evm_timeout,
        config.rpc_evm_concurrency,
        config.rpc_evm_queue,
    );
    let ctx = Arc::new(rpc_context);
    let scheme = if tls.is_some() { "https" } else { "http" };
    let rpc_config = config.rpc_config()?;
    let mut module = core_module(ctx.clone())?;
    module.merge(cloister_rpc_call::module(ctx.clone())?)?;
    module.merge(cloister_rpc_filter::module_with_config(
        ctx.clone(),
        &config.filters,
    )?)?;
    module.merge(cloister_rpc_debug::module(ctx.clone())?)?;
    let testing = cloister_rpc_engine::TestingConfig {
        target_gas_limit: config.target_gas_limit,
    };
    module.merge(cloister_rpc_engine::public_module_with(
        ctx.clone(),
        testing,
    )?)?;
    // A Cloister chain resolves callers and gates methods; a transparent chain serves all.
    let auth = spec.cloister().is_some().then(|| {
        let domain = format!("{}:{}", display_host(&config), config.port);
        let mut auth_config = cloister_auth::AuthConfig::new(
            &domain,
            spec.chain_id(),
            &format!("Cloister {}", spec.chain_id()),
            &format!("{scheme}://{domain}"),
        );
        auth_config.token_lifetime =
            std::time::Duration::from_secs(policy.document().token_lifetime_secs.max(1));
        let gate_policy = policy.clone();
        auth_config.may_sign_in = Arc::new(move |address| gate_policy.may_sign_in(address));
        Arc::new(cloister_auth::AuthService::new(
            chain.store().clone(),
            auth_config,
        ))
    });
    module.merge(
        CloisterRpc {
            ctx: ctx.clone(),
            auth: auth.clone(),
            attestation,
            status: status.clone(),
        }
        .into_rpc(),
    )?;
    if let Some(auth) = &auth {
        tokio::spawn(sweep_expired_tokens(auth.clone(), shutdown.subscribe()));
    }
    let guard = auth.map(|auth| cloister_rpc::Guard {
        policy: policy.clone(),
        audit: ctx.audit.clone(),
        gatekeeper: Arc::new(guard::NodeGatekeeper {
            auth,
            policy: policy.clone(),
        }),
    });
    let pages: Arc<dyn cloister_rpc::StatusPages> = node_metrics;
    let server = cloister_rpc::serve_observed(&rpc_config, module, guard, tls, Some(pages)).await?;
    let engine = match &config.engine {
        Some(engine_config) => Some(cloister_rpc_engine::serve(engine_config, ctx.clone()).await?),
        None => None,
    };
    tracing::info!(target: "cloister::node", addr = %server.local_addr, scheme, chain_id = spec.chain_id(), "RPC listening");
    Ok(NodeHandle {
        rpc_addr: server.local_addr,
        scheme,
        engine_addr: engine.as_ref().map(|e| e.local_addr),
        chain,
        pool,
        dev_accounts: dev_keys,
        shutdown,
        producer,
        cluster: cluster_node,
        rpc: server.handle,
        engine: engine.map(|e| e.handle),
        status,
    })
}

/// Deletes expired sign-in tokens once an hour (resolving one deletes it too; this catches
/// tokens nobody presents again), until shutdown.
async fn sweep_expired_tokens(
    auth: Arc<cloister_auth::AuthService>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = every.tick() => {
                let now = cloister_auth::time::unix_now();
                if let Err(err) = auth.tokens().sweep_expired(now) {
                    tracing::warn!(target: "cloister::auth", %err, "sweeping expired tokens failed");
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// The host as a URL authority shows it (IPv6 in brackets).
fn display_host(config: &NodeConfig) -> String {
    match config.host {
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    }
}

/// The key this node seals with: in dev mode the first dev account, which the dev genesis names
/// as its validator. Whether the chain accepts it is decided once the chain is open.
fn validator_key(
    config: &NodeConfig,
    dev_keys: &[PrivateKeySigner],
) -> Result<Option<PrivateKeySigner>, NodeError> {
    let key = match (&config.validator_key, dev_keys.first()) {
        (Some(bytes), _) => {
            Some(PrivateKeySigner::from_bytes(bytes).map_err(|e| NodeError::Key(e.to_string()))?)
        }
        (None, Some(first)) if config.dev => Some(first.clone()),
        _ => None,
    };
    Ok(key)
}

/// What a peer's RA-TLS certificate must prove on this chain: a quote whose measurement the
/// configuration in force allows (simulated quotes only where genesis `allowSimulatedTee`).
fn cluster_attestation_rule(chain: &Chain) -> cloister_consensus::transport::PeerAttestation {
    let consortium = chain.consortium();
    cloister_consensus::transport::PeerAttestation::new(
        security::enclave_rules(&consortium.measurements),
        consortium.allow_simulated_tee,
    )
}

/// Seconds since the epoch (0 if the clock is before it).
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
