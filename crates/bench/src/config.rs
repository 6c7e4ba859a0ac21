//! What to measure and against which node: [`BenchConfig`] and [`BenchKind`].

use std::time::Duration;

use alloy_primitives::{B256, b256};
use serde::Serialize;

use crate::BenchError;

/// First key of the well-known `test test ... junk` mnemonic, funded on anvil and `--dev` chains.
pub const DEV_FUNDER_KEY: B256 =
    b256!("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

/// Which transaction the load is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
pub enum BenchKind {
    /// Plain value transfers (21,000 gas each).
    #[value(name = "eth")]
    #[serde(rename = "eth")]
    EthTransfer,
    /// `transfer(address,uint256)` calls on a freshly deployed ERC-20 token.
    #[value(name = "erc20")]
    #[serde(rename = "erc20")]
    Erc20Transfer,
}

impl BenchKind {
    /// Short name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::EthTransfer => "eth",
            Self::Erc20Transfer => "erc20",
        }
    }
}

/// One bench run's parameters.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// HTTP JSON-RPC endpoint of the node under test.
    pub rpc_url: String,
    /// Which transactions to send.
    pub kind: BenchKind,
    /// Fresh accounts sending the measured load.
    pub senders: usize,
    /// Measured transactions per sender.
    pub txs_per_sender: usize,
    /// Concurrent HTTP connections used to submit the load.
    pub connections: usize,
    /// Transactions per HTTP request: 1 sends single calls, more sends JSON-RPC batches.
    pub batch_size: usize,
    /// Secret key of the account paying for everything.
    pub funder_key: B256,
    /// Chain id to sign for; asked with `eth_chainId` when absent.
    pub chain_id: Option<u64>,
    /// Bound on each waiting phase (setup mining, measured commits).
    pub timeout: Duration,
    /// How often the block follower asks for the head.
    pub poll_interval: Duration,
}

impl BenchConfig {
    /// A default configuration against `rpc_url`.
    pub fn new(rpc_url: impl Into<String>, kind: BenchKind) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            kind,
            senders: 256,
            txs_per_sender: 40,
            connections: 16,
            batch_size: 1,
            funder_key: DEV_FUNDER_KEY,
            chain_id: None,
            timeout: Duration::from_secs(300),
            poll_interval: Duration::from_millis(10),
        }
    }

    /// Total measured transactions.
    pub fn total_txs(&self) -> usize {
        self.senders.saturating_mul(self.txs_per_sender)
    }

    /// Rejects configurations that cannot run.
    pub fn validate(&self) -> Result<(), BenchError> {
        if self.senders == 0 || self.txs_per_sender == 0 {
            return Err(BenchError::InvalidConfig(
                "senders and txs_per_sender must be at least 1",
            ));
        }
        if self.connections == 0 || self.batch_size == 0 {
            return Err(BenchError::InvalidConfig(
                "connections and batch_size must be at least 1",
            ));
        }
        if self.total_txs() > 10_000_000 {
            return Err(BenchError::InvalidConfig(
                "more than 10,000,000 transactions",
            ));
        }
        if self.timeout.is_zero() || self.poll_interval.is_zero() {
            return Err(BenchError::InvalidConfig(
                "timeout and poll_interval must be positive",
            ));
        }
        if !(self.rpc_url.starts_with("http://") || self.rpc_url.starts_with("https://")) {
            return Err(BenchError::InvalidConfig("rpc_url must be an http(s) URL"));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly on purpose
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_documented_values() {
        let config = BenchConfig::new("http://127.0.0.1:8545", BenchKind::EthTransfer);
        config.validate().unwrap();
        assert_eq!((config.senders, config.txs_per_sender), (256, 40));
        assert_eq!((config.connections, config.batch_size), (16, 1));
        assert_eq!(config.total_txs(), 10_240);
    }

    #[test]
    fn dev_funder_key_is_index_0_of_the_test_junk_mnemonic() {
        use alloy_signer_local::{MnemonicBuilder, coins_bip39::English};
        let derived = MnemonicBuilder::<English>::default()
            .phrase("test test test test test test test test test test test junk")
            .index(0)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(derived.to_bytes(), DEV_FUNDER_KEY);
        assert_eq!(
            derived.address(),
            alloy_primitives::address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
    }

    #[test]
    fn zero_sizes_and_bad_urls_are_rejected() {
        let base = BenchConfig::new("http://127.0.0.1:8545", BenchKind::Erc20Transfer);
        let mut zero_senders = base.clone();
        zero_senders.senders = 0;
        assert!(zero_senders.validate().is_err());
        let mut zero_batch = base.clone();
        zero_batch.batch_size = 0;
        assert!(zero_batch.validate().is_err());
        let mut ws = base;
        ws.rpc_url = "ws://127.0.0.1:8546".into();
        assert!(ws.validate().is_err());
    }
}
