//! Runners for the official Ethereum blockchain tests and state tests
//! (`../shared/conformance/ethereum-tests`) over Cloister's own import path and executor.
