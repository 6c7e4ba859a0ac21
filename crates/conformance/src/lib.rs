//! Runners for the official Ethereum blockchain tests and state tests over Cloister's own import
//! path and executor: two fixture sets under the fixture root (`../shared` or
//! `$CLOISTER_FIXTURES`, see `cloister-fixtures`): `conformance/ethereum-tests` and
//! `conformance/ethereum-tests-collision` (EIP-7610 creations onto addresses with storage).
//!
//! Blockchain tests: genesis from `genesisBlockHeader` and `pre` (network name to chain spec,
//! transitions included), every block through `Chain::import_block` on a temporary redb store,
//! refused blocks must be the `expectException` ones, then `lastblockhash` and `postState`.
//! State tests: each (fork, variant) through `cloister_evm::transact`, post-state root and logs
//! hash compared. `skip.txt` lists what is not run on purpose, each with its reason.

mod blockchain;
mod fixture;
mod genesis;
mod network;
mod skip;
mod state;
mod suite;

pub use blockchain::{BlockchainFailure, run_blockchain_case};
pub use fixture::{BlockchainCase, StateCase, StatePost};
pub use genesis::GenesisError;
pub use network::{NetworkError, chain_config};
pub use skip::{SkipEntry, SkipList, SkipListError, SkipMatch};
pub use state::{StateFailure, run_state_entry};
pub use suite::{
    BLOCKCHAIN_DIRS, COLLISION_TESTS, Counts, ETHEREUM_TESTS, FixtureSet, STATE_DIRS, SuiteError,
    SuiteReport, run_blockchain_suite, run_state_suite,
};

/// Where the `ethereum-tests` set is (`$CLOISTER_FIXTURES` or `../shared` beside the repository).
pub fn default_fixture_root() -> std::path::PathBuf {
    ETHEREUM_TESTS.root()
}
