//! The `logsBloom` a block shows one caller. The whole bloom summarises every log of the block,
//! hidden ones included, so only callers who may see everything get it; everyone else gets the
//! bloom of the logs they may see: clients that test the bloom before fetching logs (ethers,
//! indexers) then still find the caller's own, and a hidden log looks like one that never was.

use super::Viewer;
use crate::RpcResult;
use cloister_primitives::{Bloom, RecoveredTx};
use cloister_storage::{StoreReader, StoredReceipt};

/// OR of the blooms of the receipts whose position `mask` marks.
pub fn masked_bloom(receipts: &[StoredReceipt], mask: &[bool]) -> Bloom {
    receipts
        .iter()
        .zip(mask)
        .filter(|(_, shown)| **shown)
        .fold(Bloom::ZERO, |bloom, (stored, _)| {
            bloom | *stored.receipt.logs_bloom()
        })
}

impl Viewer<'_> {
    /// The bloom a block whose own bloom is `full`, with `transactions` and their `receipts`,
    /// shows this caller.
    pub fn block_bloom(
        &self,
        reader: &StoreReader,
        full: Bloom,
        transactions: &[RecoveredTx],
        receipts: &[StoredReceipt],
    ) -> RpcResult<Bloom> {
        if self.bloom() {
            return Ok(full);
        }
        let mut bloom = Bloom::ZERO;
        for (tx, stored) in transactions.iter().zip(receipts) {
            // A receipt without logs adds nothing: skip the decision (and any contract rule).
            if stored.receipt.logs().is_empty() {
                continue;
            }
            if self.transaction(reader, tx, Some(stored.receipt.logs()))? {
                bloom |= *stored.receipt.logs_bloom();
            }
        }
        Ok(bloom)
    }
}

#[cfg(test)]
mod tests {
    use super::masked_bloom;
    use alloy_consensus::{Receipt, ReceiptEnvelope, ReceiptWithBloom};
    use cloister_primitives::{Address, Bloom, Bytes, Log, LogData, primitives::logs_bloom};
    use cloister_storage::StoredReceipt;

    fn receipt_emitting(emitter: Address) -> StoredReceipt {
        let log = Log {
            address: emitter,
            data: LogData::new_unchecked(vec![], Bytes::new()),
        };
        let bloom = logs_bloom([&log]);
        let receipt = Receipt {
            status: true.into(),
            cumulative_gas_used: 21_000,
            logs: vec![log],
        };
        StoredReceipt {
            receipt: ReceiptEnvelope::Eip1559(ReceiptWithBloom::new(receipt, bloom)),
            gas_used: 21_000,
            first_log_index: 0,
        }
    }

    #[test]
    fn only_shown_receipts_reach_the_bloom() {
        let (mine, hidden) = (Address::repeat_byte(0x11), Address::repeat_byte(0x22));
        let receipts = [receipt_emitting(mine), receipt_emitting(hidden)];
        let bloom = masked_bloom(&receipts, &[true, false]);
        let has = |bloom: &Bloom, who: Address| {
            bloom.contains_input(cloister_primitives::primitives::BloomInput::Raw(
                who.as_slice(),
            ))
        };
        assert!(has(&bloom, mine) && !has(&bloom, hidden));
        assert_eq!(masked_bloom(&receipts, &[false, false]), Bloom::ZERO);
        let both = masked_bloom(&receipts, &[true, true]);
        assert!(has(&both, mine) && has(&both, hidden));
    }
}
