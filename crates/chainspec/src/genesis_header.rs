//! The genesis block header exactly as geth builds it: state root computed from `alloc` with
//! alloy-trie, and each fork's header fields present when that fork is active at genesis.

use crate::ChainSpecError;
use alloy_eips::{eip1559::INITIAL_BASE_FEE, eip7685::EMPTY_REQUESTS_HASH};
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_hardforks::EthereumHardforks;
use alloy_trie::{
    KECCAK_EMPTY, TrieAccount,
    root::{state_root_unhashed, storage_root_unhashed},
};
use cloister_primitives::{
    Address, B256, Header, U256,
    consensus::{EMPTY_OMMER_ROOT_HASH, EMPTY_ROOT_HASH},
    keccak256,
    primitives::B64,
};
use std::collections::BTreeMap;

/// Gas limit geth gives a genesis that leaves `gasLimit` at 0 (`params.GenesisGasLimit`).
pub const DEFAULT_GENESIS_GAS_LIMIT: u64 = 4_712_388;

/// Difficulty geth gives an ethash genesis without `difficulty` (`params.GenesisDifficulty`).
pub const DEFAULT_GENESIS_DIFFICULTY: U256 = U256::from_limbs([131_072, 0, 0, 0]);

/// The state root of the genesis allocation: a secure trie of accounts whose storage roots
/// are secure tries of their non-zero slots.
pub fn genesis_state_root(alloc: &BTreeMap<Address, GenesisAccount>) -> B256 {
    state_root_unhashed(
        alloc
            .iter()
            .map(|(address, account)| (*address, trie_account(account))),
    )
}

/// The account as the state trie stores it.
fn trie_account(account: &GenesisAccount) -> TrieAccount {
    // A zero slot is the same as no slot: geth's state never stores it.
    let storage_root = storage_root_unhashed(
        account
            .storage
            .iter()
            .flatten()
            .map(|(slot, value)| (*slot, U256::from_be_bytes(value.0)))
            .filter(|(_, value)| !value.is_zero()),
    );
    let code_hash = account
        .code
        .as_ref()
        .filter(|code| !code.is_empty())
        .map_or(KECCAK_EMPTY, keccak256);
    TrieAccount {
        nonce: account.nonce.unwrap_or_default(),
        balance: account.balance,
        storage_root,
        code_hash,
    }
}

/// Builds the genesis header for `genesis` under the fork schedule `forks`.
pub(crate) fn build_genesis_header(
    genesis: &Genesis,
    forks: &impl EthereumHardforks,
) -> Result<Header, ChainSpecError> {
    let number = genesis.number.unwrap_or_default();
    let timestamp = genesis.timestamp;
    let gas_limit = if genesis.gas_limit == 0 {
        DEFAULT_GENESIS_GAS_LIMIT
    } else {
        genesis.gas_limit
    };
    // geth checks London at block 0 here, not at the genesis number.
    let base_fee_per_gas = if forks.is_london_active_at_block(0) {
        let base_fee = match genesis.base_fee_per_gas {
            Some(base_fee) => {
                u64::try_from(base_fee).map_err(|_| ChainSpecError::BaseFeeOverflow(base_fee))?
            }
            None => INITIAL_BASE_FEE,
        };
        Some(base_fee)
    } else {
        None
    };
    let shanghai = forks.is_shanghai_active_at_timestamp(timestamp);
    let cancun = forks.is_cancun_active_at_timestamp(timestamp);
    let prague = forks.is_prague_active_at_timestamp(timestamp);
    Ok(Header {
        parent_hash: genesis.parent_hash.unwrap_or_default(),
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: genesis.coinbase,
        state_root: genesis_state_root(&genesis.alloc),
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        difficulty: genesis.difficulty,
        number,
        gas_limit,
        gas_used: 0,
        timestamp,
        extra_data: genesis.extra_data.clone(),
        mix_hash: genesis.mix_hash,
        nonce: B64::from(genesis.nonce),
        base_fee_per_gas,
        withdrawals_root: shanghai.then_some(EMPTY_ROOT_HASH),
        blob_gas_used: cancun.then(|| genesis.blob_gas_used.unwrap_or_default()),
        excess_blob_gas: cancun.then(|| genesis.excess_blob_gas.unwrap_or_default()),
        // EIP-4788: genesis has no parent, so its beacon root is zero.
        parent_beacon_block_root: cancun.then_some(B256::ZERO),
        requests_hash: prague.then_some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;
    use cloister_primitives::{address, b256, bytes};

    #[test]
    fn empty_alloc_has_empty_root() {
        assert_eq!(genesis_state_root(&BTreeMap::new()), EMPTY_ROOT_HASH);
    }

    #[test]
    fn zero_storage_slots_do_not_count() {
        let slot = B256::with_last_byte(1);
        let with_zero = GenesisAccount::default()
            .with_code(Some(bytes!("00")))
            .with_storage(Some(BTreeMap::from([(slot, B256::ZERO)])));
        let without = GenesisAccount::default().with_code(Some(bytes!("00")));
        assert_eq!(trie_account(&with_zero), trie_account(&without));
        assert_eq!(trie_account(&without).storage_root, EMPTY_ROOT_HASH);
        let with_value = GenesisAccount::default()
            .with_storage(Some(BTreeMap::from([(slot, B256::with_last_byte(7))])));
        assert_ne!(trie_account(&with_value).storage_root, EMPTY_ROOT_HASH);
    }

    #[test]
    fn matches_alloy_conversion() {
        // alloy-genesis has its own conversion; ours must agree with it on a mixed alloc.
        let alloc = BTreeMap::from([
            (
                address!("0x0000000000000000000000000000000000000001"),
                GenesisAccount::default()
                    .with_balance(U256::from(5))
                    .with_nonce(Some(3)),
            ),
            (
                address!("0x00000000000000000000000000000000000000aa"),
                GenesisAccount::default()
                    .with_code(Some(bytes!("6000")))
                    .with_storage(Some(BTreeMap::from([(
                        B256::with_last_byte(2),
                        b256!("0x00000000000000000000000000000000000000000000000000000000000000ff"),
                    )]))),
            ),
        ]);
        let alloy_root = state_root_unhashed(
            alloc
                .clone()
                .into_iter()
                .map(|(address, account)| (address, TrieAccount::from(account))),
        );
        assert_eq!(genesis_state_root(&alloc), alloy_root);
    }
}
