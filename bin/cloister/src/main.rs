//! `cloister`: run a node (`node`), initialise a datadir from a genesis file (`init`),
//! measure any node's throughput (`bench`), or take part in governance (`gov`).

mod attest;
mod banner;
mod devnet;
mod gov;

use clap::{Parser, Subcommand};
use cloister_node::{NodeConfig, TeeMode, TlsSource, init, launch};
use cloister_primitives::B256;
use std::{net::IpAddr, path::PathBuf, time::Duration};

#[derive(Debug, Parser)]
#[command(name = "cloister", version, about = "Confidential Ethereum node")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a node.
    Node(NodeArgs),
    /// Write a genesis (geth format, optional `cloister` section) into a datadir.
    Init {
        /// genesis.json to initialise with.
        #[arg(long)]
        genesis: PathBuf,
        /// Directory of the database.
        #[arg(long)]
        datadir: PathBuf,
    },
    /// Validate, execute and store the blocks of an RLP file (exit status 1 when one is refused).
    Import {
        /// Directory of the database (initialised with `cloister init`).
        #[arg(long)]
        datadir: PathBuf,
        /// File of concatenated RLP blocks.
        file: PathBuf,
    },
    /// Measure committed throughput of any JSON-RPC node.
    Bench(cloister_bench::BenchArgs),
    /// Check a node's attestation (RA-TLS).
    #[command(subcommand)]
    Attest(attest::AttestCommand),
    /// A local consortium network for development.
    #[command(subcommand)]
    Devnet(devnet::DevnetCommand),
    /// Consortium governance: read it, propose, vote (as a member).
    #[command(subcommand)]
    Gov(gov::GovCommand),
}

#[derive(Debug, clap::Args)]
struct NodeArgs {
    /// Single-validator dev chain with ten prefunded accounts (like anvil).
    #[arg(long, conflicts_with = "config")]
    dev: bool,
    /// Run the node a `node.toml` describes (a cluster validator or read replica); the file
    /// gives datadir, key, RPC and cluster settings, and the flags below other than
    /// --tokio-* are not used.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Interface for HTTP and WebSocket RPC.
    #[arg(long, env = "CLOISTER_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port for HTTP and WebSocket RPC.
    #[arg(long, env = "CLOISTER_PORT", default_value_t = 8545)]
    port: u16,
    /// Directory of the database (default: ~/.cloister/dev with --dev, else required).
    #[arg(long, env = "CLOISTER_DATADIR")]
    datadir: Option<PathBuf>,
    /// Attester: `none`, `simulated` (dev chains that allow it) or `occlum` (SGX). With one,
    /// RPC is served over TLS with an RA-TLS certificate.
    #[arg(long, env = "CLOISTER_TEE", default_value = "none", value_parser = ["none", "simulated", "occlum"])]
    tee: String,
    /// PEM certificate chain for the RPC port's TLS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for the RPC port's TLS.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve plain HTTP (loopback only) on a confidential chain, e.g. behind a local proxy.
    #[arg(long)]
    http: bool,
    /// Tokio worker threads (fixed: an enclave has a fixed thread budget).
    #[arg(long, env = "CLOISTER_TOKIO_WORKERS", default_value_t = 2)]
    tokio_workers: usize,
    /// Most tokio blocking threads.
    #[arg(long, env = "CLOISTER_TOKIO_BLOCKING_THREADS", default_value_t = 8)]
    tokio_blocking_threads: usize,
    /// Collateral JSON served beside the quote by cloister_attestation.
    #[arg(long)]
    attestation_collateral: Option<PathBuf>,
    /// Seal a block every interval (e.g. 250ms, 2s) instead of as transactions arrive.
    #[arg(long, value_parser = humantime::parse_duration)]
    block_time: Option<Duration>,
    /// Most transactions in one block.
    #[arg(long, default_value_t = 20_000)]
    max_txs_per_block: usize,
    /// Hex private key to seal blocks with (must be a validator in the genesis).
    #[arg(long, env = "CLOISTER_VALIDATOR_KEY", hide_env_values = true)]
    validator_key: Option<B256>,
    /// Gas cap of eth_call and eth_estimateGas.
    #[arg(long, default_value_t = 50_000_000)]
    rpc_gas_cap: u64,
    /// Longest an EVM-executing call (eth_call, eth_estimateGas, eth_createAccessList,
    /// eth_simulateV1, debug_trace*) may take from its arrival, waiting included (0: no bound).
    #[arg(long = "rpc.evmtimeout", default_value = "5s", value_parser = humantime::parse_duration)]
    rpc_evmtimeout: Duration,
    /// Most EVM-executing calls running at once (default: every core but one, at least one,
    /// and two fewer than --tokio-blocking-threads).
    #[arg(long = "rpc.evm-concurrency")]
    rpc_evm_concurrency: Option<usize>,
    /// Most EVM-executing calls waiting for a turn; beyond, a call is refused at once.
    #[arg(long = "rpc.evm-queue", default_value_t = 128)]
    rpc_evm_queue: usize,
    /// Port of the JWT-authenticated engine API (off unless given).
    #[arg(long = "authrpc.port")]
    authrpc_port: Option<u16>,
    /// Interface of the engine API.
    #[arg(long = "authrpc.addr", default_value = "127.0.0.1")]
    authrpc_addr: IpAddr,
    /// File holding the engine API's hex JWT secret (required with --authrpc.port).
    #[arg(long = "authrpc.jwtsecret")]
    authrpc_jwtsecret: Option<PathBuf>,
    /// Origins browsers may call RPC from (comma-separated; `*` for any). Default: none.
    #[arg(long = "rpc.cors", value_delimiter = ',')]
    rpc_cors: Vec<String>,
    /// Largest RPC request in bytes.
    #[arg(long = "rpc.max-request-size", default_value_t = 10 * 1024 * 1024)]
    rpc_max_request_size: u32,
    /// Largest RPC response in bytes (logs and traces can be large).
    #[arg(long = "rpc.max-response-size", default_value_t = 512 * 1024 * 1024)]
    rpc_max_response_size: u32,
    /// Most calls in one JSON-RPC batch (0: unlimited).
    #[arg(long = "rpc.batch-limit", default_value_t = 1000)]
    rpc_batch_limit: u32,
    /// Most live subscriptions per WebSocket connection.
    #[arg(long = "rpc.max-subscriptions", default_value_t = 1024)]
    rpc_max_subscriptions: u32,
    /// Most blocks one eth_getLogs query may span (0: unlimited).
    #[arg(long = "rpc.rangelimit", default_value_t = 100_000)]
    rpc_rangelimit: u64,
    /// Most logs one eth_getLogs answer may hold (0: unlimited).
    #[arg(long = "rpc.logs-max-results", default_value_t = 20_000)]
    rpc_logs_max_results: usize,
    /// Gas limit that blocks built by testing_buildBlockV1 move toward.
    #[arg(long = "miner.gaslimit", default_value_t = 60_000_000)]
    miner_gaslimit: u64,
    /// An installed filter not polled for this long is removed.
    #[arg(long = "rpc.filter-timeout", default_value = "5m", value_parser = humantime::parse_duration)]
    rpc_filter_timeout: Duration,
}

fn main() -> eyre::Result<()> {
    use tracing_subscriber::{Layer as _, layer::SubscriberExt as _, util::SubscriberInitExt as _};
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Libraries below the node log whole requests, bodies and trie leaves (raw transactions)
    // at debug/trace; those carry confidential data, so only the node's own targets (which keep
    // transaction data out of their events) may log below info, whatever RUST_LOG asks.
    let own_or_info = tracing_subscriber::filter::filter_fn(|meta| {
        meta.target().starts_with("cloister") || *meta.level() <= tracing::Level::INFO
    });
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter)
                .with_filter(own_or_info),
        )
        .init();
    let cli = Cli::parse();
    // Fixed thread counts: the node must run unchanged inside an enclave with a fixed thread budget.
    let (workers, blocking) = match &cli.command {
        Command::Node(args) => (
            args.tokio_workers.max(1),
            args.tokio_blocking_threads.max(1),
        ),
        _ => (2, 8),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(blocking)
        .enable_all()
        .build()?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> eyre::Result<()> {
    match cli.command {
        Command::Init { genesis, datadir } => {
            let json = std::fs::read_to_string(&genesis)
                .map_err(|e| eyre::eyre!("cannot read {}: {e}", genesis.display()))?;
            let hash = init(&datadir, &json)?;
            println!("initialised {} with genesis {hash}", datadir.display());
            Ok(())
        }
        Command::Bench(args) => {
            let report = cloister_bench::main_with_args(args).await?;
            println!("{report}");
            Ok(())
        }
        Command::Import { datadir, file } => {
            let summary = cloister_node::import_file(&datadir, &file)?;
            println!(
                "imported {} blocks; head is block {}",
                summary.imported, summary.head
            );
            Ok(())
        }
        Command::Node(args) if args.config.is_some() => run_configured_node(args).await,
        Command::Node(args) => run_node(args).await,
        Command::Devnet(command) => devnet::run(command),
        Command::Gov(command) => gov::run(command).await,
        Command::Attest(command) => {
            if attest::run(command).await? {
                Ok(())
            } else {
                std::process::exit(1)
            }
        }
    }
}

async fn run_node(args: NodeArgs) -> eyre::Result<()> {
    // Inside the enclave CLOISTER_TEE=occlum is part of the measured environment; the host
    // controls argv, so it must not be able to weaken the node with flags.
    if std::env::var("CLOISTER_TEE").is_ok_and(|v| v == "occlum")
        && (args.dev || args.tee != "occlum")
    {
        eyre::bail!("inside the enclave the node runs with --tee occlum and without --dev");
    }
    let datadir = match (args.datadir, args.dev) {
        (Some(dir), _) => dir,
        (None, true) => default_dev_datadir()?,
        (None, false) => eyre::bail!("--datadir is required without --dev"),
    };
    let engine = match (args.authrpc_port, args.authrpc_jwtsecret) {
        (Some(port), Some(jwt_secret)) => Some(cloister_rpc_engine::EngineConfig {
            addr: std::net::SocketAddr::new(args.authrpc_addr, port),
            jwt_secret,
        }),
        (Some(_), None) => eyre::bail!("--authrpc.port needs --authrpc.jwtsecret FILE"),
        (None, _) => None,
    };
    let tee = match args.tee.as_str() {
        "simulated" => TeeMode::Simulated,
        "occlum" => TeeMode::Occlum,
        _ => TeeMode::None,
    };
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => TlsSource::Files { cert, key },
        _ => TlsSource::Auto,
    };
    let config = NodeConfig {
        tee,
        tls,
        plain_http: args.http,
        attestation_collateral: args.attestation_collateral,
        cluster: None,
        node_key: None,
        unlock_dev_accounts: false,
        simulated_mrenclave: None,
        datadir: datadir.clone(),
        host: args.host,
        port: args.port,
        dev: args.dev,
        block_time: args.block_time,
        max_txs_per_block: args.max_txs_per_block,
        validator_key: args.validator_key,
        rpc_gas_cap: args.rpc_gas_cap,
        rpc_evm_timeout: args.rpc_evmtimeout,
        rpc_evm_concurrency: evm_concurrency(
            args.rpc_evm_concurrency,
            args.tokio_blocking_threads,
        )?,
        rpc_evm_queue: args.rpc_evm_queue,
        engine,
        rpc: cloister_node::RpcOptions {
            cors_origins: args.rpc_cors,
            max_request_bytes: args.rpc_max_request_size,
            max_response_bytes: args.rpc_max_response_size,
            max_batch_len: (args.rpc_batch_limit > 0).then_some(args.rpc_batch_limit),
            max_subscriptions_per_connection: args.rpc_max_subscriptions,
        },
        target_gas_limit: args.miner_gaslimit,
        filters: cloister_node::FilterConfig {
            max_block_range: args.rpc_rangelimit,
            max_results: args.rpc_logs_max_results,
            filter_timeout: args.rpc_filter_timeout,
        },
    };
    let node = launch(config).await?;
    banner::print(&node, &datadir);
    wait_for_stop().await?;
    eprintln!("shutting down");
    node.stop().await;
    Ok(())
}

/// EVM-executing RPC calls at once: asked for, or every core but one; never so many that they
/// take every blocking thread, which block production also runs on.
fn evm_concurrency(asked: Option<usize>, blocking_threads: usize) -> eyre::Result<usize> {
    let blocking_threads = blocking_threads.max(1);
    match asked {
        Some(n) if n == 0 || n >= blocking_threads => eyre::bail!(
            "--rpc.evm-concurrency must be at least 1 and below --tokio-blocking-threads \
             ({blocking_threads}): block production runs on those threads too"
        ),
        Some(n) => Ok(n),
        None => Ok(
            NodeConfig::default_evm_concurrency().min(blocking_threads.saturating_sub(2).max(1))
        ),
    }
}

/// `cloister node --config FILE`: initialises the datadir from the file's genesis on first
/// start, then runs the node until Ctrl-C or SIGTERM.
async fn run_configured_node(args: NodeArgs) -> eyre::Result<()> {
    let Some(path) = args.config else {
        eyre::bail!("--config FILE is required here");
    };
    if std::env::var("CLOISTER_TEE").is_ok_and(|v| v == "occlum") {
        eyre::bail!(
            "inside the enclave the node runs from its measured arguments, not a config file"
        );
    }
    let (mut config, genesis) = cloister_node::NodeFile::read(&path)?.node_config(&path)?;
    config.rpc_evm_concurrency = evm_concurrency(None, args.tokio_blocking_threads)?;
    if let Some(genesis) = genesis {
        let json = std::fs::read_to_string(&genesis)
            .map_err(|e| eyre::eyre!("cannot read {}: {e}", genesis.display()))?;
        cloister_node::init_sealed(&config.datadir, &json, config.tee)?;
    }
    let datadir = config.datadir.clone();
    let node = launch(config).await?;
    banner::print(&node, &datadir);
    wait_for_stop().await?;
    eprintln!("shutting down");
    node.stop().await;
    Ok(())
}

/// Ctrl-C or SIGTERM (what process managers and test harnesses send).
async fn wait_for_stop() -> eyre::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        ctrl_c = tokio::signal::ctrl_c() => ctrl_c?,
        _ = term.recv() => {}
    }
    Ok(())
}

fn default_dev_datadir() -> eyre::Result<PathBuf> {
    let home =
        std::env::var_os("HOME").ok_or_else(|| eyre::eyre!("HOME is not set; pass --datadir"))?;
    Ok(PathBuf::from(home).join(".cloister").join("dev"))
}
