//! The policy check precompile (Cloister chains only): the governance contract asks it whether a
//! policy document parses before storing it, so a document the node would refuse is refused
//! on-chain with the node's own reason. Input: the JSON document. Success: empty output.
//! Refusal: a revert whose data is the ABI `Error(string)` "policy: <reason>", which Solidity
//! shows as an ordinary revert reason. Gas: [`BASE_GAS`] + [`GAS_PER_BYTE`] per input byte,
//! charged on refusal too.

use alloy_evm::precompiles::{DynPrecompile, PrecompileInput};
use alloy_sol_types::{Revert, SolError};
use cloister_policy::{Policy, PolicyDocument};
use cloister_primitives::{Address, Bytes, address};
use revm::precompile::{PrecompileHalt, PrecompileId, PrecompileOutput, PrecompileResult};

/// Where Cloister chains have the policy check.
pub const POLICY_CHECK_ADDRESS: Address = address!("0x000000000000000000000000000000000000C0C1");

/// Gas of every call, whatever the input.
pub const BASE_GAS: u64 = 3_000;
/// Gas per byte of the policy document.
pub const GAS_PER_BYTE: u64 = 16;

/// Whether `json` is a policy document this node enforces, as `Err("policy: <reason>")` if not.
pub fn check_policy_json(json: &[u8]) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_slice(json).map_err(|err| format!("policy: not JSON: {err}"))?;
    let document = PolicyDocument::from_json(&value).map_err(|err| format!("policy: {err}"))?;
    Policy::new(document).map_err(|err| format!("policy: {err}"))?;
    Ok(())
}

/// The precompile, for alloy-evm's precompile map.
pub fn policy_check_precompile() -> DynPrecompile {
    DynPrecompile::new(PrecompileId::Custom("cloister-policy-check".into()), run)
}

fn run(input: PrecompileInput<'_>) -> PrecompileResult {
    let gas = (input.data.len() as u64)
        .saturating_mul(GAS_PER_BYTE)
        .saturating_add(BASE_GAS);
    if gas > input.gas {
        return Ok(PrecompileOutput::halt(
            PrecompileHalt::OutOfGas,
            input.reservoir,
        ));
    }
    Ok(match check_policy_json(input.data) {
        Ok(()) => PrecompileOutput::new(gas, Bytes::new(), input.reservoir),
        Err(reason) => PrecompileOutput::revert(
            gas,
            Revert::from(reason).abi_encode().into(),
            input.reservoir,
        ),
    })
}
