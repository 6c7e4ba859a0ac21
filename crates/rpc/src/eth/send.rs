//! Transaction submission: raw signed bytes, or a request the node signs with a dev key.

use crate::{RpcContext, RpcError, RpcResult};
use alloy_consensus::{SignableTransaction, TypedTransaction};
use alloy_network::TxSignerSync;
use alloy_rpc_types_eth::{BlockId, BlockNumberOrTag, TransactionRequest};
use cloister_primitives::{B256, Decodable2718, RecoveredTx, TxEnvelope, recover_signer};

/// Decodes, recovers and admits a signed transaction.
pub(super) fn raw(ctx: &RpcContext, bytes: &[u8]) -> RpcResult<B256> {
    let mut slice = bytes;
    let tx =
        TxEnvelope::decode_2718(&mut slice).map_err(|e| RpcError::Rejected(format!("rlp: {e}")))?;
    if !slice.is_empty() {
        return Err(RpcError::Rejected(
            "rlp: input contains more than one value".into(),
        ));
    }
    submit(ctx, tx)
}

fn submit(ctx: &RpcContext, tx: TxEnvelope) -> RpcResult<B256> {
    let signer = recover_signer(&tx).map_err(|e| RpcError::Rejected(e.to_string()))?;
    let head = ctx.chain.head();
    let admission = ctx.admission(&head);
    let accounts = ctx.accounts(&head);
    let mut results = ctx.pool.add_transactions(
        vec![RecoveredTx::new_unchecked(tx, signer)],
        &accounts,
        &admission,
    );
    match results.pop() {
        Some(Ok(hash)) => Ok(hash),
        Some(Err(err)) => Err(RpcError::Rejected(err.to_string())),
        None => Err(RpcError::internal("pool returned no result")),
    }
}

/// Fills in what a wallet would (nonce, gas, fees, chain id), signs with the `from` key, submits.
pub(super) fn sign_and_send(ctx: &RpcContext, mut request: TransactionRequest) -> RpcResult<B256> {
    let from = request
        .from
        .ok_or_else(|| RpcError::InvalidParams("missing from".into()))?;
    let signer = ctx.signer(&from).ok_or(RpcError::UnknownAccount)?.clone();
    if request.nonce.is_none() {
        let pending = Some(BlockId::Number(BlockNumberOrTag::Pending));
        let nonce = super::state::transaction_count(ctx, from, pending)?;
        request.nonce = Some(nonce.saturating_to());
    }
    if request.chain_id.is_none() {
        request.chain_id = Some(ctx.chain.spec().chain_id());
    }
    if request.gas.is_none() {
        request.gas = Some(super::call::estimate_gas(ctx, request.clone(), None)?);
    }
    if request.gas_price.is_none() && request.max_fee_per_gas.is_none() {
        let (base_fee, _) = crate::context::next_block_fields(&ctx.chain.head().header);
        let tip = request
            .max_priority_fee_per_gas
            .unwrap_or(u128::from(super::SUGGESTED_TIP));
        request.max_priority_fee_per_gas = Some(tip);
        request.max_fee_per_gas = Some(u128::from(base_fee) * 2 + tip);
    }
    let typed = request
        .build_typed_tx()
        .map_err(|_| RpcError::InvalidParams("incomplete transaction request".into()))?;
    let envelope = sign(&signer, typed)?;
    submit(ctx, envelope)
}

fn sign(
    signer: &alloy_signer_local::PrivateKeySigner,
    typed: TypedTransaction,
) -> RpcResult<TxEnvelope> {
    fn signed<T: SignableTransaction<alloy_primitives_sig::Signature>>(
        signer: &alloy_signer_local::PrivateKeySigner,
        mut tx: T,
    ) -> RpcResult<alloy_consensus::Signed<T>> {
        let sig = signer
            .sign_transaction_sync(&mut tx)
            .map_err(RpcError::internal)?;
        Ok(tx.into_signed(sig))
    }
    Ok(match typed {
        TypedTransaction::Legacy(tx) => signed(signer, tx)?.into(),
        TypedTransaction::Eip2930(tx) => signed(signer, tx)?.into(),
        TypedTransaction::Eip1559(tx) => signed(signer, tx)?.into(),
        TypedTransaction::Eip7702(tx) => signed(signer, tx)?.into(),
        TypedTransaction::Eip4844(_) => {
            return Err(RpcError::Rejected("transaction type not supported".into()));
        }
    })
}

use cloister_primitives::primitives as alloy_primitives_sig;
