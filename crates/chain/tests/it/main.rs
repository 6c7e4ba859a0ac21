//! Integration tests of cloister-chain: real redb, real execution, and every root checked
//! against an independent computation with alloy-trie's helpers over the full data.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns
mod history;
mod import;
use alloy_consensus::{SignableTransaction, TxEip1559, TxLegacy};
use alloy_eips::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_trie::{
    EMPTY_ROOT_HASH, HashBuilder, Nibbles, TrieAccount, root::ordered_trie_root_with_encoder,
};
use cloister_chain::{Chain, seal_signer};
use cloister_chainspec::{ChainSpec, DEV_GENESIS_JSON, dev_accounts};
use cloister_evm::TxSource;
use cloister_primitives::{
    Address, B256, Bytes, RecoveredTx, TxEnvelope, U256, keccak256, primitives::TxKind,
};
use cloister_storage::{Store, StoreReader};
use std::{collections::BTreeMap, sync::Arc};

struct VecSource(std::vec::IntoIter<RecoveredTx>);

impl TxSource for VecSource {
    fn next_tx(&mut self) -> Option<RecoveredTx> {
        self.0.next()
    }
    fn skip_sender(&mut self, _sender: Address) {}
}

/// State root computed from scratch from every stored account and slot.
fn independent_state_root(reader: &StoreReader) -> B256 {
    let mut leaves = BTreeMap::new();
    for (address, account) in reader.all_accounts().unwrap() {
        let slots = reader.storage_slots(&address).unwrap();
        let storage_root = if slots.is_empty() {
            EMPTY_ROOT_HASH
        } else {
            let sorted: BTreeMap<B256, U256> =
                slots.into_iter().map(|(k, v)| (keccak256(k), v)).collect();
            let mut hb = HashBuilder::default();
            for (k, v) in sorted {
                hb.add_leaf(Nibbles::unpack(k), &alloy_rlp::encode(v));
            }
            hb.root()
        };
        assert_eq!(
            storage_root, account.storage_root,
            "storage root of {address}"
        );
        let leaf = TrieAccount {
            nonce: account.nonce,
            balance: account.balance,
            storage_root,
            code_hash: account.code_hash,
        };
        leaves.insert(keccak256(address), alloy_rlp::encode(leaf));
    }
    let mut hb = HashBuilder::default();
    for (k, v) in leaves {
        hb.add_leaf(Nibbles::unpack(k), &v);
    }
    hb.root()
}

struct Harness {
    chain: Chain,
    keys: Vec<PrivateKeySigner>,
    nonces: Vec<u64>,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let spec = Arc::new(ChainSpec::from_genesis_json(DEV_GENESIS_JSON).unwrap());
        Chain::init(&store, &spec, DEV_GENESIS_JSON).unwrap();
        let keys: Vec<_> = dev_accounts()
            .unwrap()
            .into_iter()
            .map(|(_, k)| PrivateKeySigner::from_bytes(&k).unwrap())
            .collect();
        let chain = Chain::open(store, spec, Some(keys[0].clone())).unwrap();
        Self {
            chain,
            nonces: vec![0; keys.len()],
            keys,
            _dir: dir,
        }
    }

    fn tx(
        &mut self,
        from: usize,
        to: TxKind,
        value: u64,
        input: Bytes,
        legacy: bool,
    ) -> RecoveredTx {
        let key = &self.keys[from];
        let nonce = self.nonces[from];
        self.nonces[from] += 1;
        let envelope = if legacy {
            let mut tx = TxLegacy {
                chain_id: Some(7557),
                nonce,
                gas_price: 10_000_000_000,
                gas_limit: 500_000,
                to,
                value: U256::from(value),
                input,
            };
            let sig = key.sign_transaction_sync(&mut tx).unwrap();
            TxEnvelope::Legacy(tx.into_signed(sig))
        } else {
            let mut tx = TxEip1559 {
                chain_id: 7557,
                nonce,
                gas_limit: 500_000,
                max_fee_per_gas: 10_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                to,
                value: U256::from(value),
                access_list: Default::default(),
                input,
            };
            let sig = key.sign_transaction_sync(&mut tx).unwrap();
            TxEnvelope::Eip1559(tx.into_signed(sig))
        };
        RecoveredTx::new_unchecked(envelope, key.address())
    }

    fn mine(&self, txs: Vec<RecoveredTx>) -> usize {
        let count = txs.len();
        let sealed = self
            .chain
            .build_block(&mut VecSource(txs.into_iter()), 1_900_000_000, usize::MAX)
            .unwrap();
        assert!(
            sealed.skipped.is_empty(),
            "skipped: {:?}",
            sealed.skipped.iter().map(|s| &s.reason).collect::<Vec<_>>()
        );
        assert_eq!(sealed.transactions.len(), count);
        let block = self.chain.commit_block(sealed).unwrap();
        let head = self.chain.head();
        assert_eq!(head.hash, block.hash);
        // Every root of the header, recomputed independently.
        assert_eq!(
            independent_state_root(&head.reader),
            block.header.state_root,
            "state root of block {}",
            block.header.number
        );
        let txs_root = ordered_trie_root_with_encoder(&block.transactions, |tx, buf| {
            tx.inner().encode_2718(buf)
        });
        assert_eq!(txs_root, block.header.transactions_root);
        let receipts: Vec<_> = block.receipts.iter().map(|r| r.receipt.clone()).collect();
        let receipts_root = ordered_trie_root_with_encoder(&receipts, |r, buf| r.encode_2718(buf));
        assert_eq!(receipts_root, block.header.receipts_root);
        let seal = block.seal.expect("a produced block carries its seal");
        assert_eq!(
            seal_signer(block.hash, &seal).unwrap(),
            self.keys[0].address()
        );
        assert_eq!(block.header.beneficiary, self.keys[0].address());
        assert!(block.header.extra_data.len() <= 32);
        let stored = self
            .chain
            .head()
            .reader
            .block_seal(block.header.number)
            .unwrap();
        assert_eq!(stored, Some(seal));
        count
    }
}

/// Stores calldata word 1 at the slot in calldata word 0 (zero deletes the slot).
const STORE_RUNTIME: [u8; 8] = [0x60, 0x20, 0x35, 0x60, 0x00, 0x35, 0x55, 0x00];

fn deploy_code() -> Bytes {
    let mut init = vec![
        0x60, 0x08, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x08, 0x60, 0x00, 0xf3,
    ];
    init.extend_from_slice(&STORE_RUNTIME);
    init.into()
}

fn store_call(slot: u64, value: u64) -> Bytes {
    let mut data = B256::from(U256::from(slot)).to_vec();
    data.extend_from_slice(B256::from(U256::from(value)).as_slice());
    data.into()
}

#[test]
fn genesis_root_matches_the_chain_spec_and_an_independent_computation() {
    let h = Harness::new();
    let head = h.chain.head();
    assert_eq!(head.header.number, 0);
    assert_eq!(head.hash, h.chain.spec().genesis_hash());
    assert_eq!(independent_state_root(&head.reader), head.header.state_root);
}

#[test]
fn roots_stay_exact_across_transfers_storage_writes_and_deletes() {
    let mut h = Harness::new();
    let deploy = h.tx(1, TxKind::Create, 0, deploy_code(), false);
    let contract = h.keys[1].address().create(0);
    h.mine(vec![deploy]);
    let code_hash = h
        .chain
        .head()
        .reader
        .account(&contract)
        .unwrap()
        .unwrap()
        .code_hash;
    assert_eq!(code_hash, keccak256(STORE_RUNTIME));

    // Deterministic pseudo-random traffic: new accounts, contract slots set and cleared.
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..12 {
        let mut txs = Vec::new();
        for _ in 0..40 {
            let from = (next() % 9 + 1) as usize;
            let choice = next() % 3;
            let legacy = next() % 4 == 0;
            let tx = match choice {
                0 => {
                    let to = Address::from_word(B256::from(U256::from(next() % 500)));
                    h.tx(
                        from,
                        TxKind::Call(to),
                        next() % 1_000_000 + 1,
                        Bytes::new(),
                        legacy,
                    )
                }
                1 => h.tx(
                    from,
                    TxKind::Call(contract),
                    0,
                    store_call(next() % 64, next() % 3),
                    legacy,
                ),
                _ => h.tx(
                    from,
                    TxKind::Call(h.keys[(next() % 10) as usize].address()),
                    7,
                    Bytes::new(),
                    legacy,
                ),
            };
            txs.push(tx);
        }
        assert_eq!(h.mine(txs), 40, "round {round}");
    }
    assert_eq!(h.chain.head().header.number, 13);
    let slots = h.chain.head().reader.storage_slots(&contract).unwrap();
    assert!(
        !slots.is_empty() && slots.len() < 64,
        "slots were both set and cleared: {}",
        slots.len()
    );
}

#[test]
fn a_block_that_does_not_extend_the_head_is_refused() {
    let mut h = Harness::new();
    let a = h.tx(
        1,
        TxKind::Call(Address::repeat_byte(9)),
        1,
        Bytes::new(),
        false,
    );
    let sealed = h
        .chain
        .build_block(&mut VecSource(vec![a].into_iter()), 1_900_000_000, 10)
        .unwrap();
    let b = h.tx(
        2,
        TxKind::Call(Address::repeat_byte(9)),
        1,
        Bytes::new(),
        false,
    );
    h.mine(vec![b]);
    assert!(h.chain.commit_block(sealed).is_err());
    assert_eq!(h.chain.head().header.number, 1);
}
