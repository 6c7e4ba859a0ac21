//! The auth-token and audit-log tables, on plaintext and encrypted stores.

use cloister_storage::Store;
use std::sync::Arc;

fn stores() -> Vec<(tempfile::TempDir, Store)> {
    let plain = tempfile::tempdir().unwrap();
    let sealed = tempfile::tempdir().unwrap();
    let plain_store = Store::open(plain.path()).unwrap();
    let sealed_store = Store::open_encrypted(sealed.path(), &[3; 32]).unwrap();
    vec![(plain, plain_store), (sealed, sealed_store)]
}

#[test]
fn auth_tokens_put_get_delete_list_and_survive_reopen() {
    for (dir, store) in stores() {
        let (a, b) = ([0xaa; 32], [0x0b; 32]);
        assert_eq!(store.auth_token(&a).unwrap(), None);
        store.put_auth_token(&a, b"owner=alice").unwrap();
        store.put_auth_token(&b, b"owner=bob").unwrap();
        store.put_auth_token(&a, b"owner=alice;v2").unwrap();
        assert_eq!(
            store.auth_token(&a).unwrap(),
            Some(b"owner=alice;v2".to_vec())
        );
        assert_eq!(
            store.auth_tokens().unwrap(),
            vec![(b, b"owner=bob".to_vec()), (a, b"owner=alice;v2".to_vec())]
        );
        assert!(store.delete_auth_token(&b).unwrap());
        assert!(!store.delete_auth_token(&b).unwrap());
        let encrypted = store.is_encrypted();
        drop(store);
        let store = if encrypted {
            Store::open_encrypted(dir.path(), &[3; 32]).unwrap()
        } else {
            Store::open(dir.path()).unwrap()
        };
        assert_eq!(
            store.auth_tokens().unwrap(),
            vec![(a, b"owner=alice;v2".to_vec())]
        );
    }
}

#[test]
fn audit_log_numbers_appends_consecutively_and_pages_from_any_point() {
    for (_dir, store) in stores() {
        assert!(store.audit_entries(0, 10).unwrap().is_empty());
        for i in 0..5u8 {
            assert_eq!(store.append_audit(&[i]).unwrap(), u64::from(i));
        }
        assert_eq!(
            store.audit_entries(1, 2).unwrap(),
            vec![(1, vec![1]), (2, vec![2])]
        );
        assert_eq!(store.audit_entries(3, 100).unwrap().len(), 2);
        assert!(store.audit_entries(5, 100).unwrap().is_empty());
        assert!(store.audit_entries(0, 0).unwrap().is_empty());
    }
}

#[test]
fn concurrent_audit_appends_get_distinct_consecutive_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open_encrypted(dir.path(), &[4; 32]).unwrap());
    let threads: Vec<_> = (0..4u8)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                (0..25u8)
                    .map(|i| store.append_audit(&[t, i]).unwrap())
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut numbers: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..100).collect::<Vec<u64>>());
    let entries = store.audit_entries(0, 1000).unwrap();
    assert_eq!(entries.len(), 100);
    assert!(entries.iter().all(|(_, record)| record.len() == 2));
}
