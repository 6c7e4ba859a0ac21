//! Decision tests: every kind of caller against every kind of rule.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::{CertIdentity, Policy, PolicyDocument};
use cloister_primitives::address;

const SENDER: Address = address!("0x000000000000000000000000000000000000a11c");
const RECIPIENT: Address = address!("0x000000000000000000000000000000000000b0b0");
const LOG_PARTY: Address = address!("0x000000000000000000000000000000000000ca01");
const STRANGER: Address = address!("0x000000000000000000000000000000000000dead");
const AUDITOR: Address = address!("0x000000000000000000000000000000000000a0d1");
const MEMBER: Address = address!("0x000000000000000000000000000000000000beef");
const LISTED: Address = address!("0x0000000000000000000000000000000000001157");
const CONTRACT: Address = address!("0x000000000000000000000000000000000000c0de");
const JUDGE: Address = address!("0x0000000000000000000000000000000000009d9e");

fn policy(rule: Visibility) -> Policy {
    let mut doc = PolicyDocument::default();
    doc.roles.insert(AUDITOR, vec![Role::Auditor]);
    doc.roles.insert(MEMBER, vec![Role::Member]);
    doc.contracts.insert(CONTRACT, rule);
    Policy::new(doc).unwrap()
}

/// Who sees a transaction from SENDER to CONTRACT whose logs name LOG_PARTY, under `rule`,
/// for: anonymous, sender, contract (recipient), log party, stranger, auditor, member, listed.
fn seen_by(rule: Visibility) -> [TxAccess; 8] {
    let p = policy(rule);
    let tx = TxFacts {
        from: SENDER,
        to: Some(CONTRACT),
        log_parties: &[LOG_PARTY],
    };
    [
        p.transaction(&Caller::ANONYMOUS, &tx),
        p.transaction(&p.caller_for(SENDER), &tx),
        p.transaction(&p.caller_for(CONTRACT), &tx),
        p.transaction(&p.caller_for(LOG_PARTY), &tx),
        p.transaction(&p.caller_for(STRANGER), &tx),
        p.transaction(&p.caller_for(AUDITOR), &tx),
        p.transaction(&p.caller_for(MEMBER), &tx),
        p.transaction(&p.caller_for(LISTED), &tx),
    ]
}

const A: TxAccess = TxAccess::Decided(Access::Allow);
const U: TxAccess = TxAccess::Decided(Access::Audited);
const D: TxAccess = TxAccess::Decided(Access::Deny);

#[test]
fn sender_rule() {
    assert_eq!(seen_by(Visibility::Sender), [D, A, D, D, D, U, D, D]);
}

#[test]
fn parties_rule() {
    assert_eq!(seen_by(Visibility::Parties), [D, A, A, A, D, U, D, D]);
}

#[test]
fn public_rule() {
    assert_eq!(seen_by(Visibility::Public), [D, A, A, A, A, A, A, A]);
}

#[test]
fn members_rule() {
    assert_eq!(seen_by(Visibility::Members), [D, A, A, A, D, U, A, D]);
}

#[test]
fn addresses_rule() {
    assert_eq!(
        seen_by(Visibility::Addresses(vec![LISTED])),
        [D, A, A, A, D, U, D, A]
    );
}

#[test]
fn roles_rule() {
    assert_eq!(
        seen_by(Visibility::Roles(vec![Role::Member])),
        [D, A, A, A, D, U, A, D]
    );
}

#[test]
fn contract_rule_asks_for_non_parties_only() {
    let ask = |otherwise| TxAccess::AskContract {
        contract: JUDGE,
        gas_cap: 50_000,
        otherwise,
    };
    let seen = seen_by(Visibility::Contract {
        address: JUDGE,
        gas_cap: 50_000,
    });
    assert_eq!(
        seen,
        [
            D,
            A,
            A,
            A,
            ask(Access::Deny),
            ask(Access::Audited),
            ask(Access::Deny),
            ask(Access::Deny)
        ]
    );
}

#[test]
fn default_rule_applies_to_other_recipients_and_creations() {
    let p = policy(Visibility::Public);
    let to_other = TxFacts {
        from: SENDER,
        to: Some(RECIPIENT),
        log_parties: &[],
    };
    assert_eq!(p.transaction(&p.caller_for(RECIPIENT), &to_other), A);
    assert_eq!(p.transaction(&p.caller_for(STRANGER), &to_other), D);
    let creation = TxFacts {
        from: SENDER,
        to: None,
        log_parties: &[],
    };
    assert_eq!(p.transaction(&p.caller_for(STRANGER), &creation), D);
    assert_eq!(p.transaction(&p.caller_for(SENDER), &creation), A);
}

#[test]
fn permissive_shows_everything_to_everyone() {
    let p = Policy::permissive();
    let tx = TxFacts {
        from: SENDER,
        to: None,
        log_parties: &[],
    };
    assert_eq!(p.transaction(&Caller::ANONYMOUS, &tx), A);
    assert_eq!(p.account(&Caller::ANONYMOUS, &SENDER), Access::Allow);
    assert_eq!(p.storage(&Caller::ANONYMOUS, &SENDER), Access::Allow);
    assert!(p.bloom(&Caller::ANONYMOUS));
    assert!(p.method(&Caller::ANONYMOUS, "debug_traceTransaction"));
    assert!(!p.method(&Caller::ANONYMOUS, "admin_addPeer"));
    assert_eq!(
        p.call_from(&Caller::ANONYMOUS, Some(SENDER)),
        CallFrom::Use(Some(SENDER))
    );
}

#[test]
fn accounts_storage_and_bloom() {
    let p = policy(Visibility::Parties);
    let (me, auditor, stranger) = (
        p.caller_for(SENDER),
        p.caller_for(AUDITOR),
        p.caller_for(STRANGER),
    );
    assert_eq!(p.account(&me, &SENDER), Access::Allow);
    assert_eq!(p.account(&stranger, &SENDER), Access::Deny);
    assert_eq!(p.account(&auditor, &SENDER), Access::Audited);
    assert_eq!(p.account(&auditor, &AUDITOR), Access::Allow);
    assert_eq!(p.account(&Caller::ANONYMOUS, &SENDER), Access::Deny);
    assert_eq!(p.storage(&me, &CONTRACT), Access::Deny);
    assert_eq!(p.storage(&auditor, &CONTRACT), Access::Audited);
    assert!(!p.bloom(&me) && p.bloom(&auditor));

    let mut public = PolicyDocument::default();
    public.accounts = AccountVisibility::Public;
    let p = Policy::new(public).unwrap();
    assert_eq!(p.account(&p.caller_for(STRANGER), &SENDER), Access::Allow);
    assert_eq!(p.account(&Caller::ANONYMOUS, &SENDER), Access::Deny);
}

#[test]
fn methods_by_caller() {
    let mut doc = PolicyDocument::default();
    doc.roles.insert(AUDITOR, vec![Role::Auditor]);
    doc.anonymous_methods = vec!["eth_gasPrice".into(), "debug_traceCall".into()];
    let p = Policy::new(doc).unwrap();
    let (anon, user, auditor) = (
        Caller::ANONYMOUS,
        p.caller_for(SENDER),
        p.caller_for(AUDITOR),
    );
    for (method, anon_ok, user_ok, auditor_ok) in [
        ("eth_chainId", true, true, true),
        ("net_version", true, true, true),
        ("web3_clientVersion", true, true, true),
        ("eth_gasPrice", true, true, true),
        ("eth_getBalance", false, true, true),
        ("eth_getLogs", false, true, true),
        ("debug_traceTransaction", false, false, true),
        ("debug_traceCall", false, false, true),
        ("eth_getProof", false, false, true),
        ("engine_forkchoiceUpdatedV3", false, false, false),
        ("no_suchMethod", false, false, false),
    ] {
        assert_eq!(p.method(&anon, method), anon_ok, "anonymous {method}");
        assert_eq!(p.method(&user, method), user_ok, "user {method}");
        assert_eq!(p.method(&auditor, method), auditor_ok, "auditor {method}");
    }
    assert!(p.method_audited(&auditor, "debug_traceTransaction"));
    assert!(!p.method_audited(&auditor, "eth_getBalance"));
}

#[test]
fn call_from_is_bound_to_the_caller() {
    let p = policy(Visibility::Parties);
    let me = p.caller_for(SENDER);
    assert_eq!(p.call_from(&me, None), CallFrom::Use(Some(SENDER)));
    assert_eq!(p.call_from(&me, Some(SENDER)), CallFrom::Use(Some(SENDER)));
    assert_eq!(p.call_from(&me, Some(STRANGER)), CallFrom::Refuse);
    assert_eq!(p.call_from(&Caller::ANONYMOUS, None), CallFrom::Refuse);
    assert!(p.acts_as(&me, &SENDER) && !p.acts_as(&me, &STRANGER));
}

#[test]
fn a_zero_from_is_no_from_on_a_confidential_chain_only() {
    let p = policy(Visibility::Parties);
    let me = p.caller_for(SENDER);
    assert_eq!(
        p.call_from(&me, Some(Address::ZERO)),
        CallFrom::Use(Some(SENDER))
    );
    assert_eq!(
        p.call_from(&Caller::ANONYMOUS, Some(Address::ZERO)),
        CallFrom::Refuse
    );
    let open = Policy::permissive();
    assert_eq!(
        open.call_from(&open.caller_for(SENDER), Some(Address::ZERO)),
        CallFrom::Use(Some(Address::ZERO))
    );
    assert_eq!(
        open.call_from(&Caller::ANONYMOUS, Some(Address::ZERO)),
        CallFrom::Use(Some(Address::ZERO))
    );
}

#[test]
fn a_caller_with_several_addresses_is_each_of_them() {
    let p = policy(Visibility::Parties);
    let both = p.caller_for_all(&[STRANGER, SENDER]);
    assert_eq!(both.address, Some(STRANGER));
    assert!(both.is(&SENDER) && both.is(&STRANGER) && !both.is(&RECIPIENT));
    // Own transactions of either address, and what either is a party to.
    let tx = TxFacts {
        from: SENDER,
        to: Some(CONTRACT),
        log_parties: &[],
    };
    assert_eq!(p.transaction(&both, &tx), A);
    let logs_name = p.caller_for_all(&[STRANGER, LOG_PARTY]);
    let named = TxFacts {
        from: RECIPIENT,
        to: Some(CONTRACT),
        log_parties: &[LOG_PARTY],
    };
    assert_eq!(p.transaction(&logs_name, &named), A);
    assert_eq!(p.transaction(&p.caller_for(STRANGER), &named), D);
    // Balances of each; `from` any of them, none given: the first.
    assert_eq!(p.account(&both, &SENDER), Access::Allow);
    assert_eq!(p.account(&both, &STRANGER), Access::Allow);
    assert_eq!(p.account(&both, &RECIPIENT), Access::Deny);
    assert_eq!(p.call_from(&both, None), CallFrom::Use(Some(STRANGER)));
    assert_eq!(
        p.call_from(&both, Some(SENDER)),
        CallFrom::Use(Some(SENDER))
    );
    assert_eq!(
        p.call_from(&both, Some(Address::ZERO)),
        CallFrom::Use(Some(STRANGER))
    );
    assert_eq!(p.call_from(&both, Some(RECIPIENT)), CallFrom::Refuse);
    assert!(p.acts_as(&both, &SENDER) && p.acts_as(&both, &STRANGER));
    assert!(!p.acts_as(&both, &RECIPIENT));
    // A listed address counts whichever of the caller's it is.
    let listed = policy(Visibility::Addresses(vec![LISTED]));
    let other = TxFacts {
        from: RECIPIENT,
        to: Some(CONTRACT),
        log_parties: &[],
    };
    assert_eq!(
        listed.transaction(&listed.caller_for_all(&[STRANGER, LISTED]), &other),
        A
    );
    // The roles of every address; duplicates collapse; nothing proven is anonymous.
    let with_auditor = p.caller_for_all(&[SENDER, AUDITOR, SENDER]);
    assert!(with_auditor.has(Role::Auditor));
    assert_eq!(
        with_auditor.addresses().collect::<Vec<_>>(),
        [SENDER, AUDITOR]
    );
    assert_eq!(p.caller_for_all(&[SENDER]), p.caller_for(SENDER));
    assert_eq!(p.caller_for_all(&[]), Caller::ANONYMOUS);
}

#[test]
fn sign_in_and_certificates() {
    let mut doc = PolicyDocument::default();
    doc.sign_in = SignInRule::Allow(vec![SENDER]);
    doc.roles.insert(AUDITOR, vec![Role::Auditor]);
    let fingerprint = "ab".repeat(32);
    doc.certificates.insert(
        fingerprint.clone(),
        CertIdentity {
            address: AUDITOR,
            roles: vec![Role::Admin],
        },
    );
    let p = Policy::new(doc.clone()).unwrap();
    assert!(p.may_sign_in(&SENDER) && p.may_sign_in(&AUDITOR) && !p.may_sign_in(&STRANGER));
    let service = p.caller_for_certificate(&[0xab; 32]).unwrap();
    assert_eq!(service.address, Some(AUDITOR));
    assert!(service.has(Role::Auditor) && service.has(Role::Admin));
    assert!(p.caller_for_certificate(&[0xac; 32]).is_none());
    assert!(p.revokes_for_others(&service) && !p.revokes_for_others(&p.caller_for(SENDER)));

    doc.certificates.insert(
        "xyz".into(),
        CertIdentity {
            address: SENDER,
            roles: vec![],
        },
    );
    assert!(matches!(Policy::new(doc), Err(PolicyError::Fingerprint(_))));
}
