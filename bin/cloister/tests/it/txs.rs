//! The dev accounts and signed transactions of every type the tests send, encoded for
//! eth_sendRawTransaction.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEip7702, TxEnvelope, TxLegacy};
use alloy_eips::{
    eip2718::Encodable2718,
    eip2930::{AccessList, AccessListItem},
    eip7702::{Authorization, SignedAuthorization},
};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;

/// Chain id of the dev chain.
pub const CHAIN_ID: u64 = 7557;

/// Balance of each dev account at genesis (10 000 ether).
pub const DEV_BALANCE: u128 = 10_000 * 10u128.pow(18);

/// Keys of the ten dev accounts ("test test ... junk", m/44'/60'/0'/0/i).
const DEV_KEYS: [&str; 10] = [
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

/// Signers of the ten dev accounts; the first is also the validator (coinbase).
pub fn dev_signers() -> Vec<PrivateKeySigner> {
    DEV_KEYS
        .iter()
        .map(|hex| hex.parse().expect("dev key"))
        .collect()
}

/// A fresh address that no test has touched, derived from `seed`.
pub fn fresh_address(seed: &[u8]) -> Address {
    Address::from_slice(&keccak256(seed)[12..])
}

/// Fee cap the load uses: far above the dev chain's base fee (1 gwei at genesis, falling).
pub const MAX_FEE: u128 = 100_000_000_000;
/// Priority fee the load uses.
pub const TIP: u128 = 1_000_000_000;

/// A signed transaction: its hash and its EIP-2718 bytes as `0x` hex.
#[derive(Debug, Clone)]
pub struct SignedTx {
    /// Transaction hash.
    pub hash: B256,
    /// `0x`-prefixed raw bytes for eth_sendRawTransaction.
    pub raw: String,
}

fn seal<T>(signer: &PrivateKeySigner, mut tx: T) -> SignedTx
where
    T: SignableTransaction<alloy_primitives::Signature>,
    TxEnvelope: From<alloy_consensus::Signed<T>>,
{
    let signature = signer.sign_transaction_sync(&mut tx).expect("sign");
    let envelope: TxEnvelope = tx.into_signed(signature).into();
    SignedTx {
        hash: *envelope.tx_hash(),
        raw: format!("0x{}", hex(&envelope.encoded_2718())),
    }
}

/// Lower-case hex without prefix.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// EIP-1559 plain transfer of `value` wei.
pub fn transfer_1559(signer: &PrivateKeySigner, nonce: u64, to: Address, value: u128) -> SignedTx {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: MAX_FEE,
        max_priority_fee_per_gas: TIP,
        to: TxKind::Call(to),
        value: U256::from(value),
        access_list: AccessList::default(),
        input: Bytes::new(),
    };
    seal(signer, tx)
}

/// EIP-1559 contract creation running `init_code`.
pub fn create_1559(signer: &PrivateKeySigner, nonce: u64, init_code: Bytes) -> SignedTx {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 200_000,
        max_fee_per_gas: MAX_FEE,
        max_priority_fee_per_gas: TIP,
        to: TxKind::Create,
        value: U256::ZERO,
        access_list: AccessList::default(),
        input: init_code,
    };
    seal(signer, tx)
}

/// Legacy (type 0) transfer with EIP-155 replay protection.
pub fn transfer_legacy(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: Address,
    value: u128,
) -> SignedTx {
    let tx = TxLegacy {
        chain_id: Some(CHAIN_ID),
        nonce,
        gas_price: 10_000_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(to),
        value: U256::from(value),
        input: Bytes::new(),
    };
    seal(signer, tx)
}

/// EIP-2930 (type 1) call of `contract` that pre-declares its slot 0.
pub fn call_2930(signer: &PrivateKeySigner, nonce: u64, contract: Address) -> SignedTx {
    let access_list = AccessList(vec![AccessListItem {
        address: contract,
        storage_keys: vec![B256::ZERO],
    }]);
    let tx = TxEip2930 {
        chain_id: CHAIN_ID,
        nonce,
        gas_price: 10_000_000_000,
        gas_limit: 100_000,
        to: TxKind::Call(contract),
        value: U256::ZERO,
        access_list,
        input: Bytes::new(),
    };
    seal(signer, tx)
}

/// EIP-7702 (type 4) transaction carrying `authority`'s signed delegation to `delegate`
/// (`authority_nonce` is the authority's current nonce), sent to the authority itself.
pub fn delegate_7702(
    signer: &PrivateKeySigner,
    nonce: u64,
    authority: &PrivateKeySigner,
    authority_nonce: u64,
    delegate: Address,
) -> SignedTx {
    let authorization = Authorization {
        chain_id: U256::from(CHAIN_ID),
        address: delegate,
        nonce: authority_nonce,
    };
    let signature = authority
        .sign_hash_sync(&authorization.signature_hash())
        .expect("sign authorization");
    let signed: SignedAuthorization = authorization.into_signed(signature);
    let tx = TxEip7702 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 100_000,
        max_fee_per_gas: MAX_FEE,
        max_priority_fee_per_gas: TIP,
        to: authority.address(),
        value: U256::ZERO,
        access_list: AccessList::default(),
        authorization_list: vec![signed],
        input: Bytes::new(),
    };
    seal(signer, tx)
}
