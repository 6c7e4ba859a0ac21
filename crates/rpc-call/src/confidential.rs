//! The confidentiality rules for executing requests (DESIGN.md §4): a call runs from the
//! caller's own address, so contracts can guard view functions with `msg.sender`; and state or
//! block overrides, which could swap a contract's code for a getter of its storage, are kept
//! for callers who may read every account's storage anyway (auditors, or a permissive policy).

use alloy_rpc_types_eth::{
    BlockOverrides, TransactionRequest, simulate::SimulatePayload, state::StateOverride,
};
use cloister_policy::Role;
use cloister_rpc::{RpcError, RpcResult, access::Viewer};

/// The refusal of overrides; it names no account, slot or value of the request.
pub const OVERRIDES_REFUSED: &str = "state and block overrides are not available to this caller";

/// Sets the request's `from` to the one the policy lets it run with (the caller's own).
pub(crate) fn bind_from(viewer: &Viewer<'_>, request: &mut TransactionRequest) -> RpcResult<()> {
    request.from = viewer.call_from(request.from)?;
    Ok(())
}

/// Refuses non-empty overrides to callers who may not read all storage. Empty ones (`{}`)
/// change nothing, so they pass for everyone.
pub(crate) fn check_overrides(
    viewer: &Viewer<'_>,
    state: Option<&StateOverride>,
    block: Option<&BlockOverrides>,
) -> RpcResult<()> {
    let overrides_something =
        state.is_some_and(|s| !s.is_empty()) || block.is_some_and(|b| !b.is_empty());
    if overrides_something && !may_override(viewer) {
        return Err(RpcError::InvalidParams(OVERRIDES_REFUSED.into()));
    }
    Ok(())
}

/// Applies both rules to every block and every call of a simulation.
pub(crate) fn guard_simulation(
    viewer: &Viewer<'_>,
    payload: &mut SimulatePayload,
) -> RpcResult<()> {
    for block in &mut payload.block_state_calls {
        check_overrides(
            viewer,
            block.state_overrides.as_ref(),
            block.block_overrides.as_ref(),
        )?;
        for call in &mut block.calls {
            bind_from(viewer, call)?;
        }
    }
    Ok(())
}

/// Whether the caller may override state: everything is visible to it already.
fn may_override(viewer: &Viewer<'_>) -> bool {
    viewer.sees_everything() || viewer.caller().has(Role::Auditor)
}
