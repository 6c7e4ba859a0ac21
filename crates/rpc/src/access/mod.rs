//! Policy enforcement inside the RPC layer: who is calling ([`caller_of`]), the per-request
//! [`Viewer`] that methods ask before returning each item, the [`PolicyGate`] middleware that
//! refuses whole methods, and the [`AuditLog`] of auditors' reads.
//!
//! Hidden data must look like data that does not exist: methods turn a refusal into `null`,
//! an empty list, a zero, or the same error an unknown item gives; never an error that says
//! "hidden".

mod audit;
mod bloom;
mod can_view;
mod gate;
mod viewer;

pub use audit::{AuditEntry, AuditLog};
pub use bloom::masked_bloom;
pub use gate::PolicyGate;
pub use viewer::Viewer;

use cloister_policy::Caller;
use jsonrpsee::Extensions;

/// The name of the method being served, put in the request's extensions by [`PolicyGate`].
#[derive(Debug, Clone)]
pub struct MethodName(pub String);

/// The caller the server resolved for this request (anonymous when nothing was proven, and in
/// in-process calls that bypass the server).
pub fn caller_of(ext: &Extensions) -> Caller {
    ext.get::<Caller>().cloned().unwrap_or(Caller::ANONYMOUS)
}

/// The method name [`PolicyGate`] recorded, or `"?"` for in-process calls.
pub fn method_of(ext: &Extensions) -> &str {
    ext.get::<MethodName>().map_or("?", |m| m.0.as_str())
}
