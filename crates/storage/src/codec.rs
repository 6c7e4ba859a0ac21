//! Value and key encodings. Fixed-width binary where the value is hot (accounts, keys), RLP or
//! EIP-2718 where Ethereum already defines a format (headers, transactions, receipts).

use crate::StorageError;
use alloy_eips::eip4895::Withdrawal;
use alloy_rlp::{RlpDecodable, RlpEncodable};
use cloister_primitives::{
    Address, B256, Decodable2718, Encodable2718, Header, ReceiptEnvelope, U256,
};

/// An account as stored: the fields of the state-trie leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoredAccount {
    /// Transaction count / contract nonce.
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// keccak256 of the code (`KECCAK_EMPTY` for none).
    pub code_hash: B256,
    /// Root of the account's storage trie.
    pub storage_root: B256,
}

const ACCOUNT_LEN: usize = 8 + 32 + 32 + 32;

impl StoredAccount {
    /// Fixed 104-byte encoding.
    pub fn encode(&self) -> [u8; ACCOUNT_LEN] {
        let mut out = [0u8; ACCOUNT_LEN];
        out[..8].copy_from_slice(&self.nonce.to_be_bytes());
        out[8..40].copy_from_slice(&self.balance.to_be_bytes::<32>());
        out[40..72].copy_from_slice(self.code_hash.as_slice());
        out[72..].copy_from_slice(self.storage_root.as_slice());
        out
    }

    /// Inverse of [`Self::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, StorageError> {
        if bytes.len() != ACCOUNT_LEN {
            return Err(StorageError::corrupt(
                "accounts",
                format!("length {}", bytes.len()),
            ));
        }
        let mut nonce = [0u8; 8];
        nonce.copy_from_slice(&bytes[..8]);
        Ok(Self {
            nonce: u64::from_be_bytes(nonce),
            balance: U256::from_be_slice(&bytes[8..40]),
            code_hash: B256::from_slice(&bytes[40..72]),
            storage_root: B256::from_slice(&bytes[72..]),
        })
    }
}

/// A receipt with what RPC needs beside it: the gas this transaction alone used and the block-wide
/// index of its first log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReceipt {
    /// The consensus receipt (status, cumulative gas, bloom, logs).
    pub receipt: ReceiptEnvelope,
    /// Gas used by this transaction alone.
    pub gas_used: u64,
    /// Index in the block of this receipt's first log.
    pub first_log_index: u64,
}

impl StoredReceipt {
    /// gas_used (8) ++ first_log_index (8) ++ EIP-2718 receipt.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.receipt.encode_2718_len());
        out.extend_from_slice(&self.gas_used.to_be_bytes());
        out.extend_from_slice(&self.first_log_index.to_be_bytes());
        self.receipt.encode_2718(&mut out);
        out
    }

    /// Inverse of [`Self::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, StorageError> {
        if bytes.len() < 17 {
            return Err(StorageError::corrupt("receipts", "too short"));
        }
        let (gas, rest) = bytes.split_at(8);
        let (first, mut envelope) = rest.split_at(8);
        let receipt = ReceiptEnvelope::decode_2718(&mut envelope)
            .map_err(|e| StorageError::corrupt("receipts", e))?;
        Ok(Self {
            receipt,
            gas_used: u64::from_be_bytes(fixed(gas)),
            first_log_index: u64::from_be_bytes(fixed(first)),
        })
    }
}

/// Where a transaction is: block number and index in the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxLocation {
    /// Block number.
    pub block: u64,
    /// Index within the block.
    pub index: u32,
}

impl TxLocation {
    /// 12-byte big-endian key: orders by block, then index.
    pub fn key(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..8].copy_from_slice(&self.block.to_be_bytes());
        out[8..].copy_from_slice(&self.index.to_be_bytes());
        out
    }

    /// Inverse of [`Self::key`].
    pub fn from_key(key: &[u8; 12]) -> Self {
        Self {
            block: u64::from_be_bytes(fixed(&key[..8])),
            index: u32::from_be_bytes(fixed(&key[8..])),
        }
    }
}

/// The parts of a block body other than its transactions.
#[derive(Debug, Clone, PartialEq, Eq, Default, RlpEncodable, RlpDecodable)]
#[rlp(trailing)]
pub(crate) struct BodyExtras {
    pub(crate) ommers: Vec<Header>,
    pub(crate) withdrawals: Option<Vec<Withdrawal>>,
}

/// Address ++ slot, the key of the plain storage table.
pub(crate) fn storage_key(address: &Address, slot: &B256) -> [u8; 52] {
    let mut out = [0u8; 52];
    out[..20].copy_from_slice(address.as_slice());
    out[20..].copy_from_slice(slot.as_slice());
    out
}

/// Copies a slice of known length into an array; callers pass slices of exactly `N` bytes.
fn fixed<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[..N]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloister_primitives::{Receipt, ReceiptWithBloom};

    #[test]
    fn account_round_trips() {
        let account = StoredAccount {
            nonce: 7,
            balance: U256::from(123_456_789u64),
            code_hash: B256::repeat_byte(3),
            storage_root: B256::repeat_byte(9),
        };
        assert_eq!(StoredAccount::decode(&account.encode()).unwrap(), account);
        assert!(StoredAccount::decode(&[0u8; 5]).is_err());
    }

    #[test]
    fn receipt_round_trips() {
        let receipt = Receipt {
            status: true.into(),
            cumulative_gas_used: 42_000,
            logs: vec![],
        };
        let stored = StoredReceipt {
            receipt: ReceiptEnvelope::Eip1559(ReceiptWithBloom::from(receipt)),
            gas_used: 21_000,
            first_log_index: 3,
        };
        assert_eq!(StoredReceipt::decode(&stored.encode()).unwrap(), stored);
    }

    #[test]
    fn tx_location_keys_sort_by_block_then_index() {
        let a = TxLocation {
            block: 1,
            index: 300,
        }
        .key();
        let b = TxLocation { block: 2, index: 0 }.key();
        assert!(a < b);
        assert_eq!(
            TxLocation::from_key(&a),
            TxLocation {
                block: 1,
                index: 300
            }
        );
    }
}
