//! Raw transactions as `eth_sendRawTransaction` and peer gossip receive them: EIP-2718
//! decoding (one value, nothing after it), sender recovery on libsecp256k1, checked against
//! k256's, then admission into a pool whose every account is rich.

use alloy_consensus::transaction::SignerRecoverable;
use cloister_primitives::{
    Address, Decodable2718, Encodable2718, TxEnvelope, U256, recover_signer,
};
use cloister_txpool::{
    AccountReader, AdmissionContext, PoolConfig, SpecId, StateReadError, TxPool,
};
use std::cell::RefCell;

/// The dev chain's id: transactions signed for it pass the chain-id check.
const CHAIN_ID: u64 = 7557;

/// Every account exists with nonce 0 and more ether than any transaction can cost.
struct RichState;

impl AccountReader for RichState {
    fn nonce_and_balance(&self, _address: Address) -> Result<(u64, U256), StateReadError> {
        Ok((0, U256::MAX))
    }
}

thread_local! {
    static POOL: RefCell<Option<TxPool>> = const { RefCell::new(None) };
}

/// Decodes one raw transaction and, if it decodes, recovers its sender and offers it to a pool.
pub fn run(data: &[u8]) {
    let Some(tx) = decode(data) else { return };
    let Ok(sender) = recover_signer(&tx) else {
        return;
    };
    // The two secp256k1 implementations must agree on every signature either accepts.
    if let Ok(other) = tx.recover_signer() {
        assert_eq!(
            sender, other,
            "libsecp256k1 and k256 recovered different senders"
        );
    }
    admit(tx, sender);
}

/// `eth_sendRawTransaction`'s decoding; a decoded transaction re-encodes to the same bytes.
pub fn decode(data: &[u8]) -> Option<TxEnvelope> {
    let mut slice = data;
    let tx = TxEnvelope::decode_2718(&mut slice).ok()?;
    if !slice.is_empty() {
        return None;
    }
    assert_eq!(
        tx.encoded_2718(),
        data,
        "a decoded transaction re-encodes differently"
    );
    Some(tx)
}

fn admit(tx: TxEnvelope, sender: Address) {
    let ctx = AdmissionContext {
        base_fee: 7,
        block_gas_limit: 30_000_000,
        spec: SpecId::OSAKA,
    };
    POOL.with(|cell| {
        let mut slot = cell.borrow_mut();
        let pool = slot.get_or_insert_with(|| {
            TxPool::new(PoolConfig {
                chain_id: CHAIN_ID,
                ..PoolConfig::default()
            })
        });
        let recovered = cloister_primitives::RecoveredTx::new_unchecked(tx, sender);
        let results = pool.add_transactions(vec![recovered], &RichState, &ctx);
        assert_eq!(results.len(), 1, "one result per transaction");
        // Leave the pool empty for the next input: each input is judged on its own.
        let hashes: Vec<_> = results.into_iter().flatten().collect();
        let removed = pool.remove_transactions(&hashes);
        assert_eq!(
            removed.len(),
            hashes.len(),
            "an admitted transaction is held"
        );
    });
}
