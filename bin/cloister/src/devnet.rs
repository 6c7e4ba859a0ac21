//! `cloister devnet init`: a local consortium in one directory — a genesis naming N fresh
//! validators (and optional read replicas), the ten dev accounts funded, dev accounts 0, 1 and
//! 2 as the consortium's members (the governance contract predeployed at `0x…C0C0`), a
//! permissive policy unless a policy file is given; one key and one `node.toml` per node; one
//! command per node. `--spare N` adds nodes that genesis does not list, for governance to admit
//! (as validators or nodes) later.

use alloy_signer_local::PrivateKeySigner;
use cloister_node::{ClusterRole, ClusterSection, NodeFile, PeerSection, RpcSection, write_key};
use cloister_primitives::{Address, B256};
use serde_json::{Value, json};
use std::{net::IpAddr, path::PathBuf};

/// `devnet` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum DevnetCommand {
    /// Write a local N-validator network into a directory.
    Init(InitArgs),
}

/// `devnet init` arguments.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Number of validators.
    #[arg(long, default_value_t = 3)]
    pub validators: usize,
    /// Number of read replicas (genesis followers), after the validators.
    #[arg(long, default_value_t = 0)]
    pub followers: usize,
    /// Number of spare validator nodes after those, with keys and configs but not in genesis:
    /// they join once a governance vote adds them (`cloister gov propose --add-validator`).
    #[arg(long, default_value_t = 0)]
    pub spare: usize,
    /// Directory to write (created; must not already hold a devnet).
    #[arg(long)]
    pub dir: PathBuf,
    /// RPC port of node0; node i serves RPC on base+i and its cluster port on base+1000+i.
    #[arg(long, default_value_t = 8545)]
    pub base_port: u16,
    /// `none` (plain HTTP, key proofs only) or `simulated` (RA-TLS on RPC and cluster ports,
    /// the running binary's simulated measurement allowed by genesis).
    #[arg(long, default_value = "none", value_parser = ["none", "simulated"])]
    pub tee: String,
    /// Confidentiality policy document (JSON) for genesis; default permissive.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Seal a block every interval instead of as transactions arrive (e.g. 250ms).
    #[arg(long)]
    pub block_time: Option<String>,
    /// Snapshot (and purge the Raft log before it) after this many blocks.
    #[arg(long)]
    pub snapshot_every: Option<u64>,
    /// Interface every port listens on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
}

/// Runs a devnet subcommand.
pub fn run(command: DevnetCommand) -> eyre::Result<()> {
    match command {
        DevnetCommand::Init(args) => {
            let nodes = init(&args)?;
            println!(
                "wrote a {}-validator devnet to {}",
                args.validators,
                args.dir.display()
            );
            println!("start each node (one terminal each):");
            for node in nodes {
                println!("  cloister node --config {}", node.display());
            }
            Ok(())
        }
    }
}

/// Writes the devnet; returns the config file of each node.
pub fn init(args: &InitArgs) -> eyre::Result<Vec<PathBuf>> {
    if args.validators == 0 {
        eyre::bail!("a devnet needs at least one validator");
    }
    let count = args.validators + args.followers + args.spare;
    let last_cluster_port = u32::from(args.base_port) + 1000 + count as u32;
    if last_cluster_port > u32::from(u16::MAX) {
        eyre::bail!(
            "--base-port {} leaves no room for {count} nodes",
            args.base_port
        );
    }
    let genesis_path = args.dir.join("genesis.json");
    if genesis_path.exists() {
        eyre::bail!(
            "{} already holds a devnet; choose another --dir or remove it",
            args.dir.display()
        );
    }
    std::fs::create_dir_all(&args.dir)?;
    let keys: Vec<PrivateKeySigner> = (0..count).map(|_| PrivateKeySigner::random()).collect();
    let addresses: Vec<Address> = keys.iter().map(|k| k.address()).collect();
    let (validators, rest) = addresses.split_at(args.validators);
    let followers = &rest[..args.followers];

    let policy: Value = match &args.policy {
        Some(path) => serde_json::from_str(&std::fs::read_to_string(path)?)
            .map_err(|e| eyre::eyre!("{}: {e}", path.display()))?,
        None => json!({ "mode": "permissive" }),
    };
    let mut genesis: Value =
        serde_json::from_str(&cloister_chainspec::dev_genesis_json_at(unix_now())?)?;
    genesis["cloister"]["validators"] = json!(validators);
    genesis["cloister"]["followers"] = json!(followers);
    genesis["cloister"]["policy"] = policy;
    let simulated = args.tee == "simulated";
    genesis["cloister"]["allowSimulatedTee"] = json!(simulated);
    if simulated {
        let attester = cloister_tee::SimulatedAttester::for_current_exe()?;
        let mrenclave = B256::from(attester.mr_enclave().0);
        genesis["cloister"]["allowedMeasurements"] =
            json!([{ "mrenclave": mrenclave, "isvSvn": 0 }]);
    }
    // Members stay the dev genesis's (dev accounts 0-2); the contract is rebuilt from the
    // section above, then checked as the node will read it.
    let json = cloister_governance::with_governance(&serde_json::to_string_pretty(&genesis)?)?;
    cloister_chainspec::ChainSpec::from_genesis_json(&json)?;
    std::fs::write(&genesis_path, &json)?;

    let scheme = if simulated { "https" } else { "http" };
    let peers: Vec<PeerSection> = addresses
        .iter()
        .enumerate()
        .map(|(i, address)| PeerSection {
            address: *address,
            cluster: format!("{}:{}", host_text(args.host), cluster_port(args, i)),
            rpc: format!("{scheme}://{}:{}", host_text(args.host), rpc_port(args, i)),
        })
        .collect();
    let mut configs = Vec::with_capacity(count);
    for (i, key) in keys.iter().enumerate() {
        let dir = args.dir.join(format!("node{i}"));
        std::fs::create_dir_all(&dir)?;
        write_key(
            &dir.join("node.key"),
            &B256::from_slice(&key.to_bytes()[..]),
        )?;
        let follower = (args.validators..args.validators + args.followers).contains(&i);
        let role = if follower {
            ClusterRole::Follower
        } else {
            ClusterRole::Validator
        };
        let file = NodeFile {
            role,
            datadir: "data".into(),
            genesis: Some("../genesis.json".into()),
            key_file: "node.key".into(),
            tee: args.tee.clone(),
            simulated_mrenclave: None,
            unlock_dev_accounts: true,
            block_time: args.block_time.clone(),
            max_txs_per_block: 20_000,
            rpc: RpcSection {
                host: args.host,
                port: rpc_port(args, i),
                http: !simulated,
                cors: Vec::new(),
                tls_cert: None,
                tls_key: None,
            },
            cluster: ClusterSection {
                listen: std::net::SocketAddr::new(args.host, cluster_port(args, i)),
                heartbeat: None,
                election_timeout: None,
                snapshot_every: args.snapshot_every,
                // Every node lists every other, spares included: gossip must reach a spare
                // once a vote admits it (until then it refuses them, and they it).
                peers: peers.clone(),
            },
        };
        let path = dir.join("node.toml");
        let spare = if i >= args.validators + args.followers {
            ", spare: not in genesis until a vote adds it"
        } else {
            ""
        };
        let header = format!(
            "# node{i} of the devnet in {} ({}{spare}); `cloister node --config` reads this file.\n\
             # Relative paths are relative to this folder.\n",
            args.dir.display(),
            role.as_str()
        );
        std::fs::write(&path, header + &file.to_toml()?)?;
        configs.push(path);
    }
    Ok(configs)
}

fn rpc_port(args: &InitArgs, i: usize) -> u16 {
    args.base_port + i as u16
}

fn cluster_port(args: &InitArgs, i: usize) -> u16 {
    args.base_port + 1000 + i as u16
}

fn host_text(host: IpAddr) -> String {
    match host {
        IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
