//! Integration tests of cloister-storage: a real redb file in a temp dir.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod encrypted_store;
mod rpc_tables;

use cloister_primitives::{Address, B256, Bytes, Header, U256};
use cloister_storage::{BlockRecord, Store, StoredAccount};

#[test]
fn block_and_state_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let alice = Address::repeat_byte(0xa1);
    let header = Header {
        number: 0,
        gas_limit: 30_000_000,
        ..Default::default()
    };
    let hash = header.hash_slow();
    {
        let store = Store::open(dir.path()).unwrap();
        let mut w = store.writer().unwrap();
        w.set_genesis(hash, "{}").unwrap();
        w.put_block(&BlockRecord {
            header: header.clone(),
            hash,
            transactions: vec![],
            receipts: vec![],
            ommers: vec![],
            withdrawals: Some(vec![]),
            seal: None,
        })
        .unwrap();
        let account = StoredAccount {
            nonce: 1,
            balance: U256::from(5),
            ..Default::default()
        };
        w.put_accounts([(&alice, Some(account))]).unwrap();
        w.put_storage([(&alice, B256::with_last_byte(1), U256::from(9))])
            .unwrap();
        let code = Bytes::from_static(&[0x60, 0x00]);
        w.put_bytecodes([(&B256::repeat_byte(7), &code)]).unwrap();
        w.commit().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let r = store.reader().unwrap();
    assert_eq!(r.genesis_hash().unwrap(), Some(hash));
    assert_eq!(r.head_number().unwrap(), Some(0));
    assert_eq!(r.header(0).unwrap(), Some(header));
    assert_eq!(r.block_number(&hash).unwrap(), Some(0));
    assert_eq!(r.account(&alice).unwrap().unwrap().nonce, 1);
    assert_eq!(
        r.storage(&alice, &B256::with_last_byte(1)).unwrap(),
        U256::from(9)
    );
    assert_eq!(r.body_extras(0).unwrap().1, Some(vec![]));
}

#[test]
fn uncommitted_writes_are_invisible_and_wipe_removes_only_one_account() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
    let mut w = store.writer().unwrap();
    for slot in 0..10u8 {
        w.put_storage([
            (&a, B256::with_last_byte(slot), U256::from(1)),
            (&b, B256::with_last_byte(slot), U256::from(2)),
        ])
        .unwrap();
    }
    w.commit().unwrap();

    let before = store.reader().unwrap();
    let mut w = store.writer().unwrap();
    w.wipe_storage(&a).unwrap();
    drop(w); // aborted: nothing lands
    assert_eq!(store.reader().unwrap().storage_slots(&a).unwrap().len(), 10);

    let mut w = store.writer().unwrap();
    w.wipe_storage(&a).unwrap();
    w.commit().unwrap();
    let after = store.reader().unwrap();
    assert!(after.storage_slots(&a).unwrap().is_empty());
    assert_eq!(after.storage_slots(&b).unwrap().len(), 10);
    // An older snapshot still sees what it saw.
    assert_eq!(before.storage_slots(&a).unwrap().len(), 10);
}
