//! After execution: gas used, blob gas used, receipts root, logs bloom and the EIP-7685
//! requests hash must equal what the header claims.

use super::{BlockError, body::root};
use alloy_consensus::proofs::calculate_receipt_root;
use cloister_evm::ExecutedBlock;
use cloister_primitives::{Bloom, Header, TxReceipt};

/// Compares the execution's outcome with the header (all but the state root).
pub(crate) fn check_outcome(header: &Header, executed: &ExecutedBlock) -> Result<(), BlockError> {
    mismatch("gas used", header.gas_used, executed.gas_used)?;
    if let Some(blob_gas_used) = header.blob_gas_used {
        mismatch("blob gas used", blob_gas_used, executed.blob_gas_used)?;
    }
    let receipts_root = calculate_receipt_root(&executed.receipts);
    root("receipts root", header.receipts_root, receipts_root)?;
    let bloom = executed
        .receipts
        .iter()
        .fold(Bloom::ZERO, |bloom, receipt| bloom | receipt.bloom());
    mismatch("logs bloom", header.logs_bloom, bloom)?;
    if let Some(requests_hash) = header.requests_hash {
        root(
            "requests hash",
            requests_hash,
            executed.requests.requests_hash(),
        )?;
    }
    Ok(())
}

fn mismatch<T: PartialEq + std::fmt::Display>(
    what: &'static str,
    header: T,
    computed: T,
) -> Result<(), BlockError> {
    if header == computed {
        Ok(())
    } else {
        Err(BlockError::Mismatch {
            what,
            header: header.to_string(),
            computed: computed.to_string(),
        })
    }
}
