//! A transaction request made into the transaction geth would execute for it: defaults filled
//! as geth's `CallDefaults` does (zero fees, zero value, the given nonce and gas), typed as
//! geth's `ToTransaction` types it, and left unsigned (a zero signature), which is also how
//! eth_simulateV1 hashes its transactions.

use alloy_consensus::{Signed, TxEip1559, TxEip2930, TxEip4844, TxEip7702, TxEnvelope, TxLegacy};
use alloy_evm::FromRecoveredTx;
use alloy_rpc_types_eth::TransactionRequest;
use cloister_primitives::{
    Address, U256,
    primitives::{Signature, TxKind},
};
use revm::context::TxEnv;

/// Why a request cannot be made into a transaction.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Legacy and EIP-1559 fee fields together.
    #[error("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified")]
    MixedFees,
    /// A chain id other than the node's.
    #[error("chainId does not match node's (have={have}, want={want})")]
    ChainId {
        /// Requested.
        have: u64,
        /// The node's.
        want: u64,
    },
    /// Blob and set-code transactions cannot create contracts.
    #[error("transaction of this type requires a recipient")]
    MissingTo,
}

/// What the caller fills in before the request becomes a transaction.
#[derive(Debug, Clone, Copy)]
pub struct RequestDefaults {
    /// The node's chain id.
    pub chain_id: u64,
    /// Nonce when the request names none.
    pub nonce: u64,
    /// Gas limit to use (already capped by the caller).
    pub gas: u64,
    /// Whether the block has a base fee (London): then unset fees default to EIP-1559 zeros.
    pub london: bool,
}

/// The sender of a request (the zero address when it names none, as in geth).
pub fn sender(request: &TransactionRequest) -> Address {
    request.from.unwrap_or_default()
}

/// The unsigned transaction geth builds from `request` (its `ToTransaction` with a dynamic-fee
/// default type).
pub fn build_tx(
    request: &TransactionRequest,
    defaults: RequestDefaults,
) -> Result<TxEnvelope, RequestError> {
    if request.gas_price.is_some()
        && (request.max_fee_per_gas.is_some() || request.max_priority_fee_per_gas.is_some())
    {
        return Err(RequestError::MixedFees);
    }
    if let Some(have) = request.chain_id
        && have != defaults.chain_id
    {
        return Err(RequestError::ChainId {
            have,
            want: defaults.chain_id,
        });
    }
    let chain_id = defaults.chain_id;
    let nonce = request.nonce.unwrap_or(defaults.nonce);
    let gas_limit = defaults.gas;
    let value = request.value.unwrap_or(U256::ZERO);
    let input = request.input.input().cloned().unwrap_or_default();
    let kind = request.to.unwrap_or(TxKind::Create);
    let access_list = request.access_list.clone().unwrap_or_default();
    let max_fee = request.max_fee_per_gas.unwrap_or_default();
    let tip = request.max_priority_fee_per_gas.unwrap_or_default();
    let signature = Signature::new(U256::ZERO, U256::ZERO, false);

    if let Some(gas_price) = request.gas_price {
        if request.access_list.is_some() {
            let tx = TxEip2930 {
                chain_id,
                nonce,
                gas_price,
                gas_limit,
                to: kind,
                value,
                access_list,
                input,
            };
            return Ok(TxEnvelope::Eip2930(Signed::new_unhashed(tx, signature)));
        }
        let tx = TxLegacy {
            chain_id: None,
            nonce,
            gas_price,
            gas_limit,
            to: kind,
            value,
            input,
        };
        return Ok(TxEnvelope::Legacy(Signed::new_unhashed(tx, signature)));
    }
    if let Some(authorization_list) = request.authorization_list.clone() {
        let TxKind::Call(to) = kind else {
            return Err(RequestError::MissingTo);
        };
        let tx = TxEip7702 {
            chain_id,
            nonce,
            gas_limit,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
            to,
            value,
            access_list,
            authorization_list,
            input,
        };
        return Ok(TxEnvelope::Eip7702(Signed::new_unhashed(tx, signature)));
    }
    if let Some(blob_versioned_hashes) = request.blob_versioned_hashes.clone() {
        let TxKind::Call(to) = kind else {
            return Err(RequestError::MissingTo);
        };
        let tx = TxEip4844 {
            chain_id,
            nonce,
            gas_limit,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
            to,
            value,
            access_list,
            blob_versioned_hashes,
            max_fee_per_blob_gas: request.max_fee_per_blob_gas.unwrap_or_default(),
            input,
        };
        let tx = alloy_consensus::TxEip4844Variant::TxEip4844(tx);
        return Ok(TxEnvelope::Eip4844(Signed::new_unhashed(tx, signature)));
    }
    if !defaults.london && request.max_fee_per_gas.is_none() {
        let tx = TxLegacy {
            chain_id: None,
            nonce,
            gas_price: 0,
            gas_limit,
            to: kind,
            value,
            input,
        };
        return Ok(TxEnvelope::Legacy(Signed::new_unhashed(tx, signature)));
    }
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: tip,
        to: kind,
        value,
        access_list,
        input,
    };
    Ok(TxEnvelope::Eip1559(Signed::new_unhashed(tx, signature)))
}

/// revm's view of `tx` sent by `from`.
pub fn tx_env(tx: &TxEnvelope, from: Address) -> TxEnv {
    TxEnv::from_recovered_tx(tx, from)
}

/// The price per gas the transaction pays at `base_fee` (geth's backfilled gasPrice).
pub fn effective_gas_price(tx: &TxEnvelope, base_fee: Option<u64>) -> u128 {
    use alloy_consensus::Transaction as _;
    match base_fee {
        Some(base) => tx.effective_gas_price(Some(base)),
        None => tx.max_fee_per_gas(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> RequestDefaults {
        RequestDefaults {
            chain_id: 1,
            nonce: 3,
            gas: 100_000,
            london: true,
        }
    }

    #[test]
    fn empty_request_is_a_zero_fee_dynamic_fee_create() {
        let tx = build_tx(&TransactionRequest::default(), defaults()).unwrap();
        let TxEnvelope::Eip1559(signed) = tx else {
            panic!("not 1559")
        };
        assert_eq!(signed.tx().nonce, 3);
        assert_eq!(signed.tx().max_fee_per_gas, 0);
        assert_eq!(signed.tx().to, TxKind::Create);
    }

    #[test]
    fn gas_price_makes_a_legacy_transaction() {
        let request = TransactionRequest {
            gas_price: Some(7),
            ..Default::default()
        };
        assert!(matches!(
            build_tx(&request, defaults()).unwrap(),
            TxEnvelope::Legacy(_)
        ));
    }

    #[test]
    fn mixed_fee_fields_are_refused() {
        let request = TransactionRequest {
            gas_price: Some(7),
            max_fee_per_gas: Some(8),
            ..Default::default()
        };
        assert!(matches!(
            build_tx(&request, defaults()),
            Err(RequestError::MixedFees)
        ));
    }

    #[test]
    fn wrong_chain_id_is_refused() {
        let request = TransactionRequest {
            chain_id: Some(5),
            ..Default::default()
        };
        assert!(build_tx(&request, defaults()).is_err());
    }
}
