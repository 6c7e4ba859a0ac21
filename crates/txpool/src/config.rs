//! The pool's configuration: limits, replacement bump, chain id and accepted types.

use crate::error::ConfigError;

/// How large the pool may grow and which transactions it takes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoolConfig {
    /// Transactions one sender may hold in the pool (pending + queued). Benchmarks pre-sign
    /// long nonce chains, hence far above geth's 16 + 64.
    pub max_per_sender: usize,
    /// Transactions the whole pool may hold.
    pub max_total: usize,
    /// Largest accepted EIP-2718 encoding, in bytes (geth's `txMaxSize`).
    pub max_tx_bytes: usize,
    /// Percentage by which both fee cap and tip must rise to replace a pooled transaction.
    pub price_bump_percent: u64,
    /// The chain id transactions must be signed for.
    pub chain_id: u64,
    /// Whether EIP-4844 blob transactions are accepted (from Cancun, with a valid sidecar).
    /// A Cloister chain that wants no blobs sets it to false.
    pub accept_blob_txs: bool,
    /// Whether legacy transactions without EIP-155 replay protection are accepted (geth's
    /// `--rpc.allow-unprotected-txs`; needed to deploy the keyless CREATE2 factory).
    pub allow_unprotected_txs: bool,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_per_sender: 4096,
            max_total: 200_000,
            max_tx_bytes: 131_072,
            price_bump_percent: 10,
            chain_id: 1337,
            accept_blob_txs: true,
            allow_unprotected_txs: false,
        }
    }
}

impl PoolConfig {
    /// Checks that the limits can work together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_per_sender == 0 {
            return Err(ConfigError::Zero("max_per_sender"));
        }
        if self.max_total == 0 {
            return Err(ConfigError::Zero("max_total"));
        }
        if self.max_tx_bytes == 0 {
            return Err(ConfigError::Zero("max_tx_bytes"));
        }
        if self.max_per_sender > self.max_total {
            return Err(ConfigError::SenderLimitAboveTotal {
                per_sender: self.max_per_sender,
                total: self.max_total,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_documented_values() {
        let config = PoolConfig::default();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.max_per_sender, 4096);
        assert_eq!(config.max_total, 200_000);
        assert_eq!(config.max_tx_bytes, 131_072);
        assert_eq!(config.price_bump_percent, 10);
        assert!(config.accept_blob_txs);
        assert!(!config.allow_unprotected_txs);
    }

    #[test]
    fn deserializes_partially_and_refuses_unknown_fields() {
        let config: PoolConfig =
            serde_json::from_str(r#"{"chain_id": 7, "max_total": 10, "max_per_sender": 5}"#)
                .unwrap();
        assert_eq!(config.chain_id, 7);
        assert_eq!(config.max_total, 10);
        assert_eq!(config.max_tx_bytes, 131_072);
        assert!(serde_json::from_str::<PoolConfig>(r#"{"max_totl": 1}"#).is_err());
    }

    #[test]
    fn validate_refuses_unusable_limits() {
        let zero = PoolConfig {
            max_total: 0,
            ..PoolConfig::default()
        };
        assert_eq!(zero.validate(), Err(ConfigError::Zero("max_total")));
        let inverted = PoolConfig {
            max_per_sender: 11,
            max_total: 10,
            ..PoolConfig::default()
        };
        assert!(matches!(
            inverted.validate(),
            Err(ConfigError::SenderLimitAboveTotal { .. })
        ));
    }
}
