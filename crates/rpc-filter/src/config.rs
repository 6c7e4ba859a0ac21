//! Limits of the log and filter methods, with defaults a node can override from its CLI.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Limits of `eth_getLogs`, installed filters and subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterConfig {
    /// Most blocks one log query may span (`to - from`, as geth's `--rpc.rangelimit`);
    /// 0 means no limit.
    pub max_block_range: u64,
    /// Most logs one `eth_getLogs` / `eth_getFilterLogs` answer may hold; 0 means no limit.
    pub max_results: usize,
    /// An installed filter that is not polled for this long is removed (geth: 5 minutes).
    pub filter_timeout: Duration,
}

impl Default for FilterConfig {
    fn default() -> Self {
        Self {
            max_block_range: 100_000,
            max_results: 20_000,
            filter_timeout: Duration::from_secs(5 * 60),
        }
    }
}

/// A configuration that cannot work.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterConfigError {
    /// Filters would expire before anyone could poll them.
    #[error("filter timeout must be positive")]
    ZeroTimeout,
}

impl FilterConfig {
    /// Checks the values make sense.
    pub fn validate(&self) -> Result<(), FilterConfigError> {
        if self.filter_timeout.is_zero() {
            return Err(FilterConfigError::ZeroTimeout);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_zero_timeout_is_not() {
        assert_eq!(FilterConfig::default().validate(), Ok(()));
        let config = FilterConfig {
            filter_timeout: Duration::ZERO,
            ..Default::default()
        };
        assert_eq!(config.validate(), Err(FilterConfigError::ZeroTimeout));
    }

    #[test]
    fn partial_json_keeps_defaults_and_unknown_fields_fail() {
        let config: FilterConfig = serde_json::from_str(r#"{"max_results":5}"#).unwrap();
        assert_eq!(config.max_results, 5);
        assert_eq!(config.max_block_range, 100_000);
        assert!(serde_json::from_str::<FilterConfig>(r#"{"bogus":1}"#).is_err());
    }
}
