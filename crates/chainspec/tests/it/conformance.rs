//! The execution-apis (hive rpc-compat) genesis: its genesis hash must be the one the fixtures
//! expect, and its fork schedule must be the one hive passes in forkenv.json. Each test is
//! skipped when `conformance/execution-apis` is missing outside CI (see `cloister-fixtures`).

use cloister_chainspec::{ChainSpec, EthereumHardfork, EthereumHardforks, ForkCondition};
use cloister_primitives::{Address, B256, U256};
use revm::primitives::hardfork::SpecId;
use serde_json::Value;
use std::{collections::BTreeMap, path::Path, str::FromStr};

const FIXTURES: &str = "conformance/execution-apis";

fn conformance_spec(fixtures: &Path) -> ChainSpec {
    ChainSpec::from_file(fixtures.join("genesis.json")).unwrap()
}

/// The block object the fixtures expect for `eth_getBlockByNumber("0x0")`.
fn expected_genesis_block(fixtures: &Path) -> Value {
    let io = std::fs::read_to_string(fixtures.join("eth_getBlockByNumber/get-genesis.io")).unwrap();
    let response = io
        .lines()
        .find_map(|line| line.strip_prefix("<< "))
        .unwrap();
    let response: Value = serde_json::from_str(response).unwrap();
    response["result"].clone()
}

/// The genesis hash PROVENANCE.md names ("The genesis hash is 0x…").
fn provenance_genesis_hash(fixtures: &Path) -> B256 {
    let text = std::fs::read_to_string(fixtures.join("PROVENANCE.md")).unwrap();
    let after = &text[text.find("genesis hash is").unwrap()..];
    let start = after.find("0x").unwrap();
    B256::from_str(&after[start..start + 66]).unwrap()
}

fn hex_field<T: FromStr>(block: &Value, key: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    T::from_str(block[key].as_str().unwrap()).unwrap()
}

#[test]
fn genesis_hash_matches_fixtures() {
    let fixtures = cloister_fixtures::require!(FIXTURES);
    let spec = conformance_spec(&fixtures);
    let expected = expected_genesis_block(&fixtures);
    let header = spec.genesis_header();
    // Field by field first, so a mismatch says which field is wrong.
    assert_eq!(header.state_root, hex_field::<B256>(&expected, "stateRoot"));
    assert_eq!(
        header.difficulty,
        hex_field::<U256>(&expected, "difficulty")
    );
    assert_eq!(
        U256::from(header.gas_limit),
        hex_field::<U256>(&expected, "gasLimit")
    );
    assert_eq!(
        header.extra_data.to_string(),
        expected["extraData"].as_str().unwrap()
    );
    assert_eq!(
        header.base_fee_per_gas, None,
        "London is not active at genesis"
    );
    assert!(expected.get("baseFeePerGas").is_none());
    assert_eq!(header.withdrawals_root, None);
    assert_eq!(spec.genesis_hash(), hex_field::<B256>(&expected, "hash"));
    assert_eq!(spec.genesis_hash(), provenance_genesis_hash(&fixtures));
    assert_eq!(spec.genesis_hash(), header.hash_slow());
    assert!(
        spec.cloister().is_none(),
        "the conformance chain is a plain Ethereum chain"
    );
}

/// Reads forkenv.json and checks every key against the parsed schedule.
#[test]
fn forkenv_matches_parsed_schedule() {
    let fixtures = cloister_fixtures::require!(FIXTURES);
    let spec = conformance_spec(&fixtures);
    let text = std::fs::read_to_string(fixtures.join("forkenv.json")).unwrap();
    let env: BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
    let number = |key: &str| -> u64 { env[key].parse().unwrap() };
    let block_forks = [
        ("HIVE_FORK_HOMESTEAD", EthereumHardfork::Homestead),
        ("HIVE_FORK_TANGERINE", EthereumHardfork::Tangerine),
        ("HIVE_FORK_SPURIOUS", EthereumHardfork::SpuriousDragon),
        ("HIVE_FORK_BYZANTIUM", EthereumHardfork::Byzantium),
        ("HIVE_FORK_CONSTANTINOPLE", EthereumHardfork::Constantinople),
        ("HIVE_FORK_PETERSBURG", EthereumHardfork::Petersburg),
        ("HIVE_FORK_ISTANBUL", EthereumHardfork::Istanbul),
        ("HIVE_FORK_MUIR_GLACIER", EthereumHardfork::MuirGlacier),
        ("HIVE_FORK_BERLIN", EthereumHardfork::Berlin),
        ("HIVE_FORK_LONDON", EthereumHardfork::London),
        ("HIVE_FORK_ARROW_GLACIER", EthereumHardfork::ArrowGlacier),
        ("HIVE_FORK_GRAY_GLACIER", EthereumHardfork::GrayGlacier),
    ];
    let time_forks = [
        ("SHANGHAI", EthereumHardfork::Shanghai),
        ("CANCUN", EthereumHardfork::Cancun),
        ("PRAGUE", EthereumHardfork::Prague),
        ("OSAKA", EthereumHardfork::Osaka),
        ("BPO1", EthereumHardfork::Bpo1),
        ("BPO2", EthereumHardfork::Bpo2),
    ];
    let mut checked = Vec::new();
    for (key, fork) in block_forks {
        assert_eq!(
            spec.ethereum_fork_activation(fork),
            ForkCondition::Block(number(key)),
            "{key}"
        );
        checked.push(key.to_string());
    }
    for (name, fork) in time_forks {
        let key = format!("HIVE_{name}_TIMESTAMP");
        let timestamp = number(&key);
        assert_eq!(
            spec.ethereum_fork_activation(fork),
            ForkCondition::Timestamp(timestamp),
            "{key}"
        );
        checked.push(key);
        // Blob parameters in force from this fork's activation on.
        if name == "SHANGHAI" {
            assert_eq!(spec.blob_params_at_timestamp(timestamp), None);
            continue;
        }
        let params = spec.blob_params_at_timestamp(timestamp).unwrap();
        for (suffix, value) in [
            ("BLOB_TARGET", u128::from(params.target_blob_count)),
            ("BLOB_MAX", u128::from(params.max_blob_count)),
            ("BLOB_BASE_FEE_UPDATE_FRACTION", params.update_fraction),
        ] {
            let key = format!("HIVE_{name}_{suffix}");
            assert_eq!(u128::from(number(&key)), value, "{key}");
            checked.push(key);
        }
    }
    let merge_block = number("HIVE_MERGE_BLOCK_ID");
    assert!(spec.is_paris_active_at_block(merge_block));
    assert!(!spec.is_paris_active_at_block(merge_block - 1));
    assert_eq!(
        spec.terminal_total_difficulty(),
        Some(U256::from(number("HIVE_TERMINAL_TOTAL_DIFFICULTY")))
    );
    assert_eq!(spec.chain_id(), number("HIVE_CHAIN_ID"));
    assert_eq!(spec.chain_id(), number("HIVE_NETWORK_ID"));
    let deposit: Address = env["HIVE_DEPOSIT_CONTRACT_ADDRESS"].parse().unwrap();
    assert_eq!(deposit_contract(&spec), Some(deposit));
    checked.extend(
        [
            "HIVE_MERGE_BLOCK_ID",
            "HIVE_TERMINAL_TOTAL_DIFFICULTY",
            "HIVE_CHAIN_ID",
            "HIVE_NETWORK_ID",
            "HIVE_DEPOSIT_CONTRACT_ADDRESS",
        ]
        .map(String::from),
    );
    // Every key hive passes must be understood: a new one needs a new mapping here.
    let unchecked: Vec<_> = env.keys().filter(|key| !checked.contains(key)).collect();
    assert!(
        unchecked.is_empty(),
        "forkenv.json keys not mapped: {unchecked:?}"
    );
}

fn deposit_contract(spec: &ChainSpec) -> Option<Address> {
    use alloy_evm::eth::spec::EthExecutorSpec;
    spec.deposit_contract_address()
}

#[test]
fn spec_ids_across_the_conformance_chain() {
    let fixtures = cloister_fixtures::require!(FIXTURES);
    let spec = conformance_spec(&fixtures);
    // Blocks are 10 s apart in the fixture chain (block 54 has timestamp 540).
    let at = |number: u64| spec.spec_id_at(number, number * 10);
    assert_eq!(at(0), SpecId::HOMESTEAD);
    assert_eq!(at(3), SpecId::TANGERINE);
    assert_eq!(at(6), SpecId::SPURIOUS_DRAGON);
    assert_eq!(at(15), SpecId::PETERSBURG);
    assert_eq!(at(27), SpecId::LONDON);
    assert_eq!(at(36), SpecId::MERGE);
    assert_eq!(at(39), SpecId::SHANGHAI);
    assert_eq!(at(42), SpecId::CANCUN);
    assert_eq!(at(45), SpecId::PRAGUE);
    assert_eq!(at(48), SpecId::OSAKA);
    assert_eq!(at(54), SpecId::OSAKA);
    assert!(spec.is_eip155_active_at_block(6));
    assert!(!spec.is_eip155_active_at_block(5));
}
