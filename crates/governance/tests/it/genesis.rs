//! `genesis_account` and `read_state`: what the constructor set, determinism, refusals.

use crate::chain::{Chain, POLICY, addr, initial, spec};
use cloister_governance::{
    GovernanceError, InitialGovernance, genesis_account, measurement, read_config_version,
    read_state, runtime_code,
};
use cloister_primitives::{B256, Bytes};
use revm::database::{CacheDB, EmptyDB};

fn rich() -> InitialGovernance {
    let mut initial = initial(5001, 6667);
    initial.nodes = vec![addr(20)];
    initial.measurements = vec![
        measurement(B256::repeat_byte(0xaa), B256::ZERO, 1, 2),
        measurement(B256::ZERO, B256::repeat_byte(0xbb), 7, 0),
    ];
    initial.roles = vec![(addr(30), "auditor".into()), (addr(31), "admin".into())];
    initial
}

#[test]
fn read_state_returns_what_the_constructor_set() {
    let initial = rich();
    let chain = Chain::new(&initial);
    let state = chain.read();
    assert_eq!(state.members, initial.members);
    assert_eq!(state.validators, initial.validators);
    assert_eq!(state.nodes, initial.nodes);
    assert_eq!(state.measurements, initial.measurements);
    assert_eq!(state.roles, initial.roles);
    assert_eq!(state.policy_json, Bytes::from_static(POLICY.as_bytes()));
    assert_eq!(state.policy_version, 1);
    assert_eq!(
        (state.add_bps, state.remove_bps, state.voting_period),
        (5001, 6667, 100)
    );
    assert_eq!(state.config_version, 1);
    assert_eq!(
        read_config_version(&chain.db, &chain.spec, &chain.header()).unwrap(),
        Some(1)
    );
}

#[test]
fn genesis_account_is_deterministic_and_holds_the_artifact() {
    let spec = spec();
    let a = genesis_account(&rich(), &spec).unwrap();
    let b = genesis_account(&rich(), &spec).unwrap();
    assert_eq!(a, b);
    assert_eq!(&a.code, runtime_code().unwrap());
    assert!(!a.storage.is_empty());
    let account = a.to_genesis_account();
    assert_eq!(account.nonce, Some(1));
}

#[test]
fn no_contract_reads_as_none() {
    let spec = spec();
    let db = CacheDB::new(EmptyDB::new());
    let chain = Chain::new(&rich());
    assert!(read_state(&db, &spec, &chain.header()).unwrap().is_none());
}

#[test]
fn constructor_refusals_carry_their_reason() {
    let spec = spec();
    let mut bad = initial(5001, 6667);
    bad.members.clear();
    assert!(matches!(
        genesis_account(&bad, &spec),
        Err(GovernanceError::Reverted { reason, .. }) if reason == "at least one member"
    ));
    let mut bad = initial(5001, 6667);
    bad.policy_json = Bytes::from_static(br#"{"mode":"secret"}"#);
    match genesis_account(&bad, &spec) {
        Err(GovernanceError::Reverted { reason, .. }) => {
            assert!(reason.starts_with("policy: "), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let mut bad = initial(7000, 6000);
    bad.voting_period = 1;
    assert!(genesis_account(&bad, &spec).is_err());
}

/// `read_state` takes the node's own state view (compiles only if the bounds hold).
#[allow(dead_code)]
fn reads_a_storage_snapshot(
    db: cloister_evm::StateDb,
    spec: &cloister_chainspec::ChainSpec,
    header: &cloister_primitives::Header,
) {
    let _ = read_state(db, spec, header);
}
