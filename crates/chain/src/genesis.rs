//! Writing the genesis block: the alloc goes through the same state-root code as every block,
//! and the result must equal the root the chain spec computes independently from the alloc.

use crate::{AccountChange, ChainError, StateChanges};
use alloy_trie::KECCAK_EMPTY;
use cloister_chainspec::ChainSpec;
use cloister_primitives::{B256, U256, keccak256};
use cloister_storage::{BlockRecord, Store};

/// Initialises an empty store with the spec's genesis, or checks that a store already holds it.
/// Returns the genesis hash.
pub(crate) fn init_genesis(
    store: &Store,
    spec: &ChainSpec,
    genesis_json: &str,
) -> Result<B256, ChainError> {
    let expected = spec.genesis_hash();
    let reader = store.reader()?;
    if let Some(stored) = reader.genesis_hash()? {
        if stored != expected {
            return Err(ChainError::GenesisMismatch { stored, expected });
        }
        // The genesis hash does not cover the config (chain id, forks, `cloister` section).
        let same_config = match reader.genesis_json()? {
            Some(stored_json) => same_json(&stored_json, genesis_json),
            None => false,
        };
        if !same_config {
            return Err(ChainError::GenesisConfigMismatch);
        }
        return Ok(stored);
    }

    let mut bytecodes = Vec::new();
    let changes = spec
        .genesis()
        .alloc
        .iter()
        .map(|(address, account)| {
            let code_hash = match &account.code {
                Some(code) if !code.is_empty() => {
                    let hash = keccak256(code);
                    bytecodes.push((hash, code.clone()));
                    hash
                }
                _ => KECCAK_EMPTY,
            };
            let storage = account
                .storage
                .iter()
                .flatten()
                .map(|(slot, value)| (*slot, U256::from_be_bytes(value.0)))
                .filter(|(_, value)| !value.is_zero())
                .collect();
            AccountChange {
                address: *address,
                info: Some((
                    account.nonce.unwrap_or_default(),
                    account.balance,
                    code_hash,
                )),
                wiped: false,
                storage,
            }
        })
        .collect();
    let state = StateChanges::compute(&reader, changes, bytecodes)?;
    let header = spec.genesis_header();
    if state.state_root != header.state_root {
        return Err(ChainError::GenesisRoot {
            computed: state.state_root,
            expected: header.state_root,
        });
    }
    let withdrawals = header.withdrawals_root.map(|_| Vec::new());
    let mut writer = store.writer()?;
    state.write(&mut writer, 0)?;
    writer.set_genesis(expected, genesis_json)?;
    writer.put_block(&BlockRecord {
        header,
        hash: expected,
        transactions: Vec::new(),
        receipts: Vec::new(),
        ommers: Vec::new(),
        withdrawals,
        seal: None,
    })?;
    writer.commit()?;
    Ok(expected)
}

/// Whether two genesis documents say the same thing, whatever their formatting.
fn same_json(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
