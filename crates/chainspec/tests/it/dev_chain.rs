//! The embedded dev chain: chain id, funded dev accounts, everything active at genesis,
//! system contracts, the `cloister` section, and the genesis header fields that follow.

use alloy_eips::{
    eip2935, eip4788, eip7002, eip7251, eip7685::EMPTY_REQUESTS_HASH, eip7840::BlobParams,
};
use cloister_chainspec::{
    ChainSpec, ChainSpecError, DEV_CHAIN_ID, DEV_GENESIS_JSON, ForkCondition, dev_accounts,
};
use cloister_primitives::{B256, U256, address, consensus::EMPTY_ROOT_HASH};
use revm::primitives::hardfork::SpecId;

fn dev() -> ChainSpec {
    ChainSpec::dev().unwrap()
}

#[test]
fn dev_chain_id_is_ours() {
    assert_eq!(dev().chain_id(), DEV_CHAIN_ID);
    assert_eq!(DEV_CHAIN_ID, 7557);
}

#[test]
fn ten_dev_accounts_hold_ten_thousand_eth() {
    let spec = dev();
    let accounts = dev_accounts().unwrap();
    assert_eq!(accounts.len(), 10);
    assert_eq!(
        accounts[0].0,
        address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
    );
    let ten_thousand_eth = U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64));
    for (address, _) in &accounts {
        let account = &spec.genesis().alloc[address];
        assert_eq!(account.balance, ten_thousand_eth, "{address}");
        assert_eq!(account.nonce.unwrap_or_default(), 0);
        assert!(account.code.is_none());
    }
    // Ten accounts, the four system contracts and the governance contract, nothing else.
    assert_eq!(spec.genesis().alloc.len(), 15);
}

#[test]
fn every_fork_is_active_at_genesis() {
    let spec = dev();
    assert_eq!(spec.spec_id_at(0, 0), SpecId::OSAKA);
    for (fork, condition) in spec.forks() {
        let at_genesis = match condition {
            ForkCondition::Block(block) => *block == 0,
            ForkCondition::Timestamp(time) => *time == 0,
            ForkCondition::TTD {
                activation_block_number,
                total_difficulty,
                ..
            } => *activation_block_number == 0 && total_difficulty.is_zero(),
            ForkCondition::Never => false,
        };
        assert!(at_genesis, "{fork} is {condition:?}");
    }
    assert_eq!(spec.blob_params_at_timestamp(0), Some(BlobParams::osaka()));
}

#[test]
fn system_contracts_are_deployed() {
    let spec = dev();
    let alloc = &spec.genesis().alloc;
    assert_eq!(
        alloc[&eip4788::BEACON_ROOTS_ADDRESS].code,
        Some(eip4788::BEACON_ROOTS_CODE.clone())
    );
    assert_eq!(
        alloc[&eip2935::HISTORY_STORAGE_ADDRESS].code,
        Some(eip2935::HISTORY_STORAGE_CODE.clone())
    );
    assert_eq!(
        alloc[&eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS].code,
        Some(eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_CODE.clone())
    );
    let consolidation = alloc[&eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS]
        .code
        .clone();
    assert!(consolidation.is_some_and(|code| code.len() > 400));
}

#[test]
fn cloister_section_is_parsed() {
    let spec = dev();
    let cloister = spec.cloister().unwrap();
    assert_eq!(cloister.validators, vec![dev_accounts().unwrap()[0].0]);
    assert!(cloister.allow_simulated_tee);
    assert_eq!(cloister.period_ms, None);
    assert_eq!(cloister.policy["mode"], "permissive");
}

#[test]
fn cloister_typo_is_rejected() {
    let mut genesis: serde_json::Value = serde_json::from_str(DEV_GENESIS_JSON).unwrap();
    genesis["cloister"]["allowSimulatedTEE"] = serde_json::Value::Bool(true);
    let err = ChainSpec::from_genesis_json(&genesis.to_string()).unwrap_err();
    assert!(matches!(err, ChainSpecError::CloisterSection(_)), "{err}");
    assert!(err.to_string().contains("allowSimulatedTEE"), "{err}");
}

#[test]
fn dev_genesis_header_has_every_fork_field() {
    let spec = dev();
    let header = spec.genesis_header();
    assert_eq!(header.number, 0);
    assert_eq!(header.gas_limit, 1_000_000_000);
    assert_eq!(header.base_fee_per_gas, Some(1_000_000_000));
    assert_eq!(header.difficulty, U256::ZERO);
    assert_eq!(header.withdrawals_root, Some(EMPTY_ROOT_HASH));
    assert_eq!(header.blob_gas_used, Some(0));
    assert_eq!(header.excess_blob_gas, Some(0));
    assert_eq!(header.parent_beacon_block_root, Some(B256::ZERO));
    assert_eq!(header.requests_hash, Some(EMPTY_REQUESTS_HASH));
    assert_eq!(spec.genesis_hash(), header.hash_slow());
    println!(
        "dev genesis state root {} hash {}",
        header.state_root,
        spec.genesis_hash()
    );
}

#[test]
fn dev_genesis_state_root_tracks_alloc() {
    // The root is computed, not stored: changing one balance changes it.
    let spec = dev();
    let mut genesis = spec.genesis().clone();
    let first = dev_accounts().unwrap()[0].0;
    if let Some(account) = genesis.alloc.get_mut(&first) {
        account.balance += U256::from(1);
    }
    let changed = ChainSpec::from_genesis(genesis, spec.cloister().cloned()).unwrap();
    assert_ne!(
        changed.genesis_header().state_root,
        spec.genesis_header().state_root
    );
    assert_ne!(changed.genesis_hash(), spec.genesis_hash());
}
