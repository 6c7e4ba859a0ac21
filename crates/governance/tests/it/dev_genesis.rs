//! genesis/dev.json carries the governance contract that its `cloister` section makes (dev
//! accounts 0-2 as members): `CLOISTER_WRITE_DEV_GENESIS=1 cargo nextest run -p
//! cloister-governance dev_genesis` rewrites the contract's `alloc` entry; without the variable
//! the test fails when the committed entry is stale (e.g. after the contract changed).

use cloister_chainspec::{ChainSpec, DEV_GENESIS_JSON, dev_accounts};
use cloister_governance::{Consortium, with_governance};
use serde_json::Value;
use std::path::PathBuf;

#[test]
fn dev_genesis_contract_is_fresh() {
    let fresh = with_governance(DEV_GENESIS_JSON).unwrap();
    if std::env::var_os("CLOISTER_WRITE_DEV_GENESIS").is_some() {
        let path = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../genesis/dev.json"
        ));
        std::fs::write(&path, fresh + "\n").unwrap();
        return;
    }
    let committed: Value = serde_json::from_str(DEV_GENESIS_JSON).unwrap();
    let generated: Value = serde_json::from_str(&fresh).unwrap();
    assert!(
        committed == generated,
        "genesis/dev.json's governance contract is stale: rerun with CLOISTER_WRITE_DEV_GENESIS=1"
    );
}

#[test]
fn dev_chain_is_governed_by_dev_accounts_0_to_2() {
    let spec = ChainSpec::dev().unwrap();
    let cloister = spec.cloister().unwrap();
    let accounts: Vec<_> = dev_accounts()
        .unwrap()
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(cloister.members, accounts[..3]);
    let consortium = Consortium::from_genesis(cloister);
    assert_eq!(consortium.validators, vec![accounts[0]]);
}

#[test]
fn a_genesis_with_members_needs_the_contract_and_gov_genesis_writes_it() {
    let mut genesis: Value = serde_json::from_str(DEV_GENESIS_JSON).unwrap();
    genesis["alloc"]
        .as_object_mut()
        .unwrap()
        .remove(&format!("{:#x}", cloister_governance::GOVERNANCE_ADDRESS));
    let stripped = genesis.to_string();
    let err = ChainSpec::from_genesis_json(&stripped).unwrap_err();
    assert!(err.to_string().contains("cloister gov genesis"), "{err}");
    let written: Value = serde_json::from_str(&with_governance(&stripped).unwrap()).unwrap();
    let committed: Value = serde_json::from_str(DEV_GENESIS_JSON).unwrap();
    assert_eq!(written, committed);
}
