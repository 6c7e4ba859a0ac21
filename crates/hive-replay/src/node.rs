//! The node under test, set up as hive's start script would: genesis from genesis.json and the
//! HIVE_* environment, `init`, import chain.rlp, then serve RPC and the JWT engine port.

use crate::{ReplayError, genesis::hive_genesis};
use cloister_node::{NodeConfig, NodeHandle};
use cloister_rpc_engine::{EngineConfig, JwtSecret};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

/// The secret hive gives every client's engine port.
pub const HIVE_JWT_SECRET: &str =
    "0x7365637265747365637265747365637265747365637265747365637265747365";

/// geth's default gas cap of eth_call and eth_estimateGas, which the fixtures were made with.
const RPC_GAS_CAP: u64 = 50_000_000;

/// A node on a temporary datadir, stopped and deleted on [`LocalNode::stop`].
#[derive(Debug)]
pub struct LocalNode {
    /// The running node.
    pub handle: NodeHandle,
    /// The engine port's secret.
    pub jwt: JwtSecret,
    dir: tempfile::TempDir,
}

impl LocalNode {
    /// Initialises a fresh datadir from the fixtures in `fixture_root`, imports `chain.rlp`
    /// and launches the node on free ports.
    pub async fn start(fixture_root: &Path) -> Result<Self, ReplayError> {
        let read = |name: &str| -> Result<String, ReplayError> {
            let path = fixture_root.join(name);
            std::fs::read_to_string(&path).map_err(|e| ReplayError::io(&path, e))
        };
        let genesis = hive_genesis(&read("genesis.json")?, &read("forkenv.json")?)?;
        let dir = tempfile::tempdir().map_err(|e| ReplayError::io(Path::new("tempdir"), e))?;
        let datadir = dir.path().join("datadir");
        let jwt_path = dir.path().join("jwt.hex");
        std::fs::write(&jwt_path, HIVE_JWT_SECRET).map_err(|e| ReplayError::io(&jwt_path, e))?;
        let jwt = JwtSecret::from_hex(HIVE_JWT_SECRET)
            .map_err(|e| ReplayError::Fixture(e.to_string()))?;

        let chain_file = fixture_root.join("chain.rlp");
        let init_dir = datadir.clone();
        tokio::task::spawn_blocking(move || -> Result<(), ReplayError> {
            cloister_node::init(&init_dir, &genesis)?;
            cloister_node::import_file(&init_dir, &chain_file)?;
            Ok(())
        })
        .await
        .map_err(|e| ReplayError::Setup(e.to_string()))??;

        let handle = cloister_node::launch(node_config(datadir, jwt_path)).await?;
        Ok(Self { handle, jwt, dir })
    }

    /// `http://` URL of the public port.
    pub fn rpc_url(&self) -> String {
        self.handle.http_url()
    }

    /// `http://` URL of the engine port.
    pub fn engine_url(&self) -> Option<String> {
        self.handle.engine_addr.map(|addr| format!("http://{addr}"))
    }

    /// Stops the node and deletes its datadir.
    pub async fn stop(self) {
        self.handle.stop().await;
        drop(self.dir);
    }
}

fn node_config(datadir: PathBuf, jwt_secret: PathBuf) -> NodeConfig {
    // The dev constructor's defaults (loopback, limits), as a plain imported chain.
    let base = NodeConfig::dev(datadir, 0);
    NodeConfig {
        dev: false,
        validator_key: None,
        rpc_gas_cap: RPC_GAS_CAP,
        engine: Some(EngineConfig {
            addr: SocketAddr::new(base.host, 0),
            jwt_secret,
        }),
        ..base
    }
}
