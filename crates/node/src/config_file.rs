//! `node.toml`: one file per node naming its datadir, genesis, key, RPC and cluster addresses
//! and peers (`cloister node --config FILE`). Relative paths are relative to the file's folder,
//! so a devnet directory can be moved as a whole.

use crate::{
    NodeConfig, NodeError, PeerNode, RpcOptions, TeeMode, TlsSource,
    cluster::{ClusterConfig, ClusterRole},
};
use cloister_primitives::{Address, B256};
use serde::{Deserialize, Serialize};
use std::{
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    time::Duration,
};

/// The file's contents, as written and read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFile {
    /// `validator` (seals blocks, votes) or `follower` (a read replica: a learner that votes on
    /// nothing and serves RPC).
    #[serde(default)]
    pub role: ClusterRole,
    /// Database directory.
    pub datadir: PathBuf,
    /// Genesis the datadir is initialised from on first start (later starts check it matches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genesis: Option<PathBuf>,
    /// File holding this node's hex secp256k1 key: the validator key, or a follower's node key.
    pub key_file: PathBuf,
    /// Attester: `none`, `simulated` or `occlum`.
    #[serde(default = "default_tee")]
    pub tee: String,
    /// With `tee = "simulated"` only: the MRENCLAVE to claim instead of the executable's hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulated_mrenclave: Option<B256>,
    /// Sign `eth_sendTransaction` for the ten dev accounts (a devnet on a laptop).
    #[serde(default)]
    pub unlock_dev_accounts: bool,
    /// Seal a block every interval (`"250ms"`) instead of as transactions arrive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_time: Option<String>,
    /// Most transactions in one block.
    #[serde(default = "default_max_txs")]
    pub max_txs_per_block: usize,
    /// The RPC port.
    pub rpc: RpcSection,
    /// The cluster port and the peers.
    pub cluster: ClusterSection,
}

/// `[rpc]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpcSection {
    /// Interface of HTTP and WebSocket RPC.
    pub host: IpAddr,
    /// Port of HTTP and WebSocket RPC.
    pub port: u16,
    /// Plain HTTP on loopback (no TEE), like `--http`.
    #[serde(default)]
    pub http: bool,
    /// Origins browsers may call from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cors: Vec<String>,
    /// PEM certificate chain of the RPC port (with `tls_key`; ignored with a TEE: RA-TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of the RPC port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
}

/// `[cluster]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    /// Where the attested cluster port listens.
    pub listen: SocketAddr,
    /// Raft heartbeat (`"150ms"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<String>,
    /// Raft election timeout range (`["600ms", "1200ms"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub election_timeout: Option<[String; 2]>,
    /// Snapshot (and purge the log before it) after this many applied blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_every: Option<u64>,
    /// Every node this one talks to (validators, and this node itself may be listed).
    #[serde(default)]
    pub peers: Vec<PeerSection>,
}

/// `[[cluster.peers]]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerSection {
    /// The peer's key address (a validator, or a follower genesis admits).
    pub address: Address,
    /// Its cluster port.
    pub cluster: String,
    /// Its RPC URL (shown by `cloister_clusterStatus`).
    #[serde(default)]
    pub rpc: String,
}

fn default_tee() -> String {
    "none".into()
}

fn default_max_txs() -> usize {
    20_000
}

fn config_error(path: &Path, message: impl std::fmt::Display) -> NodeError {
    NodeError::Config(format!("{}: {message}", path.display()))
}

fn duration(path: &Path, what: &str, text: &str) -> Result<Duration, NodeError> {
    humantime::parse_duration(text).map_err(|e| config_error(path, format!("{what}: {e}")))
}

impl NodeFile {
    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Self, NodeError> {
        let text = std::fs::read_to_string(path).map_err(|e| config_error(path, e))?;
        toml::from_str(&text).map_err(|e| config_error(path, e))
    }

    /// The file as TOML.
    pub fn to_toml(&self) -> Result<String, NodeError> {
        toml::to_string_pretty(self).map_err(|e| NodeError::Config(e.to_string()))
    }

    /// The node configuration this file describes; `base` is the folder relative paths start
    /// from (the file's own).
    pub fn node_config(&self, path: &Path) -> Result<(NodeConfig, Option<PathBuf>), NodeError> {
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let key = read_key(&resolve(&self.key_file))?;
        let tee = match self.tee.as_str() {
            "none" => TeeMode::None,
            "simulated" => TeeMode::Simulated,
            "occlum" => TeeMode::Occlum,
            other => return Err(config_error(path, format!("unknown tee `{other}`"))),
        };
        let mut cluster = ClusterConfig::new(
            self.cluster.listen,
            self.cluster
                .peers
                .iter()
                .map(|p| PeerNode {
                    address: p.address,
                    cluster: p.cluster.clone(),
                    rpc: p.rpc.clone(),
                })
                .collect(),
        );
        cluster.role = self.role;
        if let Some(heartbeat) = &self.cluster.heartbeat {
            cluster.heartbeat = duration(path, "heartbeat", heartbeat)?;
        }
        if let Some([min, max]) = &self.cluster.election_timeout {
            cluster.election_timeout = (
                duration(path, "election_timeout", min)?,
                duration(path, "election_timeout", max)?,
            );
        }
        if let Some(every) = self.cluster.snapshot_every {
            cluster.snapshot_every = every.max(1);
        }
        let mut config = NodeConfig::dev(resolve(&self.datadir), self.rpc.port);
        config.dev = false;
        config.host = self.rpc.host;
        config.plain_http = self.rpc.http;
        config.rpc = RpcOptions {
            cors_origins: self.rpc.cors.clone(),
            ..RpcOptions::default()
        };
        config.tls = match (&self.rpc.tls_cert, &self.rpc.tls_key) {
            (Some(cert), Some(key)) => TlsSource::Files {
                cert: resolve(cert),
                key: resolve(key),
            },
            (None, None) => TlsSource::Auto,
            _ => {
                return Err(config_error(
                    path,
                    "rpc.tls_cert and rpc.tls_key go together",
                ));
            }
        };
        config.tee = tee;
        config.simulated_mrenclave = self.simulated_mrenclave;
        config.unlock_dev_accounts = self.unlock_dev_accounts;
        config.max_txs_per_block = self.max_txs_per_block;
        config.block_time = self
            .block_time
            .as_deref()
            .map(|t| duration(path, "block_time", t))
            .transpose()?;
        match self.role {
            ClusterRole::Validator => config.validator_key = Some(key),
            ClusterRole::Follower => config.node_key = Some(key),
        }
        config.cluster = Some(cluster);
        Ok((config, self.genesis.as_deref().map(resolve)))
    }
}

/// Reads a hex key file (one line, `0x` optional). A key readable by group or others is
/// refused, as `ssh` refuses such a key.
pub fn read_key(path: &Path) -> Result<B256, NodeError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)
            .map_err(|e| NodeError::Key(format!("{}: {e}", path.display())))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(NodeError::Key(format!(
                "{} is readable by others (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            )));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| NodeError::Key(format!("{}: {e}", path.display())))?;
    text.trim()
        .parse::<B256>()
        .map_err(|e| NodeError::Key(format!("{}: {e}", path.display())))
}

/// Writes a hex key file readable by its owner only.
pub fn write_key(path: &Path, key: &B256) -> Result<(), NodeError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| NodeError::Key(format!("{}: {e}", path.display())))?;
    writeln!(file, "{key}").map_err(|e| NodeError::Key(format!("{}: {e}", path.display())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;

    #[test]
    fn a_written_file_reads_back_into_the_same_config() {
        let dir = tempfile::tempdir().unwrap();
        let key = B256::repeat_byte(7);
        write_key(&dir.path().join("node.key"), &key).unwrap();
        let file = NodeFile {
            role: ClusterRole::Validator,
            datadir: "data".into(),
            genesis: Some("../genesis.json".into()),
            key_file: "node.key".into(),
            tee: "none".into(),
            simulated_mrenclave: None,
            unlock_dev_accounts: true,
            block_time: Some("250ms".into()),
            max_txs_per_block: 100,
            rpc: RpcSection {
                host: IpAddr::from([127, 0, 0, 1]),
                port: 8545,
                http: true,
                cors: vec![],
                tls_cert: None,
                tls_key: None,
            },
            cluster: ClusterSection {
                listen: "127.0.0.1:9545".parse().unwrap(),
                heartbeat: Some("100ms".into()),
                election_timeout: Some(["500ms".into(), "900ms".into()]),
                snapshot_every: Some(50),
                peers: vec![PeerSection {
                    address: Address::repeat_byte(1),
                    cluster: "127.0.0.1:9545".into(),
                    rpc: "http://127.0.0.1:8545".into(),
                }],
            },
        };
        let path = dir.path().join("node.toml");
        std::fs::write(&path, file.to_toml().unwrap()).unwrap();
        let (config, genesis) = NodeFile::read(&path).unwrap().node_config(&path).unwrap();
        assert_eq!(config.validator_key, Some(key));
        assert_eq!(config.datadir, dir.path().join("data"));
        assert_eq!(genesis, Some(dir.path().join("../genesis.json")));
        assert_eq!(config.block_time, Some(Duration::from_millis(250)));
        assert!(config.plain_http && config.unlock_dev_accounts && !config.dev);
        let cluster = config.cluster.unwrap();
        assert_eq!(cluster.heartbeat, Duration::from_millis(100));
        assert_eq!(cluster.snapshot_every, 50);
        assert_eq!(cluster.peers[0].address, Address::repeat_byte(1));
    }

    #[test]
    fn unknown_fields_and_open_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.toml");
        std::fs::write(&path, "datadir = \"d\"\nkey_file = \"k\"\nbogus = 1\n").unwrap();
        assert!(NodeFile::read(&path).is_err());
        let key = dir.path().join("open.key");
        std::fs::write(&key, format!("{}\n", B256::repeat_byte(1))).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(
                read_key(&key)
                    .unwrap_err()
                    .to_string()
                    .contains("chmod 600")
            );
        }
    }
}
