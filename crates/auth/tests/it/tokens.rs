//! Tokens over a real redb store: issue, resolve, expiry, revocation, and hashes-only storage.

use crate::common::NOW;
use cloister_auth::{TokenStore, token_hash};
use cloister_primitives::Address;
use cloister_storage::{DB_FILE, Store};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

fn store() -> (TokenStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    (TokenStore::new(store), dir)
}

#[test]
fn issue_then_resolve_until_expiry() {
    let (tokens, _dir) = store();
    let owner = Address::repeat_byte(0x11);
    let issued = tokens
        .issue_at(owner, DAY, Some("laptop"), NOW)
        .expect("issue");
    assert_eq!(issued.expires_at, NOW + 86_400);
    assert_eq!(token_hash(&issued.token), Some(issued.token_hash));
    let resolved = tokens
        .resolve_at(&issued.token, NOW + 10)
        .expect("resolve")
        .expect("valid");
    assert_eq!(resolved.address, owner);
    assert_eq!(resolved.token_hash, issued.token_hash);
    let listed = tokens.tokens_of(&owner).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].label.as_deref(), Some("laptop"));
    // Expired: refused and deleted on sight.
    assert_eq!(
        tokens
            .resolve_at(&issued.token, NOW + 86_400)
            .expect("resolve"),
        None
    );
    assert!(tokens.tokens_of(&owner).expect("list").is_empty());
    assert_eq!(
        tokens.resolve_at(&issued.token, NOW).expect("resolve"),
        None
    );
}

#[test]
fn unknown_and_malformed_tokens_resolve_to_none() {
    let (tokens, _dir) = store();
    let issued = tokens
        .issue_at(Address::repeat_byte(1), DAY, None, NOW)
        .expect("issue");
    let unknown = format!("clst_{}", "0".repeat(64));
    let upper = issued.token.to_uppercase().replace("CLST_", "clst_");
    for candidate in [
        "",
        "clst_",
        "Bearer x",
        unknown.as_str(),
        upper.as_str(),
        &issued.token[1..],
    ] {
        assert_eq!(
            tokens.resolve_at(candidate, NOW).expect("resolve"),
            None,
            "{candidate}"
        );
    }
    assert!(
        tokens
            .resolve_at(&issued.token, NOW)
            .expect("resolve")
            .is_some()
    );
}

#[test]
fn revoke_one_and_revoke_all() {
    let (tokens, _dir) = store();
    let alice = Address::repeat_byte(0xa1);
    let bob = Address::repeat_byte(0xb0);
    let alice_tokens: Vec<_> = (0..3)
        .map(|i| tokens.issue_at(alice, DAY, None, NOW + i).expect("issue"))
        .collect();
    let bob_token = tokens.issue_at(bob, DAY, None, NOW).expect("issue");

    assert!(tokens.revoke(&alice_tokens[0].token).expect("revoke"));
    assert!(!tokens.revoke(&alice_tokens[0].token).expect("revoke twice"));
    assert!(!tokens.revoke("clst_nonsense").expect("revoke malformed"));
    assert_eq!(
        tokens
            .resolve_at(&alice_tokens[0].token, NOW)
            .expect("resolve"),
        None
    );
    assert!(
        tokens
            .resolve_at(&alice_tokens[1].token, NOW)
            .expect("resolve")
            .is_some()
    );

    assert_eq!(tokens.revoke_all(&alice).expect("revoke all"), 2);
    assert_eq!(tokens.revoke_all(&alice).expect("revoke all again"), 0);
    for issued in &alice_tokens {
        assert_eq!(
            tokens.resolve_at(&issued.token, NOW).expect("resolve"),
            None
        );
    }
    let bob_owner = tokens
        .resolve_at(&bob_token.token, NOW)
        .expect("resolve")
        .expect("bob kept");
    assert_eq!(bob_owner.address, bob);

    assert!(
        tokens
            .revoke_hash(&bob_token.token_hash)
            .expect("admin revoke")
    );
    assert_eq!(
        tokens.resolve_at(&bob_token.token, NOW).expect("resolve"),
        None
    );
}

#[test]
fn sweep_deletes_only_expired() {
    let (tokens, _dir) = store();
    let owner = Address::repeat_byte(0x22);
    let short = tokens
        .issue_at(owner, Duration::from_secs(60), None, NOW)
        .expect("issue");
    let long = tokens.issue_at(owner, DAY, None, NOW).expect("issue");
    assert_eq!(tokens.sweep_expired(NOW + 59).expect("sweep"), 0);
    assert_eq!(tokens.sweep_expired(NOW + 60).expect("sweep"), 1);
    let left = tokens.tokens_of(&owner).expect("list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].token_hash, long.token_hash);
    assert_ne!(left[0].token_hash, short.token_hash);
}

#[test]
fn labels_are_bounded() {
    let (tokens, _dir) = store();
    let owner = Address::repeat_byte(3);
    assert!(
        tokens
            .issue_at(owner, DAY, Some(&"x".repeat(129)), NOW)
            .is_err()
    );
    assert!(tokens.issue_at(owner, DAY, Some("a\nb"), NOW).is_err());
    assert!(
        tokens
            .issue_at(owner, DAY, Some(&"x".repeat(128)), NOW)
            .is_ok()
    );
}

#[test]
fn only_hashes_reach_the_database_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let issued: Vec<_> = {
        let tokens = TokenStore::new(Store::open(dir.path()).expect("open"));
        (0..8)
            .map(|i| {
                tokens
                    .issue_at(Address::repeat_byte(i), DAY, None, NOW)
                    .expect("issue")
            })
            .collect()
    };
    let file = std::fs::read(dir.path().join(DB_FILE)).expect("read db file");
    let contains = |needle: &[u8]| file.windows(needle.len()).any(|window| window == needle);
    for token in &issued {
        let hex_digits = token.token.strip_prefix("clst_").expect("prefix");
        let raw = hex::decode(hex_digits).expect("hex");
        assert!(!contains(token.token.as_bytes()), "token text on disk");
        assert!(!contains(hex_digits.as_bytes()), "token hex on disk");
        assert!(!contains(&raw), "token bytes on disk");
        // The scan itself works: the hash is there.
        assert!(contains(&token.token_hash), "hash missing: scan is broken");
    }
}
