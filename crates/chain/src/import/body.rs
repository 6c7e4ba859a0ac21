//! Body rules: the transactions root, ommers hash and withdrawals root in the header commit to
//! the body; withdrawals exist exactly from Shanghai; blob transactions come without sidecars;
//! from Osaka the whole block fits EIP-7934's size limit.

use super::BlockError;
use alloy_consensus::{
    Block, TxEip4844Variant,
    proofs::{calculate_ommers_root, calculate_transaction_root, calculate_withdrawals_root},
};
use alloy_rlp::Encodable;
use cloister_chainspec::{ChainSpec, EthereumHardforks};
use cloister_primitives::TxEnvelope;

/// EIP-7934: most bytes of RLP a block may have (10 MiB less a 2 MiB margin for the beacon
/// block around it).
const MAX_RLP_BLOCK_SIZE: usize = 10 * 1024 * 1024 - 2 * 1024 * 1024;

/// Checks the body of `block` against its header.
pub(crate) fn check_body(spec: &ChainSpec, block: &Block<TxEnvelope>) -> Result<(), BlockError> {
    let header = &block.header;
    if spec.is_osaka_active_at_timestamp(header.timestamp) {
        let size = block.length();
        if size > MAX_RLP_BLOCK_SIZE {
            return Err(BlockError::BlockTooLarge {
                size,
                limit: MAX_RLP_BLOCK_SIZE,
            });
        }
    }
    for (index, tx) in block.body.transactions.iter().enumerate() {
        if let TxEnvelope::Eip4844(signed) = tx
            && matches!(signed.tx(), TxEip4844Variant::TxEip4844WithSidecar(_))
        {
            return Err(BlockError::BlobSidecarInBlock { index });
        }
    }
    let transactions_root = calculate_transaction_root(&block.body.transactions);
    root(
        "transactions root",
        header.transactions_root,
        transactions_root,
    )?;
    let ommers_hash = calculate_ommers_root(&block.body.ommers);
    root("ommers hash", header.ommers_hash, ommers_hash)?;
    let shanghai = spec.is_shanghai_active_at_timestamp(header.timestamp);
    match (&block.body.withdrawals, header.withdrawals_root) {
        (Some(withdrawals), Some(expected)) if shanghai => {
            root(
                "withdrawals root",
                expected,
                calculate_withdrawals_root(withdrawals),
            )?;
        }
        (None, None) if !shanghai => {}
        (withdrawals, _) => {
            return Err(BlockError::Withdrawals {
                present: withdrawals.is_some(),
            });
        }
    }
    Ok(())
}

/// A root in the header must equal the one computed.
pub(crate) fn root(
    what: &'static str,
    header: cloister_primitives::B256,
    computed: cloister_primitives::B256,
) -> Result<(), BlockError> {
    if header == computed {
        Ok(())
    } else {
        Err(BlockError::Root {
            what,
            header,
            computed,
        })
    }
}
