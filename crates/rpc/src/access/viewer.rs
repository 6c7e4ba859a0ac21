//! [`Viewer`]: the policy as one request sees it. Methods ask it about each transaction,
//! account or storage read before returning it; reads that only an auditor's role allows are
//! collected and written to the audit log when the request ends.

use super::{AuditEntry, caller_of, can_view, method_of};
use crate::{RpcContext, RpcError, RpcResult};
use alloy_consensus::Transaction as _;
use cloister_policy::{Access, CallFrom, Caller, Policy, TxAccess, TxFacts};
use cloister_primitives::{Address, B256, Log, RecoveredTx};
use cloister_storage::StoreReader;
use jsonrpsee::Extensions;
use parking_lot::Mutex;

/// The policy for one request.
#[derive(Debug)]
pub struct Viewer<'a> {
    ctx: &'a RpcContext,
    caller: Caller,
    method: &'a str,
    audited: Mutex<Option<AuditEntry>>,
}

impl RpcContext {
    /// The policy as the request carrying `ext` sees it.
    pub fn viewer<'a>(&'a self, ext: &'a Extensions) -> Viewer<'a> {
        Viewer {
            ctx: self,
            caller: caller_of(ext),
            method: method_of(ext),
            audited: Mutex::new(None),
        }
    }

    /// The policy as `caller` sees it outside a request (subscriptions and installed filters
    /// keep the caller that created them and check each item as it arrives).
    pub fn viewer_for<'a>(&'a self, caller: Caller, method: &'a str) -> Viewer<'a> {
        Viewer {
            ctx: self,
            caller,
            method,
            audited: Mutex::new(None),
        }
    }
}

/// Addresses in the indexed topics (after the event signature) of `logs`: a topic whose first
/// 12 bytes are zero is read as an address, as Solidity pads indexed `address` parameters.
pub fn log_parties(logs: &[Log]) -> Vec<Address> {
    let mut parties = Vec::new();
    for log in logs {
        for topic in log.topics().iter().skip(1) {
            if topic[..12].iter().all(|b| *b == 0) {
                let address = Address::from_slice(&topic[12..]);
                if !parties.contains(&address) {
                    parties.push(address);
                }
            }
        }
    }
    parties
}

impl Viewer<'_> {
    /// Who is calling.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.ctx.policy
    }

    /// Whether no rule applies (every check below answers yes): lets hot paths skip gathering
    /// facts.
    pub fn sees_everything(&self) -> bool {
        self.ctx.policy.is_permissive()
    }

    /// Balance and nonce of `account`.
    pub fn account(&self, account: &Address) -> bool {
        let access = self.ctx.policy.account(&self.caller, account);
        self.note_account(access, *account)
    }

    /// Storage (and proofs) of `account`.
    pub fn storage(&self, account: &Address) -> bool {
        let access = self.ctx.policy.storage(&self.caller, account);
        self.note_account(access, *account)
    }

    /// Whether blocks show their whole `logsBloom` (else [`Self::block_bloom`]: the bloom of
    /// what the caller may see).
    pub fn bloom(&self) -> bool {
        self.ctx.policy.bloom(&self.caller)
    }

    /// A mined transaction with its receipt and logs. `logs` are its receipt's logs when the
    /// method already holds them; otherwise they are read from `reader` only if the decision
    /// needs them.
    pub fn transaction(
        &self,
        reader: &StoreReader,
        tx: &RecoveredTx,
        logs: Option<&[Log]>,
    ) -> RpcResult<bool> {
        if self.sees_everything() {
            return Ok(true);
        }
        let hash = *tx.tx_hash();
        let (from, to) = (tx.signer(), tx.to());
        let first = self.ctx.policy.transaction(
            &self.caller,
            &TxFacts {
                from,
                to,
                log_parties: &[],
            },
        );
        if first == TxAccess::Decided(Access::Allow) {
            return Ok(true);
        }
        let parties = match logs {
            Some(logs) => log_parties(logs),
            None => match reader.tx_location(&hash)? {
                Some(at) => reader
                    .receipt(at)?
                    .map(|r| log_parties(r.receipt.logs()))
                    .unwrap_or_default(),
                None => Vec::new(),
            },
        };
        let decision = self.ctx.policy.transaction(
            &self.caller,
            &TxFacts {
                from,
                to,
                log_parties: &parties,
            },
        );
        Ok(self.settle(decision, hash))
    }

    /// A pending transaction (no receipt yet): sender, recipient, rules and auditors.
    pub fn pooled(&self, tx: &RecoveredTx) -> bool {
        if self.sees_everything() {
            return true;
        }
        let decision = self.ctx.policy.transaction(
            &self.caller,
            &TxFacts {
                from: tx.signer(),
                to: tx.to(),
                log_parties: &[],
            },
        );
        self.settle(decision, *tx.tx_hash())
    }

    /// The `from` a call-like request runs with: one of the caller's own addresses (none or
    /// zero given: the first).
    pub fn call_from(&self, requested: Option<Address>) -> RpcResult<Option<Address>> {
        match self.ctx.policy.call_from(&self.caller, requested) {
            CallFrom::Use(from) => Ok(from),
            CallFrom::Refuse => Err(RpcError::NotCaller),
        }
    }

    /// Whether the caller may make the node sign as `address` (dev signing methods).
    pub fn acts_as(&self, address: &Address) -> bool {
        self.ctx.policy.acts_as(&self.caller, address)
    }

    /// Records `params` of an auditor-only method in the audit log.
    pub fn audit_params(&self, params: String) {
        if let Some(entry) = self.entry().as_mut() {
            entry.params = Some(params);
        }
    }

    fn settle(&self, decision: TxAccess, hash: B256) -> bool {
        let access = match decision {
            TxAccess::Decided(access) => access,
            TxAccess::AskContract {
                contract,
                gas_cap,
                otherwise,
            } => {
                // The caller is each of its addresses: any one the contract allows will do.
                let allowed = self
                    .caller
                    .addresses()
                    .any(|viewer| can_view::ask(self.ctx, contract, gas_cap, viewer, hash));
                if allowed { Access::Allow } else { otherwise }
            }
        };
        if access == Access::Audited
            && let Some(entry) = self.entry().as_mut()
        {
            entry.add_transaction(hash);
        }
        access.visible()
    }

    fn note_account(&self, access: Access, account: Address) -> bool {
        if access == Access::Audited
            && let Some(entry) = self.entry().as_mut()
        {
            entry.add_account(account);
        }
        access.visible()
    }

    fn entry(&self) -> parking_lot::MutexGuard<'_, Option<AuditEntry>> {
        let mut guard = self.audited.lock();
        if guard.is_none()
            && let Some(auditor) = self.caller.address
        {
            *guard = Some(AuditEntry::new(auditor, self.method));
        }
        guard
    }
}

impl Drop for Viewer<'_> {
    fn drop(&mut self) {
        if let Some(entry) = self.audited.get_mut().take()
            && !entry.is_empty()
        {
            self.ctx.audit.append(&entry);
        }
    }
}
