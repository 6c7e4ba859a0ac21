//! The header of a block we produce: everything execution does not decide, chosen per fork
//! from the chain spec, then the roots and figures execution produced.

use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, proofs};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_trie::EMPTY_ROOT_HASH;
use cloister_chainspec::{ChainSpec, EthereumHardforks};
use cloister_evm::ExecutedBlock;
use cloister_primitives::{Address, B256, Bloom, Bytes, Header, U256};

/// The header of the child of `parent`, as known before execution.
pub(crate) fn next_header(
    spec: &ChainSpec,
    parent: &Header,
    parent_hash: B256,
    timestamp: u64,
    beneficiary: Address,
    vanity: Bytes,
) -> Header {
    let number = parent.number + 1;
    let london = spec.is_london_active_at_block(number);
    let shanghai = spec.is_shanghai_active_at_timestamp(timestamp);
    let cancun = spec.is_cancun_active_at_timestamp(timestamp);
    let prague = spec.is_prague_active_at_timestamp(timestamp);
    let base_fee = london.then(|| {
        parent
            .next_block_base_fee(BaseFeeParams::ethereum())
            .unwrap_or(alloy_eips::eip1559::INITIAL_BASE_FEE)
    });
    let excess_blob_gas = cancun.then(|| {
        spec.blob_params_at_timestamp(timestamp)
            .and_then(|params| parent.next_block_excess_blob_gas(params))
            .unwrap_or_default()
    });
    Header {
        parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary,
        difficulty: U256::ZERO,
        number,
        gas_limit: parent.gas_limit,
        timestamp,
        extra_data: vanity,
        // PoA has no beacon randomness; the parent hash is as unpredictable as anything here.
        mix_hash: parent_hash,
        base_fee_per_gas: base_fee,
        withdrawals_root: shanghai.then_some(EMPTY_ROOT_HASH),
        blob_gas_used: cancun.then_some(0),
        excess_blob_gas,
        parent_beacon_block_root: cancun.then_some(B256::ZERO),
        requests_hash: prague.then_some(alloy_eips::eip7685::EMPTY_REQUESTS_HASH),
        ..Default::default()
    }
}

/// Fills in what execution decided: roots, bloom, gas.
pub fn finish_header(header: &mut Header, block: &ExecutedBlock, state_root: B256) {
    header.state_root = state_root;
    header.transactions_root = proofs::calculate_transaction_root(&block.transactions);
    header.receipts_root = proofs::calculate_receipt_root(&block.receipts);
    header.logs_bloom = block
        .receipts
        .iter()
        .fold(Bloom::ZERO, |bloom, receipt| bloom | *receipt.logs_bloom());
    header.gas_used = block.gas_used;
    if header.blob_gas_used.is_some() {
        header.blob_gas_used = Some(block.blob_gas_used);
    }
    if header.requests_hash.is_some() {
        header.requests_hash = Some(block.requests.requests_hash());
    }
}
