//! Validation errors through the public entry points, with the messages a user would read.

use cloister_chainspec::{ChainSpec, ChainSpecError};
use serde_json::{Value, json};

/// A valid plain chain: every fork through Osaka at genesis, no `cloister` section.
fn plain_genesis() -> Value {
    json!({
        "config": {
            "chainId": 99, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0,
            "eip158Block": 0, "byzantiumBlock": 0, "constantinopleBlock": 0,
            "petersburgBlock": 0, "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0,
            "terminalTotalDifficulty": 0, "shanghaiTime": 0, "cancunTime": 0,
            "pragueTime": 0, "osakaTime": 0
        },
        "gasLimit": "0x1c9c380",
        "alloc": {}
    })
}

fn parse(genesis: &Value) -> Result<ChainSpec, ChainSpecError> {
    ChainSpec::from_genesis_json(&genesis.to_string())
}

#[test]
fn plain_chain_is_accepted() {
    let spec = parse(&plain_genesis()).unwrap();
    assert!(spec.cloister().is_none());
    assert_eq!(spec.chain_id(), 99);
}

#[test]
fn reversed_block_forks_are_reported() {
    let mut genesis = plain_genesis();
    genesis["config"]["byzantiumBlock"] = json!(10);
    genesis["config"]["constantinopleBlock"] = json!(5);
    let err = parse(&genesis).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported fork ordering: byzantiumBlock enabled at 10, but constantinopleBlock enabled at 5"
    );
}

#[test]
fn reversed_timestamps_are_reported() {
    let mut genesis = plain_genesis();
    genesis["config"]["pragueTime"] = json!(100);
    genesis["config"]["osakaTime"] = json!(50);
    let err = parse(&genesis).unwrap_err();
    assert!(
        matches!(
            err,
            ChainSpecError::ForkOrder {
                earlier: "pragueTime",
                later: "osakaTime",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn missing_intermediate_fork_is_reported() {
    let mut genesis = plain_genesis();
    genesis["config"]
        .as_object_mut()
        .unwrap()
        .remove("berlinBlock");
    let err = parse(&genesis).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported fork ordering: berlinBlock not enabled, but londonBlock enabled at 0"
    );
}

#[test]
fn missing_chain_id_is_reported() {
    let mut genesis = plain_genesis();
    genesis["config"].as_object_mut().unwrap().remove("chainId");
    assert!(matches!(
        parse(&genesis),
        Err(ChainSpecError::MissingChainId)
    ));
    let err = ChainSpec::from_genesis_json(r#"{"alloc":{}}"#).unwrap_err();
    assert!(matches!(err, ChainSpecError::MissingChainId), "{err}");
}

#[test]
fn shanghai_without_merge_is_reported() {
    let mut genesis = plain_genesis();
    genesis["config"]
        .as_object_mut()
        .unwrap()
        .remove("terminalTotalDifficulty");
    assert!(matches!(
        parse(&genesis),
        Err(ChainSpecError::ForkNeedsMerge { .. })
    ));
}

#[test]
fn cloister_section_without_validators_is_reported() {
    let mut genesis = plain_genesis();
    genesis["cloister"] = json!({ "allowSimulatedTee": true });
    assert!(matches!(parse(&genesis), Err(ChainSpecError::NoValidators)));
}

#[test]
fn unreadable_file_names_the_path() {
    let err = ChainSpec::from_file("/nonexistent/genesis.json").unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/genesis.json"),
        "{err}"
    );
}
