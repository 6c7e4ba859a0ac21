//! The compiled contract, embedded from `artifacts/Governance.json` (written by
//! `contracts/governance/compile.mjs`; `check.mjs` proves it equals a fresh compilation).
//! Decoded once, on first use.

use crate::GovernanceError;
use cloister_primitives::{Bytes, hex};
use std::sync::LazyLock;

/// The artifact's text, as committed.
pub const ARTIFACT_JSON: &str = include_str!("../artifacts/Governance.json");

/// The compiled governance contract.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The compiler, e.g. `0.8.37+commit.f401782d.Emscripten.clang`.
    pub solc_version: String,
    /// The contract's ABI (JSON).
    pub abi: serde_json::Value,
    /// Creation code: run with the ABI-encoded constructor arguments appended.
    pub init_code: Bytes,
    /// The code the contract runs (what genesis holds at the governance address).
    pub runtime_code: Bytes,
}

static ARTIFACT: LazyLock<Result<Artifact, String>> = LazyLock::new(|| parse(ARTIFACT_JSON));

/// The embedded artifact.
pub fn artifact() -> Result<&'static Artifact, GovernanceError> {
    ARTIFACT
        .as_ref()
        .map_err(|reason| GovernanceError::Artifact(reason.clone()))
}

/// The contract's creation code.
pub fn init_code() -> Result<&'static Bytes, GovernanceError> {
    artifact().map(|artifact| &artifact.init_code)
}

/// The contract's runtime code.
pub fn runtime_code() -> Result<&'static Bytes, GovernanceError> {
    artifact().map(|artifact| &artifact.runtime_code)
}

fn parse(text: &str) -> Result<Artifact, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|err| err.to_string())?;
    let field = |name: &str| {
        json.get(name)
            .ok_or_else(|| format!("the artifact has no {name:?}"))
    };
    let code = |name: &str| -> Result<Bytes, String> {
        let text = field(name)?
            .as_str()
            .ok_or_else(|| format!("{name:?} is not a string"))?;
        let code = hex::decode(text).map_err(|err| format!("{name:?}: {err}"))?;
        if code.is_empty() {
            return Err(format!("{name:?} is empty"));
        }
        Ok(code.into())
    };
    Ok(Artifact {
        solc_version: field("solcVersion")?
            .as_str()
            .ok_or("\"solcVersion\" is not a string")?
            .to_owned(),
        abi: field("abi")?.clone(),
        init_code: code("bytecode")?,
        runtime_code: code("deployedBytecode")?,
    })
}
