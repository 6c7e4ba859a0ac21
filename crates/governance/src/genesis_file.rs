//! Writes the governance contract into a genesis file: the `cloister` section's members,
//! validators, followers (as admitted nodes), allowed measurements and policy become the
//! constructor's arguments, and the account the constructor leaves goes into `alloc` at
//! [`GOVERNANCE_ADDRESS`]. What `cloister devnet init` and `cloister gov genesis` run, and what
//! the dev genesis was made with.

use crate::{GOVERNANCE_ADDRESS, GovernanceError, InitialGovernance, genesis_account, measurement};
use cloister_chainspec::{ChainSpec, CloisterConfig};
use cloister_primitives::{B256, Bytes};
use serde_json::{Map, Value, json};

/// `genesis_json` with the governance contract in `alloc` (replacing one already there), made
/// from its `cloister` section, which must list members.
pub fn with_governance(genesis_json: &str) -> Result<String, GovernanceError> {
    let invalid = |what: String| GovernanceError::Invalid(what);
    let mut genesis: Value =
        serde_json::from_str(genesis_json).map_err(|e| invalid(format!("genesis JSON: {e}")))?;
    let object = genesis
        .as_object_mut()
        .ok_or_else(|| invalid("genesis JSON must be an object".into()))?;
    let section = object
        .get("cloister")
        .cloned()
        .ok_or_else(|| invalid("genesis has no `cloister` section".into()))?;
    let cloister: CloisterConfig = serde_json::from_value(section.clone())
        .map_err(|e| invalid(format!("`cloister` section: {e}")))?;
    if cloister.members.is_empty() {
        return Err(invalid(
            "`cloister.members` is empty: list the consortium's members".into(),
        ));
    }
    // The spec without members (so without the contract it is about to get): the rules the
    // constructor runs under.
    let mut bare = object.clone();
    if let Some(Value::Object(section)) = bare.get_mut("cloister") {
        section.remove("members");
    }
    if let Some(Value::Object(alloc)) = bare.get_mut("alloc") {
        alloc.retain(|key, _| !is_governance_key(key));
    }
    let spec = ChainSpec::from_genesis_json(&Value::Object(bare).to_string())
        .map_err(|e| invalid(format!("genesis: {e}")))?;

    let account = genesis_account(&initial_from(&cloister)?, &spec)?;
    let storage: Map<String, Value> = account
        .storage
        .iter()
        .map(|(slot, value)| (format!("{slot:#x}"), Value::String(format!("{value:#x}"))))
        .collect();
    let entry = json!({
        "balance": "0x0",
        "nonce": "0x1",
        "code": format!("{:#x}", account.code),
        "storage": storage,
    });
    let alloc = object
        .entry("alloc")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| invalid("genesis `alloc` must be an object".into()))?;
    alloc.retain(|key, _| !is_governance_key(key));
    alloc.insert(format!("{GOVERNANCE_ADDRESS:#x}"), entry);
    serde_json::to_string_pretty(&genesis).map_err(|e| invalid(format!("genesis JSON: {e}")))
}

/// The constructor's arguments a `cloister` section gives.
pub fn initial_from(cloister: &CloisterConfig) -> Result<InitialGovernance, GovernanceError> {
    let policy_json = serde_json::to_vec(&cloister.policy)
        .map_err(|e| GovernanceError::Invalid(format!("policy: {e}")))?;
    let mut initial = InitialGovernance::new(
        cloister.members.clone(),
        cloister.validators.clone(),
        Bytes::from(policy_json),
    );
    initial.nodes = cloister.followers.clone();
    initial.measurements = cloister
        .allowed_measurements
        .iter()
        .map(|m| {
            measurement(
                m.mrenclave.unwrap_or(B256::ZERO),
                m.mrsigner.unwrap_or(B256::ZERO),
                m.isv_prod_id.unwrap_or_default(),
                m.isv_svn,
            )
        })
        .collect();
    Ok(initial)
}

fn is_governance_key(key: &str) -> bool {
    key.trim_start_matches("0x")
        .eq_ignore_ascii_case(&format!("{GOVERNANCE_ADDRESS:x}"))
}
