//! Pool tests with real signed transactions: a tiny in-memory account state and builders
//! that sign every transaction type with a `PrivateKeySigner` and recover its sender.

mod admission;
mod bench;
mod blob;
mod lifecycle;
mod limits;
mod ordering;

use crate::{AccountReader, AdmissionContext, PoolConfig, SpecId, StateReadError, TxPool};
use alloy_network::TxSignerSync;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_primitives::{
    Address, Bytes, RecoveredTx, Signed, TxEnvelope, TxHash, U256,
    consensus::{
        SignableTransaction, TxEip1559, TxEip2930, TxEip4844, TxEip4844Variant, TxEip7702, TxLegacy,
    },
    eips::{
        eip2930::{AccessList, AccessListItem},
        eip7702::{Authorization, SignedAuthorization},
    },
    primitives::{B256, Signature, TxKind},
    recover_signer,
};
use parking_lot::Mutex;
use std::collections::HashMap;

pub(crate) const CHAIN_ID: u64 = 7;
/// Plenty for any test transaction.
pub(crate) const RICH: u64 = 1_000_000_000_000_000_000;

/// Account nonces and balances; unknown accounts are rich with nonce 0.
#[derive(Default)]
pub(crate) struct MemoryState {
    accounts: Mutex<HashMap<Address, (u64, U256)>>,
    failing: Mutex<Option<Address>>,
}

impl MemoryState {
    pub(crate) fn set(&self, address: Address, nonce: u64, balance: U256) {
        self.accounts.lock().insert(address, (nonce, balance));
    }

    pub(crate) fn set_nonce(&self, address: Address, nonce: u64) {
        let mut accounts = self.accounts.lock();
        let entry = accounts.entry(address).or_insert((0, U256::from(RICH)));
        entry.0 = nonce;
    }

    pub(crate) fn fail_for(&self, address: Address) {
        *self.failing.lock() = Some(address);
    }
}

impl AccountReader for MemoryState {
    fn nonce_and_balance(&self, address: Address) -> Result<(u64, U256), StateReadError> {
        if *self.failing.lock() == Some(address) {
            return Err(StateReadError("disk on fire".to_owned()));
        }
        Ok(self
            .accounts
            .lock()
            .get(&address)
            .copied()
            .unwrap_or((0, U256::from(RICH))))
    }
}

pub(crate) fn config() -> PoolConfig {
    PoolConfig {
        chain_id: CHAIN_ID,
        ..PoolConfig::default()
    }
}

pub(crate) fn pool() -> TxPool {
    TxPool::new(config())
}

pub(crate) fn ctx() -> AdmissionContext {
    AdmissionContext {
        base_fee: 1,
        block_gas_limit: 30_000_000,
        spec: SpecId::PRAGUE,
    }
}

/// Fields shared by every transaction type; `tip` is ignored by legacy and EIP-2930.
#[derive(Clone)]
pub(crate) struct TxSpec {
    pub(crate) chain_id: Option<u64>,
    pub(crate) nonce: u64,
    pub(crate) gas_limit: u64,
    pub(crate) max_fee: u128,
    pub(crate) tip: u128,
    pub(crate) to: TxKind,
    pub(crate) value: U256,
    pub(crate) input: Bytes,
    pub(crate) access_list: AccessList,
}

pub(crate) fn spec(nonce: u64) -> TxSpec {
    TxSpec {
        chain_id: Some(CHAIN_ID),
        nonce,
        gas_limit: 21_000,
        max_fee: 100,
        tip: 10,
        to: TxKind::Call(Address::repeat_byte(0xAA)),
        value: U256::from(1),
        input: Bytes::new(),
        access_list: AccessList::default(),
    }
}

impl TxSpec {
    pub(crate) fn fees(mut self, max_fee: u128, tip: u128) -> Self {
        self.max_fee = max_fee;
        self.tip = tip;
        self
    }

    pub(crate) fn gas(mut self, gas_limit: u64) -> Self {
        self.gas_limit = gas_limit;
        self
    }

    pub(crate) fn input(mut self, input: Vec<u8>) -> Self {
        self.input = input.into();
        self
    }

    fn chain_id(&self) -> u64 {
        self.chain_id.unwrap_or(CHAIN_ID)
    }

    fn to_address(&self) -> Address {
        self.to.to().copied().unwrap_or_default()
    }
}

fn sign<T: SignableTransaction<Signature>>(signer: &PrivateKeySigner, mut tx: T) -> Signed<T> {
    let signature = signer.sign_transaction_sync(&mut tx).unwrap();
    tx.into_signed(signature)
}

/// Recovers the sender exactly as the node does before admission.
pub(crate) fn recovered(envelope: TxEnvelope) -> RecoveredTx {
    let sender = recover_signer(&envelope).unwrap();
    RecoveredTx::new_unchecked(envelope, sender)
}

pub(crate) fn eip1559(signer: &PrivateKeySigner, spec: TxSpec) -> RecoveredTx {
    let tx = TxEip1559 {
        chain_id: spec.chain_id(),
        nonce: spec.nonce,
        gas_limit: spec.gas_limit,
        max_fee_per_gas: spec.max_fee,
        max_priority_fee_per_gas: spec.tip,
        to: spec.to,
        value: spec.value,
        access_list: spec.access_list,
        input: spec.input,
    };
    recovered(sign(signer, tx).into())
}

/// Legacy transaction; `spec.max_fee` is the gas price, `spec.chain_id = None` is pre-EIP-155.
pub(crate) fn legacy(signer: &PrivateKeySigner, spec: TxSpec) -> RecoveredTx {
    let tx = TxLegacy {
        chain_id: spec.chain_id,
        nonce: spec.nonce,
        gas_price: spec.max_fee,
        gas_limit: spec.gas_limit,
        to: spec.to,
        value: spec.value,
        input: spec.input,
    };
    recovered(sign(signer, tx).into())
}

pub(crate) fn eip2930(signer: &PrivateKeySigner, spec: TxSpec) -> RecoveredTx {
    let tx = TxEip2930 {
        chain_id: spec.chain_id(),
        nonce: spec.nonce,
        gas_price: spec.max_fee,
        gas_limit: spec.gas_limit,
        to: spec.to,
        value: spec.value,
        access_list: spec.access_list,
        input: spec.input,
    };
    recovered(sign(signer, tx).into())
}

pub(crate) fn blob(signer: &PrivateKeySigner, spec: TxSpec) -> RecoveredTx {
    let tx = TxEip4844 {
        chain_id: spec.chain_id(),
        nonce: spec.nonce,
        gas_limit: spec.gas_limit,
        max_fee_per_gas: spec.max_fee,
        max_priority_fee_per_gas: spec.tip,
        to: spec.to_address(),
        value: spec.value,
        access_list: spec.access_list.clone(),
        blob_versioned_hashes: vec![B256::repeat_byte(1)],
        max_fee_per_blob_gas: 1,
        input: spec.input.clone(),
    };
    let signed = sign(signer, tx);
    let (tx, signature, hash) = signed.into_parts();
    recovered(TxEnvelope::Eip4844(Signed::new_unchecked(
        TxEip4844Variant::TxEip4844(tx),
        signature,
        hash,
    )))
}

/// EIP-7702 transaction carrying `authorizations` delegations signed by fresh keys.
pub(crate) fn eip7702(
    signer: &PrivateKeySigner,
    spec: TxSpec,
    authorizations: usize,
) -> RecoveredTx {
    let authorization_list: Vec<SignedAuthorization> = (0..authorizations)
        .map(|_| {
            let authority = PrivateKeySigner::random();
            let authorization = Authorization {
                chain_id: U256::from(CHAIN_ID),
                address: Address::repeat_byte(0xDE),
                nonce: 0,
            };
            let signature = authority
                .sign_hash_sync(&authorization.signature_hash())
                .unwrap();
            authorization.into_signed(signature)
        })
        .collect();
    let tx = TxEip7702 {
        chain_id: spec.chain_id(),
        nonce: spec.nonce,
        gas_limit: spec.gas_limit,
        max_fee_per_gas: spec.max_fee,
        max_priority_fee_per_gas: spec.tip,
        to: spec.to_address(),
        value: spec.value,
        access_list: spec.access_list.clone(),
        authorization_list,
        input: spec.input.clone(),
    };
    recovered(sign(signer, tx).into())
}

pub(crate) fn access_list(addresses: usize, keys_each: usize) -> AccessList {
    AccessList(
        (0..addresses)
            .map(|i| AccessListItem {
                address: Address::repeat_byte(i as u8 + 1),
                storage_keys: (0..keys_each).map(|k| B256::repeat_byte(k as u8)).collect(),
            })
            .collect(),
    )
}

/// Adds one transaction and returns its result.
pub(crate) fn add_one(
    pool: &TxPool,
    state: &MemoryState,
    tx: RecoveredTx,
) -> Result<TxHash, crate::PoolError> {
    add_with(pool, state, &ctx(), tx)
}

pub(crate) fn add_with(
    pool: &TxPool,
    state: &MemoryState,
    ctx: &AdmissionContext,
    tx: RecoveredTx,
) -> Result<TxHash, crate::PoolError> {
    pool.add_transactions(vec![tx], state, ctx).remove(0)
}

/// The display text of the error a single transaction gets.
pub(crate) fn rejection(pool: &TxPool, state: &MemoryState, tx: RecoveredTx) -> String {
    add_one(pool, state, tx).unwrap_err().to_string()
}
