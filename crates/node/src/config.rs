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
    /// The authenticated engine API, when asked for (`--authrpc.port`).
    pub engine: Option<cloister_rpc_engine::EngineConfig>,
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
            engine: None,
        }
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
}

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Configuration is inconsistent.
    #[error("config: {0}")]
    Config(String),
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
    /// The validator key is not one the chain spec allows.
    #[error("{0} is not a validator of this chain (genesis `cloister.validators`)")]
    NotAValidator(Address),
}
