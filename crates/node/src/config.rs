//! Node configuration and the node's errors.

use cloister_chain::SealMode;
use cloister_primitives::{Address, B256};
use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

/// How to run a node.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where the database lives.
    pub datadir: PathBuf,
    /// Interface to listen on.
    pub host: IpAddr,
    /// Port for HTTP and WebSocket (0: any free port).
    pub port: u16,
    /// Dev mode: the dev genesis, prefunded accounts whose keys the node signs with.
    pub dev: bool,
    /// Seal on an interval instead of as transactions arrive.
    pub block_time: Option<Duration>,
    /// Most transactions in one block.
    pub max_txs_per_block: usize,
    /// Key to seal blocks with (outside dev mode).
    pub validator_key: Option<B256>,
    /// Gas cap of eth_call / eth_estimateGas.
    pub rpc_gas_cap: u64,
    /// Longest an EVM-executing call (eth_call, eth_estimateGas, debug_traceCall...) may take
    /// from its arrival, queueing included (geth's `--rpc.evmtimeout`); zero: no bound.
    pub rpc_evm_timeout: Duration,
    /// Most EVM-executing calls running at once (`--rpc.evm-concurrency`).
    pub rpc_evm_concurrency: usize,
    /// Most EVM-executing calls waiting for a turn; beyond, a call is refused at once.
    pub rpc_evm_queue: usize,
    /// The authenticated engine API, when asked for (`--authrpc.port`).
    pub engine: Option<cloister_rpc_engine::EngineConfig>,
    /// Server limits and CORS of the RPC port.
    pub rpc: RpcOptions,
    /// Limits of eth_getLogs and installed filters.
    pub filters: cloister_rpc_filter::FilterConfig,
    /// Gas limit that blocks built by `testing_buildBlockV1` move toward (geth's
    /// `--miner.gaslimit`).
    pub target_gas_limit: u64,
    /// Which attester proves the node's code (and makes its RA-TLS certificate).
    pub tee: TeeMode,
    /// Where the TLS certificate of the RPC port comes from (ignored with a TEE: RA-TLS).
    pub tls: TlsSource,
    /// Plain HTTP asked for explicitly (`--http`): allowed on loopback only.
    pub plain_http: bool,
    /// Collateral (JSON) served beside the quote by `cloister_attestation`.
    pub attestation_collateral: Option<PathBuf>,
    /// Membership of a validator cluster (`None`: a single validator, no cluster port).
    pub cluster: Option<crate::cluster::ClusterConfig>,
    /// Key of a cluster node that is not a validator (a read replica), proven to its peers.
    pub node_key: Option<B256>,
    /// Sign `eth_sendTransaction` for the ten dev accounts outside `--dev` (a devnet).
    pub unlock_dev_accounts: bool,
    /// MRENCLAVE the simulated attester claims instead of the executable's hash (tests of
    /// admission); refused with any other attester.
    pub simulated_mrenclave: Option<B256>,
}

/// The attester backend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TeeMode {
    /// No attestation.
    #[default]
    None,
    /// Fake quotes for development; only on chains whose genesis allows simulation.
    Simulated,
    /// Intel SGX DCAP quotes through Occlum's `/dev/sgx`.
    Occlum,
}

/// The TLS certificate of the RPC port.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TlsSource {
    /// Plain HTTP where allowed (dev or `--http` on loopback, transparent chains), otherwise a
    /// certificate the node generates at start (its key never touches the disk).
    #[default]
    Auto,
    /// PEM files.
    Files {
        /// Certificate chain.
        cert: PathBuf,
        /// Private key.
        key: PathBuf,
    },
}

/// Limits and CORS of the public RPC port (its address comes from `host` and `port`).
#[derive(Debug, Clone)]
pub struct RpcOptions {
    /// Origins browsers may call from; `*` for any; empty: none.
    pub cors_origins: Vec<String>,
    /// Largest request.
    pub max_request_bytes: u32,
    /// Largest response.
    pub max_response_bytes: u32,
    /// Most calls in one batch (`None`: unlimited).
    pub max_batch_len: Option<u32>,
    /// Most live subscriptions per WebSocket connection.
    pub max_subscriptions_per_connection: u32,
}

impl Default for RpcOptions {
    fn default() -> Self {
        let server = cloister_rpc::RpcConfig::default();
        Self {
            cors_origins: server.cors_origins,
            max_request_bytes: server.max_request_bytes,
            max_response_bytes: server.max_response_bytes,
            max_batch_len: server.max_batch_len,
            max_subscriptions_per_connection: server.max_subscriptions_per_connection,
        }
    }
}

impl NodeConfig {
    /// A dev node in `datadir` on `127.0.0.1:port`.
    pub fn dev(datadir: PathBuf, port: u16) -> Self {
        Self {
            datadir,
            host: IpAddr::from([127, 0, 0, 1]),
            port,
            dev: true,
            block_time: None,
            max_txs_per_block: 20_000,
            validator_key: None,
            rpc_gas_cap: 50_000_000,
            rpc_evm_timeout: cloister_rpc::RpcContext::DEFAULT_EVM_TIMEOUT,
            rpc_evm_concurrency: Self::default_evm_concurrency(),
            rpc_evm_queue: cloister_rpc::RpcContext::DEFAULT_EVM_QUEUE,
            engine: None,
            rpc: RpcOptions::default(),
            filters: Default::default(),
            target_gas_limit: cloister_rpc_engine::TestingConfig::default().target_gas_limit,
            tee: TeeMode::None,
            tls: TlsSource::Auto,
            plain_http: false,
            attestation_collateral: None,
            cluster: None,
            node_key: None,
            unlock_dev_accounts: false,
            simulated_mrenclave: None,
        }
    }

    /// Most EVM-executing calls at once unless told: every core but one, at least one.
    pub fn default_evm_concurrency() -> usize {
        cloister_rpc::RpcContext::default_evm_concurrency()
    }

    /// Checks the values make sense together.
    pub fn validate(&self) -> Result<(), NodeError> {
        if self.max_txs_per_block == 0 {
            return Err(NodeError::Config(
                "max_txs_per_block must be at least 1".into(),
            ));
        }
        if self
            .block_time
            .is_some_and(|t| t < Duration::from_millis(10))
        {
            return Err(NodeError::Config("block time must be at least 10ms".into()));
        }
        if self.simulated_mrenclave.is_some() && self.tee != TeeMode::Simulated {
            return Err(NodeError::Config(
                "a chosen simulated measurement needs --tee simulated (never on SGX)".into(),
            ));
        }
        if self.rpc_evm_concurrency == 0 {
            return Err(NodeError::Config(
                "rpc.evm-concurrency must be at least 1".into(),
            ));
        }
        if self.dev && self.cluster.is_some() {
            return Err(NodeError::Config(
                "--dev is a single validator; a cluster node runs from its config file".into(),
            ));
        }
        Ok(())
    }

    /// When blocks are sealed.
    pub fn seal_mode(&self) -> SealMode {
        self.block_time
            .map_or(SealMode::Instant, SealMode::Interval)
    }

    /// Where RPC listens.
    pub fn rpc_addr(&self) -> Result<SocketAddr, NodeError> {
        Ok(SocketAddr::new(self.host, self.port))
    }

    /// The RPC server's configuration.
    pub fn rpc_config(&self) -> Result<cloister_rpc::RpcConfig, NodeError> {
        Ok(cloister_rpc::RpcConfig {
            addr: self.rpc_addr()?,
            max_request_bytes: self.rpc.max_request_bytes,
            max_response_bytes: self.rpc.max_response_bytes,
            max_batch_len: self.rpc.max_batch_len,
            max_subscriptions_per_connection: self.rpc.max_subscriptions_per_connection,
            cors_origins: self.rpc.cors_origins.clone(),
            ..Default::default()
        })
    }
}

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Configuration is inconsistent.
    #[error("config: {0}")]
    Config(String),
    /// The cluster side could not start (bad membership, port taken, Raft refused).
    #[error("cluster: {0}")]
    Cluster(#[from] crate::cluster::ClusterError),
    /// The datadir holds no chain and no genesis was given.
    #[error(
        "datadir {0} is not initialised: run `cloister init --genesis FILE --datadir DIR` or start with --dev"
    )]
    NotInitialised(PathBuf),
    /// The chain spec is invalid.
    #[error(transparent)]
    ChainSpec(#[from] cloister_chainspec::ChainSpecError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] cloister_storage::StorageError),
    /// The chain could not be opened.
    #[error(transparent)]
    Chain(#[from] cloister_chain::ChainError),
    /// RPC could not start.
    #[error(transparent)]
    Rpc(#[from] cloister_rpc::ServeError),
    /// The engine API could not start.
    #[error(transparent)]
    Engine(#[from] cloister_rpc_engine::EngineError),
    /// Two RPC methods have one name (a programming error).
    #[error("method registration: {0}")]
    Register(#[from] jsonrpsee::core::RegisterMethodError),
    /// A block of an imported chain was refused, or the file is unreadable.
    #[error("import: {0}")]
    Import(String),
    /// A key is malformed.
    #[error("key: {0}")]
    Key(String),
    /// The confidentiality policy in genesis is invalid.
    #[error(transparent)]
    Policy(#[from] cloister_policy::PolicyError),
    /// Attestation or sealing failed.
    #[error("TEE: {0}")]
    Tee(String),
    /// TLS could not be set up.
    #[error("TLS: {0}")]
    Tls(String),
    /// The validator key is not one the chain spec allows.
    #[error("{0} is not a validator of this chain (genesis `cloister.validators`)")]
    NotAValidator(Address),
}
