//! Consortium governance for Cloister (DESIGN.md §3 "Governance").
//!
//! Members govern through one system contract, predeployed in genesis at
//! [`GOVERNANCE_ADDRESS`], with ordinary signed transactions. Its views and events are the one
//! source of truth for members, validators, admitted nodes, allowed enclave measurements,
//! roles, the policy document and the voting thresholds; the node reads them from the
//! contract's state after each block and uses them from the next block on.

pub mod abi;
pub mod page;

use cloister_primitives::{Address, address};

/// Where every Cloister genesis that lists members predeploys the governance contract.
pub const GOVERNANCE_ADDRESS: Address = address!("0x000000000000000000000000000000000000C0C0");
