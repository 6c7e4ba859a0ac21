//! Who may talk to this node: a member key (the caller's predicate: genesis validators and
//! admitted nodes) and, when the node runs with a TEE, an attested certificate whose
//! measurement the chain allows. With `--tee none` there is no quote to check: the key proof
//! alone admits a peer, which protects nothing against the host and is for development only.

use super::error::RefusalReason;
use cloister_primitives::Address;
use cloister_tee::{
    AttestationReport, Collateral, EnclaveRule, Mr256, QuoteKind, RaTlsCheck, VerificationPolicy,
    verify_ra_tls_certificate,
};
use std::{fmt, sync::Arc, time::SystemTime};

/// Whether an address is a member of the cluster; asked on every connection, so it may follow
/// governance as it changes.
pub type Membership = Arc<dyn Fn(&Address) -> bool + Send + Sync>;

/// What a peer's RA-TLS certificate must prove.
#[derive(Clone, Debug)]
pub struct PeerAttestation {
    check: RaTlsCheck,
    /// MRENCLAVEs the chain allows, also applied to simulated quotes (which the quote policy
    /// does not see); empty means the chain names none.
    allowed_mrenclaves: Vec<Mr256>,
}

impl PeerAttestation {
    /// The chain's allowed measurements (`cloister.allowedMeasurements`) and simulation rule
    /// (`allowSimulatedTee`), as `cloister attest verify --genesis` reads them.
    pub fn new(allowed: Vec<EnclaveRule>, allow_simulated: bool) -> Self {
        let allowed_mrenclaves = allowed.iter().filter_map(|r| r.mr_enclave).collect();
        let policy = VerificationPolicy {
            allowed_enclaves: allowed,
            ..VerificationPolicy::default()
        };
        let mut check = RaTlsCheck::new(policy, SystemTime::now());
        check.allow_simulated = allow_simulated;
        Self {
            check,
            allowed_mrenclaves,
        }
    }

    /// Collateral for verifying real quotes (without it a real quote is refused).
    pub fn with_collateral(mut self, collateral: Collateral) -> Self {
        self.check.collateral = Some(collateral);
        self
    }

    /// Checks a peer's certificate now.
    pub fn verify(&self, cert_der: &[u8]) -> Result<AttestationReport, RefusalReason> {
        let mut check = self.check.clone();
        check.now = SystemTime::now();
        let report = verify_ra_tls_certificate(cert_der, &check)
            .map_err(|e| RefusalReason::Attestation(e.to_string()))?;
        // Real quotes met the allow-list inside the verifier; a simulated one is held to the
        // chain's MRENCLAVE list here, as `attest verify` does.
        if report.kind == QuoteKind::Simulated && !self.allowed_mrenclaves.is_empty() {
            match report.mrenclave {
                Some(mr) if self.allowed_mrenclaves.contains(&mr) => {}
                Some(mr) => return Err(RefusalReason::MeasurementNotAllowed(mr.to_string())),
                None => return Err(RefusalReason::Attestation("quote has no MRENCLAVE".into())),
            }
        }
        Ok(report)
    }
}

/// The rules a peer must meet, both when it dials this node and when this node dials it.
#[derive(Clone)]
pub struct PeerPolicy {
    /// Member keys.
    pub membership: Membership,
    /// The attestation rule; `None` with `--tee none` (no quote required).
    pub attestation: Option<PeerAttestation>,
}

impl PeerPolicy {
    /// A policy admitting keys for which `membership` holds, attested per `attestation`.
    pub fn new(membership: Membership, attestation: Option<PeerAttestation>) -> Self {
        Self {
            membership,
            attestation,
        }
    }

    /// The application-layer check of a peer's certificate.
    pub fn check_certificate(&self, cert_der: &[u8]) -> Result<(), RefusalReason> {
        match &self.attestation {
            Some(attestation) => attestation.verify(cert_der).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Whether `address` is a member.
    pub fn check_member(&self, address: &Address) -> Result<(), RefusalReason> {
        if (self.membership)(address) {
            Ok(())
        } else {
            Err(RefusalReason::NotMember(*address))
        }
    }
}

impl fmt::Debug for PeerPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerPolicy")
            .field("attestation", &self.attestation)
            .finish_non_exhaustive()
    }
}
