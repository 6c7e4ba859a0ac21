//! Sender recovery. libsecp256k1 (through alloy-primitives' `secp256k1` feature) recovers
//! about four times faster than k256 on this hardware, and recovery is the most expensive step
//! per transaction, so every sender is recovered here, once.

use crate::{Address, RecoveredTx, TxEnvelope};
use alloy_primitives::U256;
use rayon::prelude::*;

/// `secp256k1n / 2`: signatures with a larger `s` are malleable and refused (EIP-2).
const SECP256K1N_HALF: U256 = U256::from_be_bytes([
    0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4, 0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0,
]);

/// Why a transaction's sender could not be recovered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryError {
    /// `s` is above `secp256k1n / 2` (EIP-2).
    #[error("invalid transaction v, r, s values")]
    HighS,
    /// The signature does not recover to any public key.
    #[error("invalid sender")]
    InvalidSignature,
}

/// Recovers the sender of `tx`, refusing malleable (high-`s`) signatures.
pub fn recover_signer(tx: &TxEnvelope) -> Result<Address, RecoveryError> {
    let signature = tx.signature();
    if signature.s() > SECP256K1N_HALF {
        return Err(RecoveryError::HighS);
    }
    signature
        .recover_address_from_prehash(&tx.signature_hash())
        .map_err(|_| RecoveryError::InvalidSignature)
}

/// Recovers the senders of many transactions on all cores, keeping their order.
pub fn recover_parallel(txs: Vec<TxEnvelope>) -> Vec<Result<RecoveredTx, RecoveryError>> {
    txs.into_par_iter()
        .map(|tx| recover_signer(&tx).map(|signer| RecoveredTx::new_unchecked(tx, signer)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_consensus::{SignableTransaction, TxEip1559};
    use alloy_network::TxSignerSync;
    use alloy_primitives::{Bytes, TxKind};
    use alloy_signer_local::PrivateKeySigner;

    fn signed(signer: &PrivateKeySigner, nonce: u64) -> TxEnvelope {
        let mut tx = TxEip1559 {
            chain_id: 7,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 10,
            max_priority_fee_per_gas: 1,
            to: TxKind::Call(Address::repeat_byte(1)),
            value: U256::from(1),
            input: Bytes::new(),
            access_list: Default::default(),
        };
        let sig = signer.sign_transaction_sync(&mut tx).unwrap();
        TxEnvelope::Eip1559(tx.into_signed(sig))
    }

    #[test]
    fn recovers_the_signer_in_order() {
        let a = PrivateKeySigner::random();
        let b = PrivateKeySigner::random();
        let out = recover_parallel(vec![signed(&a, 0), signed(&b, 0), signed(&a, 1)]);
        let senders: Vec<_> = out.into_iter().map(|r| r.unwrap().signer()).collect();
        assert_eq!(senders, vec![a.address(), b.address(), a.address()]);
    }

    #[test]
    fn refuses_high_s() {
        let a = PrivateKeySigner::random();
        let TxEnvelope::Eip1559(signed_tx) = signed(&a, 0) else {
            unreachable!()
        };
        let sig = *signed_tx.signature();
        let n = U256::from_be_bytes(alloy_primitives::hex!(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        ));
        let flipped = alloy_primitives::Signature::new(sig.r(), n - sig.s(), !sig.v());
        let tx = TxEnvelope::Eip1559(signed_tx.strip_signature().into_signed(flipped));
        assert_eq!(recover_signer(&tx), Err(RecoveryError::HighS));
    }
}
