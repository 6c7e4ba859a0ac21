//! [`Policy`]: the rules in force, replaceable while the node runs. Governance replaces the
//! document between blocks; every decision reads the current rules, so a caller's view changes
//! with the next request after the replacement, never in the middle of one decision.

use crate::{
    Access, CallFrom, Caller, PolicyDocument, PolicyError, PolicyMode, TxAccess, TxFacts,
    decide::Rules,
};
use cloister_primitives::Address;
use std::sync::{
    Arc, RwLock,
    atomic::{AtomicU64, Ordering},
};

/// The policy in force, with the revision it came from (1: genesis; governance counts up).
#[derive(Debug)]
pub struct Policy {
    rules: RwLock<Arc<Rules>>,
    revision: AtomicU64,
}

impl Policy {
    /// Checks `document` and indexes it (revision 1).
    pub fn new(document: PolicyDocument) -> Result<Self, PolicyError> {
        Self::at_revision(document, 1)
    }

    /// Checks `document` and indexes it as revision `revision`.
    pub fn at_revision(document: PolicyDocument, revision: u64) -> Result<Self, PolicyError> {
        let policy = Self::from_rules(Rules::new(document)?);
        policy.revision.store(revision, Ordering::Release);
        Ok(policy)
    }

    /// Everything visible to everyone.
    pub fn permissive() -> Self {
        Self::from_rules(Rules::permissive())
    }

    fn from_rules(rules: Rules) -> Self {
        Self {
            rules: RwLock::new(Arc::new(rules)),
            revision: AtomicU64::new(1),
        }
    }

    /// Checks a document without installing it (what governance refuses at proposal time).
    pub fn check(document: PolicyDocument) -> Result<(), PolicyError> {
        Rules::new(document).map(|_| ())
    }

    /// Installs `document` as revision `revision`. A document that does not check leaves the
    /// rules in force unchanged.
    pub fn replace(&self, document: PolicyDocument, revision: u64) -> Result<(), PolicyError> {
        let rules = Arc::new(Rules::new(document)?);
        let mut current = self.rules.write().unwrap_or_else(|e| e.into_inner());
        *current = rules;
        self.revision.store(revision, Ordering::Release);
        Ok(())
    }

    /// The revision in force.
    pub fn revision(&self) -> u64 {
        self.revision.load(Ordering::Acquire)
    }

    fn rules(&self) -> Arc<Rules> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The document this policy enforces (shown by `cloister_policy`).
    pub fn document(&self) -> PolicyDocument {
        self.rules().document().clone()
    }

    /// Whether no rule applies.
    pub fn is_permissive(&self) -> bool {
        self.rules().document().mode == PolicyMode::Permissive
    }

    /// The caller a proven address stands for, with its roles.
    pub fn caller_for(&self, address: Address) -> Caller {
        self.rules().caller_for(address)
    }

    /// The caller a credential holding several proven addresses stands for.
    pub fn caller_for_all(&self, addresses: &[Address]) -> Caller {
        self.rules().caller_for_all(addresses)
    }

    /// The caller a client certificate stands for, if the document maps it.
    pub fn caller_for_certificate(&self, fingerprint: &[u8; 32]) -> Option<Caller> {
        self.rules().caller_for_certificate(fingerprint)
    }

    /// Whether `address` may sign in.
    pub fn may_sign_in(&self, address: &Address) -> bool {
        self.rules().may_sign_in(address)
    }

    /// Whether `caller` may call method `name`.
    pub fn method(&self, caller: &Caller, name: &str) -> bool {
        self.rules().method(caller, name)
    }

    /// Whether a call of `name` by `caller` goes to the audit log.
    pub fn method_audited(&self, caller: &Caller, name: &str) -> bool {
        self.rules().method_audited(caller, name)
    }

    /// Balance and nonce of `account`.
    pub fn account(&self, caller: &Caller, account: &Address) -> Access {
        self.rules().account(caller, account)
    }

    /// Storage and code reads of `account`.
    pub fn storage(&self, caller: &Caller, account: &Address) -> Access {
        self.rules().storage(caller, account)
    }

    /// Whether `caller` sees blocks' full blooms.
    pub fn bloom(&self, caller: &Caller) -> bool {
        self.rules().bloom(caller)
    }

    /// A transaction, its receipt and its logs.
    pub fn transaction(&self, caller: &Caller, tx: &TxFacts<'_>) -> TxAccess {
        self.rules().transaction(caller, tx)
    }

    /// What `from` an `eth_call`-like request runs with.
    pub fn call_from(&self, caller: &Caller, requested: Option<Address>) -> CallFrom {
        self.rules().call_from(caller, requested)
    }

    /// Whether `caller` may act as `address` (sign with a node-held key, say).
    pub fn acts_as(&self, caller: &Caller, address: &Address) -> bool {
        self.rules().acts_as(caller, address)
    }

    /// Whether `caller` may read the audit log.
    pub fn reads_audit_log(&self, caller: &Caller) -> bool {
        self.rules().reads_audit_log(caller)
    }

    /// Whether `caller` may revoke other callers' tokens.
    pub fn revokes_for_others(&self, caller: &Caller) -> bool {
        self.rules().revokes_for_others(caller)
    }
}
