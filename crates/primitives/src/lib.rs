//! Shared types for every Cloister crate: re-exports of the alloy types the node speaks in,
//! the recovered-transaction type that flows from the pool to the chain, and sender recovery
//! on libsecp256k1 (the hot path: once per transaction, at admission, in parallel).

mod block_rlp;
mod recover;

pub use alloy_consensus::{
    self as consensus, Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, Sealable, Signed,
    Transaction, TxEnvelope, TxReceipt, TxType, transaction::Recovered,
};
pub use alloy_eips::{self as eips, eip2718::Decodable2718, eip2718::Encodable2718};
pub use alloy_primitives::{
    self as primitives, Address, B256, BlockHash, BlockNumber, Bloom, Bytes, Log, LogData, TxHash,
    U256, address, b256, bytes, hex, keccak256,
};
pub use alloy_rlp as rlp;
pub use block_rlp::decode_block;
pub use recover::{RecoveryError, recover_parallel, recover_signer};

/// A signed transaction whose sender has been recovered exactly once.
pub type RecoveredTx = Recovered<TxEnvelope>;
