//! Transaction submission: raw signed bytes, or a request the node signs with a dev key.
//!
//! Anyone may submit anyone's signed transaction (a recipient holds the sender's old ones), so
//! a refusal that quotes the sender's account (geth's "nonce too low: next nonce 5, ...", the
//! balance of "insufficient funds ...", the pooled count of "account limit exceeded: ...")
//! quotes it only to a caller the policy shows that account to, as `eth_getTransactionCount`
//! and `eth_getBalance` would. Anyone else gets geth's text up to the colon, which clients map
//! to the same error.

use crate::{RpcContext, RpcError, RpcResult, access::Viewer};
use alloy_consensus::{SignableTransaction, TypedTransaction};
use alloy_network::TxSignerSync;
use cloister_primitives::{Address, B256, Decodable2718, RecoveredTx, TxEnvelope, recover_signer};
use cloister_txpool::PoolError;

/// Decodes, recovers and admits a signed transaction submitted by `viewer`'s caller.
pub(super) fn raw(viewer: &Viewer<'_>, ctx: &RpcContext, bytes: &[u8]) -> RpcResult<B256> {
    let mut slice = bytes;
    let tx =
        TxEnvelope::decode_2718(&mut slice).map_err(|e| RpcError::Rejected(format!("rlp: {e}")))?;
    if !slice.is_empty() {
        return Err(RpcError::Rejected(
            "rlp: input contains more than one value".into(),
        ));
    }
    admit(ctx, tx, |sender| viewer.account(sender))
}

/// Recovers the sender and admits a transaction into the pool (geth's messages on refusal).
/// For a sender the caller acts as (the node signed it for the caller): the full messages.
pub fn submit(ctx: &RpcContext, tx: TxEnvelope) -> RpcResult<B256> {
    admit(ctx, tx, |_| true)
}

/// Admits `tx`; a refusal quotes the sender's account only if `shows_account(sender)`.
fn admit(
    ctx: &RpcContext,
    tx: TxEnvelope,
    shows_account: impl FnOnce(&Address) -> bool,
) -> RpcResult<B256> {
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
        Some(Err(err)) => Err(RpcError::Rejected(refusal(&err, &signer, shows_account))),
        None => Err(RpcError::internal("pool returned no result")),
    }
}

/// geth's message for `err`, cut to its prefix when it quotes the account of `sender` and the
/// caller may not see that account.
fn refusal(
    err: &PoolError,
    sender: &Address,
    shows_account: impl FnOnce(&Address) -> bool,
) -> String {
    match err.without_account_state() {
        Some(prefix) if !shows_account(sender) => prefix.to_owned(),
        _ => err.to_string(),
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

#[cfg(test)]
mod tests {
    use super::refusal;
    use cloister_primitives::Address;
    use cloister_txpool::PoolError;

    #[test]
    fn refusals_quote_the_account_only_to_who_may_see_it() {
        let err = PoolError::NonceTooLow { next: 5, tx: 3 };
        let sender = Address::repeat_byte(5);
        assert_eq!(
            refusal(&err, &sender, |_| true),
            "nonce too low: next nonce 5, tx nonce 3"
        );
        assert_eq!(refusal(&err, &sender, |_| false), "nonce too low");
        // Messages that quote nothing of the account are whole for everyone, and the policy
        // is not asked (an auditor's read would be audited for nothing).
        assert_eq!(
            refusal(&PoolError::AlreadyKnown, &sender, |_| panic!("asked")),
            "already known"
        );
    }
}
