//! genesis/dev.json is a static file generated from first principles by this test: the dev
//! accounts of the mnemonic, the canonical system contracts, and the chosen parameters.
//!
//! `CLOISTER_WRITE_DEV_GENESIS=1 cargo nextest run -p cloister-chainspec dev_genesis` rewrites it
//! (then `CLOISTER_WRITE_DEV_GENESIS=1 cargo nextest run -p cloister-governance dev_genesis`
//! adds the governance contract); without the variable the test fails when the committed file,
//! apart from the contract, differs from what it generates.

use alloy_eips::{eip2935, eip4788, eip7002, eip7251};
use cloister_chainspec::{CloisterConfig, DEV_CHAIN_ID, DEV_GENESIS_JSON, dev_accounts};
use cloister_primitives::{Address, Bytes, U256};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use std::path::PathBuf;

/// 1 gwei: the dev chain's genesis base fee.
const ONE_GWEI: u64 = 1_000_000_000;
/// 10^9 gas per block so a dev block can carry many transactions (EIP-7825 still caps one tx).
const DEV_GAS_LIMIT: u64 = 1_000_000_000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DevGenesisFile {
    config: DevConfig,
    nonce: &'static str,
    timestamp: &'static str,
    extra_data: &'static str,
    gas_limit: String,
    difficulty: &'static str,
    mix_hash: String,
    coinbase: Address,
    base_fee_per_gas: String,
    excess_blob_gas: &'static str,
    blob_gas_used: &'static str,
    cloister: CloisterConfig,
    alloc: OrderedAlloc,
}

/// The `config` object, fields in fork order; every fork is active at genesis (0).
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct DevConfig {
    chain_id: u64,
    homestead_block: u64,
    eip150_block: u64,
    eip155_block: u64,
    eip158_block: u64,
    byzantium_block: u64,
    constantinople_block: u64,
    petersburg_block: u64,
    istanbul_block: u64,
    muir_glacier_block: u64,
    berlin_block: u64,
    london_block: u64,
    arrow_glacier_block: u64,
    gray_glacier_block: u64,
    merge_netsplit_block: u64,
    terminal_total_difficulty: u64,
    shanghai_time: u64,
    cancun_time: u64,
    prague_time: u64,
    osaka_time: u64,
    deposit_contract_address: Address,
    blob_schedule: DevBlobSchedule,
}

#[derive(Serialize, Default)]
struct DevBlobSchedule {
    cancun: BlobEntry,
    prague: BlobEntry,
    osaka: BlobEntry,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct BlobEntry {
    target: u64,
    max: u64,
    base_fee_update_fraction: u64,
}

#[derive(Serialize)]
struct AllocEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'static str>,
    balance: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<Bytes>,
}

/// Alloc entries in the order written: dev accounts by index, then system contracts.
struct OrderedAlloc(Vec<(Address, AllocEntry)>);

impl Serialize for OrderedAlloc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(address, entry)| (address, entry)))
    }
}

fn fixture_code(conformance_genesis: &Value, address: Address) -> Bytes {
    let key = format!("{address:x}").trim_start_matches("0x").to_string();
    conformance_genesis["alloc"][key]["code"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// The four system contracts Prague and Osaka call at every block, with their canonical
/// runtime code from alloy-eips, cross-checked against the geth-generated conformance genesis
/// when the fixtures are there (the check alone is skipped without them, outside CI).
fn system_contracts() -> Vec<(Address, Bytes)> {
    let conformance: Option<Value> =
        cloister_fixtures::locate("conformance/execution-apis/genesis.json")
            .unwrap()
            .map(|path| serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap());
    // alloy-eips 2.5's EIP-7251 constant carries two extra trailing zero bytes; geth and the
    // conformance genesis (and mainnet) use the code without them.
    let consolidation = eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_CODE.clone();
    let (consolidation, padding) = consolidation.split_at(consolidation.len() - 2);
    assert_eq!(padding, [0, 0]);
    let contracts = vec![
        (
            eip4788::BEACON_ROOTS_ADDRESS,
            eip4788::BEACON_ROOTS_CODE.clone(),
        ),
        (
            eip2935::HISTORY_STORAGE_ADDRESS,
            eip2935::HISTORY_STORAGE_CODE.clone(),
        ),
        (
            eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
            eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_CODE.clone(),
        ),
        (
            eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
            Bytes::copy_from_slice(consolidation),
        ),
    ];
    if let Some(conformance) = &conformance {
        for (address, code) in &contracts {
            assert_eq!(&fixture_code(conformance, *address), code, "{address}");
        }
    }
    contracts
}

fn blob_entry(target: u64, max: u64, base_fee_update_fraction: u64) -> BlobEntry {
    BlobEntry {
        target,
        max,
        base_fee_update_fraction,
    }
}

fn expected_dev_genesis() -> DevGenesisFile {
    let accounts = dev_accounts().unwrap();
    let ten_thousand_eth = U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64));
    let mut alloc: Vec<(Address, AllocEntry)> = accounts
        .iter()
        .map(|(address, _)| {
            let entry = AllocEntry {
                nonce: None,
                balance: format!("{ten_thousand_eth:#x}"),
                code: None,
            };
            (*address, entry)
        })
        .collect();
    alloc.extend(system_contracts().into_iter().map(|(address, code)| {
        // Deployed by a transaction, so their nonce is 1 (EIP-161), as in geth's dev genesis.
        let entry = AllocEntry {
            nonce: Some("0x1"),
            balance: "0x0".into(),
            code: Some(code),
        };
        (address, entry)
    }));
    let config = DevConfig {
        chain_id: DEV_CHAIN_ID,
        terminal_total_difficulty: 0,
        deposit_contract_address: Address::ZERO,
        blob_schedule: DevBlobSchedule {
            cancun: blob_entry(3, 6, 3_338_477),
            prague: blob_entry(6, 9, 5_007_716),
            osaka: blob_entry(6, 9, 5_007_716),
        },
        ..DevConfig::default()
    };
    DevGenesisFile {
        config,
        nonce: "0x0",
        timestamp: "0x0",
        extra_data: "0x",
        gas_limit: format!("{DEV_GAS_LIMIT:#x}"),
        difficulty: "0x0",
        mix_hash: format!("{:#x}", cloister_primitives::B256::ZERO),
        coinbase: Address::ZERO,
        base_fee_per_gas: format!("{ONE_GWEI:#x}"),
        excess_blob_gas: "0x0",
        blob_gas_used: "0x0",
        cloister: CloisterConfig {
            validators: vec![accounts[0].0],
            // The first three dev accounts govern the dev chain (cloister-governance writes
            // the contract into `alloc` and checks it is fresh).
            members: accounts[..3].iter().map(|(address, _)| *address).collect(),
            allow_simulated_tee: true,
            period_ms: None,
            policy: json!({ "mode": "permissive" }),
            allowed_measurements: Vec::new(),
            followers: Vec::new(),
        },
        alloc: OrderedAlloc(alloc),
    }
}

#[test]
fn dev_genesis_file_is_generated() {
    let expected = expected_dev_genesis();
    if std::env::var_os("CLOISTER_WRITE_DEV_GENESIS").is_some() {
        let path = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../genesis/dev.json"
        ));
        let text = serde_json::to_string_pretty(&expected).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
        return;
    }
    let mut committed: Value = serde_json::from_str(DEV_GENESIS_JSON).unwrap();
    // The governance contract is cloister-governance's to write and check.
    committed["alloc"]
        .as_object_mut()
        .unwrap()
        .remove(&format!("{:#x}", cloister_chainspec::GOVERNANCE_ADDRESS));
    let generated = serde_json::to_value(&expected).unwrap();
    assert!(
        committed == generated,
        "genesis/dev.json is stale: rerun with CLOISTER_WRITE_DEV_GENESIS=1"
    );
}
