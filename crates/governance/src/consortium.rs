//! The consortium's configuration in force: who validates, which nodes are admitted, which
//! enclave builds may run, who holds which role and the policy document. On a governed chain
//! it is read from the governance contract's state after each block; on a Cloister chain
//! without the contract it is the genesis `cloister` section, fixed for the chain's life.

use crate::{GovernanceError, GovernanceState};
use cloister_chainspec::{AllowedMeasurement, CloisterConfig};
use cloister_primitives::{Address, B256};

/// A measurement the contract holds, as the quote verifier's rules read it: zero parts are
/// absent, and a product id only means something with the signer it belongs to.
pub fn allowed_measurement(m: &crate::abi::Measurement) -> AllowedMeasurement {
    let some = |value: B256| (value != B256::ZERO).then_some(value);
    AllowedMeasurement {
        mrenclave: some(m.mrenclave),
        mrsigner: some(m.mrsigner),
        isv_prod_id: some(m.mrsigner).map(|_| m.productId),
        isv_svn: m.minIsvSvn,
    }
}

/// The configuration every node applies from the block after the one it was read at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consortium {
    /// Whether it comes from the governance contract (`false`: genesis only, or a plain chain).
    pub governed: bool,
    /// The contract's `configVersion` (0 when not governed): moves with every applied change.
    pub config_version: u64,
    /// Members: who may propose and vote.
    pub members: Vec<Address>,
    /// Sealers whose blocks are accepted from the next block on.
    pub validators: Vec<Address>,
    /// Admitted non-validator nodes (read replicas).
    pub nodes: Vec<Address>,
    /// Enclave builds a peer (or `cloister attest verify`) may prove.
    pub measurements: Vec<AllowedMeasurement>,
    /// Whether simulated (non-SGX) quotes are accepted: genesis only, never governed.
    pub allow_simulated_tee: bool,
    /// Roles granted by vote, as (account, role name) pairs, on top of the policy document's.
    pub roles: Vec<(Address, String)>,
    /// The policy document (JSON, `null`: the confidential default).
    pub policy: serde_json::Value,
    /// The policy document's version: 1 at genesis, one more with every replacement.
    pub policy_version: u64,
}

impl Consortium {
    /// The configuration a Cloister genesis section fixes.
    pub fn from_genesis(cloister: &CloisterConfig) -> Self {
        Self {
            governed: false,
            config_version: 0,
            members: cloister.members.clone(),
            validators: cloister.validators.clone(),
            nodes: cloister.followers.clone(),
            measurements: cloister.allowed_measurements.clone(),
            allow_simulated_tee: cloister.allow_simulated_tee,
            roles: Vec::new(),
            policy: cloister.policy.clone(),
            policy_version: 1,
        }
    }

    /// The configuration the contract's state holds (`allow_simulated_tee` from genesis).
    pub fn from_state(
        state: GovernanceState,
        allow_simulated_tee: bool,
    ) -> Result<Self, GovernanceError> {
        let policy = serde_json::from_slice(&state.policy_json)
            .map_err(|e| GovernanceError::Invalid(format!("policy document: {e}")))?;
        let measurements = state.measurements.iter().map(allowed_measurement).collect();
        Ok(Self {
            governed: true,
            config_version: state.config_version,
            members: state.members,
            validators: state.validators,
            nodes: state.nodes,
            measurements,
            allow_simulated_tee,
            roles: state.roles,
            policy,
            policy_version: state.policy_version,
        })
    }

    /// Whether `address` may join the cluster at all (a validator or an admitted node).
    pub fn admits(&self, address: &Address) -> bool {
        self.validators.contains(address) || self.nodes.contains(address)
    }

    /// Whether `address` seals blocks.
    pub fn is_validator(&self, address: &Address) -> bool {
        self.validators.contains(address)
    }

    /// Whether `address` may propose and vote.
    pub fn is_member(&self, address: &Address) -> bool {
        self.members.contains(address)
    }
}
