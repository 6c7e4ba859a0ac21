//! Table definitions. Keys are fixed-width big-endian byte arrays where order matters (block
//! number, then index), so range scans walk a block's transactions and receipts in order.

use redb::TableDefinition;

/// Block number -> RLP header.
pub const HEADERS: TableDefinition<u64, &[u8]> = TableDefinition::new("headers");
/// Block number -> canonical block hash.
pub const CANONICAL_HASHES: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("canonical");
/// Block hash -> block number.
pub const HEADER_NUMBERS: TableDefinition<&[u8; 32], u64> = TableDefinition::new("header_numbers");
/// Block number -> the validator's 65-byte seal (signature over the block hash); Cloister
/// chains only, kept beside the header rather than in its `extraData`.
pub const BLOCK_SEALS: TableDefinition<u64, &[u8; 65]> = TableDefinition::new("block_seals");
/// Block number -> RLP ommers and withdrawals (the body without its transactions).
pub const BODY_EXTRAS: TableDefinition<u64, &[u8]> = TableDefinition::new("body_extras");
/// (block number, tx index) -> sender (20 bytes) ++ EIP-2718 transaction.
pub const TRANSACTIONS: TableDefinition<&[u8; 12], &[u8]> = TableDefinition::new("transactions");
/// (block number, tx index) -> [`crate::StoredReceipt`].
pub const RECEIPTS: TableDefinition<&[u8; 12], &[u8]> = TableDefinition::new("receipts");
/// Transaction hash -> (block number, tx index).
pub const TX_LOOKUP: TableDefinition<&[u8; 32], &[u8; 12]> = TableDefinition::new("tx_lookup");
/// Address -> [`crate::StoredAccount`].
pub const ACCOUNTS: TableDefinition<&[u8; 20], &[u8]> = TableDefinition::new("accounts");
/// Address ++ slot -> non-zero value (zero values are deleted).
pub const STORAGE: TableDefinition<&[u8; 52], &[u8; 32]> = TableDefinition::new("storage");
/// Code hash -> bytecode.
pub const BYTECODES: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("bytecodes");
/// Encoded nibble path -> account-trie node.
pub const ACCOUNT_TRIE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("account_trie");
/// Hashed address ++ encoded nibble path -> storage-trie node.
pub const STORAGE_TRIE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("storage_trie");
/// (block ‖ address) -> the account as it was before that block changed it (empty: absent).
pub const ACCOUNT_CHANGESETS: TableDefinition<&[u8; 28], &[u8]> =
    TableDefinition::new("account_changesets");
/// (block ‖ address ‖ slot) -> the slot's value before that block changed it.
pub const STORAGE_CHANGESETS: TableDefinition<&[u8; 60], &[u8; 32]> =
    TableDefinition::new("storage_changesets");
/// (address ‖ block): the blocks that changed an account, in order, for historical reads.
pub const ACCOUNT_HISTORY: TableDefinition<&[u8; 28], ()> = TableDefinition::new("account_history");
/// (address ‖ slot ‖ block): the blocks that changed a slot, in order.
pub const STORAGE_HISTORY: TableDefinition<&[u8; 60], ()> = TableDefinition::new("storage_history");
/// SHA-256 (or other 32-byte hash) of an RPC sign-in token -> the token record, encoded by the
/// RPC layer. Only hashes are stored, so the file never holds a usable token.
pub const AUTH_TOKENS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("auth_tokens");
/// Sequence number -> one audit record, encoded by the RPC layer. Append-only.
pub const AUDIT_LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_log");
/// Chain metadata (genesis hash, head, chain spec).
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Meta key of the genesis hash.
pub const META_GENESIS_HASH: &str = "genesis_hash";
/// Meta key of the head block number.
pub const META_HEAD: &str = "head";
/// Meta key of the genesis JSON the datadir was initialised with.
pub const META_GENESIS_JSON: &str = "genesis_json";
