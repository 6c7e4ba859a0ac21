//! What of a block's logs a caller may see: a log is shown iff the policy shows its
//! transaction (judged with the receipt's logs, so indexed address topics count). Hidden logs
//! are simply left out, keeping the real `logIndex` of the others.

use crate::error::FilterResult;
use alloy_rpc_types_eth::Log as RpcLog;
use cloister_primitives::RecoveredTx;
use cloister_rpc::access::Viewer;
use cloister_storage::{StoreReader, StoredReceipt};

/// The viewer to filter with, or `None` when it sees everything (the permissive path does no
/// work at all).
pub(crate) fn restricting<'v, 'a>(viewer: &'v Viewer<'a>) -> Option<&'v Viewer<'a>> {
    (!viewer.sees_everything()).then_some(viewer)
}

/// Keeps the logs of `logs` (all from one block whose `transactions` and `receipts` are given)
/// whose transaction `viewer` may see.
pub(crate) fn retain_visible_logs(
    viewer: &Viewer<'_>,
    reader: &StoreReader,
    transactions: &[RecoveredTx],
    receipts: &[StoredReceipt],
    logs: &mut Vec<RpcLog>,
) -> FilterResult<()> {
    // Logs come grouped by transaction: decide once per transaction.
    let mut decided: Option<(u64, bool)> = None;
    let mut shown = Vec::with_capacity(logs.len());
    for log in logs.drain(..) {
        let Some(index) = log.transaction_index else {
            continue;
        };
        let visible = match decided {
            Some((at, visible)) if at == index => visible,
            _ => {
                let at = index as usize;
                let visible = match (transactions.get(at), receipts.get(at)) {
                    (Some(tx), Some(stored)) => {
                        viewer.transaction(reader, tx, Some(stored.receipt.logs()))?
                    }
                    _ => false,
                };
                decided = Some((index, visible));
                visible
            }
        };
        if visible {
            shown.push(log);
        }
    }
    *logs = shown;
    Ok(())
}
