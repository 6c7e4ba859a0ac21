//! Blob transactions (EIP-4844) as they arrive over RPC, in the network form with their
//! sidecar: the pool keeps the transaction without its sidecar (what goes into a block) and the
//! sidecar beside it, after checking it the way geth's `validateBlobTx` does, KZG proofs
//! included (cell proofs, EIP-7594, from Osaka; blob proofs before).

use crate::error::PoolError;
use cloister_primitives::{
    B256, RecoveredTx, Signed, Transaction, TxEnvelope,
    consensus::TxEip4844Variant,
    eips::{
        eip4844::{env_settings::EnvKzgSettings, kzg_to_versioned_hash},
        eip7594::{BlobTransactionSidecarVariant, CELLS_PER_EXT_BLOB},
    },
};
use revm::primitives::hardfork::SpecId;

/// geth's `params.BlobTxMaxBlobs`: most blobs one transaction may carry.
pub const MAX_BLOBS_PER_TX: usize = 6;
/// geth's `params.BlobTxMinBlobGasprice`.
const MIN_BLOB_FEE_CAP: u128 = 1;

/// Splits a blob transaction into its consensus form and its sidecar; other types pass
/// through unchanged.
pub(crate) fn split_sidecar(
    tx: RecoveredTx,
) -> (RecoveredTx, Option<BlobTransactionSidecarVariant>) {
    let (envelope, sender) = tx.into_parts();
    match envelope {
        TxEnvelope::Eip4844(signed) => {
            let (variant, signature, hash) = signed.into_parts();
            let (stripped, sidecar): (TxEip4844Variant, _) = variant.strip_sidecar_into();
            let envelope = TxEnvelope::Eip4844(Signed::new_unchecked(stripped, signature, hash));
            (RecoveredTx::new_unchecked(envelope, sender), sidecar)
        }
        other => (RecoveredTx::new_unchecked(other, sender), None),
    }
}

/// geth's blob checks, in its order, with its messages.
pub(crate) fn check_blob_tx(
    spec: SpecId,
    tx: &TxEnvelope,
    sidecar: Option<&BlobTransactionSidecarVariant>,
) -> Result<(), PoolError> {
    let Some(sidecar) = sidecar else {
        return Err(PoolError::Blob(
            "missing sidecar in blob transaction".into(),
        ));
    };
    let (want, got) = (
        u8::from(spec.is_enabled_in(SpecId::OSAKA)),
        u8::from(sidecar.is_eip7594()),
    );
    if want != got {
        return Err(PoolError::Blob(format!(
            "unexpected sidecar version, want: {want}, got: {got}"
        )));
    }
    let blob_fee_cap = tx.max_fee_per_blob_gas().unwrap_or_default();
    if blob_fee_cap < MIN_BLOB_FEE_CAP {
        return Err(PoolError::Blob(format!(
            "transaction gas price below minimum: blob fee cap {blob_fee_cap}, minimum needed {MIN_BLOB_FEE_CAP}"
        )));
    }
    let hashes = tx.blob_versioned_hashes().unwrap_or_default();
    if hashes.is_empty() {
        return Err(PoolError::Blob("blobless blob transaction".into()));
    }
    if hashes.len() > MAX_BLOBS_PER_TX {
        return Err(PoolError::Blob(format!(
            "too many blobs in transaction: have {}, permitted {MAX_BLOBS_PER_TX}",
            hashes.len()
        )));
    }
    let blobs = sidecar.blobs().len();
    if blobs != hashes.len() {
        return Err(PoolError::Blob(format!(
            "invalid number of {blobs} blobs compared to {} blob hashes",
            hashes.len()
        )));
    }
    check_commitments(sidecar, hashes)?;
    let (proofs, expected) = match sidecar {
        BlobTransactionSidecarVariant::Eip4844(s) => (s.proofs.len(), hashes.len()),
        BlobTransactionSidecarVariant::Eip7594(s) => {
            (s.cell_proofs.len(), hashes.len() * CELLS_PER_EXT_BLOB)
        }
    };
    if proofs != expected {
        return Err(PoolError::Blob(format!(
            "invalid number of {proofs} blob proofs expected {expected}"
        )));
    }
    sidecar
        .validate(hashes, EnvKzgSettings::Default.get())
        .map_err(|e| PoolError::Blob(format!("KZG verification error: {e}")))
}

fn check_commitments(
    sidecar: &BlobTransactionSidecarVariant,
    hashes: &[B256],
) -> Result<(), PoolError> {
    let commitments = sidecar.commitments();
    if commitments.len() != hashes.len() {
        return Err(PoolError::Blob(format!(
            "invalid number of {} blob commitments compared to {} blob hashes",
            commitments.len(),
            hashes.len()
        )));
    }
    for (index, (hash, commitment)) in hashes.iter().zip(commitments).enumerate() {
        let computed = kzg_to_versioned_hash(commitment.as_slice());
        if computed != *hash {
            return Err(PoolError::Blob(format!(
                "blob {index}: computed hash {computed} mismatches transaction one {hash}"
            )));
        }
    }
    Ok(())
}
