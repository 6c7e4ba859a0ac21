//! eth_simulateV1: a chain of simulated blocks on top of a block, each with block and state
//! overrides and a list of calls, answered as geth answers: full block objects (hashes and
//! roots as geth computes them), per-call results with logs (and ERC-7528 transfer logs on
//! request), per-call errors for reverts and EVM failures, and geth's error codes when the
//! simulation as a whole is refused.

mod block;
mod chain;
mod error;
mod header;
mod state_root;
mod transfers;

pub use error::SimulateError;

use crate::limits::Deadline;
use alloy_rpc_types_eth::{
    Block, BlockId,
    simulate::{SimulatePayload, SimulatedBlock},
};
use cloister_evm::State;
use cloister_rpc::{RpcContext, RpcError};

/// Most calls in one simulated block.
const MAX_CALLS_PER_BLOCK: usize = 5_000;
/// Most calls in one simulation.
const MAX_CALLS: usize = 10_000;

/// eth_simulateV1; the whole simulation ends by `deadline`.
pub fn simulate(
    ctx: &RpcContext,
    payload: SimulatePayload,
    block: Option<BlockId>,
    deadline: &Deadline,
) -> Result<Vec<SimulatedBlock<Block>>, SimulateError> {
    let blocks = payload.block_state_calls;
    if blocks.is_empty() {
        return Err(SimulateError::EmptyInput);
    }
    if blocks.len() as u64 > chain::MAX_BLOCKS {
        return Err(SimulateError::TooMany("too many blocks".into()));
    }
    let mut total = 0usize;
    for block in &blocks {
        if block.calls.len() > MAX_CALLS_PER_BLOCK {
            return Err(SimulateError::TooMany(format!(
                "too many calls in block: {} > {MAX_CALLS_PER_BLOCK}",
                block.calls.len()
            )));
        }
        total += block.calls.len();
        if total > MAX_CALLS {
            return Err(SimulateError::TooMany(format!(
                "too many calls: {total} > {MAX_CALLS}"
            )));
        }
    }
    let base = ctx.state_at(block)?;
    let spec = ctx.chain.spec();
    let planned = chain::plan(&base.header, blocks)?;
    let templates = header::templates(spec, &base.header, &planned);

    let mut state = State::builder()
        .with_database_ref(base.db.clone())
        .with_bundle_update()
        .build();
    // Blocks after the base are not part of a simulation started before the head: BLOCKHASH
    // must not see them (geth resolves numbers past the base among simulated blocks only).
    let head_number = base
        .reader
        .head_number()
        .map_err(RpcError::from)?
        .unwrap_or(base.header.number);
    for number in base.header.number + 1..=head_number {
        state.block_hashes.insert(number, Default::default());
    }
    let mut simulation = block::Simulation {
        spec,
        state,
        reader: &base.reader,
        base_state: state_root::BaseState::load(&base.reader, base.header.number)
            .map_err(|err| SimulateError::Internal(err.to_string()))?,
        validate: payload.validation,
        trace_transfers: payload.trace_transfers,
        full_transactions: payload.return_full_transactions,
        budget: if ctx.gas_cap == 0 {
            u64::MAX
        } else {
            ctx.gas_cap
        },
        deadline,
    };
    let mut parent = base.header.clone();
    let mut parent_hash = base.hash;
    let mut out = Vec::with_capacity(planned.len());
    for (planned, template) in planned.into_iter().zip(templates) {
        let outcome = simulation.run_block(planned, template, &parent, parent_hash)?;
        parent = outcome.header;
        parent_hash = outcome.hash;
        out.push(outcome.rpc);
    }
    Ok(out)
}
