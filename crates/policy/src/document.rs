//! The policy document: versioned JSON, kept in genesis (`cloister.policy`) and shown by
//! `cloister_policy`. Keys are camelCase; unknown keys are refused so a typo cannot silently
//! widen or narrow what callers see.

use crate::{PolicyError, Role};
use cloister_primitives::Address;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version this node enforces.
pub const POLICY_VERSION: u64 = 1;

/// The whole policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyDocument {
    /// Schema version; only [`POLICY_VERSION`] is accepted.
    pub version: u64,
    /// `permissive` shows everything to everyone (dev chains, plain Ethereum chains);
    /// `confidential` applies the rules below.
    pub mode: PolicyMode,
    /// Who may sign in with Ethereum.
    pub sign_in: SignInRule,
    /// Roles by address.
    pub roles: BTreeMap<Address, Vec<Role>>,
    /// Client certificates (SHA-256 of the DER, hex) → the address and roles they act as.
    pub certificates: BTreeMap<String, CertIdentity>,
    /// Who sees a transaction, its receipt and its logs, unless `contracts` names the recipient.
    pub default_visibility: Visibility,
    /// Per-contract visibility of the transactions sent to it.
    pub contracts: BTreeMap<Address, Visibility>,
    /// Who sees balances and nonces.
    pub accounts: AccountVisibility,
    /// Methods anonymous callers may use beyond chain metadata.
    pub anonymous_methods: Vec<String>,
    /// How long a sign-in token lives, in seconds.
    pub token_lifetime_secs: u64,
}

impl Default for PolicyDocument {
    fn default() -> Self {
        Self {
            version: POLICY_VERSION,
            mode: PolicyMode::Confidential,
            sign_in: SignInRule::Open,
            roles: BTreeMap::new(),
            certificates: BTreeMap::new(),
            default_visibility: Visibility::Parties,
            contracts: BTreeMap::new(),
            accounts: AccountVisibility::Owner,
            anonymous_methods: Vec::new(),
            token_lifetime_secs: 24 * 60 * 60,
        }
    }
}

impl PolicyDocument {
    /// Everything visible to everyone: what a dev chain or a transparent chain starts with.
    pub fn permissive() -> Self {
        Self {
            mode: PolicyMode::Permissive,
            ..Self::default()
        }
    }

    /// Reads the document from genesis JSON. `null` (no policy given) is the confidential
    /// default: a Cloister chain is private unless its genesis says otherwise.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, PolicyError> {
        if value.is_null() {
            return Ok(Self::default());
        }
        let doc: Self = serde_json::from_value(value.clone())?;
        if doc.version != POLICY_VERSION {
            return Err(PolicyError::Version(doc.version));
        }
        Ok(doc)
    }
}

/// How the policy applies at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PolicyMode {
    /// Per-caller rules apply.
    #[default]
    Confidential,
    /// No rules: every caller, anonymous included, sees everything.
    Permissive,
}

/// Who may sign in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SignInRule {
    /// Any address that proves its key.
    #[default]
    Open,
    /// Only these addresses (and addresses holding a role).
    Allow(Vec<Address>),
}

/// The identity a client certificate stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CertIdentity {
    /// The address the service acts as.
    pub address: Address,
    /// Extra roles (added to those the address holds in `roles`).
    #[serde(default)]
    pub roles: Vec<Role>,
}

/// Who sees a transaction beyond its sender and the auditors.
///
/// The sender always sees its own transaction; auditors see everything (audited). `parties`
/// adds the recipient and every address in an indexed address topic of the transaction's logs;
/// the other kinds add to the parties.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Visibility {
    /// Only the sender (and auditors).
    Sender,
    /// Sender, recipient, and addresses in indexed address topics of its logs.
    #[default]
    Parties,
    /// Every authenticated caller.
    Public,
    /// The parties and every member.
    Members,
    /// The parties and these addresses.
    Addresses(Vec<Address>),
    /// The parties and every holder of one of these roles.
    Roles(Vec<Role>),
    /// The parties and whoever `canView(address viewer, bytes32 txHash) returns (bool)` on
    /// `address` says, called read-only with at most `gas_cap` gas; any failure denies.
    Contract {
        /// The contract holding `canView`.
        address: Address,
        /// Gas for one `canView` call.
        #[serde(default = "default_rule_gas", rename = "gasCap")]
        gas_cap: u64,
    },
}

fn default_rule_gas() -> u64 {
    100_000
}

/// Who sees balances and nonces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AccountVisibility {
    /// The account itself (and auditors).
    #[default]
    Owner,
    /// Every authenticated caller.
    Public,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_visibility_kind() {
        let doc = PolicyDocument::from_json(&json!({
            "version": 1,
            "signIn": {"allow": ["0x0000000000000000000000000000000000000001"]},
            "roles": {"0x0000000000000000000000000000000000000002": ["auditor", "member"]},
            "defaultVisibility": "sender",
            "contracts": {
                "0x00000000000000000000000000000000000000a1": "public",
                "0x00000000000000000000000000000000000000a2": "members",
                "0x00000000000000000000000000000000000000a3": {"addresses": ["0x0000000000000000000000000000000000000003"]},
                "0x00000000000000000000000000000000000000a4": {"roles": ["auditor"]},
                "0x00000000000000000000000000000000000000a5": {"contract": {"address": "0x00000000000000000000000000000000000000c0"}}
            },
            "accounts": "public"
        }))
        .unwrap();
        assert_eq!(doc.default_visibility, Visibility::Sender);
        assert_eq!(doc.contracts.len(), 5);
        assert!(doc.contracts.values().any(|v| matches!(
            v,
            Visibility::Contract {
                gas_cap: 100_000,
                ..
            }
        )));
        assert_eq!(doc.accounts, AccountVisibility::Public);
    }

    #[test]
    fn refuses_typos_and_other_versions() {
        assert!(PolicyDocument::from_json(&json!({"defaultVisibilty": "public"})).is_err());
        assert!(matches!(
            PolicyDocument::from_json(&json!({"version": 2})),
            Err(PolicyError::Version(2))
        ));
        assert_eq!(
            PolicyDocument::from_json(&serde_json::Value::Null).unwrap(),
            PolicyDocument::default()
        );
        let dev = PolicyDocument::from_json(&json!({"mode": "permissive"})).unwrap();
        assert_eq!(dev.mode, PolicyMode::Permissive);
    }
}
