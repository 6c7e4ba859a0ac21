//! Signing with the node's own keys (dev mode only, served when `RpcContext::signers` is not
//! empty): `eth_sign`, `personal_sign`, `eth_signTypedData_v4`, `eth_signTransaction`. Under a
//! confidential policy a caller signs only as itself; any other key answers "unknown account",
//! as a key the node does not hold would.

use crate::{RpcContext, RpcError, RpcResult, SUGGESTED_TIP, next_block_fields, sign};
use alloy_dyn_abi::TypedData;
use alloy_rpc_types_eth::{BlockId, BlockNumberOrTag, Transaction, TransactionRequest};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_primitives::{Address, Bytes, Encodable2718};
use jsonrpsee::{Extensions, core::RpcResult as JsonResult, proc_macros::rpc};
use serde::Serialize;
use std::sync::Arc;

/// `eth_` signing methods.
#[rpc(server, namespace = "eth")]
pub trait DevSignApi {
    /// EIP-191 signature of `data` by `address` (65 bytes, v = 27 or 28).
    #[method(name = "sign", with_extensions)]
    fn sign(&self, address: Address, data: Bytes) -> JsonResult<Bytes>;
    /// EIP-712 signature of typed data by `address`.
    #[method(name = "signTypedData_v4", with_extensions)]
    fn sign_typed_data_v4(&self, address: Address, data: TypedData) -> JsonResult<Bytes>;
    /// Fills and signs a transaction without sending it.
    #[method(name = "signTransaction", with_extensions)]
    fn sign_transaction(&self, request: TransactionRequest) -> JsonResult<SignedTransaction>;
}

/// `personal_` signing methods.
#[rpc(server, namespace = "personal")]
pub trait PersonalApi {
    /// EIP-191 signature of `data` by `address` (geth's argument order; the password is
    /// ignored: dev keys are unlocked).
    #[method(name = "sign", with_extensions)]
    fn sign(&self, data: Bytes, address: Address, password: Option<String>) -> JsonResult<Bytes>;
}

/// What `eth_signTransaction` returns (geth's shape).
#[derive(Debug, Clone, Serialize)]
pub struct SignedTransaction {
    /// The signed transaction, EIP-2718 encoded.
    pub raw: Bytes,
    /// The same, as a transaction object.
    pub tx: Transaction,
}

/// The dev-signing server.
#[derive(Debug, Clone)]
pub struct DevSignRpc {
    ctx: Arc<RpcContext>,
}

impl DevSignRpc {
    /// Signs with the keys of `ctx`.
    pub fn new(ctx: Arc<RpcContext>) -> Self {
        Self { ctx }
    }

    /// The key of `address`, if the node holds it and the caller may act as it.
    fn signer(&self, ext: &Extensions, address: &Address) -> RpcResult<&PrivateKeySigner> {
        if !self.ctx.viewer(ext).acts_as(address) {
            return Err(RpcError::UnknownAccount);
        }
        self.ctx.signer(address).ok_or(RpcError::UnknownAccount)
    }

    fn sign_message(&self, ext: &Extensions, address: &Address, data: &[u8]) -> RpcResult<Bytes> {
        let signature = self
            .signer(ext, address)?
            .sign_message_sync(data)
            .map_err(RpcError::internal)?;
        Ok(Bytes::from(signature.as_bytes().to_vec()))
    }

    fn sign_typed(
        &self,
        ext: &Extensions,
        address: &Address,
        data: &TypedData,
    ) -> RpcResult<Bytes> {
        let hash = data
            .eip712_signing_hash()
            .map_err(|e| RpcError::InvalidParams(e.to_string()))?;
        let signature = self
            .signer(ext, address)?
            .sign_hash_sync(&hash)
            .map_err(RpcError::internal)?;
        Ok(Bytes::from(signature.as_bytes().to_vec()))
    }

    fn sign_request(
        &self,
        ext: &Extensions,
        mut request: TransactionRequest,
    ) -> RpcResult<SignedTransaction> {
        let from = request
            .from
            .ok_or_else(|| RpcError::InvalidParams("from not specified".into()))?;
        let signer = self.signer(ext, &from)?.clone();
        // geth refuses to guess the gas of a transaction it only signs.
        if request.gas.is_none() {
            return Err(RpcError::InvalidParams("gas not specified".into()));
        }
        if request.nonce.is_none() {
            let pending = Some(BlockId::Number(BlockNumberOrTag::Pending));
            let nonce = crate::transaction_count(&self.ctx, from, pending)?;
            request.nonce = Some(nonce.saturating_to());
        }
        if request.chain_id.is_none() {
            request.chain_id = Some(self.ctx.chain.spec().chain_id());
        }
        if request.gas_price.is_none() && request.max_fee_per_gas.is_none() {
            let (base_fee, _) = next_block_fields(&self.ctx.chain.head().header);
            let tip = request
                .max_priority_fee_per_gas
                .unwrap_or(u128::from(SUGGESTED_TIP));
            request.max_priority_fee_per_gas = Some(tip);
            request.max_fee_per_gas = Some(u128::from(base_fee) * 2 + tip);
        }
        let typed = request
            .build_typed_tx()
            .map_err(|_| RpcError::InvalidParams("incomplete transaction".into()))?;
        let envelope = sign(&signer, typed)?;
        let raw = Bytes::from(envelope.encoded_2718());
        let tx = Transaction {
            inner: cloister_primitives::Recovered::new_unchecked(envelope, from),
            block_hash: None,
            block_number: None,
            transaction_index: None,
            effective_gas_price: None,
            block_timestamp: None,
        };
        Ok(SignedTransaction { raw, tx })
    }
}

impl DevSignApiServer for DevSignRpc {
    fn sign(&self, ext: &Extensions, address: Address, data: Bytes) -> JsonResult<Bytes> {
        Ok(self.sign_message(ext, &address, &data)?)
    }

    fn sign_typed_data_v4(
        &self,
        ext: &Extensions,
        address: Address,
        data: TypedData,
    ) -> JsonResult<Bytes> {
        Ok(self.sign_typed(ext, &address, &data)?)
    }

    fn sign_transaction(
        &self,
        ext: &Extensions,
        request: TransactionRequest,
    ) -> JsonResult<SignedTransaction> {
        Ok(self.sign_request(ext, request)?)
    }
}

impl PersonalApiServer for DevSignRpc {
    fn sign(
        &self,
        ext: &Extensions,
        data: Bytes,
        address: Address,
        _password: Option<String>,
    ) -> JsonResult<Bytes> {
        Ok(self.sign_message(ext, &address, &data)?)
    }
}
