//! Cloister's transaction pool.
//!
//! Holds signed, sender-recovered transactions per sender, split into *pending* (contiguous
//! from the account nonce, executable now) and *queued* (behind a nonce gap), enforces geth's
//! admission rules with geth's error messages, handles fee-bump replacement and limits, and
//! hands the block producer the pending set best tip first, each sender in nonce order.
//!
//! Built for a single-validator chain at >15,000 tx/s: admission takes one lock per batch
//! (stateless checks and account reads happen before it), per-sender state is a
//! `BTreeMap<nonce, Arc<PooledTx>>`, and block building iterates a snapshot through a heap
//! of each sender's next transaction.

mod best;
mod blob;
mod config;
mod content;
mod error;
mod inner;
mod pool;
mod pooled;
mod sender;
mod validate;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

pub use best::BestTransactions;
pub use blob::MAX_BLOBS_PER_TX;
pub use config::PoolConfig;
pub use content::{PoolContent, TxsByNonce};
pub use error::{ConfigError, PoolError, StateReadError, TxTypeRejection};
pub use pool::{AccountReader, TxPool};
pub use pooled::PooledTx;
pub use revm::primitives::hardfork::SpecId;
pub use validate::AdmissionContext;
