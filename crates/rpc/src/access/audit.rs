//! The audit log: every read an auditor makes of data that is not theirs, appended to the
//! store (encrypted at rest with everything else) and readable by members with
//! `cloister_auditLog`. It makes auditor power visible.

use cloister_primitives::{Address, B256};
use cloister_storage::Store;
use serde::{Deserialize, Serialize};

/// Most subjects kept in one entry; the rest are counted.
const MAX_SUBJECTS: usize = 64;

/// One audited request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Position in the log (assigned on append; 0 before).
    #[serde(default)]
    pub seq: u64,
    /// Unix seconds when the read happened.
    pub time: u64,
    /// The auditor.
    pub auditor: Address,
    /// The RPC method.
    pub method: String,
    /// Transactions read (hashes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transactions: Vec<B256>,
    /// Accounts whose balance, nonce or storage was read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<Address>,
    /// Parameters of an auditor-only method, as sent (truncated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<String>,
    /// Subjects beyond those listed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl AuditEntry {
    /// An entry for `auditor` calling `method` now, with no subjects yet.
    pub fn new(auditor: Address, method: &str) -> Self {
        Self {
            seq: 0,
            time: now_secs(),
            auditor,
            method: method.to_string(),
            transactions: Vec::new(),
            accounts: Vec::new(),
            params: None,
            more: 0,
        }
    }

    /// Adds a transaction read.
    pub fn add_transaction(&mut self, hash: B256) {
        if self.transactions.len() + self.accounts.len() < MAX_SUBJECTS {
            if !self.transactions.contains(&hash) {
                self.transactions.push(hash);
            }
        } else {
            self.more += 1;
        }
    }

    /// Adds an account read.
    pub fn add_account(&mut self, account: Address) {
        if self.transactions.len() + self.accounts.len() < MAX_SUBJECTS {
            if !self.accounts.contains(&account) {
                self.accounts.push(account);
            }
        } else {
            self.more += 1;
        }
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.transactions.is_empty() && self.accounts.is_empty() && self.params.is_none()
    }
}

/// Appends to and reads the audit log in the store.
#[derive(Debug, Clone)]
pub struct AuditLog {
    store: Store,
}

impl AuditLog {
    /// The log kept in `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Appends `entry`. A failure is logged, not returned: the read already happened, and the
    /// caller must not learn about the log's state.
    pub fn append(&self, entry: &AuditEntry) {
        match serde_json::to_vec(entry) {
            Ok(bytes) => {
                if let Err(err) = self.store.append_audit(&bytes) {
                    tracing::error!(target: "cloister::audit", %err, "audit log append failed");
                }
            }
            Err(err) => tracing::error!(target: "cloister::audit", %err, "audit entry encoding"),
        }
    }

    /// Entries from `from` on, at most `limit`.
    pub fn read(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, cloister_storage::StorageError> {
        let rows = self.store.audit_entries(from, limit)?;
        Ok(rows
            .into_iter()
            .filter_map(|(seq, bytes)| {
                let mut entry: AuditEntry = serde_json::from_slice(&bytes).ok()?;
                entry.seq = seq;
                Some(entry)
            })
            .collect())
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
