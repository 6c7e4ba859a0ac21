//! eth_sendTransaction: fills in what a wallet would and signs with a dev key. A missing gas
//! limit is estimated: at once for a plain transfer (one run of 21000 gas), otherwise as
//! eth_estimateGas is, in the queue for an EVM turn and within its time bound.

use crate::limits::{CallError, Deadline, run_bounded};
use alloy_rpc_types_eth::{BlockId, BlockNumberOrTag, TransactionRequest};
use cloister_primitives::B256;
use cloister_rpc::{RpcContext, RpcError};
use std::sync::Arc;

/// Fills in what a wallet would (nonce, gas, fees, chain id), signs with the `from` key, submits.
pub(crate) async fn sign_and_send(
    ctx: &Arc<RpcContext>,
    mut request: TransactionRequest,
) -> Result<B256, CallError> {
    let from = request
        .from
        .ok_or_else(|| RpcError::InvalidParams("missing from".into()))?;
    let signer = ctx.signer(&from).ok_or(RpcError::UnknownAccount)?.clone();
    if request.nonce.is_none() {
        let pending = Some(BlockId::Number(BlockNumberOrTag::Pending));
        let nonce = cloister_rpc::transaction_count(ctx, from, pending)?;
        request.nonce = Some(nonce.saturating_to());
    }
    if request.chain_id.is_none() {
        request.chain_id = Some(ctx.chain.spec().chain_id());
    }
    if request.gas.is_none() {
        let gas = match crate::estimate::transfer_gas(ctx, &request)? {
            Some(gas) => gas,
            None => {
                let estimated = request.clone();
                run_bounded(ctx, move |ctx, deadline: &Deadline| {
                    crate::estimate::estimate_gas(
                        ctx,
                        estimated,
                        None,
                        None,
                        None,
                        deadline.clone(),
                    )
                })
                .await?
            }
        };
        request.gas = Some(gas);
    }
    if request.gas_price.is_none() && request.max_fee_per_gas.is_none() {
        let (base_fee, _) = cloister_rpc::next_block_fields(&ctx.chain.head().header);
        let tip = request
            .max_priority_fee_per_gas
            .unwrap_or(u128::from(cloister_rpc::SUGGESTED_TIP));
        request.max_priority_fee_per_gas = Some(tip);
        request.max_fee_per_gas = Some(u128::from(base_fee) * 2 + tip);
    }
    // No `to` is a contract creation, as every wallet means it.
    if request.to.is_none() {
        request.to = Some(cloister_primitives::primitives::TxKind::Create);
    }
    let typed = request
        .build_typed_tx()
        .map_err(|_| RpcError::InvalidParams("incomplete transaction request".into()))?;
    let envelope = cloister_rpc::sign(&signer, typed)?;
    Ok(cloister_rpc::submit(ctx, envelope)?)
}
