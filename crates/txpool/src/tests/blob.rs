//! Blob transactions in the network form: sidecar shape, versioned hashes and KZG proofs
//! checked as geth does; the pool keeps the consensus form and the sidecar beside it.

use super::*;
use crate::PoolError;
use cloister_primitives::{
    Encodable2718,
    consensus::TxEip4844WithSidecar,
    eips::{
        eip4844::{Blob, BlobTransactionSidecar, env_settings::EnvKzgSettings},
        eip7594::{BlobTransactionSidecarEip7594, BlobTransactionSidecarVariant},
    },
};

fn some_blob() -> Blob {
    let mut blob = Blob::default();
    // Small values keep every 32-byte field element below the BLS modulus.
    for (i, chunk) in blob.chunks_mut(32).enumerate() {
        chunk[31] = (i % 251) as u8;
    }
    blob
}

fn cell_sidecar() -> BlobTransactionSidecarVariant {
    BlobTransactionSidecarVariant::Eip7594(
        BlobTransactionSidecarEip7594::try_from_blobs(vec![some_blob()]).unwrap(),
    )
}

fn legacy_sidecar() -> BlobTransactionSidecarVariant {
    BlobTransactionSidecarVariant::Eip4844(
        BlobTransactionSidecar::try_from_blobs_with_settings(
            vec![some_blob()],
            EnvKzgSettings::Default.get(),
        )
        .unwrap(),
    )
}

fn signer() -> PrivateKeySigner {
    PrivateKeySigner::random()
}

/// A signed blob transaction carrying `sidecar`; versioned hashes from `hashes` or, when
/// `None`, from the sidecar's commitments.
fn blob_with(
    signer: &PrivateKeySigner,
    sidecar: BlobTransactionSidecarVariant,
    hashes: Option<Vec<B256>>,
) -> RecoveredTx {
    let blob_versioned_hashes = hashes.unwrap_or_else(|| sidecar.versioned_hashes().collect());
    let tx = TxEip4844 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: 10,
        max_priority_fee_per_gas: 1,
        to: Address::repeat_byte(9),
        value: U256::ZERO,
        access_list: AccessList::default(),
        blob_versioned_hashes,
        max_fee_per_blob_gas: 1,
        input: Bytes::new(),
    };
    let signed = sign(signer, tx);
    let (tx, signature, hash) = signed.into_parts();
    let variant = TxEip4844Variant::TxEip4844WithSidecar(
        TxEip4844WithSidecar::from_tx_and_sidecar(tx, sidecar),
    );
    recovered(TxEnvelope::Eip4844(Signed::new_unchecked(
        variant, signature, hash,
    )))
}

fn osaka() -> AdmissionContext {
    AdmissionContext {
        spec: SpecId::OSAKA,
        ..ctx()
    }
}

#[test]
fn osaka_accepts_cell_proofs_and_keeps_the_sidecar_apart() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    let tx = blob_with(&key, cell_sidecar(), None);
    let hash = *tx.inner().tx_hash();
    assert_eq!(add_with(&pool, &state, &osaka(), tx).unwrap(), hash);
    let pooled = pool.get(&hash).unwrap();
    assert!(pooled.sidecar.as_deref().is_some_and(|s| s.is_eip7594()));
    // The pooled envelope is the consensus form: what a block carries, same hash.
    assert_eq!(*pooled.envelope().tx_hash(), hash);
    assert!(matches!(
        pooled.envelope(),
        TxEnvelope::Eip4844(signed) if matches!(signed.tx(), TxEip4844Variant::TxEip4844(_))
    ));
    assert!(pooled.encoded_len < 1_000);
    assert_eq!(pooled.envelope().encoded_2718().len(), pooled.encoded_len);
}

#[test]
fn prague_accepts_blob_proofs_and_refuses_cell_proofs() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    add_one(&pool, &state, blob_with(&key, legacy_sidecar(), None)).unwrap();
    let other = signer();
    assert_eq!(
        add_one(&pool, &state, blob_with(&other, cell_sidecar(), None))
            .unwrap_err()
            .to_string(),
        "unexpected sidecar version, want: 0, got: 1"
    );
}

#[test]
fn sidecar_must_exist_and_match_the_versioned_hashes() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    assert_eq!(
        add_with(&pool, &state, &osaka(), blob(&key, spec(0)))
            .unwrap_err()
            .to_string(),
        "missing sidecar in blob transaction"
    );
    let wrong = B256::repeat_byte(1);
    let error = add_with(
        &pool,
        &state,
        &osaka(),
        blob_with(&key, cell_sidecar(), Some(vec![wrong])),
    )
    .unwrap_err();
    assert!(matches!(&error, PoolError::Blob(m) if m.starts_with("blob 0: computed hash 0x01")));
    assert_eq!(
        add_with(
            &pool,
            &state,
            &osaka(),
            blob_with(&key, cell_sidecar(), Some(vec![wrong, wrong])),
        )
        .unwrap_err()
        .to_string(),
        "invalid number of 1 blobs compared to 2 blob hashes"
    );
    assert_eq!(
        add_with(
            &pool,
            &state,
            &osaka(),
            blob_with(&key, cell_sidecar(), Some(vec![]))
        )
        .unwrap_err()
        .to_string(),
        "blobless blob transaction"
    );
}

#[test]
fn a_forged_cell_proof_fails_kzg_verification() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    let BlobTransactionSidecarVariant::Eip7594(mut sidecar) = cell_sidecar() else {
        unreachable!()
    };
    sidecar.cell_proofs.swap(0, 1);
    let error = add_with(
        &pool,
        &state,
        &osaka(),
        blob_with(&key, BlobTransactionSidecarVariant::Eip7594(sidecar), None),
    )
    .unwrap_err();
    assert!(
        error.to_string().starts_with("KZG verification error"),
        "{error}"
    );
}
