//! The `cloister` section of genesis.json: what makes a chain a Cloister consortium chain
//! rather than a plain transparent Ethereum chain.

use crate::ChainSpecError;
use cloister_primitives::Address;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Where a governed Cloister genesis predeploys the governance contract
/// (`cloister-governance` holds the contract; the spec only checks it is there).
pub const GOVERNANCE_ADDRESS: Address =
    cloister_primitives::address!("0x000000000000000000000000000000000000C0C0");

/// Cloister's own genesis settings, read from the top-level `cloister` key.
///
/// Keys are camelCase like the rest of genesis.json; the snake_case spelling is accepted too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct CloisterConfig {
    /// Proof-of-authority sealers allowed to produce blocks at genesis.
    pub validators: Vec<Address>,
    /// Consortium members: who proposes and votes in the governance contract at
    /// `0x…C0C0`, which a genesis that lists members predeploys (empty: not governed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Address>,
    /// Whether nodes may run with the simulated (non-SGX) attester on this chain.
    #[serde(alias = "allow_simulated_tee")]
    pub allow_simulated_tee: bool,
    /// Target block period in milliseconds; `None` lets the node choose.
    #[serde(alias = "period_ms", skip_serializing_if = "Option::is_none")]
    pub period_ms: Option<u64>,
    /// The initial confidentiality policy document, interpreted by `cloister-policy`.
    pub policy: serde_json::Value,
    /// Enclave measurements allowed to run this chain's code (governance changes them later);
    /// verifiers (`cloister attest verify --genesis`) accept a quote only if one entry matches.
    #[serde(alias = "allowed_measurements", skip_serializing_if = "Vec::is_empty")]
    pub allowed_measurements: Vec<AllowedMeasurement>,
    /// Non-validator nodes (read replicas) admitted to the cluster as learners once they
    /// attest; they receive every block and vote on nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub followers: Vec<Address>,
}

/// One allowed enclave: by MRENCLAVE (exact build), by MRSIGNER and product id (any build the
/// consortium's key signs), with a minimum security version either way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct AllowedMeasurement {
    /// Exact enclave measurement (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrenclave: Option<cloister_primitives::B256>,
    /// Hash of the enclave signer's key (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrsigner: Option<cloister_primitives::B256>,
    /// Product id the signer gave the enclave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isv_prod_id: Option<u16>,
    /// Lowest security version accepted.
    pub isv_svn: u16,
}

impl CloisterConfig {
    /// Checks what can be checked without the policy engine: there is a sealer, none twice.
    pub fn validate(&self) -> Result<(), ChainSpecError> {
        if self.validators.is_empty() {
            return Err(ChainSpecError::NoValidators);
        }
        if self
            .allowed_measurements
            .iter()
            .any(|m| m.mrenclave.is_none() && m.mrsigner.is_none())
        {
            return Err(ChainSpecError::EmptyMeasurement);
        }
        let mut seen = HashSet::with_capacity(self.validators.len());
        for validator in &self.validators {
            if !seen.insert(validator) {
                return Err(ChainSpecError::DuplicateValidator(*validator));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;
    use cloister_primitives::address;

    #[test]
    fn parses_camel_and_snake_case() {
        let camel: CloisterConfig = serde_json::from_str(
            r#"{"validators":["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"],"allowSimulatedTee":true,"periodMs":250}"#,
        )
        .unwrap();
        let snake: CloisterConfig = serde_json::from_str(
            r#"{"validators":["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"],"allow_simulated_tee":true,"period_ms":250}"#,
        )
        .unwrap();
        assert_eq!(camel, snake);
        assert!(camel.allow_simulated_tee);
        assert_eq!(camel.period_ms, Some(250));
        assert!(camel.policy.is_null());
    }

    #[test]
    fn rejects_unknown_field() {
        let err = serde_json::from_str::<CloisterConfig>(r#"{"allowSimulatedTe":true}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("allowSimulatedTe"), "{err}");
    }

    #[test]
    fn validate_requires_unique_validators() {
        let a = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        let empty = CloisterConfig::default();
        assert!(matches!(
            empty.validate(),
            Err(ChainSpecError::NoValidators)
        ));
        let twice = CloisterConfig {
            validators: vec![a, a],
            ..Default::default()
        };
        assert!(matches!(twice.validate(), Err(ChainSpecError::DuplicateValidator(v)) if v == a));
        let once = CloisterConfig {
            validators: vec![a],
            ..Default::default()
        };
        assert!(once.validate().is_ok());
    }
}
