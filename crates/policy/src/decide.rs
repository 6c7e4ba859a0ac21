//! The decisions: a [`Policy`] built from a [`PolicyDocument`] answers for one caller and one
//! resource. Every function is pure and cheap (a few map lookups), so enforcement costs little.

use crate::{
    AccountVisibility, Caller, MethodClass, PolicyDocument, PolicyError, PolicyMode, Role, RoleSet,
    SignInRule, Visibility, method,
};
use cloister_primitives::Address;
use std::collections::HashMap;

/// The answer for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The caller may see it.
    Allow,
    /// The caller may see it only as an auditor: the read goes to the audit log.
    Audited,
    /// Hidden: answer as if it did not exist.
    Deny,
}

impl Access {
    /// Whether the caller gets to see it (audited or not).
    pub const fn visible(self) -> bool {
        !matches!(self, Self::Deny)
    }
}

/// The answer for one transaction (with its receipt and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxAccess {
    /// Decided.
    Decided(Access),
    /// Ask `canView(viewer, txHash)` on `contract` with at most `gas_cap` gas; if the call
    /// fails or answers false, the answer is `otherwise`.
    AskContract {
        /// Contract holding `canView`.
        contract: Address,
        /// Gas for the call.
        gas_cap: u64,
        /// The answer when the contract does not allow (Audited for auditors, else Deny).
        otherwise: Access,
    },
}

/// What the policy needs to know about a transaction.
#[derive(Debug, Clone, Copy)]
pub struct TxFacts<'a> {
    /// Its sender.
    pub from: Address,
    /// Its recipient (`None`: contract creation).
    pub to: Option<Address>,
    /// Addresses found in indexed topics (after the event signature) of its logs.
    pub log_parties: &'a [Address],
}

/// What `from` an `eth_call`-like request runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallFrom {
    /// Run with this `from` (`None`: the request gave none and the policy adds none).
    Use(Option<Address>),
    /// The request named another caller's address.
    Refuse,
}

/// One policy document, checked and indexed ([`crate::Policy`] holds the one in force).
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    document: PolicyDocument,
    roles: HashMap<Address, RoleSet>,
    certificates: HashMap<[u8; 32], Caller>,
}

impl Rules {
    /// Checks `document` and indexes it.
    pub fn new(document: PolicyDocument) -> Result<Self, PolicyError> {
        let roles: HashMap<Address, RoleSet> = document
            .roles
            .iter()
            .map(|(address, roles)| (*address, roles.iter().copied().collect()))
            .collect();
        let mut certificates = HashMap::new();
        for (fingerprint, identity) in &document.certificates {
            let bytes = parse_fingerprint(fingerprint)
                .ok_or_else(|| PolicyError::Fingerprint(fingerprint.clone()))?;
            let own = roles.get(&identity.address).copied().unwrap_or_default();
            let caller = Caller {
                address: Some(identity.address),
                also: None,
                roles: identity.roles.iter().copied().fold(own, RoleSet::with),
            };
            certificates.insert(bytes, caller);
        }
        for (contract, rule) in &document.contracts {
            if let Visibility::Contract { gas_cap: 0, .. } = rule {
                return Err(PolicyError::ZeroGasCap(*contract));
            }
        }
        Ok(Self {
            document,
            roles,
            certificates,
        })
    }

    /// Everything visible to everyone.
    pub fn permissive() -> Self {
        Self {
            document: PolicyDocument::permissive(),
            roles: HashMap::new(),
            certificates: HashMap::new(),
        }
    }

    /// The document this policy enforces (shown by `cloister_policy`).
    pub(crate) fn document(&self) -> &PolicyDocument {
        &self.document
    }

    /// Whether no rule applies.
    pub fn is_permissive(&self) -> bool {
        self.document.mode == PolicyMode::Permissive
    }

    /// The caller a proven address stands for, with its roles.
    pub fn caller_for(&self, address: Address) -> Caller {
        Caller {
            address: Some(address),
            also: None,
            roles: self.roles_of(&address),
        }
    }

    /// The caller one credential stands for when it proved every address of `addresses` (the
    /// first is the primary one): it holds the roles of each, as whoever holds the credential
    /// proved control of each key. Empty: anonymous.
    pub fn caller_for_all(&self, addresses: &[Address]) -> Caller {
        let Some((first, rest)) = addresses.split_first() else {
            return Caller::ANONYMOUS;
        };
        let mut also: Vec<Address> = Vec::with_capacity(rest.len());
        for address in rest {
            if address != first && !also.contains(address) {
                also.push(*address);
            }
        }
        let roles = addresses
            .iter()
            .flat_map(|address| self.roles_of(address).iter())
            .collect();
        Caller {
            address: Some(*first),
            also: (!also.is_empty()).then(|| also.into()),
            roles,
        }
    }

    fn roles_of(&self, address: &Address) -> RoleSet {
        self.roles.get(address).copied().unwrap_or_default()
    }

    /// The caller a client certificate (SHA-256 of its DER) stands for, if the policy maps it.
    pub fn caller_for_certificate(&self, fingerprint: &[u8; 32]) -> Option<Caller> {
        self.certificates.get(fingerprint).cloned()
    }

    /// Whether `address` may sign in.
    pub fn may_sign_in(&self, address: &Address) -> bool {
        match &self.document.sign_in {
            SignInRule::Open => true,
            SignInRule::Allow(list) => list.contains(address) || self.roles.contains_key(address),
        }
    }

    /// Whether `caller` may call `method` at all.
    pub fn method(&self, caller: &Caller, name: &str) -> bool {
        let class = method::classify(name);
        match class {
            MethodClass::Unknown => false,
            MethodClass::Metadata => true,
            _ if self.is_permissive() => true,
            _ if !caller.is_authenticated() => {
                self.document.anonymous_methods.iter().any(|m| m == name)
                    && class != MethodClass::Auditor
            }
            MethodClass::Open | MethodClass::Filtered => true,
            MethodClass::Auditor => caller.has(Role::Auditor),
        }
    }

    /// Whether a call of `method` by `caller` must be written to the audit log as a whole
    /// (auditor-only methods read data that is not the auditor's).
    pub fn method_audited(&self, caller: &Caller, name: &str) -> bool {
        !self.is_permissive()
            && method::classify(name) == MethodClass::Auditor
            && caller.has(Role::Auditor)
    }

    /// Balance and nonce of `account`.
    pub fn account(&self, caller: &Caller, account: &Address) -> Access {
        if self.is_permissive() || caller.is(account) {
            return Access::Allow;
        }
        if caller.is_authenticated() && self.document.accounts == AccountVisibility::Public {
            return Access::Allow;
        }
        self.as_auditor(caller)
    }

    /// Storage slots of `account` (and everything a storage read reveals).
    pub fn storage(&self, caller: &Caller, _account: &Address) -> Access {
        if self.is_permissive() {
            return Access::Allow;
        }
        self.as_auditor(caller)
    }

    /// Whether the whole `logsBloom` of blocks is shown (it summarises every log of the block);
    /// otherwise blocks carry the bloom of the logs `caller` may see.
    pub fn bloom(&self, caller: &Caller) -> bool {
        self.is_permissive() || caller.has(Role::Auditor)
    }

    /// A transaction, its receipt and its logs.
    pub fn transaction(&self, caller: &Caller, tx: &TxFacts<'_>) -> TxAccess {
        if self.is_permissive() {
            return TxAccess::Decided(Access::Allow);
        }
        if !caller.is_authenticated() {
            return TxAccess::Decided(Access::Deny);
        }
        if caller.is(&tx.from) {
            return TxAccess::Decided(Access::Allow);
        }
        let rule = tx
            .to
            .and_then(|to| self.document.contracts.get(&to))
            .unwrap_or(&self.document.default_visibility);
        let is_party = tx.to.is_some_and(|to| caller.is(&to))
            || tx.log_parties.iter().any(|party| caller.is(party));
        let allowed = match rule {
            Visibility::Sender => false,
            Visibility::Parties => is_party,
            Visibility::Public => true,
            Visibility::Members => is_party || caller.has(Role::Member),
            Visibility::Addresses(list) => is_party || list.iter().any(|a| caller.is(a)),
            Visibility::Roles(roles) => is_party || roles.iter().any(|r| caller.has(*r)),
            Visibility::Contract { address, gas_cap } => {
                if is_party {
                    true
                } else {
                    return TxAccess::AskContract {
                        contract: *address,
                        gas_cap: *gas_cap,
                        otherwise: self.as_auditor(caller),
                    };
                }
            }
        };
        TxAccess::Decided(if allowed {
            Access::Allow
        } else {
            self.as_auditor(caller)
        })
    }

    /// The `from` an `eth_call`, `eth_estimateGas`, `eth_createAccessList` or `eth_simulateV1`
    /// runs with: one of the caller's own addresses (by default the first), never another's,
    /// so contracts can guard view functions with `msg.sender`.
    ///
    /// An explicit zero `from` counts as none: Foundry (`cast call`, `forge script`) sends it
    /// when the user names no sender, and nobody can sign in as the zero address. A permissive
    /// chain passes `requested` through untouched, as geth does.
    pub fn call_from(&self, caller: &Caller, requested: Option<Address>) -> CallFrom {
        if self.is_permissive() {
            return CallFrom::Use(requested);
        }
        let requested = requested.filter(|asked| !asked.is_zero());
        match (caller.address, requested) {
            (None, _) => CallFrom::Refuse,
            (Some(own), None) => CallFrom::Use(Some(own)),
            (Some(_), Some(asked)) if caller.is(&asked) => CallFrom::Use(Some(asked)),
            (Some(_), Some(_)) => CallFrom::Refuse,
        }
    }

    /// Whether `caller` may act as `address` with the node's keys (dev signing methods).
    pub fn acts_as(&self, caller: &Caller, address: &Address) -> bool {
        self.is_permissive() || caller.is(address)
    }

    /// Whether `caller` may read the audit log.
    pub fn reads_audit_log(&self, caller: &Caller) -> bool {
        self.is_permissive()
            || caller.has(Role::Member)
            || caller.has(Role::Auditor)
            || caller.has(Role::Admin)
    }

    /// Whether `caller` may revoke other addresses' sign-in tokens.
    pub fn revokes_for_others(&self, caller: &Caller) -> bool {
        caller.has(Role::Admin)
    }

    fn as_auditor(&self, caller: &Caller) -> Access {
        if caller.has(Role::Auditor) {
            Access::Audited
        } else {
            Access::Deny
        }
    }
}

/// A SHA-256 fingerprint in hex, with or without `0x` and `:` separators.
fn parse_fingerprint(text: &str) -> Option<[u8; 32]> {
    let clean: String = text
        .trim_start_matches("0x")
        .chars()
        .filter(|c| *c != ':')
        .collect();
    if clean.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(clean.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
