//! Runners for the official Ethereum blockchain tests and state tests
//! (`../shared/conformance/ethereum-tests`) over Cloister's own import path and executor.
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
    BLOCKCHAIN_DIRS, Counts, STATE_DIRS, SuiteError, SuiteReport, run_blockchain_suite,
    run_state_suite,
};

/// The `ethereum-tests` fixture root in this repository's layout (`../shared/conformance`
/// beside the repository).
pub fn default_fixture_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/ethereum-tests")
}
