//! eth_createAccessList as geth builds it: run the request with an access-list tracer, put the
//! list into the request, run again, until the list stops changing; report the gas the last run
//! used and, when it failed, its error (the list is returned either way).

use crate::{
    call::{Prepared, call_gas},
    limits::{CallError, Deadline},
    messages,
    request::sender,
};
use alloy_eips::eip2930::{AccessList, AccessListResult};
use alloy_rpc_types_eth::{BlockId, TransactionRequest, state::StateOverride};
use cloister_primitives::U256;
use cloister_rpc::RpcContext;
use revm::context::result::ExecutionResult;
use revm_inspectors::access_list::AccessListInspector;

/// Most rounds before the list is taken as it stands (each round can only add entries).
const MAX_ROUNDS: usize = 16;

/// eth_createAccessList; every round ends by `deadline`.
pub(crate) fn create_access_list(
    ctx: &RpcContext,
    mut request: TransactionRequest,
    block: Option<BlockId>,
    state_overrides: Option<StateOverride>,
    deadline: Deadline,
) -> Result<AccessListResult, CallError> {
    let prepared = Prepared::new(ctx, block, state_overrides, None, deadline)?;
    let from = sender(&request);
    let gas = call_gas(ctx, &request);
    let mut list = request.access_list.clone().unwrap_or_default();
    for _ in 0..MAX_ROUNDS {
        request.access_list = Some(list.clone());
        let tx = prepared.tx(&request, gas)?;
        let mut inspector = AccessListInspector::new(list.clone());
        let result = prepared.run(&tx, from, &mut inspector)?;
        let found = inspector.into_access_list();
        if same_list(&found, &list) {
            return Ok(AccessListResult {
                access_list: found,
                gas_used: U256::from(result.tx_gas_used()),
                error: failure(&result),
            });
        }
        list = found;
    }
    request.access_list = Some(list.clone());
    let tx = prepared.tx(&request, gas)?;
    let result = prepared.run_plain(&tx, from)?;
    Ok(AccessListResult {
        access_list: list,
        gas_used: U256::from(result.tx_gas_used()),
        error: failure(&result),
    })
}

/// Whether two lists name the same addresses and slots, whatever their order.
fn same_list(a: &AccessList, b: &AccessList) -> bool {
    let normalise = |list: &AccessList| {
        let mut items: Vec<_> = list
            .0
            .iter()
            .map(|item| {
                let mut keys = item.storage_keys.clone();
                keys.sort_unstable();
                keys.dedup();
                (item.address, keys)
            })
            .collect();
        items.sort();
        items.dedup();
        items
    };
    normalise(a) == normalise(b)
}

/// geth's error text for a failed run (no reason appended, as geth's `vmErr`).
fn failure(result: &ExecutionResult) -> Option<String> {
    match result {
        ExecutionResult::Success { .. } => None,
        ExecutionResult::Revert { .. } => Some("execution reverted".into()),
        ExecutionResult::Halt { reason, .. } => Some(messages::halt(reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_eips::eip2930::AccessListItem;
    use cloister_primitives::{Address, B256};

    #[test]
    fn order_does_not_make_lists_differ() {
        let item = |a: u8, keys: &[u8]| AccessListItem {
            address: Address::repeat_byte(a),
            storage_keys: keys.iter().map(|k| B256::repeat_byte(*k)).collect(),
        };
        let a = AccessList(vec![item(1, &[1, 2]), item(2, &[])]);
        let b = AccessList(vec![item(2, &[]), item(1, &[2, 1])]);
        assert!(same_list(&a, &b));
        assert!(!same_list(&a, &AccessList(vec![item(1, &[1])])));
    }
}
