//! The genesis hive's start scripts produce: `genesis.json` with its `config` rebuilt from the
//! HIVE_* variables of `forkenv.json` (fork blocks and times, blob schedule, TTD, chain id).
//! The replayer checks that this agrees with the fixture's own config before using it.

use crate::ReplayError;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// HIVE_* variables that name a block number, and the geth config keys they set.
const BLOCK_FORKS: &[(&str, &[&str])] = &[
    ("HIVE_FORK_HOMESTEAD", &["homesteadBlock"]),
    ("HIVE_FORK_TANGERINE", &["eip150Block"]),
    ("HIVE_FORK_SPURIOUS", &["eip155Block", "eip158Block"]),
    ("HIVE_FORK_BYZANTIUM", &["byzantiumBlock"]),
    ("HIVE_FORK_CONSTANTINOPLE", &["constantinopleBlock"]),
    ("HIVE_FORK_PETERSBURG", &["petersburgBlock"]),
    ("HIVE_FORK_ISTANBUL", &["istanbulBlock"]),
    ("HIVE_FORK_MUIR_GLACIER", &["muirGlacierBlock"]),
    ("HIVE_FORK_BERLIN", &["berlinBlock"]),
    ("HIVE_FORK_LONDON", &["londonBlock"]),
    ("HIVE_FORK_ARROW_GLACIER", &["arrowGlacierBlock"]),
    ("HIVE_FORK_GRAY_GLACIER", &["grayGlacierBlock"]),
    ("HIVE_MERGE_BLOCK_ID", &["mergeNetsplitBlock"]),
];

/// Timestamp forks: HIVE prefix, geth config key, blob schedule key.
const TIME_FORKS: &[(&str, &str, Option<&str>)] = &[
    ("HIVE_SHANGHAI", "shanghaiTime", None),
    ("HIVE_CANCUN", "cancunTime", Some("cancun")),
    ("HIVE_PRAGUE", "pragueTime", Some("prague")),
    ("HIVE_OSAKA", "osakaTime", Some("osaka")),
    ("HIVE_BPO1", "bpo1Time", Some("bpo1")),
    ("HIVE_BPO2", "bpo2Time", Some("bpo2")),
];

/// The chain config the HIVE_* variables describe, in geth's genesis format.
pub fn config_from_env(env: &BTreeMap<String, String>) -> Result<Map<String, Value>, ReplayError> {
    let number = |key: &str| -> Result<Option<Value>, ReplayError> {
        env.get(key)
            .map(|text| {
                text.parse::<u64>()
                    .map(Value::from)
                    .map_err(|_| ReplayError::Fixture(format!("{key}={text} is not a number")))
            })
            .transpose()
    };
    let mut config = Map::new();
    if let Some(chain_id) = number("HIVE_CHAIN_ID")? {
        config.insert("chainId".into(), chain_id);
    }
    for (variable, keys) in BLOCK_FORKS {
        if let Some(value) = number(variable)? {
            for key in *keys {
                config.insert((*key).into(), value.clone());
            }
        }
    }
    let mut blob_schedule = Map::new();
    for (prefix, key, blob_key) in TIME_FORKS {
        if let Some(value) = number(&format!("{prefix}_TIMESTAMP"))? {
            config.insert((*key).into(), value);
        }
        if let Some(blob_key) = blob_key {
            let target = number(&format!("{prefix}_BLOB_TARGET"))?;
            let max = number(&format!("{prefix}_BLOB_MAX"))?;
            let fraction = number(&format!("{prefix}_BLOB_BASE_FEE_UPDATE_FRACTION"))?;
            if let (Some(target), Some(max), Some(fraction)) = (target, max, fraction) {
                blob_schedule.insert(
                    (*blob_key).into(),
                    json!({"target": target, "max": max, "baseFeeUpdateFraction": fraction}),
                );
            }
        }
    }
    if !blob_schedule.is_empty() {
        config.insert("blobSchedule".into(), Value::Object(blob_schedule));
    }
    if let Some(ttd) = number("HIVE_TERMINAL_TOTAL_DIFFICULTY")? {
        config.insert("terminalTotalDifficulty".into(), ttd);
    }
    if let Some(address) = env.get("HIVE_DEPOSIT_CONTRACT_ADDRESS") {
        config.insert(
            "depositContractAddress".into(),
            Value::from(address.clone()),
        );
    }
    Ok(config)
}

/// `genesis_json` with its config taken from `forkenv_json`; fails if the two disagree on any
/// key the environment sets (the fixture would then not be the chain hive runs).
pub fn hive_genesis(genesis_json: &str, forkenv_json: &str) -> Result<String, ReplayError> {
    let mut genesis: Value = serde_json::from_str(genesis_json)
        .map_err(|e| ReplayError::Fixture(format!("genesis.json: {e}")))?;
    let env: BTreeMap<String, String> = serde_json::from_str(forkenv_json)
        .map_err(|e| ReplayError::Fixture(format!("forkenv.json: {e}")))?;
    let from_env = config_from_env(&env)?;
    let config = genesis
        .get_mut("config")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| ReplayError::Fixture("genesis.json has no config".into()))?;
    let disagreements: Vec<String> = from_env
        .iter()
        .filter(|(key, value)| config.get(*key) != Some(*value))
        .map(|(key, value)| {
            format!(
                "{key}: forkenv says {value}, genesis.json says {}",
                config.get(key).cloned().unwrap_or(Value::Null)
            )
        })
        .collect();
    if !disagreements.is_empty() {
        return Err(ReplayError::Fixture(format!(
            "genesis.json and forkenv.json disagree: {}",
            disagreements.join("; ")
        )));
    }
    config.extend(from_env);
    serde_json::to_string_pretty(&genesis).map_err(|e| ReplayError::Fixture(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_forks_and_blob_schedule() {
        let env: BTreeMap<String, String> = [
            ("HIVE_CHAIN_ID", "7"),
            ("HIVE_FORK_SPURIOUS", "6"),
            ("HIVE_CANCUN_TIMESTAMP", "420"),
            ("HIVE_CANCUN_BLOB_TARGET", "3"),
            ("HIVE_CANCUN_BLOB_MAX", "6"),
            ("HIVE_CANCUN_BLOB_BASE_FEE_UPDATE_FRACTION", "3338477"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let config = config_from_env(&env).unwrap();
        assert_eq!(config["chainId"], json!(7));
        assert_eq!(config["eip155Block"], json!(6));
        assert_eq!(config["eip158Block"], json!(6));
        assert_eq!(config["cancunTime"], json!(420));
        assert_eq!(
            config["blobSchedule"]["cancun"],
            json!({"target": 3, "max": 6, "baseFeeUpdateFraction": 3338477})
        );
    }

    #[test]
    fn refuses_a_genesis_that_disagrees() {
        let genesis = r#"{"config":{"chainId":1,"londonBlock":5}}"#;
        let env = r#"{"HIVE_CHAIN_ID":"1","HIVE_FORK_LONDON":"6"}"#;
        assert!(hive_genesis(genesis, env).is_err());
        let env = r#"{"HIVE_CHAIN_ID":"1","HIVE_FORK_LONDON":"5"}"#;
        assert!(hive_genesis(genesis, env).is_ok());
    }
}
