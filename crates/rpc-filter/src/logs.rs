//! Finding logs in stored blocks: resolving a filter's block range as geth does, skipping blocks
//! whose header bloom rules them out, and building RPC log objects with their block and
//! transaction coordinates.

use crate::{
    criteria::{BlockSelection, LogCriteria},
    error::{FilterError, FilterResult},
    visible::retain_visible_logs,
};
use alloy_rpc_types_eth::{BlockNumberOrTag, Log as RpcLog};
use cloister_primitives::{B256, Header};
use cloister_rpc::access::Viewer;
use cloister_storage::{StoreReader, StoredReceipt};

/// Limits applied to one query.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    /// Most blocks (`to - from`); 0: none.
    pub max_block_range: u64,
    /// Most logs; 0: none.
    pub max_results: usize,
}

/// Resolves `eth_getLogs` / `eth_getFilterLogs` bounds against the head `head`, with geth's
/// checks in geth's order. `precheck` is `eth_getLogs`' early refusal of a reversed numeric
/// range (geth's `eth_getFilterLogs` skips it and fails later with the same error).
pub fn resolve_range(
    from: Option<BlockNumberOrTag>,
    to: Option<BlockNumberOrTag>,
    head: u64,
    limits: QueryLimits,
) -> FilterResult<(u64, u64)> {
    if let (Some(BlockNumberOrTag::Number(from)), Some(BlockNumberOrTag::Number(to))) = (from, to)
        && from > 0
        && to > 0
        && from > to
    {
        return Err(FilterError::InvalidBlockRange);
    }
    if from.is_some_and(|b| b.is_pending()) || to.is_some_and(|b| b.is_pending()) {
        return Err(FilterError::PendingLogsUnsupported);
    }
    let resolve = |bound: Option<BlockNumberOrTag>| match bound {
        Some(BlockNumberOrTag::Number(n)) => n,
        Some(BlockNumberOrTag::Earliest) => 0,
        // Finality is immediate on a Cloister chain: safe = finalized = latest.
        _ => head,
    };
    let (first, last) = (resolve(from), resolve(to));
    if first > last {
        return Err(FilterError::InvalidBlockRange);
    }
    if last > head {
        return Err(FilterError::BlockRangeIntoFuture);
    }
    if limits.max_block_range != 0 && last - first > limits.max_block_range {
        return Err(FilterError::ExceedMaxBlockRange(limits.max_block_range));
    }
    Ok((first, last))
}

/// Every log matching `criteria` in the blocks it selects, read through `reader` whose head
/// is `head`; with a `viewer`, only the logs it may see (`None`: everything).
pub fn query_logs(
    reader: &StoreReader,
    head: u64,
    criteria: &LogCriteria,
    limits: QueryLimits,
    viewer: Option<&Viewer<'_>>,
) -> FilterResult<Vec<RpcLog>> {
    match &criteria.blocks {
        BlockSelection::Hash(hash) => {
            let number = reader
                .block_number(hash)?
                .ok_or(FilterError::UnknownBlock)?;
            let mut found = Vec::new();
            append_block_logs(reader, criteria, number, viewer, &mut found)?;
            check_count(&found, limits)?;
            Ok(found)
        }
        BlockSelection::Range { from, to } => {
            let (first, last) = resolve_range(*from, *to, head, limits)?;
            range_logs(reader, criteria, first, last, limits, viewer)
        }
    }
}

/// Logs matching `criteria` in blocks `first..=last` (only those `viewer` may see, if given).
/// The result limit counts visible logs only, so it says nothing about hidden ones.
pub fn range_logs(
    reader: &StoreReader,
    criteria: &LogCriteria,
    first: u64,
    last: u64,
    limits: QueryLimits,
    viewer: Option<&Viewer<'_>>,
) -> FilterResult<Vec<RpcLog>> {
    let mut found = Vec::new();
    for number in first..=last {
        append_block_logs(reader, criteria, number, viewer, &mut found)?;
        check_count(&found, limits)?;
    }
    Ok(found)
}

fn check_count(found: &[RpcLog], limits: QueryLimits) -> FilterResult<()> {
    if limits.max_results != 0 && found.len() > limits.max_results {
        return Err(FilterError::TooManyResults(limits.max_results));
    }
    Ok(())
}

/// Appends the matching logs of stored block `number` (none when its bloom rules it out) that
/// `viewer`, if given, may see.
fn append_block_logs(
    reader: &StoreReader,
    criteria: &LogCriteria,
    number: u64,
    viewer: Option<&Viewer<'_>>,
    found: &mut Vec<RpcLog>,
) -> FilterResult<()> {
    let Some(header) = reader.header(number)? else {
        return Ok(());
    };
    if !criteria.may_match(&header.logs_bloom) {
        return Ok(());
    }
    let Some(hash) = reader.canonical_hash(number)? else {
        return Ok(());
    };
    let receipts = reader.receipts(number)?;
    let start = found.len();
    append_receipt_logs(criteria, &header, hash, &receipts, found);
    if found.len() > start {
        // Transactions are decoded only for blocks that really hold a match.
        let transactions = reader.transactions(number)?;
        if let Some(viewer) = viewer {
            let mut block_logs = found.split_off(start);
            retain_visible_logs(viewer, reader, &transactions, &receipts, &mut block_logs)?;
            found.append(&mut block_logs);
        }
        for log in &mut found[start..] {
            log.transaction_hash = log
                .transaction_index
                .and_then(|i| transactions.get(i as usize))
                .map(|tx| *tx.inner().tx_hash());
        }
    }
    Ok(())
}

/// Appends the logs of `receipts` (of block `header`/`hash`) that match `criteria`; their
/// `transactionHash` is left for the caller to fill in.
pub fn append_receipt_logs(
    criteria: &LogCriteria,
    header: &Header,
    hash: B256,
    receipts: &[StoredReceipt],
    found: &mut Vec<RpcLog>,
) {
    for (tx_index, stored) in receipts.iter().enumerate() {
        let logs = stored.receipt.logs();
        for (offset, log) in logs.iter().enumerate() {
            if !criteria.matches(log) {
                continue;
            }
            found.push(RpcLog {
                inner: log.clone(),
                block_hash: Some(hash),
                block_number: Some(header.number),
                block_timestamp: Some(header.timestamp),
                transaction_hash: None,
                transaction_index: Some(tx_index as u64),
                log_index: Some(stored.first_log_index + offset as u64),
                removed: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_LIMITS: QueryLimits = QueryLimits {
        max_block_range: 0,
        max_results: 0,
    };

    fn n(number: u64) -> Option<BlockNumberOrTag> {
        Some(BlockNumberOrTag::Number(number))
    }

    #[test]
    fn ranges_resolve_like_geth() {
        assert_eq!(resolve_range(None, None, 54, NO_LIMITS).unwrap(), (54, 54));
        assert_eq!(resolve_range(n(3), None, 54, NO_LIMITS).unwrap(), (3, 54));
        assert_eq!(
            resolve_range(
                Some(BlockNumberOrTag::Earliest),
                Some(BlockNumberOrTag::Safe),
                54,
                NO_LIMITS
            )
            .unwrap(),
            (0, 54)
        );
        assert!(matches!(
            resolve_range(n(0x32), n(0x2f), 54, NO_LIMITS),
            Err(FilterError::InvalidBlockRange)
        ));
        assert!(matches!(
            resolve_range(n(0x32), n(0x38), 54, NO_LIMITS),
            Err(FilterError::BlockRangeIntoFuture)
        ));
        assert!(matches!(
            resolve_range(n(60), None, 54, NO_LIMITS),
            Err(FilterError::InvalidBlockRange)
        ));
        assert!(matches!(
            resolve_range(Some(BlockNumberOrTag::Pending), None, 54, NO_LIMITS),
            Err(FilterError::PendingLogsUnsupported)
        ));
    }

    #[test]
    fn the_range_limit_counts_like_geth() {
        let limits = QueryLimits {
            max_block_range: 10,
            max_results: 0,
        };
        assert_eq!(resolve_range(n(0), n(10), 54, limits).unwrap(), (0, 10));
        assert!(matches!(
            resolve_range(n(0), n(11), 54, limits),
            Err(FilterError::ExceedMaxBlockRange(10))
        ));
    }
}
