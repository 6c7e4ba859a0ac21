//! Headers of simulated blocks, built as geth builds them: a template per block from the
//! previous one (fee recipient, gas limit and difficulty carry over, overrides replace them),
//! then the fields that depend on the parent (parent hash, base fee, excess blob gas), then
//! what execution produced (roots, bloom, gas used, requests hash).

use super::chain::PlannedBlock;
use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, EMPTY_ROOT_HASH, proofs};
use alloy_eips::{eip7685::Requests, merge::BEACON_NONCE};
use alloy_hardforks::EthereumHardforks;
use cloister_chainspec::ChainSpec;
use cloister_primitives::{
    B256, Bloom, Bytes, Encodable2718, Header, ReceiptEnvelope, TxEnvelope, TxReceipt, U256,
};

/// The headers of `blocks` before execution, each built on the one before it (geth's
/// `makeHeaders`).
pub fn templates(spec: &ChainSpec, base: &Header, blocks: &[PlannedBlock]) -> Vec<Header> {
    let mut previous = base.clone();
    let mut out = Vec::with_capacity(blocks.len());
    for block in blocks {
        let overrides = &block.overrides;
        let post_merge = spec.is_paris_active_at_block(block.number);
        let mut header = Header {
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            receipts_root: EMPTY_ROOT_HASH,
            transactions_root: EMPTY_ROOT_HASH,
            beneficiary: overrides.coinbase.unwrap_or(previous.beneficiary),
            difficulty: if post_merge {
                U256::ZERO
            } else {
                previous.difficulty
            },
            gas_limit: overrides.gas_limit.unwrap_or(previous.gas_limit),
            number: block.number,
            timestamp: block.timestamp,
            mix_hash: overrides.random.unwrap_or_default(),
            nonce: BEACON_NONCE.into(),
            base_fee_per_gas: overrides.base_fee.map(|fee| fee.saturating_to::<u64>()),
            extra_data: Bytes::new(),
            ..Default::default()
        };
        if let Some(difficulty) = overrides.difficulty {
            header.difficulty = difficulty;
        }
        if spec.is_shanghai_active_at_timestamp(block.timestamp) {
            header.withdrawals_root = Some(EMPTY_ROOT_HASH);
        }
        if spec.is_cancun_active_at_timestamp(block.timestamp) {
            header.parent_beacon_block_root = Some(overrides.beacon_root.unwrap_or_default());
        }
        previous = header.clone();
        out.push(header);
    }
    out
}

/// Fills the fields that depend on the parent: its hash, the base fee (the parent's successor
/// fee when validating, else zero, unless overridden) and the excess blob gas.
pub fn link_to_parent(
    spec: &ChainSpec,
    header: &mut Header,
    parent: &Header,
    parent_hash: B256,
    validate: bool,
) {
    header.parent_hash = parent_hash;
    if spec.is_london_active_at_block(header.number) && header.base_fee_per_gas.is_none() {
        header.base_fee_per_gas = Some(if validate {
            spec.next_block_base_fee(parent, header.timestamp)
                .unwrap_or_default()
        } else {
            0
        });
    }
    if spec.is_cancun_active_at_timestamp(header.timestamp) {
        let excess = if spec.is_cancun_active_at_timestamp(parent.timestamp) {
            spec.blob_params_at_timestamp(header.timestamp)
                .and_then(|params| parent.next_block_excess_blob_gas(params))
                .unwrap_or_default()
        } else {
            0
        };
        header.excess_blob_gas = Some(excess);
    }
}

/// What a block's execution produced, for its header.
#[derive(Debug)]
pub struct Executed<'a> {
    /// The transactions.
    pub transactions: &'a [TxEnvelope],
    /// Their receipts.
    pub receipts: &'a [ReceiptEnvelope],
    /// Gas used by the block.
    pub gas_used: u64,
    /// Blob gas used by the block.
    pub blob_gas_used: u64,
    /// EIP-7685 requests.
    pub requests: &'a Requests,
    /// State root after the block.
    pub state_root: B256,
}

/// Completes `header` with what execution produced.
pub fn seal(spec: &ChainSpec, header: &mut Header, executed: Executed<'_>) {
    header.state_root = executed.state_root;
    header.gas_used = executed.gas_used;
    header.transactions_root = proofs::calculate_transaction_root(executed.transactions);
    header.receipts_root =
        proofs::ordered_trie_root_with_encoder(executed.receipts, |r, buf| r.encode_2718(buf));
    header.logs_bloom = executed
        .receipts
        .iter()
        .fold(Bloom::ZERO, |bloom, receipt| bloom | receipt.bloom());
    if spec.is_cancun_active_at_timestamp(header.timestamp) {
        header.blob_gas_used = Some(executed.blob_gas_used);
    }
    if spec.is_prague_active_at_timestamp(header.timestamp) {
        header.requests_hash = Some(executed.requests.requests_hash());
    }
}

/// RLP size of the block geth would assemble (no uncles; empty withdrawals from Shanghai).
pub fn block_size(header: &Header, transactions: &[TxEnvelope], shanghai: bool) -> usize {
    let block = alloy_consensus::Block {
        header: header.clone(),
        body: alloy_consensus::BlockBody {
            transactions: transactions.to_vec(),
            ommers: Vec::new(),
            withdrawals: shanghai.then(Default::default),
        },
    };
    alloy_rlp::Encodable::length(&block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_carry_over_to_later_blocks() {
        let spec = ChainSpec::dev().unwrap();
        let base = Header {
            number: 1,
            gas_limit: 30_000_000,
            ..Default::default()
        };
        let first = PlannedBlock {
            number: 2,
            timestamp: 100,
            overrides: alloy_rpc_types_eth::BlockOverrides {
                gas_limit: Some(1_000),
                coinbase: Some(cloister_primitives::Address::repeat_byte(7)),
                ..Default::default()
            },
            ..Default::default()
        };
        let second = PlannedBlock {
            number: 3,
            timestamp: 112,
            ..Default::default()
        };
        let headers = templates(&spec, &base, &[first, second]);
        assert_eq!(headers[1].gas_limit, 1_000);
        assert_eq!(
            headers[1].beneficiary,
            cloister_primitives::Address::repeat_byte(7)
        );
        assert_eq!(headers[1].number, 3);
    }
}
