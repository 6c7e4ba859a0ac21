//! The policy check precompile exists on Cloister chains only: a plain chain spec (no
//! `cloister` section) sees Ethereum's precompiles, a Cloister one also 0x…C0C1, which accepts
//! a document the node's parser accepts and reverts with `Error("policy: …")` otherwise.

use alloy_sol_types::{Revert, SolError};
use cloister_chainspec::{ChainSpec, DEV_GENESIS_JSON};
use cloister_evm::{
    CloisterEvmFactory, Evm, POLICY_CHECK_ADDRESS, POLICY_CHECK_BASE_GAS,
    POLICY_CHECK_GAS_PER_BYTE, check_policy_json, evm_env,
};
use cloister_primitives::{Address, B256, Header, primitives::TxKind};
use revm::{
    context::{TxEnv, result::ExecutionResult},
    database::{CacheDB, EmptyDB},
    primitives::hardfork::SpecId,
};

fn cloister_spec() -> ChainSpec {
    ChainSpec::dev().unwrap()
}

/// The dev genesis without its `cloister` section: a plain Ethereum chain.
fn plain_spec() -> ChainSpec {
    let mut genesis: serde_json::Value = serde_json::from_str(DEV_GENESIS_JSON).unwrap();
    genesis.as_object_mut().unwrap().remove("cloister");
    ChainSpec::from_genesis_json(&genesis.to_string()).unwrap()
}

fn header() -> Header {
    Header {
        number: 1,
        timestamp: 1,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(0),
        excess_blob_gas: Some(0),
        blob_gas_used: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        ..Default::default()
    }
}

/// Calls the precompile address with `input` as a transaction on `spec`'s chain.
fn call(spec: &ChainSpec, input: &[u8]) -> ExecutionResult {
    let mut env = evm_env(spec, &header());
    env.cfg_env.disable_nonce_check = true;
    env.cfg_env.disable_balance_check = true;
    let tx = TxEnv {
        caller: Address::with_last_byte(1),
        kind: TxKind::Call(POLICY_CHECK_ADDRESS),
        data: input.to_vec().into(),
        gas_limit: 1_000_000,
        gas_price: 0,
        gas_priority_fee: None,
        chain_id: Some(spec.chain_id()),
        ..Default::default()
    };
    let mut db = CacheDB::new(EmptyDB::new());
    let mut evm = CloisterEvmFactory::for_spec(spec).create_evm(&mut db, env);
    evm.transact(tx).unwrap().result
}

#[test]
fn absent_on_a_plain_chain_present_on_a_cloister_chain() {
    let plain = CloisterEvmFactory::for_spec(&plain_spec());
    let cloister = CloisterEvmFactory::for_spec(&cloister_spec());
    assert!(!plain.is_cloister());
    assert!(cloister.is_cloister());
    for fork in [SpecId::CANCUN, SpecId::PRAGUE, SpecId::OSAKA] {
        let plain_addresses: Vec<_> = plain.precompiles(fork).addresses().copied().collect();
        let cloister_addresses: Vec<_> = cloister.precompiles(fork).addresses().copied().collect();
        assert!(!plain_addresses.contains(&POLICY_CHECK_ADDRESS));
        assert!(cloister_addresses.contains(&POLICY_CHECK_ADDRESS));
        // Nothing else differs.
        assert_eq!(plain_addresses.len() + 1, cloister_addresses.len());
    }
}

#[test]
fn accepts_a_document_the_node_accepts() {
    let json = br#"{"mode":"permissive"}"#;
    let result = call(&cloister_spec(), json);
    let gas_used = result.tx_gas_used();
    match result {
        ExecutionResult::Success { output, .. } => {
            assert!(output.data().is_empty());
            let calldata_gas = 21_000 + 16 * json.len() as u64;
            let check_gas = POLICY_CHECK_BASE_GAS + POLICY_CHECK_GAS_PER_BYTE * json.len() as u64;
            assert!(gas_used >= calldata_gas + check_gas, "{gas_used}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn refuses_with_the_parsers_reason() {
    for json in [
        &br#"{"mode":"secret"}"#[..],
        b"not json",
        br#"{"version":2}"#,
    ] {
        let expected = check_policy_json(json).unwrap_err();
        assert!(expected.starts_with("policy: "), "{expected}");
        match call(&cloister_spec(), json) {
            ExecutionResult::Revert { output, .. } => {
                assert_eq!(Revert::abi_decode(&output).unwrap().reason, expected);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_plain_chain_has_nothing_there() {
    // An empty account: the call succeeds with no output whatever the input.
    match call(&plain_spec(), br#"{"mode":"secret"}"#) {
        ExecutionResult::Success { output, .. } => assert!(output.data().is_empty()),
        other => panic!("{other:?}"),
    }
}
