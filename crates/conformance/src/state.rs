//! One state test entry (fork, transaction variant): the transaction runs through
//! [`cloister_evm::transact`] on an in-memory copy of `pre`, then the post-state root and the
//! logs hash are compared with the fixture.

use crate::{
    fixture::{StateCase, StatePost},
    genesis::{GenesisError, alloc, state_spec},
};
use cloister_chainspec::{ChainSpec, EthereumHardforks, GenesisAccount, genesis_state_root};
use cloister_evm::{BundleState, ExecutionError, transact};
use cloister_primitives::{
    Address, B256, Header, RecoveredTx, TxEnvelope, U256, eips::Decodable2718, keccak256,
    recover_signer,
};
use revm::{
    bytecode::Bytecode,
    database::{CacheDB, EmptyDB},
    state::AccountInfo,
};
use std::collections::BTreeMap;

/// Why a state test entry failed.
#[derive(Debug, thiserror::Error)]
pub enum StateFailure {
    /// No chain spec for the fork.
    #[error(transparent)]
    Genesis(#[from] GenesisError),
    /// A valid transaction was refused.
    #[error("transaction refused: {0}")]
    ValidRefused(String),
    /// An invalid transaction was executed.
    #[error("transaction executed, but the fixture expects {0}")]
    InvalidAccepted(String),
    /// Execution could not read state.
    #[error(transparent)]
    Execution(#[from] ExecutionError),
    /// Post-state root differs.
    #[error("state root {computed}, fixture says {expected}")]
    StateRoot {
        /// Ours.
        computed: B256,
        /// Expected.
        expected: B256,
    },
    /// Logs hash differs.
    #[error("logs hash {computed}, fixture says {expected}")]
    Logs {
        /// Ours.
        computed: B256,
        /// Expected.
        expected: B256,
    },
}

/// Runs entry `post` of `case` under `fork`; `Ok` when it passes.
pub fn run_state_entry(case: &StateCase, fork: &str, post: &StatePost) -> Result<(), StateFailure> {
    let spec = state_spec(fork, case.config.as_ref())?;
    let header = block_header(&spec, case);
    let tx = match decode_tx(&post.txbytes) {
        Ok(tx) => tx,
        Err(reason) => {
            return match post.expect_exception {
                Some(_) => Ok(()),
                None => Err(StateFailure::ValidRefused(reason)),
            };
        }
    };
    let pre = alloc(&case.pre);
    let outcome = transact(&spec, database(&pre), &header, &tx);
    let outcome = match (outcome, &post.expect_exception) {
        (Ok(outcome), None) => outcome,
        (Err(ExecutionError::State(reason)), _) => {
            return Err(ExecutionError::State(reason).into());
        }
        (Err(_), Some(_)) => return Ok(()),
        (Err(err), None) => return Err(StateFailure::ValidRefused(err.to_string())),
        (Ok(_), Some(expected)) => return Err(StateFailure::InvalidAccepted(expected.clone())),
    };
    let logs = outcome.result.logs();
    let mut encoded = Vec::new();
    alloy_rlp::encode_list(logs, &mut encoded);
    let logs_hash = keccak256(encoded);
    if logs_hash != post.logs {
        return Err(StateFailure::Logs {
            computed: logs_hash,
            expected: post.logs,
        });
    }
    let root = genesis_state_root(&apply(pre, &outcome.bundle));
    if root != post.hash {
        return Err(StateFailure::StateRoot {
            computed: root,
            expected: post.hash,
        });
    }
    Ok(())
}

/// The block the transaction runs in, with each fork's fields only when the fork has them.
fn block_header(spec: &ChainSpec, case: &StateCase) -> Header {
    let env = &case.env;
    let number = env.current_number.saturating_to();
    let timestamp = env.current_timestamp.saturating_to();
    Header {
        beneficiary: env.current_coinbase,
        gas_limit: env.current_gas_limit.saturating_to(),
        number,
        timestamp,
        difficulty: env.current_difficulty.unwrap_or_default(),
        mix_hash: env.current_random.unwrap_or_default(),
        base_fee_per_gas: spec
            .is_london_active_at_block(number)
            .then(|| env.current_base_fee.unwrap_or_default().saturating_to()),
        excess_blob_gas: spec.is_cancun_active_at_timestamp(timestamp).then(|| {
            env.current_excess_blob_gas
                .unwrap_or_default()
                .saturating_to()
        }),
        ..Default::default()
    }
}

fn decode_tx(bytes: &[u8]) -> Result<RecoveredTx, String> {
    let mut input = bytes;
    let tx = TxEnvelope::decode_2718(&mut input).map_err(|err| err.to_string())?;
    if !input.is_empty() {
        return Err("trailing bytes after transaction".into());
    }
    let signer = recover_signer(&tx).map_err(|err| err.to_string())?;
    Ok(RecoveredTx::new_unchecked(tx, signer))
}

fn database(pre: &BTreeMap<Address, GenesisAccount>) -> CacheDB<EmptyDB> {
    let mut db = CacheDB::new(EmptyDB::default());
    for (address, account) in pre {
        let code = account.code.clone().unwrap_or_default();
        let bytecode = Bytecode::new_raw(code);
        db.insert_account_info(
            *address,
            AccountInfo {
                balance: account.balance,
                nonce: account.nonce.unwrap_or_default(),
                code_hash: bytecode.hash_slow(),
                code: Some(bytecode),
                ..Default::default()
            },
        );
        for (slot, value) in account.storage.iter().flatten() {
            // A fresh in-memory DB cannot fail.
            let _ = db.insert_account_storage(
                *address,
                U256::from_be_bytes(slot.0),
                U256::from_be_bytes(value.0),
            );
        }
    }
    db
}

/// `pre` with the transaction's changes applied.
fn apply(
    mut accounts: BTreeMap<Address, GenesisAccount>,
    bundle: &BundleState,
) -> BTreeMap<Address, GenesisAccount> {
    for (address, change) in &bundle.state {
        let Some(info) = &change.info else {
            accounts.remove(address);
            continue;
        };
        let account = accounts.entry(*address).or_default();
        if change.was_destroyed() {
            account.storage = None;
        }
        account.nonce = Some(info.nonce);
        account.balance = info.balance;
        let code = info
            .code
            .as_ref()
            .or_else(|| bundle.contracts.get(&info.code_hash))
            .map(|code| code.original_bytes());
        if let Some(code) = code {
            account.code = (!code.is_empty()).then_some(code);
        }
        let storage = account.storage.get_or_insert_with(BTreeMap::new);
        for (slot, value) in &change.storage {
            let key = B256::from(*slot);
            if value.present_value.is_zero() {
                storage.remove(&key);
            } else {
                storage.insert(key, B256::from(value.present_value));
            }
        }
    }
    accounts
}
