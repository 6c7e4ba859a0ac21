//! Consortium governance for Cloister (DESIGN.md §3 "Governance").
//!
//! Members govern through one system contract, predeployed in genesis at
//! [`GOVERNANCE_ADDRESS`], with ordinary signed transactions. Its views and events are the one
//! source of truth for members, validators, admitted nodes, allowed enclave measurements,
//! roles, the policy document and the voting thresholds; the node reads them from the
//! contract's state after each block and uses them from the next block on.
//!
//! - [`abi`]: the contract's interface (stable; scripts outside the repository use it).
//! - [`artifact`]: the compiled contract (`contracts/governance`, solc-js, reproducible).
//! - [`genesis_account`]: the contract's genesis account for an [`InitialGovernance`].
//! - [`read_state`]: the configuration ([`GovernanceState`]) at a given state.

pub mod abi;
pub mod artifact;
mod error;
mod genesis;
pub mod page;
mod run;
mod state;

pub use artifact::{init_code, runtime_code};
pub use error::GovernanceError;
pub use genesis::{
    DEFAULT_ADD_BPS, DEFAULT_REMOVE_BPS, DEFAULT_VOTING_PERIOD, GenesisContract, InitialGovernance,
    genesis_account, measurement,
};
pub use run::revert_reason;
pub use state::{GovernanceState, read_config_version, read_state};

mod consortium;
mod genesis_file;

pub use consortium::{Consortium, allowed_measurement};
pub use genesis_file::{initial_from, with_governance};

/// Where every Cloister genesis that lists members predeploys the governance contract.
pub use cloister_chainspec::GOVERNANCE_ADDRESS;
