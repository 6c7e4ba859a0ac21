//! `eth_getProof` (EIP-1186) from the stored Merkle-Patricia tries, and `eth_getStorageValues`.
//! Trie nodes are stored for the head block only, so proofs of older blocks are refused with
//! a clear error; plain storage values come from history at any block.

use crate::{RpcContext, RpcError, RpcResult};
use alloy_rpc_types_eth::{BlockId, EIP1186AccountProofResponse, EIP1186StorageProof};
use alloy_serde::JsonStorageKey;
use cloister_primitives::{Address, B256, consensus::constants::KECCAK_EMPTY, keccak256};
use cloister_storage::{StorageError, StoreReader};
use cloister_trie::{EMPTY_ROOT_HASH, Nibbles, StoredNode, TrieError, TrieNodeReader, encode_path};
use std::collections::BTreeMap;

/// Most slots one `eth_getStorageValues` call may ask for.
const MAX_STORAGE_VALUES: usize = 1024;

/// Why a stored trie node could not be read.
#[derive(Debug, thiserror::Error)]
enum NodeReadError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Decode(#[from] TrieError),
}

fn decode(bytes: Option<Vec<u8>>) -> Result<Option<StoredNode>, NodeReadError> {
    Ok(bytes.map(|b| StoredNode::decode(&b)).transpose()?)
}

/// The account trie of the snapshot.
struct AccountTrie<'a>(&'a StoreReader);

impl TrieNodeReader for AccountTrie<'_> {
    type Error = NodeReadError;
    fn node(&self, path: &Nibbles) -> Result<Option<StoredNode>, Self::Error> {
        decode(self.0.account_trie_node(&encode_path(path))?)
    }
}

/// One account's storage trie in the snapshot.
struct StorageTrie<'a> {
    reader: &'a StoreReader,
    hashed_address: B256,
}

impl TrieNodeReader for StorageTrie<'_> {
    type Error = NodeReadError;
    fn node(&self, path: &Nibbles) -> Result<Option<StoredNode>, Self::Error> {
        decode(
            self.reader
                .storage_trie_node(&self.hashed_address, &encode_path(path))?,
        )
    }
}

/// The EIP-1186 proof of `address` and its `keys` at the head block.
pub(super) fn get_proof(
    ctx: &RpcContext,
    address: Address,
    keys: Vec<JsonStorageKey>,
    block: Option<BlockId>,
) -> RpcResult<EIP1186AccountProofResponse> {
    let state = ctx.state_at(block)?;
    if !state.is_latest() {
        return Err(RpcError::HistoricalState);
    }
    let reader = &*state.reader;
    let hashed_address = keccak256(address);
    let account_proof =
        cloister_trie::proof(&AccountTrie(reader), hashed_address).map_err(RpcError::internal)?;
    let account = reader.account(&address)?;
    let storage_trie = StorageTrie {
        reader,
        hashed_address,
    };
    let storage_proof = keys
        .into_iter()
        .map(|key| {
            let slot = key.as_b256();
            let value = reader.storage(&address, &slot)?;
            let proof = if account.is_some() {
                cloister_trie::proof(&storage_trie, keccak256(slot)).map_err(RpcError::internal)?
            } else {
                Vec::new()
            };
            Ok(EIP1186StorageProof { key, value, proof })
        })
        .collect::<RpcResult<Vec<_>>>()?;
    Ok(match account {
        Some(account) => EIP1186AccountProofResponse {
            address,
            balance: account.balance,
            code_hash: account.code_hash,
            nonce: account.nonce,
            storage_hash: account.storage_root,
            account_proof,
            storage_proof,
        },
        None => EIP1186AccountProofResponse {
            address,
            balance: Default::default(),
            code_hash: KECCAK_EMPTY,
            nonce: 0,
            storage_hash: EMPTY_ROOT_HASH,
            account_proof,
            storage_proof,
        },
    })
}

/// Many storage slots of many accounts at one block, in the order asked.
pub(super) fn storage_values(
    ctx: &RpcContext,
    request: BTreeMap<Address, Vec<B256>>,
    block: Option<BlockId>,
) -> RpcResult<BTreeMap<Address, Vec<B256>>> {
    let slots: usize = request.values().map(Vec::len).sum();
    if slots == 0 {
        return Err(RpcError::InvalidParams("empty request".into()));
    }
    if slots > MAX_STORAGE_VALUES {
        return Err(RpcError::InvalidParams(format!(
            "too many slots (max {MAX_STORAGE_VALUES})"
        )));
    }
    let state = ctx.state_at(block)?;
    request
        .into_iter()
        .map(|(address, keys)| {
            let values = keys
                .iter()
                .map(|slot| Ok(B256::from(state.storage(&address, slot)?)))
                .collect::<RpcResult<Vec<_>>>()?;
            Ok((address, values))
        })
        .collect()
}
