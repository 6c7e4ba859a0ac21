//! One blockchain test case through the real import path: genesis from the fixture into a fresh
//! redb store, every block through [`Chain::import_block`], then head hash and full state.

use crate::{
    fixture::{BlockchainCase, FixtureAccount},
    genesis::{GenesisError, blockchain_spec},
};
use alloy_rlp::Decodable;
use cloister_chain::{Chain, ChainError};
use cloister_primitives::{Address, B256, TxEnvelope, U256, consensus::Block};
use cloister_storage::{StorageError, Store, StoreReader};
use std::{collections::BTreeMap, sync::Arc};

/// Why a blockchain case failed.
#[derive(Debug, thiserror::Error)]
pub enum BlockchainFailure {
    /// No chain spec for the case.
    #[error(transparent)]
    Genesis(#[from] GenesisError),
    /// Our genesis hash differs from the fixture's.
    #[error("genesis hash {computed}, fixture says {expected}")]
    GenesisHash {
        /// Ours.
        computed: B256,
        /// The fixture's.
        expected: B256,
    },
    /// A temp store could not be made.
    #[error("temp dir: {0}")]
    TempDir(std::io::Error),
    /// The chain failed outside of block validity.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A block that must be valid was refused.
    #[error("block {index} refused: {reason}")]
    ValidRefused {
        /// Position in the fixture.
        index: usize,
        /// Our reason.
        reason: String,
    },
    /// A block that must be refused was imported.
    #[error("block {index} imported, but the fixture expects {expected}")]
    InvalidAccepted {
        /// Position in the fixture.
        index: usize,
        /// The fixture's exception.
        expected: String,
    },
    /// The head differs.
    #[error("head {head}, fixture says {expected}")]
    LastBlockHash {
        /// Our head.
        head: B256,
        /// Expected.
        expected: B256,
    },
    /// The state differs.
    #[error("post state: {0}")]
    PostState(String),
}

/// Where temp stores go: memory when the machine has /dev/shm (no disk syncs).
fn temp_dir() -> Result<tempfile::TempDir, BlockchainFailure> {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::Builder::new()
            .prefix("cloister-bt")
            .tempdir_in(shm)
    } else {
        tempfile::tempdir()
    };
    dir.map_err(BlockchainFailure::TempDir)
}

/// Runs one case; `Ok` when it passes.
pub fn run_blockchain_case(case: &BlockchainCase) -> Result<(), BlockchainFailure> {
    let (spec, genesis) = blockchain_spec(
        &case.network,
        case.config.as_ref(),
        &case.genesis_block_header,
        &case.pre,
    )?;
    if spec.genesis_hash() != case.genesis_block_header.hash {
        return Err(BlockchainFailure::GenesisHash {
            computed: spec.genesis_hash(),
            expected: case.genesis_block_header.hash,
        });
    }
    let dir = temp_dir()?;
    let store = Store::open(dir.path())?;
    let genesis_json = serde_json::to_string(&genesis).unwrap_or_default();
    Chain::init(&store, &spec, &genesis_json)?;
    let chain = Chain::open(store, Arc::new(spec), None)?;

    for (index, fixture_block) in case.blocks.iter().enumerate() {
        let outcome = decode_block(&fixture_block.rlp).and_then(|block| {
            chain
                .import_block(block, None)
                .map_err(|err| err.to_string())
        });
        match (outcome, &fixture_block.expect_exception) {
            (Ok(_), None) | (Err(_), Some(_)) => {}
            (Err(reason), None) => return Err(BlockchainFailure::ValidRefused { index, reason }),
            (Ok(_), Some(expected)) => {
                return Err(BlockchainFailure::InvalidAccepted {
                    index,
                    expected: expected.clone(),
                });
            }
        }
    }

    let head = chain.head();
    if head.hash != case.lastblockhash {
        return Err(BlockchainFailure::LastBlockHash {
            head: head.hash,
            expected: case.lastblockhash,
        });
    }
    if let Some(expected_root) = case.post_state_hash
        && head.header.state_root != expected_root
    {
        return Err(BlockchainFailure::PostState(format!(
            "state root {}, fixture says {expected_root}",
            head.header.state_root
        )));
    }
    if let Some(post) = &case.post_state {
        compare_state(&head.reader, post)?;
    }
    Ok(())
}

/// The whole RLP must be one block.
fn decode_block(rlp: &[u8]) -> Result<Block<TxEnvelope>, String> {
    let mut input = rlp;
    let block = Block::<TxEnvelope>::decode(&mut input).map_err(|err| format!("rlp: {err}"))?;
    if !input.is_empty() {
        return Err(format!("rlp: {} trailing bytes", input.len()));
    }
    Ok(block)
}

/// Every account of `expected` is stored exactly so, and no other account exists.
fn compare_state(
    reader: &StoreReader,
    expected: &BTreeMap<Address, FixtureAccount>,
) -> Result<(), BlockchainFailure> {
    let differ = |what: String| Err(BlockchainFailure::PostState(what));
    let stored = reader.all_accounts()?;
    if stored.len() != expected.len() {
        let extra: Vec<_> = stored
            .iter()
            .map(|(address, _)| address)
            .filter(|address| !expected.contains_key(*address))
            .collect();
        return differ(format!(
            "{} accounts stored, {} expected (unexpected: {extra:?})",
            stored.len(),
            expected.len()
        ));
    }
    for (address, want) in expected {
        let Some(have) = reader.account(address)? else {
            return differ(format!("{address} missing"));
        };
        if U256::from(have.nonce) != want.nonce || have.balance != want.balance {
            return differ(format!(
                "{address}: nonce/balance {}/{}, expected {}/{}",
                have.nonce, have.balance, want.nonce, want.balance
            ));
        }
        let code = reader.bytecode(&have.code_hash)?.unwrap_or_default();
        if code != want.code {
            return differ(format!("{address}: code differs"));
        }
        let have_slots: BTreeMap<U256, U256> = reader
            .storage_slots(address)?
            .into_iter()
            .map(|(slot, value)| (U256::from_be_bytes(slot.0), value))
            .collect();
        let want_slots: BTreeMap<U256, U256> = want
            .storage
            .iter()
            .filter(|(_, value)| !value.is_zero())
            .map(|(slot, value)| (*slot, *value))
            .collect();
        if have_slots != want_slots {
            return differ(format!(
                "{address}: storage {have_slots:?}, expected {want_slots:?}"
            ));
        }
    }
    Ok(())
}
