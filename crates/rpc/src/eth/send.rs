//! Transaction submission: raw signed bytes, or a request the node signs with a dev key.

use crate::{RpcContext, RpcError, RpcResult};
use alloy_consensus::{SignableTransaction, TypedTransaction};
use alloy_network::TxSignerSync;
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

/// Recovers the sender and admits a transaction into the pool (geth's messages on refusal).
pub fn submit(ctx: &RpcContext, tx: TxEnvelope) -> RpcResult<B256> {
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

/// Signs a typed transaction with a node-held key.
pub fn sign(
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
