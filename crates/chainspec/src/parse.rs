//! Reading genesis.json: the `cloister` section is taken out of the raw JSON and parsed
//! strictly; the rest goes to alloy's geth-format `Genesis`.

use crate::{ChainSpecError, CloisterConfig, genesis_header::DEFAULT_GENESIS_DIFFICULTY};
use alloy_genesis::Genesis;
use cloister_primitives::{B256, U256};
use serde_json::Value;

/// A genesis file split into its Ethereum part and its Cloister part.
#[derive(Debug, Clone)]
pub(crate) struct ParsedGenesis {
    pub(crate) genesis: Genesis,
    pub(crate) cloister: Option<CloisterConfig>,
}

/// Parses genesis.json text, applying geth's defaults where alloy cannot tell "absent" from 0.
pub(crate) fn parse_genesis_json(json: &str) -> Result<ParsedGenesis, ChainSpecError> {
    let mut value: Value = serde_json::from_str(json)?;
    let object = value.as_object_mut().ok_or(ChainSpecError::NotAnObject)?;
    let cloister = match object.remove("cloister") {
        None | Some(Value::Null) => None,
        Some(section) => {
            Some(serde_json::from_value(section).map_err(ChainSpecError::CloisterSection)?)
        }
    };
    // alloy defaults a missing chainId to mainnet's 1, which would make every tx replayable.
    let has_chain_id = object
        .get("config")
        .and_then(|config| config.get("chainId"))
        .is_some_and(|chain_id| !chain_id.is_null());
    if !has_chain_id {
        return Err(ChainSpecError::MissingChainId);
    }
    let difficulty_given = object
        .get("difficulty")
        .is_some_and(|difficulty| !difficulty.is_null());
    let mut genesis: Genesis = serde_json::from_value(value)?;
    if !difficulty_given {
        genesis.difficulty = default_difficulty(&genesis);
    }
    Ok(ParsedGenesis { genesis, cloister })
}

/// geth's difficulty for a genesis without one: 0 unless the chain runs ethash, and then
/// 131072 when no mix hash is given.
fn default_difficulty(genesis: &Genesis) -> U256 {
    if genesis.config.ethash.is_some() && genesis.mix_hash == B256::ZERO {
        DEFAULT_GENESIS_DIFFICULTY
    } else {
        U256::ZERO
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;

    #[test]
    fn splits_cloister_section() {
        let parsed = parse_genesis_json(
            r#"{"config":{"chainId":5},"cloister":{"validators":[],"policy":{"mode":"x"}}}"#,
        )
        .unwrap();
        assert_eq!(parsed.genesis.config.chain_id, 5);
        assert_eq!(parsed.cloister.unwrap().policy["mode"], "x");
    }

    #[test]
    fn no_section_means_plain_chain() {
        let parsed = parse_genesis_json(r#"{"config":{"chainId":5},"cloister":null}"#).unwrap();
        assert!(parsed.cloister.is_none());
    }

    #[test]
    fn missing_chain_id_is_an_error() {
        assert!(matches!(
            parse_genesis_json("{}"),
            Err(ChainSpecError::MissingChainId)
        ));
        assert!(matches!(
            parse_genesis_json(r#"{"config":{"homesteadBlock":0}}"#),
            Err(ChainSpecError::MissingChainId)
        ));
        assert!(matches!(
            parse_genesis_json("[]"),
            Err(ChainSpecError::NotAnObject)
        ));
    }

    #[test]
    fn difficulty_defaults_follow_geth() {
        let ethash = parse_genesis_json(r#"{"config":{"chainId":5,"ethash":{}}}"#).unwrap();
        assert_eq!(ethash.genesis.difficulty, DEFAULT_GENESIS_DIFFICULTY);
        let plain = parse_genesis_json(r#"{"config":{"chainId":5}}"#).unwrap();
        assert_eq!(plain.genesis.difficulty, U256::ZERO);
        let given =
            parse_genesis_json(r#"{"config":{"chainId":5,"ethash":{}},"difficulty":"0x0"}"#)
                .unwrap();
        assert_eq!(given.genesis.difficulty, U256::ZERO);
    }

    #[test]
    fn cloister_typo_is_reported() {
        let err = parse_genesis_json(r#"{"config":{"chainId":5},"cloister":{"validator":[]}}"#)
            .unwrap_err();
        assert!(matches!(err, ChainSpecError::CloisterSection(_)));
        assert!(err.to_string().contains("validator"), "{err}");
    }
}
