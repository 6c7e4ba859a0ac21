//! Fee choice and EIP-1559 signing: everything is signed before the clock starts, so signing
//! speed never shows up in the measured throughput.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;

use crate::BenchError;

/// Lowest tip offered, so that nodes with a minimum tip (geth's 1 gwei) accept the load.
const MIN_TIP_WEI: u128 = 1_000_000_000;
/// Max fee as a multiple of today's price: the base fee may climb during a run (12.5% per full
/// block), and a tx priced out mid-run would stall its sender.
const FEE_HEADROOM: u128 = 8;

/// The fees every transaction of a run offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FeePlan {
    pub(crate) max_fee_per_gas: u128,
    pub(crate) max_priority_fee_per_gas: u128,
}

impl FeePlan {
    /// Fees from the node's `eth_gasPrice` and the latest base fee, with headroom.
    pub(crate) fn from_node(gas_price: u128, base_fee: Option<u128>) -> Self {
        let base_fee = base_fee.unwrap_or(0);
        let tip = gas_price.saturating_sub(base_fee).max(MIN_TIP_WEI);
        let max_fee = base_fee
            .max(gas_price)
            .saturating_mul(FEE_HEADROOM)
            .saturating_add(tip);
        Self {
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
        }
    }

    /// The most one transaction with `gas_limit` can cost in fees.
    pub(crate) fn max_fee_cost(&self, gas_limit: u64) -> U256 {
        U256::from(self.max_fee_per_gas).saturating_mul(U256::from(gas_limit))
    }
}

/// What varies between the transactions of a run.
#[derive(Debug, Clone)]
pub(crate) struct TxRequest {
    pub(crate) to: TxKind,
    pub(crate) value: U256,
    pub(crate) input: Bytes,
    pub(crate) gas_limit: u64,
    pub(crate) nonce: u64,
}

/// A signed transaction ready to submit.
#[derive(Debug, Clone)]
pub(crate) struct SignedTx {
    pub(crate) hash: B256,
    pub(crate) raw: Bytes,
}

/// Signs `request` as an EIP-1559 transaction.
pub(crate) fn sign_eip1559(
    signer: &PrivateKeySigner,
    chain_id: u64,
    fees: FeePlan,
    request: TxRequest,
) -> Result<SignedTx, BenchError> {
    let mut tx = TxEip1559 {
        chain_id,
        nonce: request.nonce,
        gas_limit: request.gas_limit,
        max_fee_per_gas: fees.max_fee_per_gas,
        max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
        to: request.to,
        value: request.value,
        access_list: Default::default(),
        input: request.input,
    };
    let signature = signer.sign_transaction_sync(&mut tx)?;
    let signed = tx.into_signed(signature);
    let hash = *signed.hash();
    let raw = Bytes::from(TxEnvelope::from(signed).encoded_2718());
    Ok(SignedTx { hash, raw })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly on purpose
mod tests {
    use alloy_consensus::Transaction;
    use alloy_consensus::transaction::SignerRecoverable;
    use alloy_eips::eip2718::Decodable2718;
    use alloy_primitives::{Address, keccak256};

    use super::*;

    #[test]
    fn fee_plan_keeps_headroom_over_base_fee_and_a_minimum_tip() {
        let anvil_like = FeePlan::from_node(2_000_000_000, Some(1_000_000_000));
        assert_eq!(anvil_like.max_priority_fee_per_gas, 1_000_000_000);
        assert_eq!(
            anvil_like.max_fee_per_gas,
            8 * 2_000_000_000 + 1_000_000_000
        );
        let free_chain = FeePlan::from_node(0, None);
        assert_eq!(free_chain.max_priority_fee_per_gas, MIN_TIP_WEI);
        assert!(free_chain.max_fee_per_gas >= free_chain.max_priority_fee_per_gas);
        assert_eq!(
            anvil_like.max_fee_cost(21_000),
            U256::from(17_000_000_000u128 * 21_000)
        );
    }

    #[test]
    fn signed_transaction_decodes_recovers_and_hashes_consistently() {
        let signer = PrivateKeySigner::random();
        let to = Address::repeat_byte(0x42);
        let fees = FeePlan::from_node(1_000_000_000, Some(7));
        let request = TxRequest {
            to: TxKind::Call(to),
            value: U256::from(5),
            input: Bytes::new(),
            gas_limit: 21_000,
            nonce: 9,
        };
        let signed = sign_eip1559(&signer, 31_337, fees, request).unwrap();
        assert_eq!(signed.hash, keccak256(&signed.raw));
        let decoded = TxEnvelope::decode_2718(&mut signed.raw.as_ref()).unwrap();
        assert_eq!(decoded.nonce(), 9);
        assert_eq!(decoded.chain_id(), Some(31_337));
        assert_eq!(decoded.to(), Some(to));
        assert_eq!(decoded.max_fee_per_gas(), fees.max_fee_per_gas);
        let recovered = decoded.recover_signer().unwrap();
        assert_eq!(recovered, signer.address());
    }
}
