//! `cloister-bench`: a load generator measuring the committed throughput of any Ethereum
//! JSON-RPC node (Cloister, anvil, geth, reth ...) over plain HTTP.
//!
//! A run has three phases: setup (fresh senders funded by the funder; for ERC-20 a token is
//! deployed and handed out), signing (every measured transaction signed before the clock
//! starts), and measurement (transactions sent over `connections` concurrent connections
//! while a block follower stamps each with the moment its block was seen). Every receipt is
//! checked afterwards; every wait is bounded by the configured timeout.

mod cli;
mod config;
mod erc20;
mod error;
mod eth;
mod load;
mod measure;
mod report;
mod rpc;
mod send;
mod setup;
mod sign;
mod watch;

use std::time::Duration;

use alloy_primitives::U256;
use tracing::info;

pub use cli::{BenchArgs, main_with_args};
pub use config::{BenchConfig, BenchKind, DEV_FUNDER_KEY};
pub use error::BenchError;
pub use report::BenchReport;

use report::{Timings, summarize};
use rpc::RpcClient;

/// Longest a single HTTP request may take, whatever the overall timeout.
const MAX_REQUEST_TIME: Duration = Duration::from_secs(60);

/// Runs one bench: setup, signing, measurement and receipt checks.
pub async fn run(config: BenchConfig) -> Result<BenchReport, BenchError> {
    config.validate()?;
    let request_timeout = config.timeout.min(MAX_REQUEST_TIME);
    let client = RpcClient::new(&config.rpc_url, request_timeout)?;
    let node = eth::client_version(&client)
        .await
        .unwrap_or_else(|_| "unknown".to_owned());

    let prepared = setup::prepare(&config, &client).await?;
    let addresses: Vec<_> = prepared
        .senders
        .iter()
        .map(|signer| signer.address())
        .collect();
    let nonces = eth::pending_nonces(&client, &addresses).await?;
    info!(target: "cloister::bench", txs = config.total_txs(), "signing the measured load");
    let signing_config = config.clone();
    let (prepared, signed) = tokio::task::spawn_blocking(move || {
        let signed = load::sign_load(&signing_config, &prepared, &nonces);
        (prepared, signed)
    })
    .await?;
    let txs = signed?;

    info!(target: "cloister::bench", connections = config.connections,
        batch_size = config.batch_size, "measuring");
    let watch_client = RpcClient::new(&config.rpc_url, request_timeout)?;
    let measured = measure::measure(&config, watch_client, &txs, request_timeout).await?;

    info!(target: "cloister::bench", "checking receipts");
    measure::verify_receipts(&client, config.kind, &txs).await?;
    if let (Some(token), Some(first)) = (prepared.token, prepared.senders.first()) {
        // Each sender received exactly what it then sent away.
        setup::check_token_balance(&client, token, first.address(), U256::ZERO).await?;
    }

    let summary = summarize(&Timings {
        sent_at: &measured.sent_at,
        committed_at: &measured.commits.committed_at,
    });
    Ok(BenchReport {
        node,
        kind: config.kind,
        senders: config.senders,
        connections: config.connections,
        batch_size: config.batch_size,
        txs: txs.len(),
        committed: summary.committed,
        seconds: summary.seconds,
        tps: summary.tps,
        latency_p50_ms: summary.latency_p50_ms,
        latency_p99_ms: summary.latency_p99_ms,
        blocks: measured.commits.blocks,
        max_txs_per_block: measured.commits.max_txs_per_block,
    })
}
