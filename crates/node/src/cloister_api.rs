//! The `cloister_` namespace: the policy in force, who the caller is, the audit log, the
//! node's attestation, token revocation, block seals, and the cluster's status.

use crate::status::{ClusterStatus, NodeStatus};
use alloy_rpc_types_eth::BlockId;
use cloister_auth::AuthService;
use cloister_policy::Role;
use cloister_primitives::{Address, B256, Bytes, primitives::U64};
use cloister_rpc::{RpcContext, access::AuditEntry};
use jsonrpsee::{
    Extensions,
    core::RpcResult,
    proc_macros::rpc,
    types::{ErrorObject, ErrorObjectOwned},
};
use serde::Serialize;
use std::sync::Arc;

/// Most audit entries in one answer.
const MAX_AUDIT_PAGE: u64 = 1000;

/// Who the caller is, as the node sees it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI {
    /// The proven address (`null`: anonymous); with several, the first (the default `from`).
    pub address: Option<Address>,
    /// Every address the caller's credential proved, the first one first (`[]`: anonymous).
    pub addresses: Vec<Address>,
    /// Roles from the policy.
    pub roles: Vec<Role>,
}

/// The node's attestation evidence.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attestation {
    /// `simulated`, `sgx` or `none`.
    pub kind: String,
    /// The quote (hex), bound to the TLS certificate's key.
    pub quote: Option<String>,
    /// Collateral for the quote (JSON, as configured), if any.
    pub collateral: Option<serde_json::Value>,
    /// The TLS certificate (DER, hex) whose key the quote binds.
    pub certificate: Option<String>,
}

/// Who sealed a block, with the evidence: anyone can check that `signature` over `blockHash`
/// recovers `sealer`, and that the header's `miner` is the same address.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockSealInfo {
    /// The block's number.
    pub block_number: U64,
    /// The block's hash (what was signed).
    pub block_hash: B256,
    /// The validator the signature recovers to.
    pub sealer: Address,
    /// The 65-byte secp256k1 signature (r, s, v).
    pub signature: Bytes,
}

/// `cloister_` methods.
#[rpc(server, namespace = "cloister")]
pub trait CloisterApi {
    /// The policy document in force, with `revision`: 1 for the genesis document, the
    /// governance contract's policy version once a vote replaced it.
    #[method(name = "policy")]
    fn policy(&self) -> RpcResult<serde_json::Value>;
    /// The caller's address and roles.
    #[method(name = "whoami", with_extensions)]
    fn whoami(&self) -> RpcResult<WhoAmI>;
    /// Audit log entries from `from` (default 0), at most `limit` (default and max 1000).
    #[method(name = "auditLog", with_extensions)]
    fn audit_log(&self, from: Option<u64>, limit: Option<u64>) -> RpcResult<Vec<AuditEntry>>;
    /// The node's quote and certificate.
    #[method(name = "attestation")]
    fn attestation(&self) -> RpcResult<Attestation>;
    /// Revokes one sign-in token of the caller (admins: anyone's).
    #[method(name = "revokeToken", with_extensions)]
    fn revoke_token(&self, token: String) -> RpcResult<bool>;
    /// Revokes every token of `address` (the caller's own, or anyone's for admins).
    #[method(name = "revokeTokensOf", with_extensions)]
    fn revoke_tokens_of(&self, address: Address) -> RpcResult<u64>;
    /// The seal of a block (default latest): `null` for an unknown block and for blocks without
    /// one (genesis, plain Ethereum chains).
    #[method(name = "getBlockSeal")]
    fn block_seal(&self, block: Option<BlockId>) -> RpcResult<Option<BlockSealInfo>>;
    /// This node's view of its cluster: role, term, leader, log indices, head, members (with
    /// replication on the leader) and refused peers. No transaction data.
    #[method(name = "clusterStatus")]
    async fn cluster_status(&self) -> RpcResult<ClusterStatus>;
}

/// The server of the namespace.
#[derive(Debug, Clone)]
pub struct CloisterRpc {
    /// RPC context (policy, audit log).
    pub ctx: Arc<RpcContext>,
    /// Sign-in tokens (absent on nodes without sign-in).
    pub auth: Option<Arc<AuthService>>,
    /// What `cloister_attestation` answers.
    pub attestation: Attestation,
    /// What `cloister_clusterStatus` reads.
    pub status: Arc<NodeStatus>,
}

fn denied() -> ErrorObjectOwned {
    // The same answer an unknown method gets: a refusal reveals only the caller's role.
    ErrorObject::owned(
        -32601,
        "the method does not exist/is not available",
        None::<()>,
    )
}

fn internal(err: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObject::owned(-32603, format!("internal error: {err}"), None::<()>)
}

#[jsonrpsee::core::async_trait]
impl CloisterApiServer for CloisterRpc {
    fn policy(&self) -> RpcResult<serde_json::Value> {
        let mut shown = serde_json::to_value(self.ctx.policy.document())
            .map_err(|e| ErrorObjectOwned::owned(-32603, e.to_string(), None::<()>))?;
        if let Some(object) = shown.as_object_mut() {
            object.insert("revision".into(), self.ctx.policy.revision().into());
        }
        Ok(shown)
    }

    fn whoami(&self, ext: &Extensions) -> RpcResult<WhoAmI> {
        let caller = cloister_rpc::access::caller_of(ext);
        Ok(WhoAmI {
            address: caller.address,
            addresses: caller.addresses().collect(),
            roles: caller.roles.iter().collect(),
        })
    }

    fn audit_log(
        &self,
        ext: &Extensions,
        from: Option<u64>,
        limit: Option<u64>,
    ) -> RpcResult<Vec<AuditEntry>> {
        let caller = cloister_rpc::access::caller_of(ext);
        if !self.ctx.policy.reads_audit_log(&caller) {
            return Err(denied());
        }
        let limit = limit.unwrap_or(MAX_AUDIT_PAGE).min(MAX_AUDIT_PAGE);
        self.ctx
            .audit
            .read(from.unwrap_or(0), usize::try_from(limit).unwrap_or(1000))
            .map_err(internal)
    }

    fn attestation(&self) -> RpcResult<Attestation> {
        Ok(self.attestation.clone())
    }

    fn revoke_token(&self, ext: &Extensions, token: String) -> RpcResult<bool> {
        let caller = cloister_rpc::access::caller_of(ext);
        let Some(auth) = &self.auth else {
            return Ok(false);
        };
        let owner = auth.resolve(&token).map_err(internal)?;
        match owner {
            Some(owner)
                if caller.is(&owner.address) || self.ctx.policy.revokes_for_others(&caller) =>
            {
                auth.revoke(&token).map_err(internal)
            }
            // Someone else's token: answer as for an unknown one.
            _ => Ok(false),
        }
    }

    fn revoke_tokens_of(&self, ext: &Extensions, address: Address) -> RpcResult<u64> {
        let caller = cloister_rpc::access::caller_of(ext);
        if !caller.is(&address) && !self.ctx.policy.revokes_for_others(&caller) {
            return Err(denied());
        }
        let Some(auth) = &self.auth else {
            return Ok(0);
        };
        let count = auth.revoke_all(&address).map_err(internal)?;
        Ok(u64::try_from(count).unwrap_or(u64::MAX))
    }

    fn block_seal(&self, block: Option<BlockId>) -> RpcResult<Option<BlockSealInfo>> {
        let head = self.ctx.chain.head();
        let number = match block.unwrap_or(BlockId::latest()) {
            BlockId::Number(tag) => self.ctx.block_number(tag),
            BlockId::Hash(hash) => head
                .reader
                .block_number(&hash.block_hash)
                .map_err(internal)?,
        };
        let Some(number) = number else {
            return Ok(None);
        };
        let (Some(hash), Some(seal)) = (
            head.reader.canonical_hash(number).map_err(internal)?,
            head.reader.block_seal(number).map_err(internal)?,
        ) else {
            return Ok(None);
        };
        let sealer = cloister_chain::seal_signer(hash, &seal).map_err(internal)?;
        Ok(Some(BlockSealInfo {
            block_number: U64::from(number),
            block_hash: hash,
            sealer,
            signature: Bytes::copy_from_slice(&seal.as_bytes()),
        }))
    }

    async fn cluster_status(&self) -> RpcResult<ClusterStatus> {
        Ok(self.status.cluster_status().await)
    }
}
