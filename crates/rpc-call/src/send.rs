//! eth_sendTransaction: fills in what a wallet would and signs with a dev key.

use alloy_rpc_types_eth::{BlockId, BlockNumberOrTag, TransactionRequest};
use cloister_primitives::B256;
use cloister_rpc::{RpcContext, RpcError, RpcResult};

/// Fills in what a wallet would (nonce, gas, fees, chain id), signs with the `from` key, submits.
pub(crate) fn sign_and_send(ctx: &RpcContext, mut request: TransactionRequest) -> RpcResult<B256> {
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
        request.gas = Some(crate::estimate::estimate_gas(
            ctx,
            request.clone(),
            None,
            None,
            None,
        )?);
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
    cloister_rpc::submit(ctx, envelope)
}
