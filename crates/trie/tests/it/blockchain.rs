//! State roots of ethereum/tests blockchain fixtures: the `pre` allocation must give the
//! genesis `stateRoot`, and applying the difference to `postState` incrementally must give the
//! last block's `stateRoot` (account trie and every storage trie).

use alloy_rlp::{Encodable, Header};
use cloister_primitives::{Address, B256, U256, hex, keccak256};
use cloister_trie::{EMPTY_ROOT_HASH, MemoryTrieStore};
use serde_json::Value;
use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
};

/// RLP of a state-trie account: `[nonce, balance, storage_root, code_hash]`.
pub fn account_rlp(nonce: u64, balance: U256, storage_root: B256, code_hash: B256) -> Vec<u8> {
    let mut payload = Vec::new();
    nonce.encode(&mut payload);
    balance.encode(&mut payload);
    storage_root.encode(&mut payload);
    code_hash.encode(&mut payload);
    let mut out = Vec::new();
    Header {
        list: true,
        payload_length: payload.len(),
    }
    .encode(&mut out);
    out.extend(payload);
    out
}

#[derive(Clone, Debug, PartialEq)]
struct Account {
    nonce: u64,
    balance: U256,
    code_hash: B256,
    storage: BTreeMap<U256, U256>,
}

fn number(value: &Value) -> U256 {
    value.as_str().unwrap().parse().unwrap()
}

fn parse_accounts(alloc: &Value) -> BTreeMap<Address, Account> {
    alloc
        .as_object()
        .unwrap()
        .iter()
        .map(|(address, account)| {
            let code = account["code"].as_str().unwrap();
            let code = hex::decode(code.trim_start_matches("0x")).unwrap();
            let storage = account["storage"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(slot, value)| (slot.parse::<U256>().unwrap(), number(value)))
                .filter(|(_, value)| !value.is_zero())
                .collect();
            let account = Account {
                nonce: number(&account["nonce"]).to::<u64>(),
                balance: number(&account["balance"]),
                code_hash: keccak256(code),
                storage,
            };
            (address.parse().unwrap(), account)
        })
        .collect()
}

/// The account and storage tries of one world, updated incrementally.
#[derive(Default)]
struct WorldTries {
    accounts: MemoryTrieStore,
    storage: HashMap<Address, MemoryTrieStore>,
    state_root: B256,
}

impl WorldTries {
    /// Moves the tries from world `before` to world `after`; returns the new state root.
    fn transition(
        &mut self,
        before: &BTreeMap<Address, Account>,
        after: &BTreeMap<Address, Account>,
    ) -> B256 {
        let mut account_changes = Vec::new();
        for (address, account) in after {
            let old_storage = before.get(address).map(|old| &old.storage);
            let mut slot_changes = Vec::new();
            for (slot, value) in &account.storage {
                if old_storage.and_then(|old| old.get(slot)) != Some(value) {
                    let key = keccak256(slot.to_be_bytes::<32>());
                    slot_changes.push((key, Some(alloy_rlp::encode(value))));
                }
            }
            for slot in old_storage.into_iter().flat_map(|old| old.keys()) {
                if !account.storage.contains_key(slot) {
                    slot_changes.push((keccak256(slot.to_be_bytes::<32>()), None));
                }
            }
            let store = self.storage.entry(*address).or_default();
            let (storage_root, updates) =
                cloister_trie::apply_changes(&*store, slot_changes).unwrap();
            crate::common::assert_well_formed(store, &updates);
            store.apply(updates);
            if storage_root == EMPTY_ROOT_HASH {
                assert!(store.is_empty());
            }
            let leaf = account_rlp(
                account.nonce,
                account.balance,
                storage_root,
                account.code_hash,
            );
            account_changes.push((keccak256(address), Some(leaf)));
        }
        for address in before
            .keys()
            .filter(|address| !after.contains_key(*address))
        {
            self.storage.remove(address);
            account_changes.push((keccak256(address), None));
        }
        self.state_root = crate::common::apply_checked(&mut self.accounts, account_changes);
        self.state_root
    }
}

/// The fixture directories (under `conformance/ethereum-tests`), or `None` when the set is
/// missing outside CI (skipped); a missing set under `CI=true` fails.
fn fixture_dirs() -> Option<Vec<PathBuf>> {
    let shared = cloister_fixtures::locate("conformance/ethereum-tests").unwrap()?;
    let dirs = vec![
        shared.join("ethereum-tests-legacy/BlockchainTests/ValidBlocks"),
        // Self-destructs and EIP-7702 delegations: account deletions and storage wipes.
        shared.join("eest-stable-v5.4.0/blockchain_tests/cancun/eip6780_selfdestruct"),
        shared.join("eest-stable-v5.4.0/blockchain_tests/prague/eip7702_set_code_tx"),
    ];
    for dir in &dirs {
        assert!(
            dir.is_dir(),
            "{} is missing from the fixture set",
            dir.display()
        );
    }
    Some(dirs)
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
}

#[test]
fn blockchain_fixture_state_roots() {
    let Some(dirs) = fixture_dirs() else {
        return;
    };
    let mut files = Vec::new();
    for dir in &dirs {
        json_files(dir, &mut files);
    }
    let mut checked = 0;
    for file in files {
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for (name, case) in fixture.as_object().unwrap() {
            let pre = parse_accounts(&case["pre"]);
            let mut tries = WorldTries::default();
            let genesis_root: B256 = case["genesisBlockHeader"]["stateRoot"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(
                tries.transition(&BTreeMap::new(), &pre),
                genesis_root,
                "{name}: genesis"
            );
            let Some(post) = case.get("postState") else {
                continue;
            };
            let last_hash = &case["lastblockhash"];
            let last_header = case["blocks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|block| &block["blockHeader"])
                .chain([&case["genesisBlockHeader"]])
                .find(|header| &header["hash"] == last_hash)
                .unwrap_or_else(|| panic!("{name}: last block not found"));
            let post_root: B256 = last_header["stateRoot"].as_str().unwrap().parse().unwrap();
            let post = parse_accounts(post);
            assert_eq!(
                tries.transition(&pre, &post),
                post_root,
                "{name}: post state, incremental"
            );
            let mut fresh = WorldTries::default();
            assert_eq!(
                fresh.transition(&BTreeMap::new(), &post),
                post_root,
                "{name}: post state"
            );
            checked += 1;
        }
    }
    eprintln!("checked the state roots of {checked} blockchain fixtures");
    assert!(checked >= 240, "only {checked} fixtures checked");
}
