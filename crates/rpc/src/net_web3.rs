//! `net_` and `web3_`: network identity and client version.

use cloister_primitives::{B256, Bytes, keccak256};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};

/// `net_` methods.
#[rpc(server, namespace = "net")]
pub trait NetApi {
    /// The network id (the chain id, as a decimal string like geth's).
    #[method(name = "version")]
    fn version(&self) -> RpcResult<String>;
    /// Whether the node accepts connections.
    #[method(name = "listening")]
    fn listening(&self) -> RpcResult<bool>;
    /// Connected peers.
    #[method(name = "peerCount")]
    fn peer_count(&self) -> RpcResult<cloister_primitives::U256>;
}

/// `web3_` methods.
#[rpc(server, namespace = "web3")]
pub trait Web3Api {
    /// Client name and version.
    #[method(name = "clientVersion")]
    fn client_version(&self) -> RpcResult<String>;
    /// keccak256 of the input.
    #[method(name = "sha3")]
    fn sha3(&self, input: Bytes) -> RpcResult<B256>;
}

/// The `net_` and `web3_` server.
#[derive(Debug, Clone)]
pub struct NetWeb3Rpc {
    chain_id: u64,
}

impl NetWeb3Rpc {
    /// Serves the network `chain_id`.
    pub fn new(chain_id: u64) -> Self {
        Self { chain_id }
    }
}

impl NetApiServer for NetWeb3Rpc {
    fn version(&self) -> RpcResult<String> {
        Ok(self.chain_id.to_string())
    }
    fn listening(&self) -> RpcResult<bool> {
        Ok(true)
    }
    fn peer_count(&self) -> RpcResult<cloister_primitives::U256> {
        Ok(cloister_primitives::U256::ZERO)
    }
}

impl Web3ApiServer for NetWeb3Rpc {
    fn client_version(&self) -> RpcResult<String> {
        Ok(format!("cloister/v{}", env!("CARGO_PKG_VERSION")))
    }
    fn sha3(&self, input: Bytes) -> RpcResult<B256> {
        Ok(keccak256(input))
    }
}
