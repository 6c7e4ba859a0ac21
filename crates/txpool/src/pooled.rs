//! A transaction as the pool holds it: the recovered transaction plus what admission already
//! computed (hash, encoded size, worst-case cost, fee fields), so ordering never re-derives them.

use cloister_primitives::{
    Address, Encodable2718, RecoveredTx, Transaction, TxEnvelope, TxHash, U256,
    eips::eip7594::BlobTransactionSidecarVariant,
};
use std::sync::Arc;

/// A transaction admitted to the pool. Shared as `Arc<PooledTx>` between the pool, block
/// building and subscribers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PooledTx {
    /// The signed transaction with its recovered sender, in its consensus form (a blob
    /// transaction without its sidecar, as a block carries it).
    pub tx: RecoveredTx,
    /// The blob sidecar a blob transaction arrived with.
    pub sidecar: Option<Arc<BlobTransactionSidecarVariant>>,
    /// The transaction hash.
    pub hash: TxHash,
    /// Length of the EIP-2718 encoding, in bytes.
    pub encoded_len: usize,
    /// Most the sender can pay: `gas_limit * max_fee + value (+ blob gas * max_blob_fee)`.
    pub cost: U256,
    max_fee_per_gas: u128,
    max_priority_fee_per_gas: u128,
    submission_id: u64,
}

impl PooledTx {
    /// Wraps a recovered transaction; `submission_id` orders equally-priced transactions
    /// (earlier first). A blob transaction's sidecar is split off into `sidecar`.
    pub fn new(tx: RecoveredTx, submission_id: u64) -> Self {
        let (tx, sidecar) = crate::blob::split_sidecar(tx);
        let envelope = tx.inner();
        let hash = *envelope.tx_hash();
        let encoded_len = envelope.encode_2718_len();
        let max_fee_per_gas = envelope.max_fee_per_gas();
        let max_priority_fee_per_gas = envelope
            .max_priority_fee_per_gas()
            .unwrap_or(max_fee_per_gas);
        let cost = worst_case_cost(envelope);
        Self {
            tx,
            sidecar: sidecar.map(Arc::new),
            hash,
            encoded_len,
            cost,
            max_fee_per_gas,
            max_priority_fee_per_gas,
            submission_id,
        }
    }

    /// The recovered sender.
    pub fn sender(&self) -> Address {
        self.tx.signer()
    }

    /// The transaction's nonce.
    pub fn nonce(&self) -> u64 {
        self.tx.inner().nonce()
    }

    /// The transaction's gas limit.
    pub fn gas_limit(&self) -> u64 {
        self.tx.inner().gas_limit()
    }

    /// The signed transaction.
    pub fn envelope(&self) -> &TxEnvelope {
        self.tx.inner()
    }

    /// Fee cap per gas (the gas price for legacy and EIP-2930 transactions).
    pub fn max_fee_per_gas(&self) -> u128 {
        self.max_fee_per_gas
    }

    /// Tip cap per gas (the gas price for legacy and EIP-2930 transactions).
    pub fn max_priority_fee_per_gas(&self) -> u128 {
        self.max_priority_fee_per_gas
    }

    /// What the block producer earns per gas at `base_fee`; `None` when the fee cap is below it.
    pub fn effective_tip(&self, base_fee: u64) -> Option<u128> {
        let above_base = self.max_fee_per_gas.checked_sub(u128::from(base_fee))?;
        Some(above_base.min(self.max_priority_fee_per_gas))
    }

    /// Arrival order within the pool (lower arrived first).
    pub fn submission_id(&self) -> u64 {
        self.submission_id
    }
}

/// `gas_limit * max_fee + value + blob_gas * max_fee_per_blob_gas`, saturating at `U256::MAX`.
fn worst_case_cost(tx: &TxEnvelope) -> U256 {
    let gas_cost = U256::from(tx.gas_limit()).saturating_mul(U256::from(tx.max_fee_per_gas()));
    let blob_cost = match (tx.blob_gas_used(), tx.max_fee_per_blob_gas()) {
        (Some(blob_gas), Some(blob_fee)) => {
            U256::from(blob_gas).saturating_mul(U256::from(blob_fee))
        }
        _ => U256::ZERO,
    };
    gas_cost
        .saturating_add(tx.value())
        .saturating_add(blob_cost)
}
