//! The execution payload envelope `testing_buildBlockV1` returns (the shape of
//! `engine_getPayloadV4/V5`), made from a built block: payload fields, block value, blobs
//! bundle and EIP-7685 requests.

use alloy_consensus::{Signed, TxEip4844Variant};
use alloy_eips::{eip4895::Withdrawal, eip7594::BlobTransactionSidecarVariant};
use alloy_rpc_types_engine::{ExecutionPayloadV1, ExecutionPayloadV2, ExecutionPayloadV3};
use cloister_primitives::{B256, Bytes, Encodable2718, Header, TxEnvelope, U256};
use serde::Serialize;

/// Blobs, commitments and proofs of the payload's blob transactions.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct BlobsBundle {
    /// KZG commitments, one per blob.
    pub commitments: Vec<alloy_eips::eip4844::Bytes48>,
    /// Proofs (cell proofs for EIP-7594 sidecars).
    pub proofs: Vec<alloy_eips::eip4844::Bytes48>,
    /// The blobs.
    pub blobs: Vec<alloy_eips::eip4844::Blob>,
}

/// What `testing_buildBlockV1` answers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayloadEnvelope {
    /// The block as an execution payload.
    pub execution_payload: ExecutionPayloadV3,
    /// What the fee recipient earns from priority fees.
    pub block_value: U256,
    /// Sidecars of the blob transactions.
    pub blobs_bundle: BlobsBundle,
    /// EIP-7685 requests with non-empty data, type byte first.
    pub execution_requests: Vec<Bytes>,
    /// Always false: this node has no view on builders.
    pub should_override_builder: bool,
}

/// Parts of a payload that come from the block rather than its header.
#[derive(Debug)]
pub struct PayloadBody<'a> {
    /// The sealed header.
    pub header: &'a Header,
    /// Its hash.
    pub hash: B256,
    /// Transactions as included (possibly with sidecars).
    pub transactions: &'a [TxEnvelope],
    /// Withdrawals (Shanghai on).
    pub withdrawals: Vec<Withdrawal>,
    /// Priority fees earned.
    pub block_value: U256,
    /// Requests of the block.
    pub requests: &'a alloy_eips::eip7685::Requests,
}

/// Turns a built block into the envelope.
pub fn envelope(body: PayloadBody<'_>) -> PayloadEnvelope {
    let header = body.header;
    let mut bundle = BlobsBundle::default();
    let transactions = body
        .transactions
        .iter()
        .map(|tx| payload_transaction(tx, &mut bundle))
        .collect();
    let execution_payload = ExecutionPayloadV3 {
        payload_inner: ExecutionPayloadV2 {
            payload_inner: ExecutionPayloadV1 {
                parent_hash: header.parent_hash,
                fee_recipient: header.beneficiary,
                state_root: header.state_root,
                receipts_root: header.receipts_root,
                logs_bloom: header.logs_bloom,
                prev_randao: header.mix_hash,
                block_number: header.number,
                gas_limit: header.gas_limit,
                gas_used: header.gas_used,
                timestamp: header.timestamp,
                extra_data: header.extra_data.clone(),
                base_fee_per_gas: U256::from(header.base_fee_per_gas.unwrap_or_default()),
                block_hash: body.hash,
                transactions,
            },
            withdrawals: body.withdrawals,
        },
        blob_gas_used: header.blob_gas_used.unwrap_or_default(),
        excess_blob_gas: header.excess_blob_gas.unwrap_or_default(),
    };
    let execution_requests = body
        .requests
        .iter()
        .filter(|request| request.len() > 1)
        .cloned()
        .collect();
    PayloadEnvelope {
        execution_payload,
        block_value: body.block_value,
        blobs_bundle: bundle,
        execution_requests,
        should_override_builder: false,
    }
}

/// The transaction as a block holds it (no sidecar); its sidecar goes to `bundle`.
fn payload_transaction(tx: &TxEnvelope, bundle: &mut BlobsBundle) -> Bytes {
    if let TxEnvelope::Eip4844(signed) = tx
        && let TxEip4844Variant::TxEip4844WithSidecar(with_sidecar) = signed.tx()
    {
        match &with_sidecar.sidecar {
            BlobTransactionSidecarVariant::Eip4844(sidecar) => {
                bundle
                    .commitments
                    .extend(sidecar.commitments.iter().copied());
                bundle.proofs.extend(sidecar.proofs.iter().copied());
                bundle.blobs.extend(sidecar.blobs.iter().copied());
            }
            BlobTransactionSidecarVariant::Eip7594(sidecar) => {
                bundle
                    .commitments
                    .extend(sidecar.commitments.iter().copied());
                bundle.proofs.extend(sidecar.cell_proofs.iter().copied());
                bundle.blobs.extend(sidecar.blobs.iter().copied());
            }
        }
        let bare = Signed::new_unchecked(
            TxEip4844Variant::TxEip4844(with_sidecar.tx.clone()),
            *signed.signature(),
            *signed.hash(),
        );
        return TxEnvelope::Eip4844(bare).encoded_2718().into();
    }
    tx.encoded_2718().into()
}
