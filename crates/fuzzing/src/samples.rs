//! Real signed transactions of the dev accounts: seeds for the corpora, and the block every
//! RPC fixture starts with (a transfer of each type and a contract that stores and logs).

use crate::{block_import::dev_key, setup::fail};
use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxLegacy};
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_network::TxSignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_primitives::{
    Address, B256, Bytes, RecoveredTx, TxEnvelope, U256, primitives::TxKind,
};

/// Chain id of the dev chain.
const CHAIN_ID: u64 = 7557;
/// Twice the dev genesis base fee.
const MAX_FEE: u128 = 2_000_000_000;

/// Initcode: stores 42 at slot 0, logs 42 with the caller as topic, deploys code returning slot 0.
pub const CONTRACT_INITCODE: &[u8] = &[
    0x60, 0x2a, 0x60, 0x00, 0x55, // SSTORE(0, 42)
    0x60, 0x2a, 0x60, 0x00, 0x52, // MSTORE(0, 42)
    0x33, 0x60, 0x20, 0x60, 0x00, 0xa1, // LOG1(0, 32, CALLER)
    0x60, 0x0b, 0x60, 0x1c, 0x60, 0x00, 0x39, // CODECOPY(0, 28, 11)
    0x60, 0x0b, 0x60, 0x00, 0xf3, // RETURN(0, 11)
    0x60, 0x00, 0x54, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3, // runtime
];

/// Legacy, EIP-2930 and EIP-1559 transfers and an EIP-1559 contract creation.
pub fn sample_txs() -> Vec<RecoveredTx> {
    let (alice, bob) = (dev_key(0), dev_key(1));
    let to = TxKind::Call(Address::repeat_byte(0x42));
    let legacy = TxLegacy {
        chain_id: Some(CHAIN_ID),
        nonce: 0,
        gas_price: MAX_FEE,
        gas_limit: 21_000,
        to,
        value: U256::from(1_000),
        input: Bytes::new(),
    };
    let create = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: 1,
        gas_limit: 200_000,
        max_fee_per_gas: MAX_FEE,
        max_priority_fee_per_gas: 1,
        to: TxKind::Create,
        value: U256::ZERO,
        access_list: AccessList::default(),
        input: Bytes::from_static(CONTRACT_INITCODE),
    };
    let with_access_list = TxEip2930 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_price: MAX_FEE,
        gas_limit: 30_000,
        to,
        value: U256::from(7),
        access_list: AccessList(vec![AccessListItem {
            address: Address::repeat_byte(0x42),
            storage_keys: vec![B256::ZERO],
        }]),
        input: Bytes::from_static(b"hello"),
    };
    vec![
        signed(&alice, legacy),
        signed(&alice, create),
        signed(&bob, with_access_list),
    ]
}

fn signed<T>(key: &PrivateKeySigner, mut tx: T) -> RecoveredTx
where
    T: SignableTransaction<cloister_primitives::primitives::Signature>,
    TxEnvelope: From<alloy_consensus::Signed<T>>,
{
    let signature = key
        .sign_transaction_sync(&mut tx)
        .unwrap_or_else(|err| fail("a sample transaction", err));
    RecoveredTx::new_unchecked(TxEnvelope::from(tx.into_signed(signature)), key.address())
}

/// The first block the dev chain builds from [`sample_txs`], as a cluster log entry, and the
/// stored form of its receipts.
pub fn sample_block() -> (cloister_consensus::ClusterRequest, Vec<Vec<u8>>) {
    let dev = crate::block_import::DevChain::new();
    let mut source = crate::block_import::VecSource(sample_txs().into());
    let sealed = dev
        .chain
        .build_block(&mut source, 12, 64)
        .unwrap_or_else(|err| fail("the sample block", err));
    let receipts = sealed.receipts.iter().map(|r| r.encode()).collect();
    let entry = cloister_consensus::block_entry(&sealed)
        .unwrap_or_else(|err| fail("the sample block entry", err));
    (entry, receipts)
}
