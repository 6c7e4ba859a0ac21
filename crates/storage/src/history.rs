//! State history: per block, what each changed account and slot held before the block
//! (changesets), and per account and slot, the blocks that changed it (history indices). The
//! value of anything after block N is the changeset entry of the first block after N that changed
//! it, or the current value when nothing changed it since. Reads cost two range lookups, whatever
//! the depth.

use cloister_primitives::{Address, B256};

/// Key of an account changeset row: block ‖ address.
pub(crate) fn account_changeset_key(block: u64, address: &Address) -> [u8; 28] {
    let mut key = [0u8; 28];
    key[..8].copy_from_slice(&block.to_be_bytes());
    key[8..].copy_from_slice(address.as_slice());
    key
}

/// Key of a storage changeset row: block ‖ address ‖ slot.
pub(crate) fn storage_changeset_key(block: u64, address: &Address, slot: &B256) -> [u8; 60] {
    let mut key = [0u8; 60];
    key[..8].copy_from_slice(&block.to_be_bytes());
    key[8..28].copy_from_slice(address.as_slice());
    key[28..].copy_from_slice(slot.as_slice());
    key
}

/// Key of an account history row: address ‖ block.
pub(crate) fn account_history_key(address: &Address, block: u64) -> [u8; 28] {
    let mut key = [0u8; 28];
    key[..20].copy_from_slice(address.as_slice());
    key[20..].copy_from_slice(&block.to_be_bytes());
    key
}

/// Key of a storage history row: address ‖ slot ‖ block.
pub(crate) fn storage_history_key(address: &Address, slot: &B256, block: u64) -> [u8; 60] {
    let mut key = [0u8; 60];
    key[..20].copy_from_slice(address.as_slice());
    key[20..52].copy_from_slice(slot.as_slice());
    key[52..].copy_from_slice(&block.to_be_bytes());
    key
}

/// The block number at the end of a history key.
pub(crate) fn history_block(key: &[u8]) -> u64 {
    let mut number = [0u8; 8];
    if key.len() >= 8 {
        number.copy_from_slice(&key[key.len() - 8..]);
    }
    u64::from_be_bytes(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_keys_order_by_block_within_one_account() {
        let a = Address::repeat_byte(1);
        assert!(account_history_key(&a, 2) < account_history_key(&a, 10));
        assert!(
            account_history_key(&a, u64::MAX) < account_history_key(&Address::repeat_byte(2), 0)
        );
        assert_eq!(history_block(&storage_history_key(&a, &B256::ZERO, 77)), 77);
    }
}
