//! Choosing the TEE backend at startup, with the one rule that matters: the simulated backend
//! only runs on a chain whose spec allows simulation, and is never the default elsewhere.

use crate::attester::{Attester, AttesterKind};
use crate::error::AttestError;
use crate::occlum::OcclumAttester;
use crate::sealing::{KeyFileSealer, SealPolicy, Sealer, SgxSealer};
use crate::simulated::SimulatedAttester;

impl AttesterKind {
    /// The backend to use when the operator names none: simulated only where the chain allows
    /// simulation (dev chains), Occlum everywhere else.
    pub fn default_for(chain_allows_simulation: bool) -> Self {
        if chain_allows_simulation {
            AttesterKind::Simulated
        } else {
            AttesterKind::Occlum
        }
    }

    /// Refuses the simulated backend on a chain that does not allow simulation.
    pub fn check_allowed(self, chain_allows_simulation: bool) -> Result<(), AttestError> {
        if self.is_simulated() && !chain_allows_simulation {
            return Err(AttestError::SimulationForbiddenByChain);
        }
        Ok(())
    }
}

/// Opens the attester of `kind`: Occlum's `/dev/sgx`, or a simulated one measuring the
/// running executable.
pub fn open_attester(
    kind: AttesterKind,
    chain_allows_simulation: bool,
) -> Result<Box<dyn Attester>, AttestError> {
    kind.check_allowed(chain_allows_simulation)?;
    Ok(match kind {
        AttesterKind::Occlum => Box::new(OcclumAttester::open()?),
        AttesterKind::Simulated => Box::new(SimulatedAttester::for_current_exe()?),
    })
}

/// Opens the sealer matching the attester `kind`: the SGX seal key under `policy` in Occlum,
/// a mode-0600 key file when simulating.
pub fn open_sealer(
    kind: AttesterKind,
    policy: SealPolicy,
    chain_allows_simulation: bool,
) -> Result<Box<dyn Sealer>, AttestError> {
    kind.check_allowed(chain_allows_simulation)?;
    Ok(match kind {
        AttesterKind::Occlum => Box::new(SgxSealer::occlum(policy)?),
        AttesterKind::Simulated => Box::new(KeyFileSealer::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulation_is_default_only_where_allowed() {
        assert_eq!(AttesterKind::default_for(true), AttesterKind::Simulated);
        assert_eq!(AttesterKind::default_for(false), AttesterKind::Occlum);
    }

    #[test]
    fn simulated_backend_is_refused_on_a_production_chain() {
        assert!(matches!(
            open_attester(AttesterKind::Simulated, false),
            Err(AttestError::SimulationForbiddenByChain)
        ));
        assert!(matches!(
            open_sealer(AttesterKind::Simulated, SealPolicy::MrSigner, false),
            Err(AttestError::SimulationForbiddenByChain)
        ));
        let attester = open_attester(AttesterKind::Simulated, true).unwrap();
        assert_eq!(attester.kind(), AttesterKind::Simulated);
        assert!(open_sealer(AttesterKind::Simulated, SealPolicy::MrSigner, true).is_ok());
    }

    #[test]
    fn occlum_backend_fails_cleanly_here() {
        assert!(matches!(
            open_attester(AttesterKind::Occlum, false),
            Err(AttestError::DeviceUnavailable { .. })
        ));
        assert!(matches!(
            open_sealer(AttesterKind::Occlum, SealPolicy::MrEnclave, false),
            Err(AttestError::DeviceUnavailable { .. })
        ));
    }
}
