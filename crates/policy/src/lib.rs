//! `cloister-policy`: the confidentiality policy as pure decisions.
//!
//! A [`Policy`] is built from the versioned [`PolicyDocument`] (in genesis now, changed by
//! governance later) and answers, for a [`Caller`] and a resource, [`Access::Allow`],
//! [`Access::Audited`] (allowed only because the caller is an auditor: the read must be written
//! to the audit log) or [`Access::Deny`]. Nothing here does IO: the RPC layer gathers the facts
//! (a transaction's parties, an account) and enforces the answer, so the rules can be tested
//! exhaustively on their own.
//!
//! Methods are classified once in [`method`]; a method this crate does not know is denied to
//! everyone (fail closed), so a new RPC method cannot leak before someone decides its rule.

mod caller;
mod decide;
mod document;
mod error;
mod live;
pub mod method;

pub use caller::{Caller, Role, RoleSet};
pub use decide::{Access, CallFrom, TxAccess, TxFacts};
pub use document::{
    AccountVisibility, CertIdentity, PolicyDocument, PolicyMode, SignInRule, Visibility,
};
pub use error::PolicyError;
pub use live::Policy;
pub use method::MethodClass;
