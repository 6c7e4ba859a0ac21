//! `eth_getLogs`, installed filters (`eth_newFilter`, `eth_newBlockFilter`,
//! `eth_newPendingTransactionFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`,
//! `eth_uninstallFilter`) and subscriptions (`eth_subscribe` / `eth_unsubscribe`), answering as
//! geth does: the same filter parsing, range checks, error codes and messages.

mod api;
mod config;
mod criteria;
mod error;
mod installed;
mod logs;
mod pending;
mod subscribe;
mod visible;

pub use api::{EthFilterApiServer, EthFilterRpc, FilterChanges};
pub use cloister_rpc::{GethIdProvider, new_id};
pub use config::{FilterConfig, FilterConfigError};
pub use criteria::{BlockSelection, LogCriteria};
pub use error::{FilterError, FilterResult};
pub use installed::{FilterKind, FilterStore, NewSincePoll};
pub use logs::{QueryLimits, query_logs, range_logs, resolve_range};

use cloister_rpc::RpcContext;
use jsonrpsee::{RpcModule, core::RegisterMethodError};
use std::sync::Arc;

/// The filter and subscription methods with the default limits, ready to merge into the
/// server's module.
pub fn module(ctx: Arc<RpcContext>) -> Result<RpcModule<()>, RegisterMethodError> {
    module_with_config(ctx, &FilterConfig::default())
}

/// The filter and subscription methods with `config`'s limits. Starts the expiry sweep when
/// called inside a tokio runtime.
pub fn module_with_config(
    ctx: Arc<RpcContext>,
    config: &FilterConfig,
) -> Result<RpcModule<()>, RegisterMethodError> {
    let rpc = EthFilterRpc::new(ctx, config);
    api::spawn_expiry(rpc.filters());
    let mut module = RpcModule::new(());
    module.merge(rpc.into_rpc())?;
    Ok(module)
}
