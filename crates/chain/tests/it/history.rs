//! History: after many blocks of transfers and storage writes and deletes, every account and
//! slot read at every past block equals what the head held right after that block.

use crate::{Harness, deploy_code, store_call};
use cloister_primitives::{Address, B256, Bytes, U256, primitives::TxKind};
use cloister_storage::StoredAccount;
use std::collections::{BTreeMap, BTreeSet};

type Snapshot = (
    BTreeMap<Address, StoredAccount>,
    BTreeMap<(Address, B256), U256>,
);

fn snapshot(h: &Harness) -> Snapshot {
    let reader = h.chain.head().reader.clone();
    let accounts: BTreeMap<_, _> = reader.all_accounts().unwrap().into_iter().collect();
    let mut slots = BTreeMap::new();
    for address in accounts.keys() {
        for (slot, value) in reader.storage_slots(address).unwrap() {
            slots.insert((*address, slot), value);
        }
    }
    (accounts, slots)
}

#[test]
fn every_past_block_reads_back_exactly_from_history() {
    let mut h = Harness::new();
    let mut snapshots = vec![snapshot(&h)];
    let deploy = h.tx(1, TxKind::Create, 0, deploy_code(), false);
    let contract = h.keys[1].address().create(0);
    h.mine(vec![deploy]);
    snapshots.push(snapshot(&h));

    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..10 {
        let mut txs = Vec::new();
        for _ in 0..25 {
            let from = (next() % 9 + 1) as usize;
            let tx = if next() % 2 == 0 {
                let to = Address::from_word(B256::from(U256::from(next() % 50 + 1)));
                h.tx(
                    from,
                    TxKind::Call(to),
                    next() % 1000 + 1,
                    Bytes::new(),
                    false,
                )
            } else {
                h.tx(
                    from,
                    TxKind::Call(contract),
                    0,
                    store_call(next() % 16, next() % 3),
                    false,
                )
            };
            txs.push(tx);
        }
        h.mine(txs);
        snapshots.push(snapshot(&h));
    }

    let reader = h.chain.head().reader.clone();
    let addresses: BTreeSet<Address> = snapshots
        .iter()
        .flat_map(|(a, _)| a.keys().copied())
        .collect();
    let slots: BTreeSet<(Address, B256)> = snapshots
        .iter()
        .flat_map(|(_, s)| s.keys().copied())
        .collect();
    // A never-touched address and slot read as absent/zero everywhere.
    let untouched = Address::repeat_byte(0xee);
    for (block, (accounts, storage)) in snapshots.iter().enumerate() {
        let block = block as u64;
        for address in &addresses {
            assert_eq!(
                reader.account_at(address, block).unwrap(),
                accounts.get(address).copied(),
                "account {address} after block {block}"
            );
        }
        for (address, slot) in &slots {
            assert_eq!(
                reader.storage_at(address, slot, block).unwrap(),
                storage.get(&(*address, *slot)).copied().unwrap_or_default(),
                "slot {slot} of {address} after block {block}"
            );
        }
        assert_eq!(reader.account_at(&untouched, block).unwrap(), None);
    }
}
