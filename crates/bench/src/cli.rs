//! Command-line surface: [`BenchArgs`] (mountable as `cloister bench ...`) and
//! [`main_with_args`], which runs the bench and prints the report.

use std::time::Duration;

use alloy_primitives::B256;

use crate::config::{BenchConfig, BenchKind, DEV_FUNDER_KEY};
use crate::{BenchError, BenchReport, run};

/// Measure a node's committed transaction throughput over JSON-RPC.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// HTTP JSON-RPC endpoint of the node under test.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    pub rpc_url: String,
    /// Transactions to send: plain ETH transfers or ERC-20 token transfers.
    #[arg(long, value_enum, default_value = "eth")]
    pub kind: BenchKind,
    /// Fresh sending accounts.
    #[arg(long, default_value_t = 256)]
    pub senders: usize,
    /// Measured transactions per sender.
    #[arg(long, default_value_t = 40)]
    pub txs_per_sender: usize,
    /// Concurrent HTTP connections submitting the load.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Transactions per request (1: one call per tx; more: JSON-RPC batches).
    #[arg(long, default_value_t = 1)]
    pub batch_size: usize,
    /// Secret key of the funding account (default: first `test ... junk` dev key).
    #[arg(long, default_value_t = DEV_FUNDER_KEY)]
    pub funder_key: B256,
    /// Chain id to sign for (default: asked with eth_chainId).
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// Seconds allowed for each waiting phase before the bench fails.
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
    /// Milliseconds between head polls of the block follower.
    #[arg(long, default_value_t = 10)]
    pub poll_ms: u64,
    /// Print the report as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

impl BenchArgs {
    /// The run these arguments describe.
    pub fn to_config(&self) -> BenchConfig {
        BenchConfig {
            rpc_url: self.rpc_url.clone(),
            kind: self.kind,
            senders: self.senders,
            txs_per_sender: self.txs_per_sender,
            connections: self.connections,
            batch_size: self.batch_size,
            funder_key: self.funder_key,
            chain_id: self.chain_id,
            timeout: Duration::from_secs(self.timeout_secs),
            poll_interval: Duration::from_millis(self.poll_ms),
        }
    }
}

/// Runs the bench described by `args` and prints its report on stdout.
pub async fn main_with_args(args: BenchArgs) -> Result<BenchReport, BenchError> {
    let report = run(args.to_config()).await?;
    if args.json {
        match serde_json::to_string(&report) {
            Ok(line) => println!("{line}"),
            Err(_) => println!("{report}"),
        }
    } else {
        println!("{report}");
    }
    Ok(report)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly on purpose
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: BenchArgs,
    }

    #[test]
    fn defaults_match_the_library_defaults() {
        let cli = Cli::try_parse_from(["bench"]).unwrap();
        let from_cli = cli.args.to_config();
        let library = BenchConfig::new("http://127.0.0.1:8545", BenchKind::EthTransfer);
        assert_eq!(from_cli.senders, library.senders);
        assert_eq!(from_cli.txs_per_sender, library.txs_per_sender);
        assert_eq!(from_cli.connections, library.connections);
        assert_eq!(from_cli.funder_key, library.funder_key);
        assert_eq!(from_cli.timeout, library.timeout);
    }

    #[test]
    fn kind_and_sizes_parse() {
        let cli = Cli::try_parse_from([
            "bench",
            "--kind",
            "erc20",
            "--batch-size",
            "50",
            "--chain-id",
            "1337",
            "--json",
        ])
        .unwrap();
        assert_eq!(cli.args.kind, BenchKind::Erc20Transfer);
        assert_eq!(cli.args.batch_size, 50);
        assert_eq!(cli.args.chain_id, Some(1337));
        assert!(cli.args.json);
    }
}
