//! Pooled transactions as RPC objects, the way geth shows a pending transaction: no block
//! coordinates, and `gasPrice` equal to the fee cap for fee-market transactions.

use alloy_rpc_types_eth::Transaction;
use cloister_primitives::consensus::Transaction as _;
use cloister_txpool::PooledTx;

/// `tx` as a pending RPC transaction.
pub fn pending_transaction(tx: &PooledTx) -> Transaction {
    Transaction {
        inner: tx.tx.clone(),
        block_hash: None,
        block_number: None,
        transaction_index: None,
        // Legacy and access-list transactions carry their own gasPrice, which wins.
        effective_gas_price: Some(tx.tx.max_fee_per_gas()),
        block_timestamp: None,
    }
}
